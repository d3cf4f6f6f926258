//! Source health across runs: what each source of a client has done lately, so that a site that
//! broke — or that still answers 200 but lists nothing since its redesign — shows up as a status
//! instead of hiding in one run's JSON.
//!
//! Kept in `state/{client_id}/health.json`, next to the ingestion index, and updated by every run
//! that is not a dry run, after its items, index and validators are stored (a crash before the
//! update leaves the health one run behind, never ahead of what is stored). The write is a
//! read-merge-write like the index's: atomic, retried when another run wrote in between.

use crate::model::{SourceOutcome, SourceStatus};
use crate::store::{DataStore, StoreError, health_key};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Days without anything new after which a source is `stale`, unless the client says otherwise
/// (`pipeline.stale_after_days`).
pub const DEFAULT_STALE_AFTER_DAYS: u32 = 30;

/// Runs in a row with no entry (while the source answers) before a source is `empty`: one empty
/// page can be a quiet week, two in a row look like a redesign.
const EMPTY_RUNS: u32 = 2;

/// A source's derived status, in the order problems are shown (worst first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// The last run (and maybe more) failed: `consecutive_failures` ≥ 1.
    Failing,
    /// The source answers but has listed no entry for at least two runs.
    Empty,
    /// Nothing new for longer than the client's `stale_after_days`.
    Stale,
    /// Not run before (or only once, successfully): no history to judge yet.
    New,
    Ok,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Failing => "failing",
            HealthStatus::Empty => "empty",
            HealthStatus::Stale => "stale",
            HealthStatus::New => "new",
            HealthStatus::Ok => "ok",
        }
    }

    /// Whether a person should look at the source.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            HealthStatus::Failing | HealthStatus::Empty | HealthStatus::Stale
        )
    }
}

impl std::fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The last failure of a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastError {
    pub at: DateTime<Utc>,
    pub status: SourceStatus,
    pub http_status: Option<u16>,
    pub message: String,
}

/// What the runs so far say about one source of one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    pub first_seen: DateTime<Utc>,
    pub last_run: DateTime<Utc>,
    /// Runs that attempted the source.
    pub runs: u32,
    pub consecutive_failures: u32,
    /// Runs in a row in which the source answered and listed no entry.
    pub consecutive_empty: u32,
    /// Runs in a row that brought nothing new (failures included).
    pub consecutive_unchanged: u32,
    pub last_success: Option<DateTime<Utc>>,
    /// When a run last kept a new item of this source.
    pub last_new_item: Option<DateTime<Utc>>,
    /// The newest publication date the source has shown.
    pub newest_item: Option<NaiveDate>,
    pub last_error: Option<LastError>,
}

impl SourceHealth {
    fn first(now: DateTime<Utc>) -> SourceHealth {
        SourceHealth {
            first_seen: now,
            last_run: now,
            runs: 0,
            consecutive_failures: 0,
            consecutive_empty: 0,
            consecutive_unchanged: 0,
            last_success: None,
            last_new_item: None,
            newest_item: None,
            last_error: None,
        }
    }

    /// Folds one run's outcome in.
    fn observe(&mut self, o: &SourceOutcome, now: DateTime<Utc>) {
        self.runs += 1;
        self.last_run = now;
        self.newest_item = self.newest_item.max(o.newest_entry);
        if o.items_kept > 0 {
            self.last_new_item = Some(now);
            self.consecutive_unchanged = 0;
        } else {
            self.consecutive_unchanged += 1;
        }
        if o.status.is_failure() {
            // An empty streak is about a source that answers: a failure neither extends nor
            // ends it.
            self.consecutive_failures += 1;
            self.last_error = Some(LastError {
                at: now,
                status: o.status,
                http_status: o.http_status,
                message: o.error.clone().unwrap_or_default(),
            });
            return;
        }
        self.consecutive_failures = 0;
        self.last_success = Some(now);
        match o.status {
            // 304: the same page as last time, so the same verdict: still empty if it was.
            SourceStatus::NotModified if self.consecutive_empty > 0 => self.consecutive_empty += 1,
            SourceStatus::NotModified => {}
            _ if o.items_parsed == 0 => self.consecutive_empty += 1,
            _ => self.consecutive_empty = 0,
        }
    }

