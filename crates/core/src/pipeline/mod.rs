//! Running one client, or every client of a plan: the orchestration of the stages
//! plan → fetch → parse (+ article fallback) → select → dedup → persist → report, and nothing else.
//! Each stage is a function of its own module: `source` (one source: fetch, parse, select),
//! `articles` (the article fallback), `hosts` (which sources run when), `gather` (dedup, in
//! source order), `write` (persist and the report).

mod articles;
mod gather;
mod hosts;
mod probe;
mod select;
mod source;
mod write;

pub use probe::Probe;

use source::SourceRunContext;

use crate::config::{Client, Config, SourceDef};
use crate::error::RunError;
use crate::fetch::Fetcher;
use crate::health::HealthState;
use crate::model::{RunReport, SourceOutcome};
use crate::plan::{Planned, RunPlan, plan_sources};
use crate::request::ValidRequest;
use crate::state::IngestIndex;
use crate::store::{DataStore, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use tokio::time::Instant;

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

    /// Plans a valid request on the engine's own config (see [`RunPlan::new`]).
    pub fn plan(&self, request: ValidRequest) -> Result<RunPlan, RunError> {
        RunPlan::new(request, &self.config)
    }

    /// Runs a plan: its one named client (whose failure is the run's), or each of its clients,
    /// isolated (each one's failure is its own).
    pub async fn run(
        &self,
        plan: &RunPlan,
        deadline: Option<Instant>,
        observer: &dyn RunObserver,
    ) -> Result<Vec<ClientResult>, RunError> {
        let req = plan.request();
        let mut results = Vec::with_capacity(plan.clients().len());
        for planned in plan.clients() {
            let result = match &planned.client {
                Ok(client) => self.run_client(req, client, deadline, observer).await,
                Err(errors) => {
                    tracing::error!(client_id = %planned.client_id, "client file has errors; client not run");
                    Err(RunError::Config(errors.clone()))
                }
            };
            match &result {
                Err(_) if req.client_id().is_some() => return result.map(|_| Vec::new()),
                Err(e) => {
                    tracing::error!(client_id = %planned.client_id, error = %e, "client run failed")
                }
                Ok(_) => {}
            }
            results.push(ClientResult {
                client_id: planned.client_id.clone(),
                result,
            });
        }
        Ok(results)
    }

    /// Runs one client: the stages in order, each one's output the next one's input.
    async fn run_client(
        &self,
        req: &ValidRequest,
        client: &Client,
        deadline: Option<Instant>,
        observer: &dyn RunObserver,
    ) -> Result<RunReport, RunError> {
        let started = std::time::Instant::now();
        let now = self.now();
        let today = now.date_naive();
        let client_id = client.id.as_str();
        let ctx = SourceRunContext {
            client_id,
            now,
            window: req.window().resolve(today, client.default_period_days),
            ingestion_mode: req.ingestion_mode(),
            temporal_mode: req.temporal_mode(),
            deadline,
            use_state: !req.force_refresh(),
        };
        // plan
        let (to_run, skipped) = split_plan(plan_sources(&self.config, client, req.sources()));
        observer.client_started(client_id, to_run.len());
        for o in &skipped {
            observer.source_finished(client_id, o);
        }
        // fetch → parse → select, per source; dedup as their results come, in source order
        let index = self.earlier_runs(req, client_id, today).await?;
        let gathered = self.run_sources(&to_run, &ctx, &index, observer).await;
        // persist
        let written = self.write_items(req, client_id, today, &gathered).await?;
        let mut ran = gathered.finish(written.already_present, skipped);
        // report: health last, once everything else is stored (a dry run stores nothing)
        HealthState::after_run(&self.store, client_id, &ran.outcomes, now, req.dry_run())
            .await
            .annotate(&mut ran.outcomes, now, client.stale_after_days);
        let report = self.report(req, &ctx, new_run_id(now), ran, written, started);
        if !req.dry_run() {
            self.write_report(&report, today).await?;
        }
        log_report(&report);
        Ok(report)
    }

    /// What earlier runs ingested (ignored, but still updated, with force_refresh).
    async fn earlier_runs(
        &self,
        req: &ValidRequest,
        client_id: &str,
        today: NaiveDate,
    ) -> Result<IngestIndex, StoreError> {
        if req.force_refresh() {
            return Ok(IngestIndex::default());
        }
        IngestIndex::load(&self.store, client_id, today).await
    }
}

/// `{YYYYMMDDTHHMMSSZ}-{8 hex}`: sorts by time, unique among runs of the same second.
fn new_run_id(now: DateTime<Utc>) -> String {
    format!(
        "{}-{}",
        now.format("%Y%m%dT%H%M%SZ"),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

fn log_report(report: &RunReport) {
    tracing::info!(
        client_id = %report.client_id,
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
