//! One source of a run, as named stages: start (deadline, URL) → fetch (with its validators) →
//! parse (with the article fallback) → select (window + profile). An `api` source fetches and
//! parses through its provider ([`crate::api`]) and shares the select stage (`select.rs`).

use super::Engine;
use super::select::{Selected, select};
use crate::config::{SourceDef, SourceKind};
use crate::fetch::{Deadline, FetchError, FetchErrorKind, FetchOptions, Fetched};
use crate::model::{SourceOutcome, SourceStatus, TemporalMode};
use crate::state::Validators;
use crate::store::validators_key;
use crate::window::Window;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Map;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use vectora_filter::{IngestionMode, Profile};
use vectora_parse::{Entry, Parsed};

pub(super) struct SourceRunContext<'a> {
    pub(super) client_id: &'a str,
    pub(super) use_state: bool,
    pub(super) now: DateTime<Utc>,
    pub(super) window: Window,
    pub(super) ingestion_mode: IngestionMode,
    pub(super) temporal_mode: TemporalMode,
    pub(super) deadline: Option<Instant>,
}

pub(super) struct SourceResult {
    pub(super) source_key: String,
    pub(super) outcome: SourceOutcome,
    /// The items the select stage kept (before dedup).
    pub(super) items: Vec<crate::model::Item>,
    pub(super) filtered_out: usize,
    /// Validators to store once the items are safely written.
    pub(super) validators: Option<Validators>,
}

impl SourceResult {
    /// A source that ended without items: it failed, or was not run.
    pub(super) fn failed(outcome: SourceOutcome) -> Self {
        SourceResult {
            source_key: outcome.source_key.clone(),
            outcome,
            items: Vec::new(),
            filtered_out: 0,
            validators: None,
        }
    }

    /// A 304: nothing new since the validators sent, which stay as they are.
    fn not_modified(mut outcome: SourceOutcome) -> Self {
        outcome.status = SourceStatus::NotModified;
        SourceResult::failed(outcome)
    }

    /// What the select stage kept of a source's entries.
    fn selected(
        outcome: SourceOutcome,
        selected: Selected,
        validators: Option<Validators>,
    ) -> Self {
        SourceResult {
            source_key: outcome.source_key.clone(),
            outcome,
            items: selected.items,
            filtered_out: selected.filtered_out,
            validators,
        }
    }
}

/// What the fetch stage came to: a page to parse, or the source's end (a failure, a 304).
enum FetchStage {
    Page(Box<Fetched>),
    Done(Box<SourceResult>),
}

impl Engine {
    /// Runs one source; `host_follows` says that another source of the same host comes next
    /// (its connection is then kept for it).
    pub(super) async fn run_source(
        &self,
        source: &SourceDef,
        ctx: &SourceRunContext<'_>,
        host_follows: bool,
    ) -> SourceResult {
        let started = std::time::Instant::now();
        let mut result = match start(source, ctx) {
            Err(ended) => *ended,
            Ok(_) if source.kind == SourceKind::Api => self.run_api(source, ctx).await,
            Ok(url) => self.run_document(source, url, ctx, host_follows).await,
        };
        result.outcome.duration_ms =
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        result
    }

    /// A feed or a listing: fetch → parse → article fallback → select.
    async fn run_document(
        &self,
        source: &SourceDef,
        url: &url::Url,
        ctx: &SourceRunContext<'_>,
        host_follows: bool,
    ) -> SourceResult {
        let profile = self.profile_of(source);
        let opts = self.fetch_options(source, url, ctx, host_follows).await;
        let mut outcome = document_outcome(source, url);
        let fetched = match self.fetch_stage(url, &opts, outcome.clone()).await {
            FetchStage::Page(f) => *f,
            FetchStage::Done(ended) => return *ended,
        };
        record_fetched(&mut outcome, &fetched);
        let validators = Validators::of_answer(url, &fetched, ctx.now);
        // The article pages share the listing's budget.
        let article_opts = FetchOptions {
            source_started: Some(fetched.started),
            ..opts
        };
        let today = ctx.now.date_naive();
        let mut parsed = match self
            .parse_stage(source, fetched, profile.clone(), today)
            .await
        {
            Ok(p) => p,
            Err((status, message)) => {
                outcome.status = status;
                return SourceResult::failed(outcome.with_error(message));
            }
        };
        outcome.warnings.append(&mut parsed.warnings);
        if source.kind == SourceKind::Html {
            self.complete_from_articles(
                source,
                &mut parsed.entries,
                &article_opts,
                ctx,
                &mut outcome,
            )
            .await;
        }
        record_parsed(&mut outcome, &parsed.entries, parsed.malformed);
        let entries = parsed
            .entries
            .into_iter()
            .map(|e| (e, Map::new()))
            .collect();
        let selected = select(source, profile.as_deref(), entries, ctx, &mut outcome);
        SourceResult::selected(outcome, selected, validators)
    }