    /// The status at `now`: failing, then empty, then stale, then new, else ok.
    pub fn status(&self, now: DateTime<Utc>, stale_after_days: u32) -> HealthStatus {
        if self.consecutive_failures > 0 {
            return HealthStatus::Failing;
        }
        if self.consecutive_empty >= EMPTY_RUNS {
            return HealthStatus::Empty;
        }
        // Fresh means: a run kept something new, or the source showed a recent date. A source
        // that never did either counts from when it was first seen.
        let freshest = self
            .last_new_item
            .map(|t| t.date_naive())
            .max(self.newest_item)
            .unwrap_or_else(|| self.first_seen.date_naive());
        if (now.date_naive() - freshest).num_days() > i64::from(stale_after_days) {
            return HealthStatus::Stale;
        }
        if self.runs <= 1 {
            return HealthStatus::New;
        }
        HealthStatus::Ok
    }
}

/// Every source's health for one client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthState {
    pub updated_at: Option<DateTime<Utc>>,
    pub sources: BTreeMap<String, SourceHealth>,
}

/// Whether a run's outcome says something about the source itself. Sources not run (unknown,
/// disabled) and sources the run's deadline skipped leave their health as it was.
fn observable(o: &SourceOutcome) -> bool {
    o.status.was_attempted() && o.status != SourceStatus::Skipped
}

impl HealthState {
    /// Folds one run's outcomes in.
    pub fn observe(&mut self, outcomes: &[SourceOutcome], now: DateTime<Utc>) {
        for o in outcomes.iter().filter(|o| observable(o)) {
            self.sources
                .entry(o.source_key.clone())
                .or_insert_with(|| SourceHealth::first(now))
                .observe(o, now);
        }
        self.updated_at = Some(self.updated_at.map_or(now, |t| t.max(now)));
    }

    /// The stored state (empty when there is none yet).
    pub async fn load(store: &DataStore, client_id: &str) -> Result<HealthState, StoreError> {
        Ok(store
            .get_json(&health_key(client_id))
            .await?
            .unwrap_or_default())
    }

    /// The health after a run: stored, unless `dry_run` (then computed from the stored state and
    /// written nowhere). Health never fails a run whose items are stored: a store error is logged
    /// and the state computed in memory is returned; a corrupt file is replaced.
    pub async fn after_run(
        store: &DataStore,
        client_id: &str,
        outcomes: &[SourceOutcome],
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> HealthState {
        let key = health_key(client_id);
        if dry_run {
            let mut state = HealthState::load(store, client_id)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(client_id, error = %e, "health state unreadable; dry run shows this run alone");
                    HealthState::default()
                });
            state.observe(outcomes, now);
            return state;
        }
        let result = Mutex::new(HealthState::default());
        let update = |current: Option<HealthState>| {
            let mut state = current.unwrap_or_default();
            state.observe(outcomes, now);
            if let Ok(mut g) = result.lock() {
                *g = state.clone();
            }
            state
        };
        let written = match store.update_json(&key, &update).await {
            Err(StoreError::Corrupt { key, message }) => {
                tracing::warn!(client_id, %key, %message, "health state corrupt: starting it anew");
                let fresh = update(None);
                match serde_json::to_vec_pretty(&fresh) {
                    Ok(body) => store.put(&health_key(client_id), body.into()).await,
                    Err(e) => Err(StoreError::Encode {
                        key,
                        message: e.to_string(),
                    }),
                }
            }
            other => other,
        };
        if let Err(e) = written {
            tracing::warn!(client_id, error = %e, "could not store the health state");
        }
        result.into_inner().unwrap_or_default()
    }

    /// One row per source of `keys` (a client's configured sources), problems first: a source
    /// no run has reached yet is `new`.
    pub fn rows(&self, keys: &[String], now: DateTime<Utc>, stale_days: u32) -> Vec<HealthRow> {
        let mut rows: Vec<HealthRow> = keys
            .iter()
            .map(|k| match self.sources.get(k) {
                Some(h) => HealthRow::of(k, h, now, stale_days),
                None => HealthRow::never_run(k),
            })
            .collect();
        rows.sort_by(|a, b| (a.health, &a.source_key).cmp(&(b.health, &b.source_key)));
        rows
    }

    /// Copies each run source's health into its outcome (the run report and response body).
    pub fn annotate(&self, outcomes: &mut [SourceOutcome], now: DateTime<Utc>, stale_days: u32) {
        for o in outcomes.iter_mut() {
            let Some(h) = self.sources.get(&o.source_key) else {
                continue;
            };
            o.health = Some(h.status(now, stale_days));
            o.consecutive_failures = h.consecutive_failures;
            o.consecutive_empty = h.consecutive_empty;
            o.last_success = h.last_success;
            o.newest_item = h.newest_item;
        }
    }
}

