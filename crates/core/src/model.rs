//! The domain model: items as the downstream stage reads them, and the per-source / per-run reports.

pub use crate::health::HealthStatus;
use chrono::{DateTime, NaiveDate, Utc};
use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
pub use vectora_parse::DateSource;
use vectora_parse::Entry;

/// One ingested item: the downstream contract (`ingested/{client}/{YYYY}/{MM}/{DD}/items.json`).
/// Fields may be added, never removed or renamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub item_id: String,
    pub source_key: String,
    pub source_type: String,
    pub title: String,
    pub content: String,
    pub url: String,
    /// The publisher's calendar date (`YYYY-MM-DD`), `null` when unknown: never invented.
    pub published_at: Option<NaiveDate>,
    /// When this item was ingested (ISO 8601, UTC).
    pub ingested_at: String,
    pub language: String,
    pub content_hash: String,
    pub metadata: ItemMetadata,
    /// Where `published_at` came from (`feed`, `listing`, `article`, `url`), `null` when undated.
    #[serde(default)]
    pub date_source: Option<DateSource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ItemMetadata {
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub word_count: usize,
    /// Provider fields of `api` items (`nct_id`, `pmid`, `doi`, `set_id`...), written beside the
    /// common ones. A `version` among them makes each version of a record its own item.
    #[serde(flatten, default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Content shorter than this (in characters) is too generic to identify an item by its hash.
const MIN_CONTENT_FOR_HASH: usize = 40;

/// The metadata key whose value tells versions of one record apart (see [`Item::identity`]).
pub const VERSION_KEY: &str = "version";

/// What a source contributes to an item that its entries don't carry.
#[derive(Debug, Clone)]
pub struct SourceContext<'a> {
    pub source_key: &'a str,
    pub source_type: &'a str,
    pub language: &'a str,
    pub tags: &'a [String],
}

impl Item {
    /// Builds an item from a parsed entry.
    pub fn from_entry(
        entry: Entry,
        source: &SourceContext<'_>,
        ingested_at: DateTime<Utc>,
    ) -> Item {
        let date_for_id = entry.published.unwrap_or_else(|| ingested_at.date_naive());
        let item_id = format!(
            "{}_{}_{}",
            source.source_key,
            date_for_id.format("%Y%m%d"),
            &title_digest(&entry.title)[..6]
        );
        let mut tags: Vec<String> = source.tags.to_vec();
        for t in entry.tags {
            if !tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
                tags.push(t);
            }
        }
        let word_count = entry.content.split_whitespace().count();
        Item {
            item_id,
            source_key: source.source_key.to_string(),
            source_type: source.source_type.to_string(),
            content_hash: content_hash(&entry.content),
            title: entry.title,
            content: entry.content,
            url: entry.url,
            published_at: entry.published,
            ingested_at: format_timestamp(ingested_at),
            language: source.language.to_string(),
            metadata: ItemMetadata {
                author: entry.author.unwrap_or_default(),
                tags,
                word_count,
                extra: serde_json::Map::new(),
            },
            date_source: entry.date_source,
        }
    }

    /// The same item with provider metadata (`api` sources).
    pub fn with_extra(mut self, extra: serde_json::Map<String, serde_json::Value>) -> Item {
        self.metadata.extra = extra;
        self
    }

    /// The content hash, when it may identify the item: content long enough not to be a generic
    /// teaser ("Read more"), and not a versioned record (whose versions may share a text).
    pub fn hash_identity(&self) -> Option<&str> {
        let versioned = self.metadata.extra.contains_key(VERSION_KEY);
        (!versioned && self.content.trim().chars().count() >= MIN_CONTENT_FOR_HASH)
            .then_some(self.content_hash.as_str())
    }

    /// What identifies the item for deduplication: its canonical URL, and for versioned records
    /// (a trial's update, a label's version) the version too, so that a new version of a record
    /// seen before is a new item while the same version twice is a duplicate.
    pub fn identity(&self) -> String {
        let url = vectora_parse::urls::canonicalize(&self.url);
        match self
            .metadata
            .extra
            .get(VERSION_KEY)
            .and_then(|v| v.as_str())
        {
            Some(v) => format!("{url}#version={v}"),
            None => url,
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn title_digest(title: &str) -> String {
    hex::encode(Md5::digest(title.as_bytes()))
}

/// `sha256:` + hex of the content trimmed, lower-cased, whitespace collapsed.
pub fn content_hash(content: &str) -> String {
    let normalised = content
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(normalised.as_bytes()))
    )
}

