//! The body of a run's answer, shared by the Lambda function and `vectora-inbox ingest --json`, so
//! that both print the same contract.
//!
//! Status codes:
//! - 400: the caller's mistake — bad dates, an invalid or unknown client.
//! - 500: the deployment's or the config's fault — a config error that blocks the requested client
//!   (the body names file and key), the data store unwritable.
//! - 200: the run happened. A client whose sources all failed is still 200, with `"status":
//!   "failed"` in its body: the run did its job and reported what the sites did.
//!
//! A multi-client body keeps the contract's fields at top level as totals, and lists each
//! client's own body (or its error) under `clients`; one client's error never hides the others.

use crate::config::ConfigErrors;
use crate::{ClientResult, RunError, RunReport, RunRequest, RunStatus};
use serde_json::{Map, Value, json};

/// The fields of the response body contract (SPEC): every single-client body has them, and a
/// multi-client body has them as totals.
pub const CONTRACT_FIELDS: &[&str] = &[
    "client_id",
    "execution_date",
    "sources_processed",
    "sources_failed",
    "items_ingested",
    "items_filtered_out",
    "items_deduplicated",
    "items_final",
    "period_days_used",
    "s3_output_path",
    "execution_time_seconds",
    "dry_run",
    "ingestion_mode",
    "temporal_mode",
    "status",
];

/// Facts of the run that every body carries, beyond the reports.
#[derive(Debug, Clone)]
pub struct RunContext<'a> {
    /// What started the run (`direct`, `schedule`, `cli`...).
    pub trigger: &'a str,
    /// When the run started (`YYYY-MM-DDTHH:MM:SS.ffffffZ`).
    pub execution_date: String,
    /// Seconds since the run started.
    pub elapsed_seconds: f64,
}

/// A status code and its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status_code: u16,
    pub body: Value,
}

/// The answer to a run: one client's body (when one client was asked for), or totals and every
/// client's body.
pub fn answer(req: &RunRequest, results: &[ClientResult], ctx: &RunContext<'_>) -> Answer {
    if req.client_id.is_some()
        && let [one] = results
    {
        return match &one.result {
            Ok(report) => Answer {
                status_code: 200,
                body: single_body(report, ctx),
            },
            Err(e) => error_answer(e),
        };
    }
    Answer {
        status_code: 200,
        body: multi_body(req, results, ctx),
    }
}

/// The answer when the whole run failed before any client ran, or a single-client run failed.
pub fn error_answer(e: &RunError) -> Answer {
    let (status_code, mut body) = error_body(e);
    if let Value::Object(m) = &mut body {
        m.remove("client_id");
        m.remove("status");
    }
    Answer { status_code, body }
}

fn single_body(report: &RunReport, ctx: &RunContext<'_>) -> Value {
    let mut body = report_value(report);
    if let Value::Object(m) = &mut body {
        m.insert("trigger".into(), json!(ctx.trigger));
    }
    body
}

/// A report as JSON. `RunReport` is plain data; should it ever fail to serialise, the body still
/// says which client it was rather than the function failing.
///
/// The entries each source's profile filtered out stay in the stored run report: in the body
/// they would grow with the number of sources past the Lambda's 6 MB response limit.
fn report_value(report: &RunReport) -> Value {
    let mut value = serde_json::to_value(report).unwrap_or_else(|e| {
        json!({ "client_id": report.client_id, "status": "failed", "error": "internal", "message": e.to_string() })
    });
    if let Some(sources) = value.get_mut("sources").and_then(Value::as_array_mut) {
        for s in sources.iter_mut().filter_map(Value::as_object_mut) {
            s.remove("filtered");
        }
    }
    value
}

