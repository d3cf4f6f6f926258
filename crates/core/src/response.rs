//! The body of a run's answer, shared by the Lambda function and `vectora-inbox ingest --json`, so
//! that both print the same contract: serde types, nothing built from string keys.
//!
//! - one client asked for: its run report ([`ClientBody`]), or, when it could not run, an
//!   [`ErrorBody`] the front answers with its own status (the Lambda's status codes are its own);
//! - every client: totals of the contract's fields, and each client's report or error under
//!   `clients` ([`MultiBody`]); one client's error never hides the others.

use crate::config::ConfigErrors;
use crate::model::TemporalMode;
use crate::{ClientResult, IngestionMode, RunError, RunReport, RunStatus, ValidRequest};
use serde::Serialize;

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

/// A client's run report as a body carries it. The entries each source's profile filtered out
/// stay in the stored run report: in the body they would grow with the number of sources past
/// the Lambda's 6 MB response limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ReportBody(RunReport);

impl ReportBody {
    pub fn of(report: &RunReport) -> ReportBody {
        let mut report = report.clone();
        for source in &mut report.sources {
            source.filtered.clear();
        }
        ReportBody(report)
    }
}

/// The body of a single-client run: its report and what started it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientBody {
    #[serde(flatten)]
    pub report: ReportBody,
    pub trigger: String,
}

/// A run, or a client, that could not run: `error` is [`RunError::code`]; config errors are
/// listed with their file and key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody {
    /// Set in a multi-client body's entry (the whole run's error names no client).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `failed`, in a multi-client body's entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<RunStatus>,
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<DiagnosticBody>>,
}

/// One config error of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnosticBody {
    pub file: String,
    pub key: String,
    pub message: String,
}

impl ErrorBody {
    /// The answer of a run that failed as a whole, or whose one named client failed.
    pub fn of_run(e: &RunError) -> ErrorBody {
        ErrorBody {
            client_id: None,
            status: None,
            error: e.code(),
            message: e.to_string(),
            diagnostics: match e {
                RunError::Config(errors) => Some(diagnostics(errors)),
                _ => None,
            },
        }
    }

    /// A client of a multi-client run that failed.
    pub fn of_client(client_id: &str, e: &RunError) -> ErrorBody {
        ErrorBody {
            client_id: Some(client_id.to_string()),
            status: Some(RunStatus::Failed),
            ..ErrorBody::of_run(e)
        }
    }
}

fn diagnostics(errors: &ConfigErrors) -> Vec<DiagnosticBody> {
    errors
        .0
        .iter()
        .filter(|d| d.is_error())
        .map(|d| DiagnosticBody {
            file: d.file.clone(),
            key: d.key.clone(),
            message: d.message.clone(),
        })
        .collect()
}

/// One client's entry in a multi-client body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ClientEntry {
    Ran(ReportBody),
    Failed(ErrorBody),
}

/// The body of a run over every client: the contract's fields as totals, and every client's own
/// body under `clients`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiBody {
    /// Always `null`: no one client.
    pub client_id: Option<String>,
    pub execution_date: String,
    #[serde(flatten)]
    pub totals: Totals,
    /// One window for everyone when they agree; otherwise `null`, each client's body says its own.
    pub period_days_used: Option<u32>,
    /// Always `null`: each client writes its own file (`clients[].s3_output_path`).
    pub s3_output_path: Option<String>,
    pub execution_time_seconds: f64,
    pub dry_run: bool,
    pub ingestion_mode: IngestionMode,
    pub temporal_mode: TemporalMode,
    pub status: RunStatus,
    pub trigger: String,
    pub clients_total: usize,
    pub clients_failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub clients: Vec<ClientEntry>,
}

/// The contract's counts, summed over the clients that ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Totals {
    pub sources_processed: usize,
    pub sources_failed: usize,
    pub items_ingested: usize,
    pub items_filtered_out: usize,
    pub items_deduplicated: usize,
    pub items_final: usize,
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

/// The body of a run that happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Body {
    Client(Box<ClientBody>),
    Clients(Box<MultiBody>),
}

impl Body {
    /// The run's status (the client's, or the multi-client run's).
    pub fn status(&self) -> RunStatus {
        match self {
            Body::Client(b) => b.report.0.status,
            Body::Clients(b) => b.status,
        }
    }
}

