//! Writing a client's run: its new items, the index and the validators (in the order crash safety
//! needs), then the run report.

use super::Engine;
use super::gather::{Gathered, Ran};
use super::source::SourceRunContext;
use crate::model::{RunReport, RunStatus, SourceOutcome};
use crate::request::ValidRequest;
use crate::state::IngestIndex;
use crate::store::{StoreError, items_key, run_report_key, validators_key};
use chrono::NaiveDate;
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
        req: &ValidRequest,
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
        if req.dry_run() {
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

    /// The run report: what the client's sources came to, and how long the run took so far.
    pub(super) fn report(
        &self,
        req: &ValidRequest,
        ctx: &SourceRunContext<'_>,
        run_id: String,
        ran: Ran,
        written: Written,
        started: std::time::Instant,
    ) -> RunReport {
        let (attempted, failed) = attempts(&ran.outcomes);
        RunReport {
            client_id: ctx.client_id.to_string(),
            run_id,
            execution_date: crate::model::format_timestamp(ctx.now),
            sources_processed: attempted,
            sources_failed: failed,
            items_ingested: ran.ingested,
            items_filtered_out: ran.filtered,
            items_deduplicated: ran.deduplicated,
            items_final: written.items_final,
            period_days_used: ctx.window.days(),
            window_from: ctx.window.from,
            window_to: ctx.window.to,
            s3_output_path: written.output_path,
            execution_time_seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            dry_run: req.dry_run(),
            ingestion_mode: req.ingestion_mode(),
            temporal_mode: req.temporal_mode(),
            status: run_status(attempted, failed),
            sources: ran.outcomes,
            warnings: self.config.run_warnings(ctx.client_id),
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

/// Sources attempted (those the plan left out are not) and, among them, failed.
fn attempts(outcomes: &[SourceOutcome]) -> (usize, usize) {
    let attempted = outcomes.iter().filter(|o| o.status.was_attempted());
    let failed = attempted.clone().filter(|o| o.status.is_failure()).count();
    (attempted.count(), failed)
}

/// Failed when nothing was attempted or everything attempted failed; partial when some failed.
fn run_status(attempted: usize, failed: usize) -> RunStatus {
    if attempted == 0 || failed == attempted {
        RunStatus::Failed
    } else if failed > 0 {
        RunStatus::Partial
    } else {
        RunStatus::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceStatus;

    #[test]
    fn the_run_status_counts_attempted_sources_only() {
        let outcomes: Vec<SourceOutcome> = [
            SourceStatus::Ok,
            SourceStatus::Timeout,
            SourceStatus::Disabled,
            SourceStatus::UnknownSource,
            SourceStatus::NotModified,
        ]
        .into_iter()
        .map(|s| SourceOutcome::new("s", s))
        .collect();
        assert_eq!(attempts(&outcomes), (3, 1));
        assert_eq!(run_status(3, 1), RunStatus::Partial);
        assert_eq!(run_status(3, 0), RunStatus::Success);
        assert_eq!(run_status(3, 3), RunStatus::Failed);
        assert_eq!(run_status(0, 0), RunStatus::Failed, "nothing attempted");
        assert_eq!(attempts(&outcomes[2..4]), (0, 0));
    }
}
