//! Running one client, or every active client: the orchestration of
//! plan → fetch → parse → filter → dedup → store → report, and nothing else.

mod articles;
mod probe;
mod source;

pub use probe::Probe;

use source::{SourceResult, SourceRunContext};

use crate::config::{Client, Config, ConfigErrors, DEFAULT_PERIOD_DAYS, SourceDef};
use crate::dedup::Deduper;
use crate::fetch::Fetcher;
use crate::health::HealthState;
use crate::model::{Item, RunReport, RunStatus, SourceOutcome};
use crate::plan::{Planned, plan_sources};
use crate::request::RunRequest;
use crate::state::{IngestIndex, validators_key};
use crate::store::{DataStore, StoreError, items_key, run_report_key};
use crate::window::Window;
use chrono::{DateTime, Utc};
use futures::StreamExt;
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
    /// Sources fetched at the same time.
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
            concurrency: 16,
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
        Engine {
            config,
            fetcher,
            store,
            options,
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

        let plan = plan_sources(&self.config, client, req.sources.as_deref());
        let (to_run, mut outcomes): (Vec<_>, Vec<_>) =
            plan.into_iter().partition(|p| matches!(p, Planned::Run(_)));
        let to_run: Vec<&SourceDef> = to_run
            .into_iter()
            .filter_map(|p| {
                if let Planned::Run(s) = p {
                    Some(s)
                } else {
                    None
                }
            })
            .collect();
        let mut outcomes: Vec<SourceOutcome> = outcomes
            .drain(..)
            .filter_map(|p| {
                if let Planned::Skip(o) = p {
                    Some(o)
                } else {
                    None
                }
            })
            .collect();
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
        // Hosts interleaved: the concurrency slots never all wait in one host's queue while
        // other hosts sit idle. Results are put back in source order below.
        let order = crate::fetch::spread_by_host(to_run.iter().enumerate().collect(), |(_, s)| {
            s.url
                .as_ref()
                .map(crate::fetch::host_key)
                .unwrap_or_default()
        });
        let mut results: Vec<(usize, SourceResult)> = futures::stream::iter(order)
            .map(|(i, s)| {
                let ctx = &ctx;
                async move { (i, self.run_source(s, ctx).await) }
            })
            .buffer_unordered(self.options.concurrency.max(1))
            .inspect(|(_, r)| {
                log_outcome(client_id, &r.outcome);
                observer.source_finished(client_id, &r.outcome);
            })
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);

        // Dedup within the run (in source order), then against what earlier runs ingested.
        let mut deduper = Deduper::default();
        let mut items: Vec<Item> = Vec::new();
        let (mut ingested, mut filtered, mut deduplicated) = (0usize, 0usize, 0usize);
        let mut run_outcomes = Vec::new();
        let mut validators = Vec::new();
        for (_, r) in results {
            ingested += r.outcome.items_parsed;
            filtered += r.filtered_out;
            let mut outcome = r.outcome;
            let mut kept = 0;
            for it in r.items {
                if deduper.insert(&it) && !index.contains(&it) {
                    items.push(it);
                    kept += 1;
                } else {
                    deduplicated += 1;
                }
            }
            outcome.items_kept = kept;
            run_outcomes.push(outcome);
            validators.extend(r.validators.map(|v| (r.source_key.clone(), v)));
        }
        run_outcomes.append(&mut outcomes);

        let day = now.date_naive();
        let key = items_key(client_id, day);
        let (items_final, output_path) = if req.dry_run {
            (items.len(), None)
        } else if items.is_empty() {
            // Nothing to add: leave the day's file (or its absence) as it is.
            (0, None)
        } else {
            let merged = self.store.merge_items(&key, &items).await?;
            deduplicated += merged.already_present;
            (merged.added, Some(self.store.display_key(&key)))
        };
        if !req.dry_run {
            // Order matters for crash safety: items first, then the index, then the validators
            // (a 304 must never hide items that were not stored).
            if !items.is_empty() {
                IngestIndex::record(&self.store, client_id, day, &items).await?;
            }
            for (source_key, v) in &validators {
                let body = serde_json::to_vec(v).map_err(|e| StoreError::Corrupt {
                    key: source_key.clone(),
                    message: e.to_string(),
                })?;
                self.store
                    .put(&validators_key(client_id, source_key), body.into())
                    .await?;
            }
        }

        // Health last, once everything else is stored (a dry run computes it, stores nothing).
        HealthState::after_run(&self.store, client_id, &run_outcomes, now, req.dry_run)
            .await
            .annotate(&mut run_outcomes, now, client.stale_after_days);

        let attempted: Vec<&SourceOutcome> = run_outcomes
            .iter()
            .filter(|o| o.status.was_attempted())
            .collect();
        let failed = attempted.iter().filter(|o| o.status.is_failure()).count();
        let status = if attempted.is_empty() || failed == attempted.len() {
            RunStatus::Failed
        } else if failed > 0 {
            RunStatus::Partial
        } else {
            RunStatus::Success
        };
        let report = RunReport {
            client_id: client_id.to_string(),
            run_id: run_id.clone(),
            execution_date: crate::model::format_timestamp(now),
            sources_processed: attempted.len(),
            sources_failed: failed,
            items_ingested: ingested,
            items_filtered_out: filtered,
            items_deduplicated: deduplicated,
            items_final,
            period_days_used: window.days(),
            window_from: window.from,
            window_to: window.to,
            s3_output_path: output_path,
            execution_time_seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            dry_run: req.dry_run,
            ingestion_mode: req.ingestion_mode,
            temporal_mode: req.temporal_mode,
            status,
            sources: run_outcomes,
            warnings: self.config.run_warnings(client_id),
        };
        if !req.dry_run {
            let body = serde_json::to_vec_pretty(&report).map_err(|e| StoreError::Corrupt {
                key: run_report_key(client_id, day, &run_id),
                message: e.to_string(),
            })?;
            self.store
                .put(&run_report_key(client_id, day, &run_id), body.into())
                .await?;
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

fn log_outcome(client_id: &str, o: &SourceOutcome) {
    if o.status.is_failure() {
        tracing::warn!(client_id, source_key = %o.source_key, status = ?o.status, http_status = o.http_status, items_parsed = o.items_parsed, items_kept = o.items_kept, duration_ms = o.duration_ms, error = o.error.as_deref().unwrap_or(""), "source finished");
    } else {
        tracing::info!(client_id, source_key = %o.source_key, status = ?o.status, http_status = o.http_status, items_parsed = o.items_parsed, items_kept = o.items_kept, duration_ms = o.duration_ms, "source finished");
    }
}

/// Convenience: resolves a client's id list for "every active client" runs.
pub fn active_client_ids(config: &Config) -> Vec<String> {
    config
        .active_clients()
        .map(|c: &Client| c.id.clone())
        .collect()
}