/// The body of a run: one client's (when the request named one), or totals and every client's.
/// A named client that could not run is the error the front answers with
/// ([`ErrorBody::of_run`], and its own status code or exit code).
pub fn body<'r>(
    req: &ValidRequest,
    results: &'r [ClientResult],
    ctx: &RunContext<'_>,
) -> Result<Body, &'r RunError> {
    if req.client_id().is_some()
        && let [one] = results
    {
        let report = one.result.as_ref()?;
        return Ok(Body::Client(Box::new(ClientBody {
            report: ReportBody::of(report),
            trigger: ctx.trigger.to_string(),
        })));
    }
    Ok(Body::Clients(Box::new(multi_body(req, results, ctx))))
}

fn multi_body(req: &ValidRequest, results: &[ClientResult], ctx: &RunContext<'_>) -> MultiBody {
    let mut totals = Totals::default();
    let mut periods: Vec<u32> = Vec::new();
    let (mut succeeded, mut failed) = (0usize, 0usize);
    let clients = results
        .iter()
        .map(|r| match &r.result {
            Ok(report) => {
                totals.add(report);
                periods.push(report.period_days_used);
                match report.status {
                    RunStatus::Success => succeeded += 1,
                    RunStatus::Failed => failed += 1,
                    RunStatus::Partial => {}
                }
                ClientEntry::Ran(ReportBody::of(report))
            }
            Err(e) => {
                failed += 1;
                ClientEntry::Failed(ErrorBody::of_client(&r.client_id, e))
            }
        })
        .collect();
    let status = if results.is_empty() || failed == results.len() {
        RunStatus::Failed
    } else if succeeded == results.len() {
        RunStatus::Success
    } else {
        RunStatus::Partial
    };
    let period_days_used = match periods.split_first() {
        Some((first, rest)) if rest.iter().all(|p| p == first) => Some(*first),
        None => req.period_days(),
        _ => None,
    };
    MultiBody {
        client_id: None,
        execution_date: ctx.execution_date.clone(),
        totals,
        period_days_used,
        s3_output_path: None,
        execution_time_seconds: (ctx.elapsed_seconds * 1000.0).round() / 1000.0,
        dry_run: req.dry_run(),
        ingestion_mode: req.ingestion_mode(),
        temporal_mode: req.temporal_mode(),
        status,
        trigger: ctx.trigger.to_string(),
        clients_total: results.len(),
        clients_failed: failed,
        message: results
            .is_empty()
            .then(|| "no client has client_profile.active: true in the config".to_string()),
        clients,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Diagnostic;
    use crate::{RequestError, RunRequest, SourceOutcome, SourceStatus};
    use serde_json::Value;

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

    /// The body contract's fields (SPEC, "Invocation contract"): every single-client body has
    /// them, and a multi-client body has them as totals.
    const SPEC_FIELDS: &[&str] = &[
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

    fn request(r: RunRequest) -> ValidRequest {
        r.validate().unwrap()
    }

    fn named(client: &str) -> ValidRequest {
        request(RunRequest {
            client_id: Some(client.into()),
            ..Default::default()
        })
    }

    fn json(body: Result<Body, &RunError>) -> Value {
        serde_json::to_value(body.unwrap()).unwrap()
    }

    #[test]
    fn single_client_body_is_the_report_with_every_contract_field() {
        let results = [ok("a", report("a", RunStatus::Failed, 2, 2, 0, 7))];
        let body = body(&named("a"), &results, &ctx()).unwrap();
        assert_eq!(
            body.status(),
            RunStatus::Failed,
            "a failed run is still a run"
        );
        let b = serde_json::to_value(&body).unwrap();
        for k in SPEC_FIELDS.iter().chain(&["sources"]) {
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
        let single = json(body(&named("a"), &[ok("a", r.clone())], &ctx()));
        assert!(single["sources"][0].get("filtered").is_none(), "{single}");
        assert_eq!(
            single["sources"][0]["source_key"],
            "press_corporate__medincell"
        );
        let every = request(RunRequest::default());
        let multi = json(body(&every, &[ok("a", r.clone())], &ctx()));
        assert!(multi["clients"][0]["sources"][0].get("filtered").is_none());
        // The stored run report keeps them.
        assert_eq!(
            serde_json::to_value(&r).unwrap()["sources"][0]["filtered"][0]["reason"],
            "excluded by hr"
        );
    }

    #[test]
    fn a_named_client_that_could_not_run_is_the_runs_error() {
        let results = [ClientResult {
            client_id: "nope".into(),
            result: Err(RunError::UnknownClient("nope".into())),
        }];
        let e = body(&named("nope"), &results, &ctx()).unwrap_err();
        let unknown = serde_json::to_value(ErrorBody::of_run(e)).unwrap();
        assert_eq!(unknown["error"], "unknown_client");
        assert!(unknown["message"].as_str().unwrap().contains("nope"));
        let bad = ErrorBody::of_run(&RunError::BadRequest(RequestError::HalfWindow));
        assert_eq!(bad.error, "bad_request");
        let diag = Diagnostic::error(
            "clients/a.yaml",
            "source_config.source_bouquets_enabled",
            "expected a list",
        )
        .for_client("a");
        let cfg = ErrorBody::of_run(&RunError::Config(ConfigErrors(vec![diag])));
        let cfg = serde_json::to_value(cfg).unwrap();
        assert_eq!(cfg["error"], "config_error");
        let msg = cfg["message"].as_str().unwrap();
        assert!(
            msg.contains("clients/a.yaml") && msg.contains("source_config.source_bouquets_enabled"),
            "{msg}"
        );
        assert_eq!(cfg["diagnostics"][0]["file"], "clients/a.yaml");
        assert!(cfg.get("status").is_none() && cfg.get("client_id").is_none());
    }

    #[test]
    fn multi_client_body_totals_and_isolates_each_client() {
        let diag = Diagnostic::error("clients/b.yaml", "client_profile", "missing").for_client("b");
        let results = vec![
            ok("a", report("a", RunStatus::Success, 3, 0, 5, 30)),
            ClientResult {
                client_id: "b".into(),
                result: Err(RunError::Config(ConfigErrors(vec![diag]))),
            },
            ok("c", report("c", RunStatus::Partial, 4, 1, 2, 30)),
        ];
        let every = request(RunRequest::default());
        let body = body(&every, &results, &ctx()).unwrap();
        assert_eq!(body.status(), RunStatus::Partial);
        let b = serde_json::to_value(&body).unwrap();
        for k in SPEC_FIELDS {
            assert!(b.get(k).is_some(), "missing {k} in {b}");
        }
        assert_eq!(b["client_id"], Value::Null);
        assert_eq!(b["sources_processed"], 7);
        assert_eq!(b["sources_failed"], 1);
        assert_eq!(b["items_final"], 7);
        assert_eq!(b["items_ingested"], 8 + 5);
        assert_eq!(b["period_days_used"], 30);
        assert_eq!(b["status"], "partial");
        assert_eq!(b["clients_total"], 3);
        assert_eq!(b["clients_failed"], 1);
        assert_eq!(b["trigger"], "direct");
        let clients = b["clients"].as_array().unwrap();
        assert_eq!(clients.len(), 3);
        assert_eq!(
            clients[0]["s3_output_path"],
            "s3://data/ingested/a/2025/12/15/items.json"
        );
        assert!(
            clients[0].get("trigger").is_none(),
            "the run's, not each client's"
        );
        assert_eq!(clients[1]["client_id"], "b");
        assert_eq!(clients[1]["status"], "failed");
        assert_eq!(clients[1]["error"], "config_error");
        assert_eq!(clients[1]["diagnostics"][0]["key"], "client_profile");
        assert_eq!(clients[2]["status"], "partial");
    }

    #[test]
    fn multi_client_status_and_window() {
        let req = request(RunRequest {
            period_days: Some(14),
            ..Default::default()
        });
        let all_ok = vec![
            ok("a", report("a", RunStatus::Success, 1, 0, 1, 7)),
            ok("b", report("b", RunStatus::Success, 1, 0, 1, 30)),
        ];
        let b = json(body(&req, &all_ok, &ctx()));
        assert_eq!(b["status"], "success");
        assert_eq!(
            b["period_days_used"],
            Value::Null,
            "clients disagree: each body has its own"
        );
        let all_failed = vec![ok("a", report("a", RunStatus::Failed, 1, 1, 0, 7))];
        assert_eq!(json(body(&req, &all_failed, &ctx()))["status"], "failed");
        let none = json(body(&req, &[], &ctx()));
        assert_eq!(none["status"], "failed");
        assert_eq!(none["clients_total"], 0);
        assert_eq!(none["period_days_used"], 14);
        assert!(none["message"].as_str().unwrap().contains("active"));
    }
}