/// The HTTP status a single-client run would get for this error, and the client's entry.
fn error_body(e: &RunError) -> (u16, Value) {
    let (status, code) = match e {
        RunError::BadRequest(_) => (400, "bad_request"),
        RunError::UnknownClient(_) => (400, "unknown_client"),
        RunError::Config(_) => (500, "config_error"),
        RunError::Store(_) => (500, "store_error"),
    };
    let mut body = json!({ "status": "failed", "error": code, "message": e.to_string() });
    if let (RunError::Config(errs), Value::Object(m)) = (e, &mut body) {
        m.insert("diagnostics".into(), diagnostics(errs));
    }
    (status, body)
}

fn diagnostics(errs: &ConfigErrors) -> Value {
    Value::Array(
        errs.0
            .iter()
            .filter(|d| d.is_error())
            .map(|d| json!({ "file": d.file, "key": d.key, "message": d.message }))
            .collect(),
    )
}

fn status_name(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Success => "success",
        RunStatus::Partial => "partial",
        RunStatus::Failed => "failed",
    }
}

fn multi_body(req: &RunRequest, results: &[ClientResult], ctx: &RunContext<'_>) -> Value {
    let mut clients = Vec::with_capacity(results.len());
    let mut t = Totals::default();
    let mut periods: Vec<u32> = Vec::new();
    let (mut succeeded, mut failed) = (0usize, 0usize);
    for r in results {
        match &r.result {
            Ok(report) => {
                t.add(report);
                periods.push(report.period_days_used);
                match report.status {
                    RunStatus::Success => succeeded += 1,
                    RunStatus::Failed => failed += 1,
                    RunStatus::Partial => {}
                }
                clients.push(report_value(report));
            }
            Err(e) => {
                failed += 1;
                let (_, mut entry) = error_body(e);
                if let Value::Object(m) = &mut entry {
                    m.insert("client_id".into(), json!(r.client_id));
                }
                clients.push(entry);
            }
        }
    }
    let status = if results.is_empty() || failed == results.len() {
        RunStatus::Failed
    } else if succeeded == results.len() {
        RunStatus::Success
    } else {
        RunStatus::Partial
    };
    // One window for everyone when they agree; otherwise each client's body says its own.
    let period_days_used = match periods.split_first() {
        Some((first, rest)) if rest.iter().all(|p| p == first) => json!(first),
        None => json!(req.period_days),
        _ => Value::Null,
    };
    let mut body = Map::new();
    body.insert("client_id".into(), Value::Null);
    body.insert("execution_date".into(), json!(ctx.execution_date));
    body.insert("sources_processed".into(), json!(t.sources_processed));
    body.insert("sources_failed".into(), json!(t.sources_failed));
    body.insert("items_ingested".into(), json!(t.items_ingested));
    body.insert("items_filtered_out".into(), json!(t.items_filtered_out));
    body.insert("items_deduplicated".into(), json!(t.items_deduplicated));
    body.insert("items_final".into(), json!(t.items_final));
    body.insert("period_days_used".into(), period_days_used);
    // Each client writes its own file: see `clients[].s3_output_path`.
    body.insert("s3_output_path".into(), Value::Null);
    body.insert(
        "execution_time_seconds".into(),
        json!((ctx.elapsed_seconds * 1000.0).round() / 1000.0),
    );
    body.insert("dry_run".into(), json!(req.dry_run));
    body.insert(
        "ingestion_mode".into(),
        serde_json::to_value(req.ingestion_mode).unwrap_or(Value::Null),
    );
    body.insert(
        "temporal_mode".into(),
        serde_json::to_value(req.temporal_mode).unwrap_or(Value::Null),
    );
    body.insert("status".into(), json!(status_name(status)));
    body.insert("trigger".into(), json!(ctx.trigger));
    body.insert("clients_total".into(), json!(results.len()));
    body.insert("clients_failed".into(), json!(failed));
    if results.is_empty() {
        body.insert(
            "message".into(),
            json!("no client has client_profile.active: true in the config"),
        );
    }
    body.insert("clients".into(), Value::Array(clients));
    Value::Object(body)
}

