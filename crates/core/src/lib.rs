//! The vectora-inbox engine: config → resolved sources → fetch → parse → filter → dedup → store
//! → report. No CLI, no Lambda, no deployment code: the fronts are thin layers over [`Engine`].

pub mod api;
pub mod config;
pub mod dedup;
pub mod error;
pub mod fetch;
pub mod health;
pub mod history;
pub mod model;
pub mod onboard;
pub mod parse;
pub mod pipeline;
pub mod plan;
pub mod request;
pub mod response;
pub mod state;
pub mod store;
mod tls;
pub mod window;

pub use config::Config;
pub use error::RunError;
pub use model::{Item, RunReport, RunStatus, SourceOutcome, SourceStatus, TemporalMode};
pub use pipeline::{ClientResult, Engine, EngineOptions, NoProgress, Probe, RunObserver};
pub use plan::RunPlan;
pub use request::{RequestError, RunRequest, ValidRequest};
pub use vectora_filter::IngestionMode;