    /// The source's ingestion profile, looked up once per source (`None`: keep everything).
    pub(super) fn profile_of(&self, source: &SourceDef) -> Option<Arc<Profile>> {
        let name = source.profile.as_ref()?;
        self.config.profiles.get(name).cloned()
    }

    /// The request's options: the validators of the previous full answer, when usable.
    async fn fetch_options(
        &self,
        source: &SourceDef,
        url: &url::Url,
        ctx: &SourceRunContext<'_>,
        host_follows: bool,
    ) -> FetchOptions {
        let previous = self
            .previous_validators(ctx, &source.key)
            .await
            .filter(|v| v.usable(url.as_str(), ctx.now, self.options.validator_max_age));
        FetchOptions {
            insecure_tls: !source.ssl_verify,
            min_interval: source.min_interval_ms.map(Duration::from_millis),
            deadline: ctx.deadline,
            etag: previous.as_ref().and_then(|v| v.etag.clone()),
            last_modified: previous.and_then(|v| v.last_modified),
            keep_alive: host_follows,
            source_started: None,
        }
    }

    /// What the last run stored for the source (nothing with force_refresh; an unreadable file
    /// is ignored: the source is then fetched in full).
    async fn previous_validators(
        &self,
        ctx: &SourceRunContext<'_>,
        source_key: &str,
    ) -> Option<Validators> {
        if !ctx.use_state {
            return None;
        }
        let key = validators_key(ctx.client_id, source_key);
        self.store
            .get_json(&key)
            .await
            .inspect_err(
                |e| tracing::warn!(source_key, error = %e, "ignoring unreadable validators"),
            )
            .ok()
            .flatten()
    }

    /// The fetch: a page, or the source's end (`outcome` is the source's line so far).
    async fn fetch_stage(
        &self,
        url: &url::Url,
        opts: &FetchOptions,
        mut outcome: SourceOutcome,
    ) -> FetchStage {
        match self.fetcher.fetch(url, opts).await {
            Ok(f) if f.not_modified() => {
                record_fetched(&mut outcome, &f);
                FetchStage::Done(Box::new(SourceResult::not_modified(outcome)))
            }
            Ok(f) => FetchStage::Page(Box::new(f)),
            Err(e) => FetchStage::Done(Box::new(SourceResult::failed(fetch_failure(outcome, e)))),
        }
    }

    /// The parse, off the async workers (CPU work: a heavy page must never stall the other
    /// sources' fetches), one of the engine's parse slots at a time. So is building the
    /// profile's matchers, done on first use: a profile that cannot be built fails the source.
    async fn parse_stage(
        &self,
        source: &SourceDef,
        fetched: Fetched,
        profile: Option<Arc<Profile>>,
        today: NaiveDate,
    ) -> Result<Parsed, (SourceStatus, String)> {
        let config = self.config.clone();
        let source = source.clone();
        // Closed only if the engine is dropped, never here.
        let slot = self.parse_slots.clone().acquire_owned().await.ok();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            prepare_profile(&source, profile.as_deref())
                .map_err(|message| (SourceStatus::ConfigError, message))?;
            crate::parse::parse_document(&config, &source, &fetched, today)
                .map_err(|e| (SourceStatus::ParseError, e.to_string()))
        })
        .await
        .unwrap_or_else(|e| Err((SourceStatus::ParseError, format!("parser failed: {e}"))))
    }

    /// An `api` source: the provider's queries for the window, then the same select stage as
    /// any source.
    async fn run_api(&self, source: &SourceDef, ctx: &SourceRunContext<'_>) -> SourceResult {
        let key = source.key.as_str();
        let def = match &source.api {
            Some(Ok(def)) => def,
            Some(Err(why)) => return config_error(key, why.clone()),
            None => return config_error(key, "no `api:` block for ingestion_mode `api`".into()),
        };
        let mut outcome = SourceOutcome::new(key, SourceStatus::Ok);
        outcome.url = source.url.as_ref().map(crate::model::redact_url);
        let profile = self.profile_of(source);
        let for_prepare = (source.clone(), profile.clone());
        let prepared = tokio::task::spawn_blocking(move || {
            prepare_profile(&for_prepare.0, for_prepare.1.as_deref())
        })
        .await
        .unwrap_or_else(|e| Err(format!("profile preparation failed: {e}")));
        if let Err(message) = prepared {
            outcome.status = SourceStatus::ConfigError;
            return SourceResult::failed(outcome.with_error(message));
        }
        let run = crate::api::ApiRun {
            fetcher: &self.fetcher,
            source,
            def,
            window: ctx.window,
            deadline: ctx.deadline,
        };
        let collected = match crate::api::collect(run).await {
            Ok(c) => c,
            Err(f) => {
                outcome.status = f.status;
                outcome.http_status = f.http_status;
                outcome.attempts = f.usage.requests;
                outcome.bytes = f.bytes;
                outcome.api = Some(Box::new(f.usage));
                return SourceResult::failed(outcome.with_error(f.message));
            }
        };
        outcome.http_status = collected.http_status;
        outcome.attempts = collected.usage.requests;
        outcome.bytes = collected.bytes;
        outcome.api = Some(Box::new(collected.usage));
        outcome.warnings.extend(collected.warnings);
        let entries: Vec<(Entry, _)> = collected
            .records
            .into_iter()
            .map(|r| (r.entry, r.metadata))
            .collect();
        record_parsed(&mut outcome, entries.iter().map(|(e, _)| e), false);
        let selected = select(source, profile.as_deref(), entries, ctx, &mut outcome);
        SourceResult::selected(outcome, selected, None)
    }
}

