//! Metrics in CloudWatch Embedded Metric Format: one JSON line per client run on stdout, which
//! CloudWatch Logs turns into metrics on its own, so dashboards and alarms need no log parsing.
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>

use serde_json::{Value, json};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};
use vectora_core::RunReport;
use vectora_core::health::HealthStatus;

/// The dimensions of every metric: per environment and client, and per environment alone (the
/// "whole product" view). Never per source: a dimension value is a metric of its own, billed.
const DIMENSIONS: [&[&str]; 2] = [&["Environment", "ClientId"], &["Environment"]];

/// The values published for one client run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClientMetrics {
    pub sources_ok: usize,
    pub sources_failed: usize,
    /// Items actually written to the data bucket (0 for a dry run).
    pub items_written: usize,
    pub duration_seconds: f64,
    /// 1 when the client could not run at all (config or storage error).
    pub client_errors: usize,
    /// Sources whose health (across runs) is `failing`, `empty`, `stale`.
    pub sources_failing: usize,
    pub sources_empty: usize,
    pub sources_stale: usize,
    /// Items the profiles kept, new to this client (written or, in a dry run, that would be).
    pub items_kept: usize,
    /// The longest failure streak among the client's sources (the "failing N runs" alarm).
    pub max_consecutive_failures: u32,
    /// 1 per client run that stored its result (not a dry run): the "no run in the schedule
    /// period" alarm counts these.
    pub client_runs: usize,
}

impl ClientMetrics {
    pub fn from_report(r: &RunReport) -> ClientMetrics {
        let health = |h: HealthStatus| r.sources.iter().filter(|o| o.health == Some(h)).count();
        ClientMetrics {
            sources_ok: r.sources_processed.saturating_sub(r.sources_failed),
            sources_failed: r.sources_failed,
            items_written: if r.dry_run { 0 } else { r.items_final },
            duration_seconds: r.execution_time_seconds,
            client_errors: 0,
            sources_failing: health(HealthStatus::Failing),
            sources_empty: health(HealthStatus::Empty),
            sources_stale: health(HealthStatus::Stale),
            items_kept: r.sources.iter().map(|o| o.items_kept).sum(),
            max_consecutive_failures: r
                .sources
                .iter()
                .map(|o| o.consecutive_failures)
                .max()
                .unwrap_or(0),
            // A dry run (a test invocation) is not the scheduled run the alarm waits for.
            client_runs: usize::from(!r.dry_run),
        }
    }

    /// A client that could not run at all: no duration, nothing written.
    pub fn client_error() -> ClientMetrics {
        ClientMetrics {
            client_errors: 1,
            ..Default::default()
        }
    }
}

/// Where the metrics go and under which names.
#[derive(Debug, Clone)]
pub struct MetricsTarget {
    pub namespace: String,
    pub environment: String,
}