/// The health rows of every source a run of `client` would attempt, problems first.
pub fn client_rows(
    config: &crate::Config,
    client: &crate::config::Client,
    state: &HealthState,
    now: DateTime<Utc>,
) -> Vec<HealthRow> {
    let keys: Vec<String> = crate::plan::plan_sources(config, client, None)
        .into_iter()
        .filter_map(|p| match p {
            crate::plan::Planned::Run(s) => Some(s.key.clone()),
            crate::plan::Planned::Skip(_) => None,
        })
        .collect();
    state.rows(&keys, now, client.stale_after_days)
}

/// A source's health as `sources health --json` and the report show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthRow {
    pub source_key: String,
    pub health: HealthStatus,
    pub consecutive_failures: u32,
    pub consecutive_empty: u32,
    pub consecutive_unchanged: u32,
    pub runs: u32,
    pub last_success: Option<DateTime<Utc>>,
    pub last_new_item: Option<DateTime<Utc>>,
    pub newest_item: Option<NaiveDate>,
    /// The last failure's message, with its status and time beside it.
    pub last_error: Option<String>,
    pub last_error_status: Option<SourceStatus>,
    pub last_error_at: Option<DateTime<Utc>>,
}

impl HealthRow {
    fn of(key: &str, h: &SourceHealth, now: DateTime<Utc>, stale_days: u32) -> HealthRow {
        HealthRow {
            source_key: key.to_string(),
            health: h.status(now, stale_days),
            consecutive_failures: h.consecutive_failures,
            consecutive_empty: h.consecutive_empty,
            consecutive_unchanged: h.consecutive_unchanged,
            runs: h.runs,
            last_success: h.last_success,
            last_new_item: h.last_new_item,
            newest_item: h.newest_item,
            last_error: h.last_error.as_ref().map(|e| e.message.clone()),
            last_error_status: h.last_error.as_ref().map(|e| e.status),
            last_error_at: h.last_error.as_ref().map(|e| e.at),
        }
    }

