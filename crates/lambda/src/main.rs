//! `bootstrap`: the executable of the custom runtime `provided.al2023`.
//!
//! Builds the clients and reads the config once (the init phase), then serves invocations until
//! the container is recycled. Each invocation runs inside a span carrying its request id, so every
//! log line of the engine (one per source, one per client) can be traced back to it.

use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::Value;
use std::sync::Arc;
use tracing::Instrument;
use vectora_lambda::{App, InvocationContext, Settings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let settings = Settings::from_env();
    if let Some(warning) =
        vectora_lambda::logging::init(settings.log_level.as_deref(), settings.json_logs)
    {
        tracing::warn!("{warning}");
    }
    tracing::info!(
        env = settings.env_name(),
        project = settings.metrics_namespace(),
        version = env!("CARGO_PKG_VERSION"),
        "bootstrap starting"
    );
    let app = Arc::new(App::init(settings).await);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let app = Arc::clone(&app);
        async move {
            let ctx = InvocationContext {
                request_id: event.context.request_id.clone(),
                deadline_ms: event.context.deadline,
            };
            let span = tracing::info_span!("invocation", request_id = %ctx.request_id);
            let response = app.handle(event.payload, &ctx).instrument(span).await;
            match response.function_error() {
                Some((error_type, error_message)) => Err(Diagnostic {
                    error_type,
                    error_message,
                }),
                None => Ok(response),
            }
        }
    }))
    .await
}