impl MetricsTarget {
    /// The EMF document for one client run.
    pub fn document(
        &self,
        client_id: &str,
        request_id: &str,
        m: &ClientMetrics,
        now: SystemTime,
    ) -> Value {
        let timestamp = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let metric = |name: &str, unit: &str| json!({ "Name": name, "Unit": unit });
        json!({
            "_aws": {
                "Timestamp": timestamp,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": DIMENSIONS,
                    "Metrics": [
                        metric("SourcesOk", "Count"),
                        metric("SourcesFailed", "Count"),
                        metric("ItemsWritten", "Count"),
                        metric("ClientErrors", "Count"),
                        metric("RunDuration", "Seconds"),
                        metric("SourcesFailing", "Count"),
                        metric("SourcesEmpty", "Count"),
                        metric("SourcesStale", "Count"),
                        metric("ItemsKept", "Count"),
                        metric("MaxConsecutiveFailures", "Count"),
                        metric("ClientRuns", "Count"),
                    ],
                }],
            },
            "Environment": self.environment,
            "ClientId": client_id,
            "SourcesOk": m.sources_ok,
            "SourcesFailed": m.sources_failed,
            "ItemsWritten": m.items_written,
            "ClientErrors": m.client_errors,
            "RunDuration": m.duration_seconds,
            "SourcesFailing": m.sources_failing,
            "SourcesEmpty": m.sources_empty,
            "SourcesStale": m.sources_stale,
            "ItemsKept": m.items_kept,
            "MaxConsecutiveFailures": m.max_consecutive_failures,
            "ClientRuns": m.client_runs,
            // Not a dimension: a property, searchable in Logs Insights.
            "request_id": request_id,
        })
    }

    /// Writes the document as one line on stdout, where Lambda's log capture picks it up. EMF must be
    /// a log event of its own, so it bypasses the tracing formatter.
    pub fn emit(&self, client_id: &str, request_id: &str, m: &ClientMetrics) {
        let doc = self.document(client_id, request_id, m, SystemTime::now());
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, "{doc}").and_then(|()| out.flush()) {
            tracing::warn!(error = %e, "could not write the metrics line");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn document_follows_the_embedded_metric_format() {
        let t = MetricsTarget {
            namespace: "vectora-inbox".into(),
            environment: "dev".into(),
        };
        let m = ClientMetrics {
            sources_ok: 7,
            sources_failed: 1,
            items_written: 12,
            duration_seconds: 3.25,
            sources_failing: 1,
            sources_stale: 2,
            items_kept: 12,
            max_consecutive_failures: 3,
            client_runs: 1,
            ..ClientMetrics::default()
        };
        let now = UNIX_EPOCH + Duration::from_millis(1_765_778_400_123);
        let d = t.document("lai_weekly_v3", "req-9", &m, now);
        assert_eq!(d["_aws"]["Timestamp"], 1_765_778_400_123u64);
        let directive = &d["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "vectora-inbox");
        // Every dimension named in a dimension set, and every metric, is a top-level member.
        for set in directive["Dimensions"].as_array().unwrap() {
            for dim in set.as_array().unwrap() {
                assert!(
                    d[dim.as_str().unwrap()].is_string(),
                    "dimension {dim} missing"
                );
            }
        }
        for metric in directive["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            assert!(d[name].is_number(), "metric {name} missing");
        }
        assert_eq!(d["SourcesOk"], 7);
        assert_eq!(d["ItemsWritten"], 12);
        assert_eq!(d["RunDuration"], 3.25);
        assert_eq!(d["ClientId"], "lai_weekly_v3");
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["Name"].as_str())
            .collect();
        for name in [
            "SourcesFailing",
            "SourcesEmpty",
            "SourcesStale",
            "ItemsKept",
            "MaxConsecutiveFailures",
            "ClientRuns",
        ] {
            assert!(names.contains(&name), "{name} not in {names:?}");
        }
        assert_eq!(
            (d["SourcesFailing"].as_u64(), d["SourcesStale"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(d["MaxConsecutiveFailures"], 3);
        // Per client, never per source (a dimension per source would be a metric each).
        assert_eq!(
            directive["Dimensions"],
            json!([["Environment", "ClientId"], ["Environment"]])
        );
    }

    #[test]
    fn dry_runs_write_nothing_and_errors_count() {
        let day = "2025-12-15".parse().unwrap();
        let mut r = RunReport {
            client_id: "c".into(),
            run_id: "r".into(),
            execution_date: String::new(),
            sources_processed: 5,
            sources_failed: 2,
            items_ingested: 10,
            items_filtered_out: 2,
            items_deduplicated: 0,
            items_final: 8,
            period_days_used: 7,
            window_from: day,
            window_to: day,
            s3_output_path: None,
            execution_time_seconds: 1.0,
            dry_run: true,
            ingestion_mode: Default::default(),
            temporal_mode: Default::default(),
            status: vectora_core::RunStatus::Partial,
            sources: vec![],
            warnings: vec![],
        };
        let m = ClientMetrics::from_report(&r);
        assert_eq!((m.sources_ok, m.sources_failed, m.items_written), (3, 2, 0));
        r.dry_run = false;
        assert_eq!(ClientMetrics::from_report(&r).items_written, 8);
        assert_eq!(ClientMetrics::client_error().client_errors, 1);
        assert_eq!(ClientMetrics::client_error().client_runs, 0);
    }

    #[test]
    fn health_counts_come_from_the_sources_of_the_report() {
        use vectora_core::{SourceOutcome, SourceStatus};
        let day = "2025-12-15".parse().unwrap();
        let source = |key: &str, health: HealthStatus, failures: u32, kept: usize| {
            let mut o = SourceOutcome::new(key, SourceStatus::Ok);
            o.health = Some(health);
            o.consecutive_failures = failures;
            o.items_kept = kept;
            o
        };
        let r = RunReport {
            client_id: "c".into(),
            run_id: "r".into(),
            execution_date: String::new(),
            sources_processed: 5,
            sources_failed: 2,
            items_ingested: 10,
            items_filtered_out: 0,
            items_deduplicated: 0,
            items_final: 4,
            period_days_used: 7,
            window_from: day,
            window_to: day,
            s3_output_path: None,
            execution_time_seconds: 1.0,
            dry_run: true,
            ingestion_mode: Default::default(),
            temporal_mode: Default::default(),
            status: vectora_core::RunStatus::Partial,
            sources: vec![
                source("a", HealthStatus::Failing, 4, 0),
                source("b", HealthStatus::Failing, 1, 0),
                source("c", HealthStatus::Empty, 0, 0),
                source("d", HealthStatus::Stale, 0, 0),
                source("e", HealthStatus::Ok, 0, 4),
                SourceOutcome::new("off", SourceStatus::Disabled),
            ],
            warnings: vec![],
        };
        let m = ClientMetrics::from_report(&r);
        assert_eq!(
            (m.sources_failing, m.sources_empty, m.sources_stale),
            (2, 1, 1)
        );
        assert_eq!(
            (m.items_kept, m.items_written),
            (4, 0),
            "a dry run keeps, writes nothing"
        );
        assert_eq!((m.max_consecutive_failures, m.client_runs), (4, 0));
        let stored = RunReport {
            dry_run: false,
            ..r
        };
        assert_eq!(ClientMetrics::from_report(&stored).client_runs, 1);
    }
}
