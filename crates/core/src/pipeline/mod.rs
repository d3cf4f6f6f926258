//! Running one client, or every active client: the orchestration of
//! plan → fetch → parse → filter → dedup → store → report, and nothing else.

mod articles;
mod gather;
mod hosts;
mod probe;
mod source;
mod write;

pub use probe::Probe;

use source::SourceRunContext;

use crate::config::{Config, ConfigErrors, DEFAULT_PERIOD_DAYS, SourceDef};
use crate::fetch::Fetcher;
use crate::health::HealthState;
use crate::model::{RunReport, SourceOutcome};
use crate::plan::{Planned, plan_sources};
use crate::request::RunRequest;
use crate::state::IngestIndex;
use crate::store::{DataStore, StoreError};
use crate::window::Window;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::time::Instant;

/// Why a run could not start (a bad request or config), or could not store its result.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unknown client `{0}`: no clients/{0}.yaml in the config")]
    UnknownClient(String),
    #[error(transparent)]
    Config(#[from] ConfigErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Engine-wide options.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// The global bound: sources in progress at once, over all hosts (a host's own sources run
    /// one after another, whatever this is). Default: sized for the machine, see
    /// [`crate::fetch::capacity::Machine::default_concurrency`].
    pub concurrency: usize,
    /// Overrides "now" (tests, replays). Defaults to the clock.
    pub now: Option<DateTime<Utc>>,
    /// Validators older than this are not sent: a server that keeps answering 304 gets a full
    /// request now and then.
    pub validator_max_age: chrono::Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            concurrency: crate::fetch::capacity::Machine::detect().default_concurrency(),
            now: None,
            validator_max_age: chrono::Duration::days(7),
        }
    }
}

/// Receives progress as sources complete (the CLI's progress bar, the Lambda's logs).
pub trait RunObserver: Send + Sync {
    fn client_started(&self, _client_id: &str, _sources: usize) {}
    fn source_finished(&self, _client_id: &str, _outcome: &SourceOutcome) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;
impl RunObserver for NoProgress {}

/// The engine: config, fetcher and store, built once and reused for every run.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Arc<Config>,
    fetcher: Fetcher,
    store: DataStore,
    options: EngineOptions,
    /// Pages parsed at once: one per core. Parsing is CPU work; more at once would only hold
    /// more pages' trees in memory (a large page's costs about 30 times its size).
    parse_slots: Arc<tokio::sync::Semaphore>,
}

/// The outcome of one client in a multi-client run: isolated from the others.
#[derive(Debug)]
pub struct ClientResult {
    pub client_id: String,
    pub result: Result<RunReport, RunError>,
}