/// How one source fared in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// Fetched and parsed; `items_parsed` may still be 0 only for `Empty`.
    Ok,
    /// Fetched and parsed, but the document listed no entries.
    Empty,
    /// The server answered 304 to a conditional request: nothing new.
    NotModified,
    /// Recovered part of a broken document.
    Malformed,
    HttpError,
    Timeout,
    TooLarge,
    /// Refused by the address guard (private / loopback / metadata address).
    Blocked,
    /// Connection, TLS, DNS or protocol failure.
    FetchError,
    /// The document could not be parsed at all (or a configured selector matched nothing).
    ParseError,
    /// The source's configuration is unusable (no URL for its mode, unsupported mode...).
    ConfigError,
    /// Not run: named by the client or the request but unknown to the catalog.
    UnknownSource,
    /// Not run: `enabled: false` or `ingestion_mode: none` in the catalog.
    Disabled,
    /// Not run: the run's deadline passed before it could start.
    Skipped,
}

impl SourceStatus {
    /// Whether this outcome counts in `sources_failed`.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            SourceStatus::HttpError
                | SourceStatus::Timeout
                | SourceStatus::TooLarge
                | SourceStatus::Blocked
                | SourceStatus::FetchError
                | SourceStatus::ParseError
                | SourceStatus::ConfigError
                | SourceStatus::Skipped
        )
    }

    /// Whether the source was attempted (counts in `sources_processed`).
    pub fn was_attempted(self) -> bool {
        !matches!(self, SourceStatus::UnknownSource | SourceStatus::Disabled)
    }
}

/// Per-source line of the run report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceOutcome {
    pub source_key: String,
    pub status: SourceStatus,
    pub http_status: Option<u16>,
    pub items_parsed: usize,
    pub items_kept: usize,
    pub error: Option<String>,
    pub duration_ms: u64,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub bytes: u64,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Article pages fetched to date undated entries or read their text.
    #[serde(default)]
    pub articles_fetched: usize,
    /// The newest publication date among this run's parsed entries (the source's freshness).
    #[serde(default)]
    pub newest_entry: Option<NaiveDate>,
    /// Entries the source's profile (or the strict temporal mode) left out, each with the reason,
    /// so that a report can show what was not kept and why (at most [`FILTERED_RECORDED`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filtered: Vec<FilteredEntry>,
    /// The source's health after this run (see [`crate::health`]); `None` for sources not run.
    #[serde(default)]
    pub health: Option<HealthStatus>,
    #[serde(default)]
    pub consecutive_failures: u32,
    /// Consecutive runs in which the source answered but listed no entry.
    #[serde(default)]
    pub consecutive_empty: u32,
    #[serde(default)]
    pub last_success: Option<DateTime<Utc>>,
    /// The newest publication date the source has ever shown.
    #[serde(default)]
    pub newest_item: Option<NaiveDate>,
    /// `api` sources: the provider's requests and throttling answers (boxed: most sources are
    /// not api sources, and outcomes are moved around a lot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<Box<ApiUsage>>,
    /// For a source ended by a deadline (`timeout`, or `skipped` at the run's deadline), which
    /// one: `connect`, `first_byte`, `idle`, `response`, `source` or `run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<crate::fetch::Deadline>,
}

/// Filtered entries recorded per source and run: enough to review a profile, bounded for the
/// Lambda's response size.
pub const FILTERED_RECORDED: usize = 200;

/// An entry left out by the filter, with the filter's reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilteredEntry {
    pub title: String,
    pub url: String,
    pub published_at: Option<NaiveDate>,
    /// e.g. `excluded by exclusion_scopes.hr_content: "seeks", "engineer"`.
    pub reason: String,
}

/// What an `api` source asked of its provider in a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUsage {
    /// `clinicaltrials_gov`, `pubmed`, `openfda_drugsfda`, `openfda_label`.
    pub provider: String,
    /// HTTP requests sent, retries included.
    pub requests: u32,
    /// 429 answers received (each waited out or, at last, reported).
    pub throttled: u32,
}

impl SourceOutcome {
    pub fn new(source_key: &str, status: SourceStatus) -> Self {
        SourceOutcome {
            source_key: source_key.to_string(),
            status,
            http_status: None,
            items_parsed: 0,
            items_kept: 0,
            error: None,
            duration_ms: 0,
            url: None,
            attempts: 0,
            bytes: 0,
            warnings: Vec::new(),
            articles_fetched: 0,
            newest_entry: None,
            filtered: Vec::new(),
            health: None,
            consecutive_failures: 0,
            consecutive_empty: 0,
            last_success: None,
            newest_item: None,
            api: None,
            deadline: None,
        }
    }

    pub fn with_error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(truncate_message(&error.into(), 500));
        self
    }
}

