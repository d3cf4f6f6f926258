//! The invocation handler: a thin adapter from a Lambda event to an engine run and back.
//!
//! Everything costly — the HTTP client, the S3 client, the parsed config — is built once per
//! container in [`App::init`] and reused by every warm invocation. A failure there (config bucket
//! unreadable, variables missing) does not kill the process: each invocation answers with a 500
//! that says why, and a config that could not be read is tried again on the next invocation.

use crate::deadline::run_budget;
use crate::environment::{DeploymentError, Settings};
use crate::event::{Routed, Trigger, route};
use crate::fan_out::{self, Step, SummaryInput, route_step};
use crate::metrics::{ClientMetrics, MetricsTarget};
use crate::response::{Invocation, LambdaResponse};
use serde_json::Value;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::Mutex;
use tokio::time::Instant;
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::store::{DataStore, Location};
use vectora_core::{ClientResult, Engine, EngineOptions, NoProgress, RunError, ValidRequest};

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

    /// Answers one invocation. Never panics and never returns an error: every outcome is a response.
    pub async fn handle(&self, event: Value, ctx: &InvocationContext) -> LambdaResponse {
        let started = Instant::now();
        let execution_date = vectora_core::model::format_timestamp(chrono::Utc::now());
        let response = self.respond(event, ctx, started, execution_date).await;
        let facts = &response.facts;
        tracing::info!(
            status_code = response.status_code,
            status = ?facts.status,
            error = facts.error.as_ref().map_or("", |e| e.0),
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
        let id = ctx.request_id.as_str();
        if let Some(step) = route_step(&event) {
            return match step {
                Ok(step) => self.respond_step(step, ctx, started).await,
                Err(e) => {
                    tracing::warn!(error = %e, "bad step event");
                    LambdaResponse::bad_event(&e, id)
                }
            }
            .failing_invocation();
        }
        let Routed { request, trigger } = match route(&event) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "bad event");
                return LambdaResponse::bad_event(&e, id);
            }
        };
        let deadline = self.log_start(trigger, &request, ctx, started);
        let engine = match self.engine(id).await {
            Ok(e) => e,
            Err(answer) => return answer,
        };
        let results = match self.run_recorded(&engine, &request, deadline, ctx).await {
            Ok(r) => r,
            Err(e) => return LambdaResponse::run_error(&e, id),
        };
        let inv = Invocation {
            request_id: id,
            trigger,
            execution_date,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        };
        LambdaResponse::from_results(&request, &results, &inv)
    }

    /// Logs the start of a run; returns its deadline, counted from the start of the invocation
    /// (reading the config is part of the budget).
    fn log_start(
        &self,
        trigger: Trigger,
        request: &ValidRequest,
        ctx: &InvocationContext,
        started: Instant,
    ) -> Option<Instant> {
        let budget = run_budget(ctx.deadline_ms, SystemTime::now());
        tracing::info!(
            trigger = trigger.as_str(),
            client_id = request.client_id().unwrap_or("*"),
            dry_run = request.dry_run(),
            budget_s = budget.map(|b| b.as_secs_f64()),
            "invocation started"
        );
        budget.map(|b| started + b)
    }

    /// The engine over the current config, or the 500 answer of a broken deployment.
    async fn engine(&self, request_id: &str) -> Result<Engine, LambdaResponse> {
        let deployment = self.deployment.as_ref().map_err(|e| {
            LambdaResponse::error(500, "missing_configuration", e.to_string(), request_id)
        })?;
        deployment
            .engine(self.settings.config_max_age)
            .await
            .map_err(|message| {
                LambdaResponse::error(500, "config_unavailable", message, request_id)
            })
    }

    /// Plans and runs the request, and emits each client's metrics (and a failed single
    /// client's, unless the caller named it wrongly).
    async fn run_recorded(
        &self,
        engine: &Engine,
        request: &ValidRequest,
        deadline: Option<Instant>,
        ctx: &InvocationContext,
    ) -> Result<Vec<ClientResult>, RunError> {
        let results = match engine.plan(request.clone()) {
            Ok(plan) => engine.run(&plan, deadline, &NoProgress).await,
            Err(refused) => Err(refused),
        }
        .inspect_err(|e| {
            if let Some(id) = request.client_id()
                && !e.is_callers_fault()
            {
                self.metrics
                    .emit(id, &ctx.request_id, &ClientMetrics::client_error());
            }
            tracing::warn!(error = %e, "run refused or failed");
        })?;
        for r in &results {
            let m = match &r.result {
                Ok(report) => ClientMetrics::from_report(report),
                Err(_) => ClientMetrics::client_error(),
            };
            self.metrics.emit(&r.client_id, &ctx.request_id, &m);
        }
        Ok(results)
    }

    /// One step of the fan-out state machine (see [`crate::fan_out`]). A step that cannot do its
    /// job fails the invocation, so that Step Functions retries or stops on it.
    async fn respond_step(
        &self,
        step: Step,
        ctx: &InvocationContext,
        started: Instant,
    ) -> LambdaResponse {
        let now = || vectora_core::model::format_timestamp(chrono::Utc::now());
        let id = ctx.request_id.as_str();
        let engine = match self.engine(id).await {
            Ok(e) => e,
            Err(answer) => return answer,
        };
        match step {
            Step::Plan {
                execution,
                request,
                raw,
            } => {
                let run_id = fan_out::safe_run_id(execution.as_deref().unwrap_or_default(), id);
                match fan_out::plan(engine.config(), &request, &raw, run_id, now()) {
                    Ok(plan) => {
                        tracing::info!(run_id = %plan.run_id, clients = plan.clients.len(), "fan-out planned");
                        LambdaResponse::ok(&plan, None, id)
                    }
                    Err(e) => LambdaResponse::bad_event(&e, id),
                }
            }
            Step::Client { run_id, request } => {
                let deadline = self.log_start(Trigger::FanOut, &request, ctx, started);
                let client_id = request.client_id().unwrap_or_default().to_string();
                let result = match self.run_recorded(&engine, &request, deadline, ctx).await {
                    Ok(mut results) if results.len() == 1 => results.remove(0),
                    Ok(_) => return LambdaResponse::error(500, "internal", "not one client", id),
                    Err(e) => ClientResult {
                        client_id,
                        result: Err(e),
                    },
                };
                let outcome = fan_out::outcome(&result);
                tracing::info!(%run_id, client_id = %outcome.client_id, status = ?outcome.status, "fan-out client finished");
                LambdaResponse::ok(&outcome, Some(outcome.status), id)
            }
            Step::Summary(input) => self.store_summary(&engine, &input, now(), id).await,
        }
    }

    /// The summary step: totals the outcomes and stores them (not in a dry run).
    async fn store_summary(
        &self,
        engine: &Engine,
        input: &SummaryInput,
        finished_at: String,
        request_id: &str,
    ) -> LambdaResponse {
        let summary = fan_out::summarize(input, finished_at);
        if let Some(key) = &summary.summary_key {
            let bytes = match serde_json::to_vec_pretty(&summary) {
                Ok(b) => b,
                Err(e) => return LambdaResponse::error(500, "internal", e.to_string(), request_id),
            };
            if let Err(e) = engine.store().put(key, bytes.into()).await {
                return LambdaResponse::error(500, "store_error", e.to_string(), request_id);
            }
        }
        tracing::info!(run_id = %summary.run_id, status = ?summary.status, clients = summary.clients_planned, failed = summary.clients_failed, key = summary.summary_key.as_deref().unwrap_or(""), "fan-out summary");
        LambdaResponse::ok(&summary, Some(summary.status), request_id)
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
        let errors = config.diagnostics().iter().filter(|d| d.is_error()).count();
        for d in config.diagnostics() {
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
