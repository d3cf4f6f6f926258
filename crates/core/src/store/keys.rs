//! The key layout of the data bucket, in one place: every key the engine writes is built here,
//! and every key it lists is read back here (the downstream stages depend on this layout).
//!
//! ```text
//! ingested/{client}/{YYYY}/{MM}/{DD}/items.json      a day's items
//! runs/{client}/{YYYY}/{MM}/{DD}/{run_id}.json       a run report
//! runs/_fan_out/{YYYY}/{MM}/{DD}/{run_id}.json       a fan-out execution's summary
//! state/{client}/index.json                          what earlier runs ingested
//! state/{client}/health.json                         each source's health across runs
//! state/{client}/http/{source_key}.json              a source URL's HTTP validators
//! ```

use chrono::{Duration, NaiveDate};

/// The folder of the fan-out summaries under `runs/`: a leading underscore and a name no client
/// of the bundled configs uses, so it sits beside the clients' report folders.
pub const FAN_OUT_RUNS: &str = "_fan_out";

const DAY_FORMAT: &str = "%Y/%m/%d";
const ITEMS_FILE: &str = "items.json";

/// `ingested/{client_id}/`: the folder of a client's items files.
pub fn items_prefix(client_id: &str) -> String {
    format!("ingested/{client_id}/")
}

/// `runs/{client_id}/`: the folder of a client's run reports.
pub fn runs_prefix(client_id: &str) -> String {
    format!("runs/{client_id}/")
}

/// `ingested/{client_id}/{YYYY}/{MM}/{DD}/items.json`
pub fn items_key(client_id: &str, day: NaiveDate) -> String {
    format!(
        "{}{}/{ITEMS_FILE}",
        items_prefix(client_id),
        day.format(DAY_FORMAT)
    )
}

/// `runs/{client_id}/{YYYY}/{MM}/{DD}/{run_id}.json`
pub fn run_report_key(client_id: &str, day: NaiveDate, run_id: &str) -> String {
    format!(
        "{}{}/{run_id}.json",
        runs_prefix(client_id),
        day.format(DAY_FORMAT)
    )
}

/// `runs/_fan_out/{YYYY}/{MM}/{DD}/{run_id}.json`: one Step Functions execution's summary (every
/// client's outcome), written by its last step.
pub fn fan_out_summary_key(day: NaiveDate, run_id: &str) -> String {
    run_report_key(FAN_OUT_RUNS, day, run_id)
}

/// `state/{client_id}/index.json`
pub fn index_key(client_id: &str) -> String {
    format!("state/{client_id}/index.json")
}

/// `state/{client_id}/health.json`
pub fn health_key(client_id: &str) -> String {
    format!("state/{client_id}/health.json")
}

/// `state/{client_id}/http/{source_key}.json`
pub fn validators_key(client_id: &str, source_key: &str) -> String {
    format!("state/{client_id}/http/{source_key}.json")
}

/// A key under `prefix` (one of the per-day folders above) that sorts after every key of the days
/// before `day` and before every key of `day`: where to start listing the days from `day` on.
pub fn listing_start(prefix: &str, day: NaiveDate) -> String {
    // `~` sorts after every run id and file name of the day before.
    format!("{prefix}{}/~", (day - Duration::days(1)).format(DAY_FORMAT))
}

/// The day of a key under `prefix` (`{prefix}{YYYY}/{MM}/{DD}/…`), `None` for any other key.
pub fn day_of(prefix: &str, key: &str) -> Option<NaiveDate> {
    let day = key.strip_prefix(prefix)?.get(..10)?;
    NaiveDate::parse_from_str(day, DAY_FORMAT).ok()
}

/// The day of a client's items file, `None` for any other key (a temporary file, another
/// client's, a report).
pub fn items_day(client_id: &str, key: &str) -> Option<NaiveDate> {
    let prefix = items_prefix(client_id);
    let day = day_of(&prefix, key)?;
    (key == items_key(client_id, day)).then_some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn key_layout_matches_the_downstream_contract() {
        let d = d("2025-12-07");
        assert_eq!(
            items_key("lai_weekly_v3", d),
            "ingested/lai_weekly_v3/2025/12/07/items.json"
        );
        assert_eq!(run_report_key("c", d, "r1"), "runs/c/2025/12/07/r1.json");
        assert_eq!(
            fan_out_summary_key(d, "exec-1"),
            "runs/_fan_out/2025/12/07/exec-1.json"
        );
        assert_eq!(index_key("c"), "state/c/index.json");
        assert_eq!(health_key("c"), "state/c/health.json");
        assert_eq!(validators_key("c", "s"), "state/c/http/s.json");
    }

    #[test]
    fn items_keys_read_back_to_their_day_and_nothing_else_does() {
        let day = d("2026-03-01");
        assert_eq!(items_day("acme", &items_key("acme", day)), Some(day));
        assert_eq!(
            items_day("acme", "ingested/acme/2026/03/01/items.json.tmp"),
            None
        );
        assert_eq!(items_day("acme", &items_key("acme_2", day)), None);
        assert_eq!(
            items_day("acme", "ingested/acme/2026/13/01/items.json"),
            None
        );
        assert_eq!(
            day_of(&runs_prefix("acme"), &run_report_key("acme", day, "r")),
            Some(day)
        );
        assert_eq!(day_of(&runs_prefix("acme"), "runs/acme/x.json"), None);
    }

    #[test]
    fn a_listing_from_a_day_starts_after_the_day_before() {
        let start = listing_start(&runs_prefix("c"), d("2025-12-07"));
        assert!(run_report_key("c", d("2025-12-06"), "zzzz") < start);
        assert!(start < run_report_key("c", d("2025-12-07"), "0"));
        assert!(
            items_key("c", d("2025-12-06")) < listing_start(&items_prefix("c"), d("2025-12-07"))
        );
    }
}