impl Engine {
    pub fn new(
        config: Arc<Config>,
        fetcher: Fetcher,
        store: DataStore,
        options: EngineOptions,
    ) -> Engine {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Engine {
            config,
            fetcher,
            store,
            options,
            parse_slots: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The same engine with other options.
    pub fn with_options(mut self, options: EngineOptions) -> Engine {
        self.options = options;
        self
    }

    pub fn store(&self) -> &DataStore {
        &self.store
    }

    fn now(&self) -> DateTime<Utc> {
        self.options.now.unwrap_or_else(Utc::now)
    }

    /// Runs the request: one client, or every active client when `client_id` is absent.
    /// A bad request fails as a whole; with several clients each one's failure is its own.
    pub async fn run(
        &self,
        req: &RunRequest,
        deadline: Option<Instant>,
        observer: &dyn RunObserver,
    ) -> Result<Vec<ClientResult>, RunError> {
        req.validate().map_err(RunError::BadRequest)?;
        if let Some(id) = &req.client_id {
            let report = self.run_client(req, id, deadline, observer).await?;
            return Ok(vec![ClientResult {
                client_id: id.clone(),
                result: Ok(report),
            }]);
        }
        let mut results = Vec::new();
        for client in self.config.active_clients() {
            let mut one = req.clone();
            one.client_id = Some(client.id.clone());
            let result = self.run_client(&one, &client.id, deadline, observer).await;
            if let Err(e) = &result {
                tracing::error!(client_id = %client.id, error = %e, "client run failed");
            }
            results.push(ClientResult {
                client_id: client.id.clone(),
                result,
            });
        }
        // A client file that could not be read is reported, not silently left out.
        for id in self.config.broken_client_ids() {
            let errors = self.config.blocking_errors(Some(&id));
            tracing::error!(client_id = %id, "client file has errors; client not run");
            results.push(ClientResult {
                client_id: id,
                result: Err(RunError::Config(ConfigErrors(errors))),
            });
        }
        Ok(results)
    }

    /// Runs one client.
    pub async fn run_client(
        &self,
        req: &RunRequest,
        client_id: &str,
        deadline: Option<Instant>,
        observer: &dyn RunObserver,
    ) -> Result<RunReport, RunError> {
        req.validate().map_err(RunError::BadRequest)?;
        let started = std::time::Instant::now();
        let now = self.now();
        // Config errors first: a client whose own file is broken is not "unknown".
        let blocking = self.config.blocking_errors(Some(client_id));
        if !blocking.is_empty() {
            return Err(RunError::Config(ConfigErrors(blocking)));
        }
        let client = self
            .config
            .clients
            .get(client_id)
            .ok_or_else(|| RunError::UnknownClient(client_id.to_string()))?;
        let period_days = req
            .period_days
            .or(client.default_period_days)
            .unwrap_or(DEFAULT_PERIOD_DAYS);
        let window = Window::resolve(now.date_naive(), period_days, req.from_date, req.to_date)
            .map_err(RunError::BadRequest)?;
        let run_id = format!(
            "{}-{}",
            now.format("%Y%m%dT%H%M%SZ"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );

        let (to_run, mut outcomes) =
            split_plan(plan_sources(&self.config, client, req.sources.as_deref()));
        observer.client_started(client_id, to_run.len());
        for o in &outcomes {
            observer.source_finished(client_id, o);
        }

        let ctx = SourceRunContext {
            client_id,
            now,
            window,
            ingestion_mode: req.ingestion_mode,
            temporal_mode: req.temporal_mode,
            deadline,
            use_state: !req.force_refresh,
        };
        // What earlier runs ingested (ignored, but still updated, with force_refresh).
        let index = if req.force_refresh {
            IngestIndex::default()
        } else {
            IngestIndex::load(&self.store, client_id, now.date_naive()).await?
        };
        let mut gathered = self.run_sources(&to_run, &ctx, &index, observer).await;
        let written = self
            .write_items(req, client_id, now.date_naive(), &gathered)
            .await?;
        gathered.deduplicated += written.already_present;
        gathered.outcomes.append(&mut outcomes);

        // Health last, once everything else is stored (a dry run computes it, stores nothing).
        HealthState::after_run(&self.store, client_id, &gathered.outcomes, now, req.dry_run)
            .await
            .annotate(&mut gathered.outcomes, now, client.stale_after_days);
        let report = RunReport {
            execution_time_seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            ..self.report(req, client_id, run_id, now, window, gathered, written)
        };
        if !req.dry_run {
            self.write_report(&report, now.date_naive()).await?;
        }
        tracing::info!(
            client_id,
            run_id = %report.run_id,
            status = ?report.status,
            sources_processed = report.sources_processed,
            sources_failed = report.sources_failed,
            items_ingested = report.items_ingested,
            items_filtered_out = report.items_filtered_out,
            items_deduplicated = report.items_deduplicated,
            items_final = report.items_final,
            duration_s = report.execution_time_seconds,
            "client run finished"
        );
        Ok(report)
    }
}

/// The plan's sources to run, in catalog order, and the outcomes of those it leaves out.
fn split_plan(plan: Vec<Planned<'_>>) -> (Vec<&SourceDef>, Vec<SourceOutcome>) {
    let mut to_run = Vec::new();
    let mut skipped = Vec::new();
    for p in plan {
        match p {
            Planned::Run(s) => to_run.push(s),
            Planned::Skip(o) => skipped.push(o),
        }
    }
    (to_run, skipped)
}

fn log_outcome(client_id: &str, o: &SourceOutcome) {
    if o.status.is_failure() {
        tracing::warn!(client_id, source_key = %o.source_key, status = ?o.status, http_status = o.http_status, items_parsed = o.items_parsed, items_kept = o.items_kept, duration_ms = o.duration_ms, error = o.error.as_deref().unwrap_or(""), "source finished");
    } else {
        tracing::info!(client_id, source_key = %o.source_key, status = ?o.status, http_status = o.http_status, items_parsed = o.items_parsed, items_kept = o.items_kept, duration_ms = o.duration_ms, "source finished");
    }
}