    fn never_run(key: &str) -> HealthRow {
        HealthRow {
            source_key: key.to_string(),
            health: HealthStatus::New,
            consecutive_failures: 0,
            consecutive_empty: 0,
            consecutive_unchanged: 0,
            runs: 0,
            last_success: None,
            last_new_item: None,
            newest_item: None,
            last_error: None,
            last_error_status: None,
            last_error_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(day: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0).unwrap() + Duration::days(day)
    }

    fn outcome(status: SourceStatus, parsed: usize, kept: usize) -> SourceOutcome {
        let mut o = SourceOutcome::new("s", status);
        o.items_parsed = parsed;
        o.items_kept = kept;
        o.newest_entry = (parsed > 0).then(|| at(0).date_naive());
        if status.is_failure() {
            o.http_status = Some(503);
            o = o.with_error("HTTP 503");
        }
        o
    }

    fn status_after(state: &HealthState, day: i64) -> HealthStatus {
        state.sources["s"].status(at(day), DEFAULT_STALE_AFTER_DAYS)
    }

    /// Each rule of the status, in the order a source lives through them.
    #[test]
    fn status_follows_the_runs() {
        let mut s = HealthState::default();
        s.observe(&[outcome(SourceStatus::Ok, 5, 5)], at(0));
        assert_eq!(status_after(&s, 0), HealthStatus::New);
        s.observe(&[outcome(SourceStatus::Ok, 5, 0)], at(1));
        assert_eq!(status_after(&s, 1), HealthStatus::Ok);
        s.observe(&[outcome(SourceStatus::HttpError, 0, 0)], at(2));
        s.observe(&[outcome(SourceStatus::Timeout, 0, 0)], at(3));
        let h = &s.sources["s"];
        assert_eq!(
            (status_after(&s, 3), h.consecutive_failures),
            (HealthStatus::Failing, 2)
        );
        let err = h.last_error.as_ref().unwrap();
        assert_eq!((err.status, err.at), (SourceStatus::Timeout, at(3)));
        assert_eq!(h.last_success, Some(at(1)));
        // Recovers, then answers with an empty page: one empty run is not yet `empty`.
        s.observe(&[outcome(SourceStatus::Empty, 0, 0)], at(4));
        assert_eq!(status_after(&s, 4), HealthStatus::Ok);
        // A 304 is the same empty page again.
        s.observe(&[outcome(SourceStatus::NotModified, 0, 0)], at(5));
        assert_eq!(s.sources["s"].consecutive_empty, 2);
        assert_eq!(status_after(&s, 5), HealthStatus::Empty);
        s.observe(&[outcome(SourceStatus::Empty, 0, 0)], at(6));
        assert_eq!(s.sources["s"].consecutive_empty, 3);
        // Entries again (a 304 of a page with entries changes nothing), nothing new: stale once
        // the last new item is more than 30 days old.
        s.observe(&[outcome(SourceStatus::Ok, 5, 0)], at(7));
        s.observe(&[outcome(SourceStatus::NotModified, 0, 0)], at(8));
        assert_eq!(s.sources["s"].consecutive_empty, 0);
        assert_eq!(status_after(&s, 30), HealthStatus::Ok);
        assert_eq!(status_after(&s, 31), HealthStatus::Stale);
        assert_eq!(
            s.sources["s"].status(at(31), 60),
            HealthStatus::Ok,
            "the threshold is the client's"
        );
        assert_eq!(s.sources["s"].consecutive_unchanged, 8);
        assert_eq!(s.sources["s"].runs, 9);
        assert_eq!(s.sources["s"].first_seen, at(0));
    }

    #[test]
    fn sources_not_run_keep_their_health() {
        let mut s = HealthState::default();
        s.observe(
            &[
                outcome(SourceStatus::Skipped, 0, 0),
                SourceOutcome::new("gone", SourceStatus::UnknownSource),
                SourceOutcome::new("off", SourceStatus::Disabled),
            ],
            at(0),
        );
        assert!(s.sources.is_empty(), "{:?}", s.sources);
        assert_eq!(s.updated_at, Some(at(0)));
    }

    #[test]
    fn rows_list_every_configured_source_problems_first() {
        let mut s = HealthState::default();
        let mut failing = outcome(SourceStatus::HttpError, 0, 0);
        failing.source_key = "b_failing".into();
        let mut fine = outcome(SourceStatus::Ok, 3, 3);
        fine.source_key = "a_fine".into();
        s.observe(&[failing.clone(), fine.clone()], at(0));
        s.observe(&[failing, fine], at(1));
        let keys = ["a_fine", "b_failing", "c_never_run", "gone_from_config"]
            .map(String::from)
            .to_vec();
        let rows = s.rows(&keys[..3], at(1), DEFAULT_STALE_AFTER_DAYS);
        let view: Vec<(&str, HealthStatus)> = rows
            .iter()
            .map(|r| (r.source_key.as_str(), r.health))
            .collect();
        assert_eq!(
            view,
            [
                ("b_failing", HealthStatus::Failing),
                ("c_never_run", HealthStatus::New),
                ("a_fine", HealthStatus::Ok)
            ]
        );
        assert_eq!(rows[0].last_error.as_deref(), Some("HTTP 503"));
        assert_eq!(rows[0].consecutive_failures, 2);
        assert_eq!(rows[1].runs, 0);
    }

    #[test]
    fn problems_sort_first() {
        let mut all = [
            HealthStatus::Ok,
            HealthStatus::New,
            HealthStatus::Stale,
            HealthStatus::Empty,
            HealthStatus::Failing,
        ];
        all.sort();
        assert_eq!(all[0], HealthStatus::Failing);
        assert!(all[..3].iter().all(|s| s.is_problem()));
        assert!(!HealthStatus::New.is_problem());
        assert_eq!(
            serde_json::to_value(HealthStatus::Failing).unwrap(),
            "failing"
        );
    }
}
