//! One source read exactly as a run reads it (fetch, parse, article dates), but kept whole:
//! no time window (an `api` source: its last [`API_CHECK_DAYS`] days), no profile, no
//! validators sent, nothing stored. `sources check` stands on it.

use super::Engine;
use super::source::SourceRunContext;
use crate::config::{SourceDef, SourceKind};
use crate::model::{SourceOutcome, TemporalMode};
use crate::window::Window;
use chrono::{DateTime, NaiveDate, Utc};
use vectora_filter::IngestionMode;

/// Days an `api` source is queried for when probed.
pub const API_CHECK_DAYS: i64 = 30;

/// What one read of a source found.
#[derive(Debug, Clone)]
pub struct Probe {
    pub outcome: SourceOutcome,
    /// Publication dates of the entries that would become items (`None`: undated).
    pub dates: Vec<Option<NaiveDate>>,
}

impl Engine {
    /// Reads a source as ingestion does and returns every entry's date, unfiltered.
    pub async fn probe_source(&self, source: &SourceDef, now: DateTime<Utc>) -> Probe {
        let unfiltered = SourceDef {
            profile: None,
            ..source.clone()
        };
        // An api source queries its provider for a window: the last days, as a run would.
        // Other sources list what they list; every date is kept.
        let window = if source.kind == SourceKind::Api {
            Window {
                from: now.date_naive() - chrono::Duration::days(API_CHECK_DAYS - 1),
                to: now.date_naive(),
            }
        } else {
            Window {
                from: NaiveDate::MIN,
                to: NaiveDate::MAX,
            }
        };
        let ctx = SourceRunContext {
            client_id: "sources-check",
            use_state: false,
            now,
            window,
            ingestion_mode: IngestionMode::Broad,
            temporal_mode: TemporalMode::Flexible,
            deadline: None,
        };
        let result = self.run_source(&unfiltered, &ctx, false).await;
        let mut outcome = result.outcome;
        // Nothing is deduplicated here: every item the select stage kept is kept.
        outcome.items_kept = result.items.len();
        Probe {
            dates: result.items.iter().map(|i| i.published_at).collect(),
            outcome,
        }
    }

    /// The engine's fetcher (shared politeness), for work that fetches outside a run.
    pub fn fetcher(&self) -> &crate::fetch::Fetcher {
        &self.fetcher
    }

    /// The engine's config, shared (for parsing off the async workers).
    pub fn shared_config(&self) -> std::sync::Arc<crate::config::Config> {
        self.config.clone()
    }
}