/// The checks before anything is sent: the run's deadline, a URL to read.
fn start<'a>(
    source: &'a SourceDef,
    ctx: &SourceRunContext<'_>,
) -> Result<&'a url::Url, Box<SourceResult>> {
    let key = source.key.as_str();
    if let Some(d) = ctx.deadline
        && Instant::now() >= d
    {
        let mut skipped = SourceOutcome::new(key, SourceStatus::Skipped)
            .with_error("run deadline reached before this source could start");
        skipped.deadline = Some(Deadline::Run);
        return Err(Box::new(SourceResult::failed(skipped)));
    }
    source.url.as_ref().ok_or_else(|| {
        Box::new(config_error(
            key,
            format!("no URL configured for ingestion_mode {:?}", source.kind),
        ))
    })
}

fn config_error(key: &str, message: String) -> SourceResult {
    SourceResult::failed(SourceOutcome::new(key, SourceStatus::ConfigError).with_error(message))
}

/// A feed's or listing's line before its fetch: its URL (credentials redacted) and warnings.
fn document_outcome(source: &SourceDef, url: &url::Url) -> SourceOutcome {
    let mut outcome = SourceOutcome::new(&source.key, SourceStatus::Ok);
    outcome.url = Some(crate::model::redact_url(url));
    if !source.ssl_verify {
        outcome.warnings.push(
            "TLS certificate verification is disabled for this source (ssl_verify: false)".into(),
        );
    }
    outcome
}

/// The source's line for a fetch that failed: the status of the failure's kind, and what the
/// fetcher knows of it.
fn fetch_failure(mut outcome: SourceOutcome, e: FetchError) -> SourceOutcome {
    outcome.status = match e.kind {
        FetchErrorKind::Http => SourceStatus::HttpError,
        FetchErrorKind::Timeout => SourceStatus::Timeout,
        FetchErrorKind::TooLarge => SourceStatus::TooLarge,
        FetchErrorKind::Blocked => SourceStatus::Blocked,
        FetchErrorKind::Connect => SourceStatus::FetchError,
    };
    outcome.http_status = e.http_status;
    outcome.attempts = e.attempts;
    outcome.bytes = e.bytes;
    outcome.deadline = e.deadline;
    outcome.with_error(e.message)
}

fn record_fetched(outcome: &mut SourceOutcome, fetched: &Fetched) {
    outcome.http_status = Some(fetched.status);
    outcome.attempts = fetched.attempts;
    outcome.bytes = fetched.body.len() as u64;
}

/// Entries parsed, the newest date among them, and the source's status from them.
fn record_parsed<'e>(
    outcome: &mut SourceOutcome,
    entries: impl IntoIterator<Item = &'e Entry>,
    malformed: bool,
) {
    let (mut parsed, mut newest) = (0, None);
    for e in entries {
        parsed += 1;
        newest = newest.max(e.published);
    }
    outcome.items_parsed = parsed;
    outcome.newest_entry = newest;
    outcome.status = if malformed {
        SourceStatus::Malformed
    } else if parsed == 0 {
        SourceStatus::Empty
    } else {
        SourceStatus::Ok
    };
}

