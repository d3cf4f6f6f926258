//! `sources check`: every source of a catalog (or of a candidate list) read as ingestion reads
//! it, concurrently and politely, nothing written; each gets a verdict with its reason.

use super::discover::{DiscoverOptions, Discovery};
use super::verdict::{EntryStats, Verdict, judge_outcome};
use crate::Engine;
use crate::config::{SourceDef, SourceKind};
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use serde::Serialize;
use url::Url;

/// Sources checked at the same time. Each host still gets one request at a time at its
/// interval, so this only bounds open connections: a candidate list of a couple of hundred
/// sites runs all at once and takes the time of its slowest sites.
pub const DEFAULT_CHECK_CONCURRENCY: usize = 200;

/// What to check.
#[derive(Debug, Clone)]
pub enum CheckTarget {
    /// A resolved catalog source.
    Source(Box<SourceDef>),
    /// A candidate with only a homepage: discovered first, then its best source is checked.
    Discover { key: String, homepage: Url },
    /// A candidate entry that cannot be read as a source, with why.
    Invalid { key: String, message: String },
}

impl CheckTarget {
    pub fn key(&self) -> &str {
        match self {
            CheckTarget::Source(s) => &s.key,
            CheckTarget::Discover { key, .. } | CheckTarget::Invalid { key, .. } => key,
        }
    }

    fn host(&self) -> String {
        match self {
            CheckTarget::Source(s) => s.url.as_ref().map(crate::fetch::host_key),
            CheckTarget::Discover { homepage, .. } => Some(crate::fetch::host_key(homepage)),
            CheckTarget::Invalid { .. } => None,
        }
        .unwrap_or_default()
    }
}

/// The verdict on one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceCheck {
    pub source_key: String,
    pub verdict: Verdict,
    pub entries: usize,
    /// How many of the entries carry a publication date.
    pub dated: usize,
    pub newest: Option<NaiveDate>,
    pub message: Option<String>,
    /// The URL read (for a discovered candidate: the one discovery chose).
    #[serde(skip)]
    pub url: Option<String>,
}

impl SourceCheck {
    fn new(key: &str, verdict: Verdict, message: impl Into<String>) -> SourceCheck {
        SourceCheck {
            source_key: key.to_string(),
            verdict,
            entries: 0,
            dated: 0,
            newest: None,
            message: Some(message.into()),
            url: None,
        }
    }
}

impl Engine {
    /// Checks every target, `concurrency` at a time, hosts interleaved; results in target order.
    pub async fn check_sources(
        &self,
        targets: Vec<CheckTarget>,
        concurrency: usize,
        discover: &DiscoverOptions,
        now: DateTime<Utc>,
    ) -> Vec<SourceCheck> {
        let order =
            crate::fetch::spread_by_host(targets.into_iter().enumerate().collect(), |(_, t)| {
                t.host()
            });
        let mut results: Vec<(usize, SourceCheck)> = futures::stream::iter(order)
            .map(|(i, t)| async move { (i, self.check_one(&t, discover, now).await) })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, c)| c).collect()
    }

    async fn check_one(
        &self,
        target: &CheckTarget,
        discover: &DiscoverOptions,
        now: DateTime<Utc>,
    ) -> SourceCheck {
        match target {
            CheckTarget::Source(source) => self.check_source(source, now).await,
            CheckTarget::Invalid { key, message } => {
                SourceCheck::new(key, Verdict::Broken, message.clone())
            }
            CheckTarget::Discover { key, homepage } => {
                match self.discover(homepage, discover).await {
                    Err(e) => {
                        let verdict = match e {
                            super::DiscoverError::Disallowed(_) => Verdict::Disallowed,
                            super::DiscoverError::Unreachable { .. } => Verdict::Unreachable,
                        };
                        SourceCheck::new(key, verdict, e.to_string())
                    }
                    Ok(found) => self.check_discovered(key, &found, now).await,
                }
            }
        }
    }

    /// Reads one catalog source as ingestion does (fetch, parse, article dates).
    pub async fn check_source(&self, source: &SourceDef, now: DateTime<Utc>) -> SourceCheck {
        if source.kind == SourceKind::None {
            return SourceCheck::new(
                &source.key,
                Verdict::Unsupported,
                "ingestion_mode none: nothing to fetch",
            );
        }
        let probe = self.probe_source(source, now).await;
        let stats = EntryStats::of(&probe.dates);
        let (verdict, message) = judge_outcome(&probe.outcome, &stats);
        SourceCheck {
            source_key: source.key.clone(),
            verdict,
            entries: stats.entries,
            dated: stats.dated,
            newest: stats.newest,
            message,
            url: source.url.as_ref().map(crate::model::redact_url),
        }
    }

    /// A candidate known by its homepage: its best discovered source, checked like any other.
    async fn check_discovered(
        &self,
        key: &str,
        found: &Discovery,
        now: DateTime<Utc>,
    ) -> SourceCheck {
        let Some(entry) = &found.catalog_entry else {
            let tried = found.candidates.len();
            return SourceCheck::new(
                key,
                Verdict::Empty,
                format!(
                    "discovery found no feed or newsroom listing entries ({tried} candidate(s) read)"
                ),
            );
        };
        let (kind, url) = match (&entry.rss_url, &entry.html_url) {
            (Some(u), _) => (SourceKind::Rss, u),
            (None, Some(u)) => (SourceKind::Html, u),
            (None, None) => return SourceCheck::new(key, Verdict::Empty, "no source proposed"),
        };
        let Ok(url) = Url::parse(url) else {
            return SourceCheck::new(
                key,
                Verdict::Broken,
                format!("discovered URL `{url}` is invalid"),
            );
        };
        let source = SourceDef {
            key: key.to_string(),
            company_id: Some(entry.company_id.clone()),
            kind,
            enabled: true,
            url: Some(url.clone()),
            homepage_url: Url::parse(&entry.homepage_url).ok(),
            source_type: entry.source_type.clone(),
            language: "en".into(),
            tags: Vec::new(),
            profile: None,
            min_interval_ms: None,
            ssl_verify: true,
            allow_empty: false,
            article_fallback: if kind == SourceKind::Html {
                crate::config::DEFAULT_ARTICLE_FALLBACK
            } else {
                0
            },
            article_content: false,
            api: None,
        };
        let mut check = self.check_source(&source, now).await;
        let found_note = format!("discovered {} {url}", entry.ingestion_mode);
        check.message = Some(match check.message {
            Some(m) => format!("{found_note}; {m}"),
            None => found_note,
        });
        check
    }
}
