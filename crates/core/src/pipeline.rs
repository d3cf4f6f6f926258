//! Running one client, or every active client: the orchestration of
//! plan → fetch → parse → filter → dedup → store → report, and nothing else.

use crate::config::{Client, Config, ConfigErrors, DEFAULT_PERIOD_DAYS, SourceDef, SourceKind};
use crate::dedup::Deduper;
use crate::fetch::{FetchErrorKind, FetchOptions, Fetcher};
use crate::model::{
    Item, RunReport, RunStatus, SourceContext, SourceOutcome, SourceStatus, TemporalMode,
};
use crate::plan::{Planned, plan_sources};
use crate::request::RunRequest;
use crate::state::{IngestIndex, Validators, validators_key};
use crate::store::{DataStore, StoreError, items_key, run_report_key};
use crate::window::Window;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use vectora_filter::IngestionMode;

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
        let client = self
            .config
            .clients
            .get(client_id)
            .ok_or_else(|| RunError::UnknownClient(client_id.to_string()))?;
        let blocking = self.config.blocking_errors(Some(client_id));
        if !blocking.is_empty() {
            return Err(RunError::Config(ConfigErrors(blocking)));
        }
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
        let mut results: Vec<(usize, SourceResult)> =
            futures::stream::iter(to_run.iter().enumerate())
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

    async fn run_source(&self, source: &SourceDef, ctx: &SourceRunContext<'_>) -> SourceResult {
        let started = std::time::Instant::now();
        let mut result = self.fetch_and_parse(source, ctx).await;
        result.outcome.duration_ms =
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        result
    }

    async fn fetch_and_parse(
        &self,
        source: &SourceDef,
        ctx: &SourceRunContext<'_>,
    ) -> SourceResult {
        let key = source.key.as_str();
        let fail = |status: SourceStatus, msg: String| {
            SourceResult::failed(SourceOutcome::new(key, status).with_error(msg))
        };
        if let Some(d) = ctx.deadline
            && Instant::now() >= d
        {
            return fail(
                SourceStatus::Skipped,
                "run deadline reached before this source could start".into(),
            );
        }
        let Some(url) = &source.url else {
            return fail(
                SourceStatus::ConfigError,
                format!("no URL configured for ingestion_mode {:?}", source.kind),
            );
        };
        if source.kind == SourceKind::Api {
            return fail(
                SourceStatus::ConfigError,
                "ingestion_mode `api` is not supported yet".into(),
            );
        }
        let previous: Option<Validators> = if ctx.use_state {
            match self
                .store
                .get_json(&validators_key(ctx.client_id, key))
                .await
            {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(source_key = key, error = %e, "ignoring unreadable validators");
                    None
                }
            }
        } else {
            None
        };
        let previous =
            previous.filter(|v| v.usable(url.as_str(), ctx.now, self.options.validator_max_age));
        let opts = FetchOptions {
            insecure_tls: !source.ssl_verify,
            min_interval: source.min_interval_ms.map(Duration::from_millis),
            deadline: ctx.deadline,
            etag: previous.as_ref().and_then(|v| v.etag.clone()),
            last_modified: previous.as_ref().and_then(|v| v.last_modified.clone()),
        };
        let mut outcome = SourceOutcome::new(key, SourceStatus::Ok);
        outcome.url = Some(url.to_string());
        if !source.ssl_verify {
            outcome.warnings.push(
                "TLS certificate verification is disabled for this source (ssl_verify: false)"
                    .into(),
            );
        }
        let fetched = match self.fetcher.fetch(url, &opts).await {
            Ok(f) => f,
            Err(e) => {
                outcome.status = match e.kind {
                    FetchErrorKind::Http => SourceStatus::HttpError,
                    FetchErrorKind::Timeout => SourceStatus::Timeout,
                    FetchErrorKind::TooLarge => SourceStatus::TooLarge,
                    FetchErrorKind::Blocked => SourceStatus::Blocked,
                    FetchErrorKind::Connect => SourceStatus::FetchError,
                };
                outcome.http_status = e.http_status;
                outcome.attempts = e.attempts;
                return SourceResult::failed(outcome.with_error(e.message));
            }
        };
        outcome.http_status = Some(fetched.status);
        outcome.attempts = fetched.attempts;
        outcome.bytes = fetched.body.len() as u64;
        if fetched.not_modified() {
            outcome.status = SourceStatus::NotModified;
            return SourceResult::failed(outcome);
        }
        let new_validators =
            (fetched.etag.is_some() || fetched.last_modified.is_some()).then(|| Validators {
                url: url.to_string(),
                etag: fetched.etag.clone(),
                last_modified: fetched.last_modified.clone(),
                fetched_at: ctx.now,
            });
        let parsed = match crate::parse::parse_document(
            self.config(),
            source,
            &fetched,
            ctx.now.date_naive(),
        ) {
            Ok(p) => p,
            Err(e) => {
                outcome.status = SourceStatus::ParseError;
                return SourceResult::failed(outcome.with_error(e.to_string()));
            }
        };
        let mut parsed = parsed;
        outcome.warnings.append(&mut parsed.warnings);
        if source.kind == SourceKind::Html {
            self.complete_from_articles(source, &mut parsed.entries, &opts, ctx, &mut outcome)
                .await;
        }
        outcome.items_parsed = parsed.entries.len();
        outcome.status = if parsed.malformed {
            SourceStatus::Malformed
        } else if parsed.entries.is_empty() {
            SourceStatus::Empty
        } else {
            SourceStatus::Ok
        };
        let profile = source
            .profile
            .as_ref()
            .and_then(|p| self.config.profiles.get(p));
        let sctx = SourceContext {
            source_key: key,
            source_type: &source.source_type,
            language: &source.language,
            tags: &source.tags,
        };
        let mut items = Vec::new();
        let mut filtered_out = 0;
        let unusable = parsed
            .entries
            .iter()
            .filter(|e| e.url.trim().is_empty() || e.title.trim().is_empty())
            .count();
        if unusable > 0 {
            outcome.warnings.push(format!(
                "{unusable} entr(y/ies) without a link or a title were left out"
            ));
        }
        for entry in parsed.entries {
            if entry.url.trim().is_empty() || entry.title.trim().is_empty() {
                filtered_out += 1;
                continue;
            }
            let in_window = match entry.published {
                Some(d) => ctx.window.contains(d),
                None => ctx.temporal_mode == TemporalMode::Flexible,
            };
            if !in_window {
                filtered_out += 1;
                continue;
            }
            if let Some(p) = profile {
                let decision = p.evaluate(&entry.title, &entry.content, ctx.ingestion_mode);
                if !decision.keep {
                    tracing::debug!(source_key = key, title = %entry.title, reason = %decision.reason, "filtered out");
                    filtered_out += 1;
                    continue;
                }
            }
            items.push(Item::from_entry(entry, &sctx, ctx.now));
        }
        outcome.items_kept = items.len();
        SourceResult {
            source_key: key.to_string(),
            outcome,
            items,
            filtered_out,
            validators: new_validators,
        }
    }
}

