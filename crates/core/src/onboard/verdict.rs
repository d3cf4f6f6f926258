//! The verdict on one source or candidate: what a person onboarding it needs to know first.

use crate::model::{SourceOutcome, SourceStatus};
use chrono::NaiveDate;
use serde::Serialize;

/// Whether a source can be ingested as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Entries, some of them dated.
    Ok,
    /// Entries, none dated: every item would have `published_at: null`.
    Undated,
    /// Reachable, but no entries: a redesign, or a page rendered by JavaScript.
    Empty,
    /// A configured selector matches nothing, or the document is malformed beyond recovery.
    Broken,
    /// DNS, TLS, refused connection, timeout, HTTP error, or refused by the address guard.
    Unreachable,
    /// Not read: robots.txt disallows it (discovery only).
    Disallowed,
    /// Not read: this kind of source cannot be checked (yet).
    Unsupported,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Undated => "undated",
            Verdict::Empty => "empty",
            Verdict::Broken => "broken",
            Verdict::Unreachable => "unreachable",
            Verdict::Disallowed => "disallowed",
            Verdict::Unsupported => "unsupported",
        }
    }
}

/// Entries found, how many are dated, and the newest date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EntryStats {
    pub entries: usize,
    pub dated: usize,
    pub newest: Option<NaiveDate>,
}

impl EntryStats {
    pub fn of(dates: &[Option<NaiveDate>]) -> EntryStats {
        EntryStats {
            entries: dates.len(),
            dated: dates.iter().filter(|d| d.is_some()).count(),
            newest: dates.iter().flatten().max().copied(),
        }
    }

    /// Stats of parsed entries, leaving out those without a link or a title (ingestion leaves
    /// them out too).
    pub fn of_entries(entries: &[vectora_parse::Entry]) -> EntryStats {
        let dates: Vec<_> = entries
            .iter()
            .filter(|e| !e.url.trim().is_empty() && !e.title.trim().is_empty())
            .map(|e| e.published)
            .collect();
        EntryStats::of(&dates)
    }

    /// Share of dated entries, 0 to 1 (0 without entries).
    pub fn dated_share(&self) -> f64 {
        if self.entries == 0 {
            0.0
        } else {
            self.dated as f64 / self.entries as f64
        }
    }

    /// The verdict on a document that was read and parsed (entries or none).
    pub fn verdict(&self) -> Verdict {
        match (self.entries, self.dated) {
            (0, _) => Verdict::Empty,
            (_, 0) => Verdict::Undated,
            _ => Verdict::Ok,
        }
    }
}

/// The verdict on an ingestion outcome, with the reason when it is not plainly `ok`.
pub fn judge_outcome(outcome: &SourceOutcome, stats: &EntryStats) -> (Verdict, Option<String>) {
    let error = outcome.error.clone();
    match outcome.status {
        SourceStatus::HttpError
        | SourceStatus::Timeout
        | SourceStatus::Blocked
        | SourceStatus::FetchError
        | SourceStatus::Skipped => (Verdict::Unreachable, error),
        SourceStatus::TooLarge | SourceStatus::ParseError | SourceStatus::ConfigError => {
            (Verdict::Broken, error)
        }
        SourceStatus::UnknownSource | SourceStatus::Disabled => (Verdict::Unsupported, error),
        SourceStatus::Malformed if stats.entries == 0 => (
            Verdict::Broken,
            Some(first_warning(outcome).unwrap_or("malformed document, nothing recovered".into())),
        ),
        SourceStatus::Ok
        | SourceStatus::Empty
        | SourceStatus::Malformed
        | SourceStatus::NotModified => {
            let verdict = stats.verdict();
            let reason = match verdict {
                Verdict::Empty => Some(
                    first_warning(outcome)
                        .map(|w| format!("reachable, no entries ({w}): redesign? JavaScript page?"))
                        .unwrap_or_else(|| {
                            "reachable, no entries: redesign? JavaScript page?".to_string()
                        }),
                ),
                Verdict::Undated => Some(format!(
                    "{} entries, none dated (listing, article pages and URLs checked)",
                    stats.entries
                )),
                _ => first_warning(outcome),
            };
            (verdict, reason)
        }
    }
}

fn first_warning(outcome: &SourceOutcome) -> Option<String> {
    outcome.warnings.first().cloned()
}