#[derive(Default)]
struct Totals {
    sources_processed: usize,
    sources_failed: usize,
    items_ingested: usize,
    items_filtered_out: usize,
    items_deduplicated: usize,
    items_final: usize,
}

impl Totals {
    fn add(&mut self, r: &RunReport) {
        self.sources_processed += r.sources_processed;
        self.sources_failed += r.sources_failed;
        self.items_ingested += r.items_ingested;
        self.items_filtered_out += r.items_filtered_out;
        self.items_deduplicated += r.items_deduplicated;
        self.items_final += r.items_final;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Diagnostic;
    use crate::{SourceOutcome, SourceStatus};

    fn report(
        client: &str,
        status: RunStatus,
        processed: usize,
        failed: usize,
        final_items: usize,
        period: u32,
    ) -> RunReport {
        let day = "2025-12-15".parse().unwrap();
        RunReport {
            client_id: client.into(),
            run_id: "r".into(),
            execution_date: "2025-12-15T06:00:00.000000Z".into(),
            sources_processed: processed,
            sources_failed: failed,
            items_ingested: final_items + 3,
            items_filtered_out: 2,
            items_deduplicated: 1,
            items_final: final_items,
            period_days_used: period,
            window_from: day,
            window_to: day,
            s3_output_path: Some(format!("s3://data/ingested/{client}/2025/12/15/items.json")),
            execution_time_seconds: 1.5,
            dry_run: false,
            ingestion_mode: Default::default(),
            temporal_mode: Default::default(),
            status,
            sources: vec![SourceOutcome::new(
                "press_corporate__medincell",
                SourceStatus::Ok,
            )],
            warnings: vec![],
        }
    }

    fn ctx() -> RunContext<'static> {
        RunContext {
            trigger: "direct",
            execution_date: "2025-12-15T06:00:00.000000Z".into(),
            elapsed_seconds: 2.0,
        }
    }

    fn ok(client: &str, r: RunReport) -> ClientResult {
        ClientResult {
            client_id: client.into(),
            result: Ok(r),
        }
    }

    #[test]
    fn single_client_body_is_the_report_with_every_contract_field() {
        let req = RunRequest {
            client_id: Some("a".into()),
            ..Default::default()
        };
        let resp = answer(
            &req,
            &[ok("a", report("a", RunStatus::Failed, 2, 2, 0, 7))],
            &ctx(),
        );
        assert_eq!(resp.status_code, 200, "a failed run is still a run");
        let b = &resp.body;
        for k in CONTRACT_FIELDS.iter().chain(&["sources"]) {
            assert!(b.get(k).is_some(), "missing {k} in {b}");
        }
        assert_eq!(b["status"], "failed");
        assert_eq!(b["sources"][0]["source_key"], "press_corporate__medincell");
        assert_eq!(b["trigger"], "direct");
    }

    #[test]
    fn filtered_entries_stay_out_of_the_body() {
        let mut r = report("a", RunStatus::Success, 1, 0, 1, 7);
        r.sources[0].filtered.push(crate::model::FilteredEntry {
            title: "Hiring".into(),
            url: "https://a.example/jobs".into(),
            published_at: None,
            reason: "excluded by hr".into(),
        });
        let req = RunRequest {
            client_id: Some("a".into()),
            ..Default::default()
        };
        let single = answer(&req, &[ok("a", r.clone())], &ctx()).body;
        assert!(single["sources"][0].get("filtered").is_none(), "{single}");
        assert_eq!(
            single["sources"][0]["source_key"],
            "press_corporate__medincell"
        );
        let multi = answer(&RunRequest::default(), &[ok("a", r.clone())], &ctx()).body;
        assert!(multi["clients"][0]["sources"][0].get("filtered").is_none());
        // The stored run report keeps them.
        assert_eq!(
            serde_json::to_value(&r).unwrap()["sources"][0]["filtered"][0]["reason"],
            "excluded by hr"
        );
    }