/// A URL as it may appear in reports and logs: no userinfo, and the values of query parameters
/// that look like credentials (pre-signed URLs, API keys, tokens) replaced.
pub fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let lower = k.to_ascii_lowercase();
                let secret = lower.starts_with("x-amz-")
                    || lower.starts_with("x-goog-")
                    || [
                        "sig",
                        "signature",
                        "token",
                        "key",
                        "apikey",
                        "api_key",
                        "password",
                        "passwd",
                        "pass",
                        "secret",
                        "credential",
                        "auth",
                        "access_token",
                        "session",
                    ]
                    .iter()
                    .any(|w| {
                        lower == *w
                            || lower.ends_with(&format!("_{w}"))
                            || lower.ends_with(&format!("-{w}"))
                    });
                (
                    k.into_owned(),
                    if secret {
                        "REDACTED".to_string()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Error texts end up in logs and reports: keep them bounded.
pub fn truncate_message(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars).collect();
    out.push('…');
    out
}

/// Overall status of a client's run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every attempted source succeeded.
    Success,
    /// Some sources failed, some succeeded.
    Partial,
    /// Every attempted source failed (or none could be attempted).
    Failed,
}

/// The response body of a client's run (the Lambda body; `--json` of the CLI). Keeps every field
/// of the old system's body and adds the per-source list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub client_id: String,
    pub run_id: String,
    pub execution_date: String,
    pub sources_processed: usize,
    pub sources_failed: usize,
    pub items_ingested: usize,
    pub items_filtered_out: usize,
    pub items_deduplicated: usize,
    pub items_final: usize,
    pub period_days_used: u32,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub s3_output_path: Option<String>,
    pub execution_time_seconds: f64,
    pub dry_run: bool,
    pub ingestion_mode: vectora_filter::IngestionMode,
    pub temporal_mode: TemporalMode,
    pub status: RunStatus,
    pub sources: Vec<SourceOutcome>,
    /// Config warnings that concern this run: bundled files standing in for missing ones,
    /// unknown bouquets... (each `warning: file: key: message`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// `temporal_mode` of the event: what to do with items whose date is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemporalMode {
    /// Undated items are dropped.
    Strict,
    /// Undated items are kept (`published_at: null`).
    #[default]
    Flexible,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(title: &str, date: Option<NaiveDate>) -> Entry {
        Entry {
            title: title.into(),
            url: "https://example.com/a".into(),
            published: date,
            date_source: date.map(|_| DateSource::Listing),
            content: "  Hello   World\n".into(),
            author: None,
            tags: vec!["x".into()],
        }
    }

    #[test]
    fn item_id_uses_published_date_and_md5_of_title() {
        let ctx = SourceContext {
            source_key: "press_corporate__nanexa",
            source_type: "press_corporate",
            language: "en",
            tags: &[],
        };
        let now = Utc.with_ymd_and_hms(2025, 12, 17, 13, 49, 39).unwrap();
        let title = "Nanexa publishes interim report for January-September 2025";
        let it = Item::from_entry(
            entry(title, NaiveDate::from_ymd_opt(2025, 11, 6)),
            &ctx,
            now,
        );
        // md5 of the title, first 6 hex digits: the same id scheme as the old system.
        assert_eq!(it.item_id, "press_corporate__nanexa_20251106_ec88d7");
        let undated = Item::from_entry(entry(title, None), &ctx, now);
        assert_eq!(undated.item_id, "press_corporate__nanexa_20251217_ec88d7");
        assert_eq!(undated.published_at, None);
        assert_eq!(it.ingested_at, "2025-12-17T13:49:39.000000Z");
    }

    #[test]
    fn redacts_credentials_from_urls() {
        let u = url::Url::parse(
            "https://user:hunter2@example.com/feed.xml?page=2&X-Amz-Signature=abc&token=t0k&apiKey=k",
        )
        .unwrap();
        let r = redact_url(&u);
        assert!(
            !r.contains("hunter2")
                && !r.contains("user@")
                && !r.contains("abc")
                && !r.contains("t0k"),
            "{r}"
        );
        assert!(
            r.contains("page=2") && r.contains("X-Amz-Signature=REDACTED"),
            "{r}"
        );
        assert!(r.contains("apiKey=REDACTED"), "{r}");
    }

    #[test]
    fn content_hash_normalises_case_and_whitespace() {
        assert_eq!(
            content_hash("  Hello   World\n"),
            content_hash("hello world")
        );
        assert_ne!(content_hash("hello world"), content_hash("hello worlds"));
        assert!(content_hash("x").starts_with("sha256:"));
    }

    #[test]
    fn item_serialises_with_the_downstream_fields() {
        let ctx = SourceContext {
            source_key: "s",
            source_type: "press_sector",
            language: "en",
            tags: &["LAI".to_string()],
        };
        let it = Item::from_entry(
            entry("T", NaiveDate::from_ymd_opt(2025, 12, 10)),
            &ctx,
            Utc::now(),
        );
        let v = serde_json::to_value(&it).unwrap();
        for k in [
            "item_id",
            "source_key",
            "source_type",
            "title",
            "content",
            "url",
            "published_at",
            "ingested_at",
            "language",
            "content_hash",
            "metadata",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        assert_eq!(v["published_at"], "2025-12-10");
        assert_eq!(v["metadata"]["tags"], serde_json::json!(["LAI", "x"]));
        assert_eq!(v["metadata"]["word_count"], 2);
    }
}
