//! Writing a client's run: its new items, the index and the validators (in the order crash safety
//! needs), then the run report.

use super::Engine;
use super::gather::Gathered;
use crate::model::{RunReport, RunStatus, SourceOutcome};
use crate::request::RunRequest;
use crate::state::IngestIndex;
use crate::store::{StoreError, items_key, run_report_key, validators_key};
use crate::window::Window;
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;

/// Validator files written at once.
const VALIDATOR_WRITES: usize = 16;

/// What writing the items came to.
pub(super) struct Written {
    /// Items added to the day's file (a dry run: the items it would add).
    pub(super) items_final: usize,
    /// Items the day's file already had.
    pub(super) already_present: usize,
    /// The day's file, when something was added.
    pub(super) output_path: Option<String>,
}

impl Engine {
    /// Merges the new items into the day's file, then records them in the index, then stores
    /// the validators: a 304 must never hide items that were not stored. A dry run writes nothing.
    pub(super) async fn write_items(
        &self,
        req: &RunRequest,
        client_id: &str,
        day: NaiveDate,
        gathered: &Gathered<'_>,
    ) -> Result<Written, StoreError> {
        let items = &gathered.items;
        let mut written = Written {
            items_final: 0,
            already_present: 0,
            output_path: None,
        };
        if req.dry_run {
            written.items_final = items.len();
            return Ok(written);
        }
        if !items.is_empty() {
            // Nothing to add leaves the day's file (or its absence) as it is.
            let key = items_key(client_id, day);
            let merged = self.store.merge_items(&key, items).await?;
            written = Written {
                items_final: merged.added,
                already_present: merged.already_present,
                output_path: Some(self.store.display_key(&key)),
            };
            IngestIndex::record(&self.store, client_id, day, items).await?;
        }
        // One small file per source: written a few at a time (10,000 of them one after another
        // took seconds).
        let mut puts = futures::stream::iter(&gathered.validators)
            .map(|(source_key, v)| async move {
                let body = serde_json::to_vec(v).map_err(|e| StoreError::Encode {
                    key: source_key.clone(),
                    message: e.to_string(),
                })?;
                self.store
                    .put(&validators_key(client_id, source_key), body.into())
                    .await
            })
            .buffer_unordered(VALIDATOR_WRITES);
        while let Some(put) = puts.next().await {
            put?;
        }
        Ok(written)
    }

    /// The run report (its `execution_time_seconds` left for the caller to set).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn report(
        &self,
        req: &RunRequest,
        client_id: &str,
        run_id: String,
        now: DateTime<Utc>,
        window: Window,
        gathered: Gathered<'_>,
        written: Written,
    ) -> RunReport {
        let attempted: Vec<&SourceOutcome> = gathered
            .outcomes
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
        RunReport {
            client_id: client_id.to_string(),
            run_id,
            execution_date: crate::model::format_timestamp(now),
            sources_processed: attempted.len(),
            sources_failed: failed,
            items_ingested: gathered.ingested,
            items_filtered_out: gathered.filtered,
            items_deduplicated: gathered.deduplicated,
            items_final: written.items_final,
            period_days_used: window.days(),
            window_from: window.from,
            window_to: window.to,
            s3_output_path: written.output_path,
            execution_time_seconds: 0.0,
            dry_run: req.dry_run,
            ingestion_mode: req.ingestion_mode,
            temporal_mode: req.temporal_mode,
            status,
            sources: gathered.outcomes,
            warnings: self.config.run_warnings(client_id),
        }
    }

    /// Stores the run report under `runs/{client}/{day}/{run_id}.json`.
    pub(super) async fn write_report(
        &self,
        report: &RunReport,
        day: NaiveDate,
    ) -> Result<(), StoreError> {
        let key = run_report_key(&report.client_id, day, &report.run_id);
        let body = serde_json::to_vec_pretty(report).map_err(|e| StoreError::Encode {
            key: key.clone(),
            message: e.to_string(),
        })?;
        self.store.put(&key, body.into()).await
    }
}
