//! The invocation handler: a thin adapter from a Lambda event to an engine run and back.
//!
//! Everything costly — the HTTP client, the S3 client, the parsed config — is built once per
//! container in [`App::init`] and reused by every warm invocation. A failure there (config bucket
//! unreadable, variables missing) does not kill the process: each invocation answers with a 500
//! that says why, and a config that could not be read is tried again on the next invocation.

use crate::deadline::run_budget;
use crate::environment::{DeploymentError, Settings};
use crate::event::{Routed, route};
use crate::metrics::{ClientMetrics, MetricsTarget};
use crate::response::{Invocation, LambdaResponse};
use serde_json::Value;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::Mutex;
use tokio::time::Instant;
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::store::{DataStore, Location};
use vectora_core::{Engine, EngineOptions, NoProgress};

/// What the runtime tells us about one invocation.
#[derive(Debug, Clone, Default)]
pub struct InvocationContext {
    pub request_id: String,
    /// Invocation deadline, milliseconds since the epoch; 0 when unknown.
    pub deadline_ms: u64,
}

/// The function's long-lived state.
pub struct App {
    deployment: Result<Deployment, DeploymentError>,
    metrics: MetricsTarget,
    settings: Settings,
}

/// The clients of a correctly configured function, and the config once read.
struct Deployment {
    config_location: Location,
    fetcher: Fetcher,
    store: DataStore,
    engine: Mutex<Option<LoadedEngine>>,
}

struct LoadedEngine {
    engine: Engine,
    loaded_at: Instant,
}

impl App {
    /// Builds the clients from the environment's buckets and reads the config.
    pub async fn init(settings: Settings) -> App {
        let deployment = match settings.locations() {
            Ok((config, data)) => Deployment::open(&settings, config, data).await,
            Err(e) => Err(e),
        };
        App::finish(settings, deployment)
    }

    /// Like [`App::init`], with explicit locations (local folders in tests, whatever the settings'
    /// buckets say).
    pub async fn with_locations(settings: Settings, config: Location, data: Location) -> App {
        let deployment = Deployment::open(&settings, config, data).await;
        App::finish(settings, deployment)
    }

    fn finish(settings: Settings, deployment: Result<Deployment, DeploymentError>) -> App {
        if let Err(e) = &deployment {
            tracing::error!(error = %e, "the function is not configured; every invocation will answer 500");
        }
        let metrics = MetricsTarget {
            namespace: settings.metrics_namespace().to_string(),
            environment: settings.env_name().to_string(),
        };
        App {
            deployment,
            metrics,
            settings,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Answers one invocation. Never panics and never returns an error: every outcome is a response.
    pub async fn handle(&self, event: Value, ctx: &InvocationContext) -> LambdaResponse {
        let started = Instant::now();
        let execution_date = vectora_core::model::format_timestamp(chrono::Utc::now());
        let response = self
            .respond(event, ctx, started, execution_date)
            .await
            .with_request_id(&ctx.request_id);
        let status = response
            .body
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("");
        let error = response
            .body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("");
        tracing::info!(
            status_code = response.status_code,
            status,
            error,
            duration_s = started.elapsed().as_secs_f64(),
            "invocation finished"
        );
        response
    }

    async fn respond(
        &self,
        event: Value,
        ctx: &InvocationContext,
        started: Instant,
        execution_date: String,
    ) -> LambdaResponse {
        let Routed { request, trigger } = match route(&event) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "bad event");
                return LambdaResponse::bad_event(&e);
            }
        };
        let budget = run_budget(ctx.deadline_ms, SystemTime::now());
        tracing::info!(
            trigger = trigger.as_str(),
            client_id = request.client_id.as_deref().unwrap_or("*"),
            dry_run = request.dry_run,
            budget_s = budget.map(|b| b.as_secs_f64()),
            "invocation started"
        );
        let deployment = match &self.deployment {
            Ok(d) => d,
            Err(e) => return LambdaResponse::error(500, "missing_configuration", e.to_string()),
        };
        let engine = match deployment.engine(self.settings.config_max_age).await {
            Ok(e) => e,
            Err(message) => return LambdaResponse::error(500, "config_unavailable", message),
        };
        // The budget is counted from the start of the invocation: reading the config is part of it.
        let deadline = budget.map(|b| started + b);
        let results = match engine.run(&request, deadline, &NoProgress).await {
            Ok(r) => r,
            Err(e) => {
                if let Some(id) = &request.client_id
                    && !matches!(
                        e,
                        vectora_core::RunError::BadRequest(_)
                            | vectora_core::RunError::UnknownClient(_)
                    )
                {
                    self.metrics
                        .emit(id, &ctx.request_id, &ClientMetrics::client_error());
                }
                tracing::warn!(error = %e, "run refused or failed");
                return LambdaResponse::run_error(&e);
            }
        };
        for r in &results {
            let m = match &r.result {
                Ok(report) => ClientMetrics::from_report(report),
                Err(_) => ClientMetrics::client_error(),
            };
            self.metrics.emit(&r.client_id, &ctx.request_id, &m);
        }
        let inv = Invocation {
            request_id: &ctx.request_id,
            trigger,
            execution_date,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        };
        LambdaResponse::from_results(&request, results, &inv)
    }
}