/// Builds the profile's matchers on first use; a profile that cannot be built fails the source
/// with the reason.
fn prepare_profile(source: &SourceDef, profile: Option<&Profile>) -> Result<(), String> {
    if let (Some(name), Some(profile)) = (&source.profile, profile)
        && let Err(errors) = profile.prepare()
    {
        let first = errors.first().map(ToString::to_string).unwrap_or_default();
        return Err(format!(
            "ingestion profile `{name}` cannot be used: {first}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(kind: FetchErrorKind) -> FetchError {
        FetchError {
            kind,
            message: "it went wrong".into(),
            http_status: Some(503),
            attempts: 2,
            bytes: 10,
            body: None,
            throttled: 0,
            deadline: (kind == FetchErrorKind::Timeout).then_some(Deadline::FirstByte),
        }
    }

    #[test]
    fn a_fetch_failure_keeps_its_kind_and_facts() {
        let o = SourceOutcome::new("s", SourceStatus::Ok);
        let timed_out = fetch_failure(o.clone(), failure(FetchErrorKind::Timeout));
        assert_eq!(timed_out.status, SourceStatus::Timeout);
        assert_eq!(timed_out.deadline, Some(Deadline::FirstByte));
        assert_eq!(
            (timed_out.http_status, timed_out.attempts, timed_out.bytes),
            (Some(503), 2, 10)
        );
        assert_eq!(timed_out.error.as_deref(), Some("it went wrong"));
        for (kind, status) in [
            (FetchErrorKind::Http, SourceStatus::HttpError),
            (FetchErrorKind::TooLarge, SourceStatus::TooLarge),
            (FetchErrorKind::Blocked, SourceStatus::Blocked),
            (FetchErrorKind::Connect, SourceStatus::FetchError),
        ] {
            assert_eq!(fetch_failure(o.clone(), failure(kind)).status, status);
        }
    }

    #[test]
    fn a_304_ends_the_source_as_not_modified_without_items_or_validators() {
        let r = SourceResult::not_modified(SourceOutcome::new("s", SourceStatus::Ok));
        assert_eq!(r.outcome.status, SourceStatus::NotModified);
        assert!(!r.outcome.status.is_failure());
        assert!(r.items.is_empty() && r.validators.is_none());
    }

    #[test]
    fn parsed_entries_set_the_status_and_freshness() {
        let entry = |d: Option<&str>| Entry {
            title: "t".into(),
            url: "https://a.example/1".into(),
            published: d.map(|d| d.parse().unwrap()),
            date_source: None,
            content: String::new(),
            author: None,
            tags: vec![],
        };
        let mut o = SourceOutcome::new("s", SourceStatus::Ok);
        record_parsed(
            &mut o,
            &[
                entry(Some("2025-01-02")),
                entry(None),
                entry(Some("2025-03-04")),
            ],
            false,
        );
        assert_eq!((o.status, o.items_parsed), (SourceStatus::Ok, 3));
        assert_eq!(o.newest_entry, Some("2025-03-04".parse().unwrap()));
        record_parsed(&mut o, &[], false);
        assert_eq!((o.status, o.newest_entry), (SourceStatus::Empty, None));
        record_parsed(&mut o, &[entry(None)], true);
        assert_eq!(o.status, SourceStatus::Malformed);
    }

    #[test]
    fn a_source_starts_only_before_the_deadline_and_with_a_url() {
        let cfg = crate::config::parse_files(&crate::config::bundled::files());
        let source = cfg
            .sources
            .values()
            .find(|s| s.url.is_some())
            .unwrap()
            .clone();
        let ctx = |deadline| SourceRunContext {
            client_id: "c",
            use_state: true,
            now: Utc::now(),
            window: Window::last_days(Utc::now().date_naive(), 7),
            ingestion_mode: IngestionMode::Balanced,
            temporal_mode: TemporalMode::Flexible,
            deadline,
        };
        assert!(start(&source, &ctx(None)).is_ok());
        let late = start(&source, &ctx(Some(Instant::now()))).err().unwrap();
        assert_eq!(late.outcome.status, SourceStatus::Skipped);
        assert_eq!(late.outcome.deadline, Some(Deadline::Run));
        let no_url = SourceDef {
            url: None,
            ..source
        };
        let r = start(&no_url, &ctx(None)).err().unwrap();
        assert_eq!(r.outcome.status, SourceStatus::ConfigError);
        assert!(r.outcome.error.unwrap().contains("no URL configured"));
    }
}