    #[test]
    fn single_client_errors_map_to_400_or_500() {
        let unknown = error_answer(&RunError::UnknownClient("nope".into()));
        assert_eq!(
            (unknown.status_code, unknown.body["error"].as_str()),
            (400, Some("unknown_client"))
        );
        assert!(unknown.body["message"].as_str().unwrap().contains("nope"));
        let bad = error_answer(&RunError::BadRequest("from_date after to_date".into()));
        assert_eq!(bad.status_code, 400);
        let diag = Diagnostic::error(
            "clients/a.yaml",
            "source_config.source_bouquets_enabled",
            "expected a list",
        )
        .for_client("a");
        let cfg = error_answer(&RunError::Config(ConfigErrors(vec![diag])));
        assert_eq!(
            (cfg.status_code, cfg.body["error"].as_str()),
            (500, Some("config_error"))
        );
        let msg = cfg.body["message"].as_str().unwrap();
        assert!(
            msg.contains("clients/a.yaml") && msg.contains("source_config.source_bouquets_enabled"),
            "{msg}"
        );
        assert_eq!(cfg.body["diagnostics"][0]["file"], "clients/a.yaml");
        assert!(cfg.body.get("status").is_none() && cfg.body.get("client_id").is_none());
    }

    #[test]
    fn multi_client_body_totals_and_isolates_each_client() {
        let req = RunRequest::default();
        let diag = Diagnostic::error("clients/b.yaml", "client_profile", "missing").for_client("b");
        let results = vec![
            ok("a", report("a", RunStatus::Success, 3, 0, 5, 30)),
            ClientResult {
                client_id: "b".into(),
                result: Err(RunError::Config(ConfigErrors(vec![diag]))),
            },
            ok("c", report("c", RunStatus::Partial, 4, 1, 2, 30)),
        ];
        let resp = answer(&req, &results, &ctx());
        assert_eq!(resp.status_code, 200);
        let b = &resp.body;
        assert_eq!(b["client_id"], Value::Null);
        assert_eq!(b["sources_processed"], 7);
        assert_eq!(b["sources_failed"], 1);
        assert_eq!(b["items_final"], 7);
        assert_eq!(b["items_ingested"], 8 + 5);
        assert_eq!(b["period_days_used"], 30);
        assert_eq!(b["status"], "partial");
        assert_eq!(b["clients_total"], 3);
        assert_eq!(b["clients_failed"], 1);
        let clients = b["clients"].as_array().unwrap();
        assert_eq!(clients.len(), 3);
        assert_eq!(
            clients[0]["s3_output_path"],
            "s3://data/ingested/a/2025/12/15/items.json"
        );
        assert_eq!(clients[1]["client_id"], "b");
        assert_eq!(clients[1]["error"], "config_error");
        assert_eq!(clients[1]["diagnostics"][0]["key"], "client_profile");
        assert_eq!(clients[2]["status"], "partial");
    }

    #[test]
    fn multi_client_status_and_window() {
        let req = RunRequest {
            period_days: Some(14),
            ..Default::default()
        };
        let all_ok = vec![
            ok("a", report("a", RunStatus::Success, 1, 0, 1, 7)),
            ok("b", report("b", RunStatus::Success, 1, 0, 1, 30)),
        ];
        let b = answer(&req, &all_ok, &ctx()).body;
        assert_eq!(b["status"], "success");
        assert_eq!(
            b["period_days_used"],
            Value::Null,
            "clients disagree: each body has its own"
        );
        let all_failed = vec![ok("a", report("a", RunStatus::Failed, 1, 1, 0, 7))];
        assert_eq!(answer(&req, &all_failed, &ctx()).body["status"], "failed");
        let none = answer(&req, &[], &ctx());
        assert_eq!(none.status_code, 200);
        assert_eq!(none.body["status"], "failed");
        assert_eq!(none.body["clients_total"], 0);
        assert_eq!(none.body["period_days_used"], 14);
        assert!(none.body["message"].as_str().unwrap().contains("active"));
    }
}