impl Engine {
    /// The article fallback: for undated entries (and, when configured, entries without a
    /// teaser) fetch the entry's own page and read its date (meta tags, JSON-LD, `<time>`,
    /// text) and main text. Bounded per source; PDFs and other non-HTML links are skipped.
    async fn complete_from_articles(
        &self,
        source: &SourceDef,
        entries: &mut [vectora_parse::Entry],
        opts: &FetchOptions,
        ctx: &SourceRunContext<'_>,
        outcome: &mut SourceOutcome,
    ) {
        let mut budget = source.article_fallback;
        let article_opts = FetchOptions {
            etag: None,
            last_modified: None,
            ..opts.clone()
        };
        let parse_ctx = vectora_parse::dates::ParseContext::new(ctx.now.date_naive());
        let mut failures = 0usize;
        for entry in entries.iter_mut() {
            let needs_date = entry.published.is_none();
            let needs_text = source.article_content && entry.content.trim().is_empty();
            if !(needs_date || needs_text) {
                continue;
            }
            if budget == 0 {
                break;
            }
            let Ok(url) = url::Url::parse(&entry.url) else {
                continue;
            };
            if url.path().to_ascii_lowercase().ends_with(".pdf") {
                continue;
            }
            budget -= 1;
            outcome.articles_fetched += 1;
            let fetched = match self.fetcher.fetch(&url, &article_opts).await {
                Ok(f) if !f.not_modified() => f,
                Ok(_) => continue,
                Err(e) => {
                    failures += 1;
                    tracing::debug!(source_key = %source.key, url = %url, error = %e, "article fetch failed");
                    continue;
                }
            };
            let is_html = fetched
                .content_type
                .as_deref()
                .is_none_or(|c| c.contains("html"));
            if !is_html {
                continue;
            }
            let (html, _, _) =
                vectora_parse::encoding::decode(&fetched.body, fetched.content_type.as_deref());
            if let Ok(Some(article)) =
                vectora_parse::html::parse_article_with(&html, &fetched.final_url, &parse_ctx)
            {
                if needs_date && article.published.is_some() {
                    entry.published = article.published;
                    entry.date_source = article.date_source;
                }
                if needs_text && !article.content.trim().is_empty() {
                    entry.content = article.content;
                }
            }
        }
        if failures > 0 {
            outcome
                .warnings
                .push(format!("{failures} article page(s) could not be fetched"));
        }
    }
}

struct SourceRunContext<'a> {
    client_id: &'a str,
    use_state: bool,
    now: DateTime<Utc>,
    window: Window,
    ingestion_mode: IngestionMode,
    temporal_mode: TemporalMode,
    deadline: Option<Instant>,
}

struct SourceResult {
    source_key: String,
    outcome: SourceOutcome,
    items: Vec<Item>,
    filtered_out: usize,
    /// Validators to store once the items are safely written.
    validators: Option<Validators>,
}

impl SourceResult {
    /// A result without items (a failure, or a 304).
    fn failed(outcome: SourceOutcome) -> Self {
        SourceResult {
            source_key: outcome.source_key.clone(),
            outcome,
            items: Vec::new(),
            filtered_out: 0,
            validators: None,
        }
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
