//! The AWS Lambda front of vectora-inbox: the event contract, the response, logs and metrics around
//! the engine. The `bootstrap` binary only wires these to the Lambda runtime.

pub mod deadline;
pub mod environment;
pub mod event;
pub mod fan_out;
pub mod handler;
pub mod logging;
pub mod metrics;
pub mod response;

pub use environment::Settings;
pub use handler::{App, InvocationContext};
pub use response::LambdaResponse;
