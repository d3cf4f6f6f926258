//! One source of a run: fetch (with its validators), parse, date from articles, filter by the
//! time window and the source's ingestion profile.

use super::Engine;
use crate::config::{SourceDef, SourceKind};
use crate::fetch::{FetchErrorKind, FetchOptions};
use crate::model::{
    FILTERED_RECORDED, FilteredEntry, Item, SourceContext, SourceOutcome, SourceStatus,
    TemporalMode,
};
use crate::state::Validators;
use crate::store::validators_key;
use crate::window::Window;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::time::Duration;
use tokio::time::Instant;
use vectora_filter::IngestionMode;
use vectora_parse::Entry;

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
    pub(super) items: Vec<Item>,
    pub(super) filtered_out: usize,
    /// Validators to store once the items are safely written.
    pub(super) validators: Option<Validators>,
}

impl SourceResult {
    /// A result without items (a failure, or a 304).
    pub(super) fn failed(outcome: SourceOutcome) -> Self {
        SourceResult {
            source_key: outcome.source_key.clone(),
            outcome,
            items: Vec::new(),
            filtered_out: 0,
            validators: None,
        }
    }
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
        let mut result = self.fetch_and_parse(source, ctx, host_follows).await;
        result.outcome.duration_ms =
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        result
    }

    async fn fetch_and_parse(
        &self,
        source: &SourceDef,
        ctx: &SourceRunContext<'_>,
        host_follows: bool,
    ) -> SourceResult {
        let key = source.key.as_str();
        let fail = |status: SourceStatus, msg: String| {
            SourceResult::failed(SourceOutcome::new(key, status).with_error(msg))
        };
        if let Some(d) = ctx.deadline
            && Instant::now() >= d
        {
            let mut skipped = SourceOutcome::new(key, SourceStatus::Skipped)
                .with_error("run deadline reached before this source could start");
            skipped.deadline = Some(crate::fetch::Deadline::Run);
            return SourceResult::failed(skipped);
        }
        let Some(url) = &source.url else {
            return fail(
                SourceStatus::ConfigError,
                format!("no URL configured for ingestion_mode {:?}", source.kind),
            );
        };
        if source.kind == SourceKind::Api {
            return self.run_api(source, ctx).await;
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
            keep_alive: host_follows,
            source_started: None,
        };
        let mut outcome = SourceOutcome::new(key, SourceStatus::Ok);
        outcome.url = Some(crate::model::redact_url(url));
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
                outcome.bytes = e.bytes;
                outcome.deadline = e.deadline;
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
        // The article pages share the listing's budget.
        let article_opts = FetchOptions {
            source_started: Some(fetched.started),
            ..opts.clone()
        };
        // Parsing is CPU work: run it off the async workers so that a heavy page never stalls
        // the other sources' fetches. So is building the profile's matchers, done on first use.
        let config = self.config.clone();
        let source_owned = source.clone();
        let today = ctx.now.date_naive();
        // One of the engine's parse slots (closed only if the engine is dropped, never here).
        let slot = self.parse_slots.clone().acquire_owned().await.ok();
        let parsed = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            prepare_profile(&config, &source_owned)
                .map_err(|message| (SourceStatus::ConfigError, message))?;
            crate::parse::parse_document(&config, &source_owned, &fetched, today)
                .map_err(|e| (SourceStatus::ParseError, e.to_string()))
        })
        .await
        .unwrap_or_else(|e| Err((SourceStatus::ParseError, format!("parser failed: {e}"))));
        let mut parsed = match parsed {
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
        outcome.items_parsed = parsed.entries.len();
        outcome.newest_entry = parsed.entries.iter().filter_map(|e| e.published).max();
        outcome.status = if parsed.malformed {
            SourceStatus::Malformed
        } else if parsed.entries.is_empty() {
            SourceStatus::Empty
        } else {
            SourceStatus::Ok
        };
        let entries = parsed
            .entries
            .into_iter()
            .map(|e| (e, Map::new()))
            .collect();
        let (items, filtered_out) = self.keep_in_scope(source, entries, ctx, &mut outcome);
        outcome.items_kept = items.len();
        SourceResult {
            source_key: key.to_string(),
            outcome,
            items,
            filtered_out,
            validators: new_validators,
        }
    }

    /// An `api` source: the provider's queries for the window, then the same window, profile and
    /// item rules as any source.
    async fn run_api(&self, source: &SourceDef, ctx: &SourceRunContext<'_>) -> SourceResult {
        let key = source.key.as_str();
        let def = match &source.api {
            Some(Ok(def)) => def,
            Some(Err(why)) => {
                return SourceResult::failed(
                    SourceOutcome::new(key, SourceStatus::ConfigError).with_error(why.clone()),
                );
            }
            None => {
                return SourceResult::failed(
                    SourceOutcome::new(key, SourceStatus::ConfigError)
                        .with_error("no `api:` block for ingestion_mode `api`"),
                );
            }
        };
        let mut outcome = SourceOutcome::new(key, SourceStatus::Ok);
        outcome.url = source.url.as_ref().map(crate::model::redact_url);
        let config = self.config.clone();
        let source_owned = source.clone();
        let prepared = tokio::task::spawn_blocking(move || prepare_profile(&config, &source_owned))
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
        outcome.items_parsed = collected.records.len();
        outcome.newest_entry = collected
            .records
            .iter()
            .filter_map(|r| r.entry.published)
            .max();
        outcome.status = if collected.records.is_empty() {
            SourceStatus::Empty
        } else {
            SourceStatus::Ok
        };
        let entries = collected
            .records
            .into_iter()
            .map(|r| (r.entry, r.metadata))
            .collect();
        let (items, filtered_out) = self.keep_in_scope(source, entries, ctx, &mut outcome);
        outcome.items_kept = items.len();
        SourceResult {
            source_key: key.to_string(),
            outcome,
            items,
            filtered_out,
            validators: None,
        }
    }

    /// Entries to items: those with a link and a title, in the window (undated ones as the
    /// temporal mode says), kept by the source's profile. Returns the items and how many were
    /// left out.
    fn keep_in_scope(
        &self,
        source: &SourceDef,
        entries: Vec<(Entry, Map<String, Value>)>,
        ctx: &SourceRunContext<'_>,
        outcome: &mut SourceOutcome,
    ) -> (Vec<Item>, usize) {
        let key = source.key.as_str();
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
        let unusable = entries
            .iter()
            .filter(|(e, _)| e.url.trim().is_empty() || e.title.trim().is_empty())
            .count();
        if unusable > 0 {
            outcome.warnings.push(format!(
                "{unusable} entr(y/ies) without a link or a title were left out"
            ));
        }
        for (entry, extra) in entries {
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
                if entry.published.is_none() {
                    record_filtered(
                        outcome,
                        &entry,
                        "undated (temporal_mode strict drops undated items)",
                    );
                }
                continue;
            }
            if let Some(p) = profile {
                let decision = p.evaluate(&entry.title, &entry.content, ctx.ingestion_mode);
                if !decision.keep {
                    tracing::debug!(source_key = key, title = %entry.title, reason = %decision.reason, "filtered out");
                    filtered_out += 1;
                    record_filtered(outcome, &entry, &decision.reason);
                    continue;
                }
            }
            items.push(Item::from_entry(entry, &sctx, ctx.now).with_extra(extra));
        }
        (items, filtered_out)
    }
}

/// Keeps the filter's verdict on a left-out entry for the run report (bounded per source).
fn record_filtered(outcome: &mut SourceOutcome, entry: &vectora_parse::Entry, reason: &str) {
    if outcome.filtered.len() < FILTERED_RECORDED {
        outcome.filtered.push(FilteredEntry {
            title: entry.title.clone(),
            url: entry.url.clone(),
            published_at: entry.published,
            reason: reason.to_string(),
        });
    }
}

/// Builds the source's profile matchers on first use; a profile that cannot be built fails the
/// source with the reason.
fn prepare_profile(config: &crate::config::Config, source: &SourceDef) -> Result<(), String> {
    if let Some(name) = &source.profile
        && let Some(profile) = config.profiles.get(name)
        && let Err(errors) = profile.prepare()
    {
        let first = errors.first().map(ToString::to_string).unwrap_or_default();
        return Err(format!(
            "ingestion profile `{name}` cannot be used: {first}"
        ));
    }
    Ok(())
}