impl Deployment {
    async fn open(
        settings: &Settings,
        config: Location,
        data: Location,
    ) -> Result<Deployment, DeploymentError> {
        let fetcher = Fetcher::new(FetchSettings {
            allow_private_networks: settings.allow_private_networks,
            ..Default::default()
        })
        .map_err(|e| DeploymentError(format!("cannot build the HTTP client: {e}")))?;
        let store = DataStore::open(&data, true)
            .map_err(|e| DeploymentError(format!("cannot open the data store: {e}")))?;
        let deployment = Deployment {
            config_location: config,
            fetcher,
            store,
            engine: Mutex::new(None),
        };
        // Read the config now, in the init phase; if that fails the first invocation tries again.
        let mut slot = deployment.engine.lock().await;
        match deployment.load().await {
            Ok(loaded) => *slot = Some(loaded),
            Err(e) => {
                tracing::error!(error = %e, "could not read the config at start-up; will retry on invocation")
            }
        }
        drop(slot);
        Ok(deployment)
    }

    async fn load(&self) -> Result<LoadedEngine, String> {
        let config = vectora_core::config::load(&self.config_location)
            .await
            .map_err(|e| format!("cannot read the config from {}: {e}", self.config_location))?;
        let errors = config.diagnostics.iter().filter(|d| d.is_error()).count();
        for d in &config.diagnostics {
            if d.is_error() {
                tracing::error!(file = %d.file, key = %d.key, "{}", d.message);
            } else {
                tracing::warn!(file = %d.file, key = %d.key, "{}", d.message);
            }
        }
        tracing::info!(location = %self.config_location, errors, summary = %config.summary(), "config loaded");
        let engine = Engine::new(
            Arc::new(config),
            self.fetcher.clone(),
            self.store.clone(),
            EngineOptions::default(),
        );
        Ok(LoadedEngine {
            engine,
            loaded_at: Instant::now(),
        })
    }

    /// The engine over the cached config; reads the config when there is none yet, or when it is
    /// older than `max_age` (a stale config is kept if the refresh fails).
    async fn engine(&self, max_age: Option<std::time::Duration>) -> Result<Engine, String> {
        let mut slot = self.engine.lock().await;
        let stale = match (&*slot, max_age) {
            (None, _) => true,
            (Some(l), Some(max)) => l.loaded_at.elapsed() > max,
            (Some(_), None) => false,
        };
        if stale {
            match self.load().await {
                Ok(loaded) => *slot = Some(loaded),
                Err(e) if slot.is_some() => {
                    tracing::warn!(error = %e, "config refresh failed; keeping the cached config")
                }
                Err(e) => return Err(e),
            }
        }
        slot.as_ref()
            .map(|l| l.engine.clone())
            .ok_or_else(|| "the config is not loaded".to_string())
    }
}
