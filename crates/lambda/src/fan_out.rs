//! The events of the fan-out state machine (`infra/s2-fan-out.asl.json`): a run over many clients
//! where Step Functions, not one invocation, walks the client list.
//!
//! Each step's event carries `"step"`:
//! - `{"step": "plan", "execution": NAME, "request": {..}}` lists the active clients (or the one
//!   the request names) as one `client` event each, for the Map state;
//! - `{"step": "client", "run_id": ID, "request": {"client_id": .., ..}}` runs that one client and
//!   answers a [`ClientOutcome`]: a few numbers, not the report (which the run stores as usual),
//!   so that hundreds of outcomes fit in the state machine's 256 KB payload;
//! - `{"step": "summary", "plan": {..}, "results": [..]}` totals the outcomes, names every planned
//!   client without one, and stores the [`Summary`] under `runs/_fan_out/…`.
//!
//! The state machine itself is `infra/s2-fan-out.asl.json`.
//!
//! The request inside `plan` and `client` is the ordinary event, checked by [`event::route`]: the
//! contract has one owner. Without `"step"` an event is today's single invocation.

use crate::event::{self, EventError};
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vectora_core::store::{FAN_OUT_RUNS, fan_out_summary_key, run_report_key};
use vectora_core::{ClientResult, Config, RunStatus, ValidRequest};

/// A routed step event.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Plan {
        execution: Option<String>,
        request: ValidRequest,
        raw: Value,
    },
    Client {
        run_id: String,
        request: ValidRequest,
    },
    Summary(Box<SummaryInput>),
}

/// The wire form of the step events (the request stays JSON until [`event::route`] checks it).
#[derive(Deserialize)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
enum StepEvent {
    Plan {
        #[serde(default)]
        execution: Option<String>,
        #[serde(default = "empty_object")]
        request: Value,
    },
    Client {
        run_id: String,
        request: Value,
    },
    Summary(Box<SummaryInput>),
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// What the summary step receives: the plan, and the Map state's results — the list of the
/// clients' outcomes, or, when the Map failed as a whole (more failed clients than it tolerates),
/// its error (`{"Error": .., "Cause": ..}`), which its Catch puts in the same place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryInput {
    pub plan: Plan,
    #[serde(default)]
    pub results: Value,
}

/// The plan step's answer: the run's id and one `client` event per client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub run_id: String,
    pub started_at: String,
    pub dry_run: bool,
    pub client_ids: Vec<String>,
    pub clients: Vec<ClientEvent>,
}

/// One item of the Map state: the event of one client's invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientEvent {
    pub step: String,
    pub run_id: String,
    pub request: Value,
}

/// One client's outcome, as the client step answers it and the summary lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientOutcome {
    pub client_id: String,
    pub status: RunStatus,
    /// Machine-readable reason when the client did not run (`config_error`, `no_result`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default)]
    pub sources_processed: usize,
    #[serde(default)]
    pub sources_failed: usize,
    #[serde(default)]
    pub items_final: usize,
    #[serde(default)]
    pub s3_output_path: Option<String>,
    /// Key of the client's own run report (`None` in a dry run or when it did not run).
    #[serde(default)]
    pub run_report: Option<String>,
    #[serde(default)]
    pub execution_time_seconds: f64,
}

/// The whole run, stored under `runs/_fan_out/{YYYY}/{MM}/{DD}/{run_id}.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub run_id: String,
    pub started_at: String,
    pub finished_at: String,
    /// `success` when every client succeeded, `failed` when none did (or the Map failed), else
    /// `partial`.
    pub status: RunStatus,
    pub dry_run: bool,
    pub clients_planned: usize,
    pub clients_succeeded: usize,
    pub clients_partial: usize,
    pub clients_failed: usize,
    pub sources_processed: usize,
    pub sources_failed: usize,
    pub items_final: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_error: Option<Value>,
    /// Where the summary was stored (`None` in a dry run).
    pub summary_key: Option<String>,
    pub clients: Vec<ClientOutcome>,
}

/// The step of an event, `None` when it is not a step event (no `"step"` key).
pub fn route_step(event: &Value) -> Option<Result<Step, EventError>> {
    event.as_object()?.get("step")?;
    Some(parse_step(event))
}

fn parse_step(event: &Value) -> Result<Step, EventError> {
    let wire: StepEvent = serde_path_to_error::deserialize(event).map_err(|e| {
        let path = e.path().to_string();
        EventError::Malformed(format!("step event: {path}: {}", e.into_inner()))
    })?;
    match wire {
        StepEvent::Plan { execution, request } => {
            let routed = event::route(&request).map_err(|e| nested("request", e))?;
            Ok(Step::Plan {
                execution,
                request: routed.request,
                raw: request,
            })
        }
        StepEvent::Client { run_id, request } => {
            let routed = event::route(&request).map_err(|e| nested("request", e))?;
            if routed.request.client_id().is_none() {
                return Err(EventError::Malformed(
                    "request.client_id: a client step runs one named client".into(),
                ));
            }
            Ok(Step::Client {
                run_id: safe_run_id(&run_id, ""),
                request: routed.request,
            })
        }
        StepEvent::Summary(input) => Ok(Step::Summary(input)),
    }
}

/// An error of the embedded request keeps its kind and says where it was.
fn nested(field: &str, e: EventError) -> EventError {
    match e {
        EventError::Invalid(m) => EventError::Invalid(format!("{field}: {m}")),
        EventError::UnknownField { field: f, allowed } => EventError::UnknownField {
            field: format!("{field}.{f}"),
            allowed,
        },
        other => EventError::Malformed(format!("{field}: {other}")),
    }
}

/// A run id usable in a storage key: the execution's name with every character outside
/// `[A-Za-z0-9_-]` replaced by `-` (Step Functions allows a few more), else `fallback`.
pub fn safe_run_id(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

/// The plan: the named client, or every active client, each as its own `client` event carrying
/// the same request. A client named like the summaries' folder would overwrite them: refused.
pub fn plan(
    config: &Config,
    request: &ValidRequest,
    raw: &Value,
    run_id: String,
    started_at: String,
) -> Result<Plan, EventError> {
    let client_ids: Vec<String> = match request.client_id() {
        Some(id) => vec![id.to_string()],
        None => config.active_clients().map(|c| c.id.clone()).collect(),
    };
    if client_ids.iter().any(|id| id == FAN_OUT_RUNS) {
        return Err(EventError::Invalid(format!(
            "client id `{FAN_OUT_RUNS}` is reserved for the fan-out summaries (runs/{FAN_OUT_RUNS}/)"
        )));
    }
    let clients = client_ids
        .iter()
        .map(|id| {
            let mut one = raw.clone();
            if let Value::Object(m) = &mut one {
                m.insert("client_id".into(), Value::String(id.clone()));
            }
            ClientEvent {
                step: "client".into(),
                run_id: run_id.clone(),
                request: one,
            }
        })
        .collect();
    Ok(Plan {
        run_id,
        started_at,
        dry_run: request.dry_run(),
        client_ids,
        clients,
    })
}

/// A client's outcome from its engine result (a client that did not run: its error's code and
/// message, as in the contract's error body).
pub fn outcome(result: &ClientResult) -> ClientOutcome {
    match &result.result {
        Ok(report) => {
            let day = DateTime::parse_from_rfc3339(&report.execution_date)
                .ok()
                .map(|t| t.date_naive());
            ClientOutcome {
                client_id: report.client_id.clone(),
                status: report.status,
                error: None,
                message: None,
                sources_processed: report.sources_processed,
                sources_failed: report.sources_failed,
                items_final: report.items_final,
                s3_output_path: report.s3_output_path.clone(),
                run_report: day
                    .filter(|_| !report.dry_run)
                    .map(|d| run_report_key(&report.client_id, d, &report.run_id)),
                execution_time_seconds: report.execution_time_seconds,
            }
        }
        Err(e) => failed_outcome(&result.client_id, e.code(), &e.to_string()),
    }
}

fn failed_outcome(client_id: &str, error: &str, message: &str) -> ClientOutcome {
    ClientOutcome {
        client_id: client_id.to_owned(),
        status: RunStatus::Failed,
        error: Some(error.to_owned()),
        message: Some(message.to_owned()),
        sources_processed: 0,
        sources_failed: 0,
        items_final: 0,
        s3_output_path: None,
        run_report: None,
        execution_time_seconds: 0.0,
    }
}

/// The summary of a run: the planned clients in plan order, each with its outcome from the Map's
/// results, or `no_result` when its invocation failed in Step Functions (after its retries).
pub fn summarize(input: &SummaryInput, finished_at: String) -> Summary {
    let (results, map_error) = match &input.results {
        Value::Array(list) => (list.as_slice(), None),
        Value::Null => (&[][..], None),
        error => (&[][..], Some(error.clone())),
    };
    let outcomes: Vec<ClientOutcome> = results
        .iter()
        .filter_map(|r| serde_json::from_value::<ClientOutcome>(r.clone()).ok())
        .collect();
    let clients: Vec<ClientOutcome> = input
        .plan
        .client_ids
        .iter()
        .map(|id| {
            outcomes
                .iter()
                .find(|o| &o.client_id == id)
                .cloned()
                .unwrap_or_else(|| {
                    failed_outcome(
                        id,
                        "no_result",
                        "the client's invocation failed in Step Functions (after its retries): \
                         see the execution's Map run",
                    )
                })
        })
        .collect();
    let count = |s: RunStatus| clients.iter().filter(|c| c.status == s).count();
    let (succeeded, partial, failed) = (
        count(RunStatus::Success),
        count(RunStatus::Partial),
        count(RunStatus::Failed),
    );
    let status = if map_error.is_some() || failed == clients.len() {
        RunStatus::Failed
    } else if failed + partial > 0 {
        RunStatus::Partial
    } else {
        RunStatus::Success
    };
    let summary_key = summary_day(&input.plan)
        .filter(|_| !input.plan.dry_run)
        .map(|d| fan_out_summary_key(d, &safe_run_id(&input.plan.run_id, "run")));
    Summary {
        run_id: input.plan.run_id.clone(),
        started_at: input.plan.started_at.clone(),
        finished_at,
        status,
        dry_run: input.plan.dry_run,
        clients_planned: clients.len(),
        clients_succeeded: succeeded,
        clients_partial: partial,
        clients_failed: failed,
        sources_processed: clients.iter().map(|c| c.sources_processed).sum(),
        sources_failed: clients.iter().map(|c| c.sources_failed).sum(),
        items_final: clients.iter().map(|c| c.items_final).sum(),
        map_error,
        summary_key,
        clients,
    }
}

/// The day the run started (the summary's folder), from the plan's timestamp.
fn summary_day(plan: &Plan) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(&plan.started_at)
        .ok()
        .map(|t| t.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan_of(ids: &[&str], dry_run: bool) -> Plan {
        Plan {
            run_id: "exec-1".into(),
            started_at: "2025-12-15T06:00:00.000000Z".into(),
            dry_run,
            client_ids: ids.iter().map(|s| s.to_string()).collect(),
            clients: vec![],
        }
    }

    fn ok_outcome(id: &str, status: &str, items: usize) -> Value {
        json!({"client_id": id, "status": status, "sources_processed": 3, "sources_failed": 1,
               "items_final": items, "s3_output_path": null, "run_report": null,
               "execution_time_seconds": 1.5})
    }

    #[test]
    fn step_events_are_recognised_only_by_their_step_key() {
        assert!(route_step(&json!({"client_id": "a"})).is_none());
        assert!(route_step(&json!([{"step": "plan"}])).is_none());
        let Some(Ok(Step::Plan {
            execution, request, ..
        })) = route_step(&json!({"step": "plan", "execution": "e1", "request": {"dry_run": true}}))
        else {
            panic!("a plan step")
        };
        assert_eq!(execution.as_deref(), Some("e1"));
        assert!(request.dry_run() && request.client_id().is_none());
        assert!(matches!(
            route_step(&json!({"step": "plan"})),
            Some(Ok(Step::Plan { .. }))
        ));
    }

    #[test]
    fn the_embedded_request_is_checked_like_any_event() {
        let err = |v: Value| match route_step(&v) {
            Some(Err(e)) => e.to_string(),
            other => panic!("{v} should be refused, got {other:?}"),
        };
        let e = err(json!({"step": "plan", "request": {"dryrun": true}}));
        assert!(e.contains("`request.dryrun`"), "{e}");
        let e = err(json!({"step": "client", "run_id": "r", "request": {"dry_run": true}}));
        assert!(e.contains("client_id"), "{e}");
        let e = err(json!({"step": "client", "run_id": "r", "request": {"client_id": "../x"}}));
        assert!(e.contains("request") && e.contains("client_id"), "{e}");
        let e = err(json!({"step": "deploy"}));
        assert!(e.contains("step"), "{e}");
        let e = err(json!({"step": "plan", "extra": 1}));
        assert!(e.contains("extra"), "{e}");
    }

    #[test]
    fn run_ids_are_safe_in_storage_keys() {
        assert_eq!(safe_run_id("a1b2-c_3", "x"), "a1b2-c_3");
        assert_eq!(safe_run_id("run.2025/12:15", "x"), "run-2025-12-15");
        assert_eq!(safe_run_id("", "fallback"), "fallback");
        assert_eq!(safe_run_id(&"n".repeat(200), "x").len(), 80);
    }

    #[test]
    fn the_summary_lists_every_planned_client_and_totals_them() {
        let input = SummaryInput {
            plan: plan_of(&["a", "b", "c"], false),
            results: json!([
                ok_outcome("b", "partial", 4),
                ok_outcome("a", "success", 2),
                {"Error": "Lambda.Unknown"},
            ]),
        };
        let s = summarize(&input, "2025-12-15T06:05:00.000000Z".into());
        let ids: Vec<&str> = s.clients.iter().map(|c| c.client_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"], "plan order");
        assert_eq!(s.clients[2].error.as_deref(), Some("no_result"));
        assert_eq!(
            (s.clients_succeeded, s.clients_partial, s.clients_failed),
            (1, 1, 1)
        );
        assert_eq!(
            (s.items_final, s.sources_processed, s.sources_failed),
            (6, 6, 2)
        );
        assert_eq!(s.status, RunStatus::Partial);
        assert_eq!(
            s.summary_key.as_deref(),
            Some("runs/_fan_out/2025/12/15/exec-1.json")
        );
    }

    #[test]
    fn summary_status_follows_the_clients_and_the_map() {
        let all_ok = SummaryInput {
            plan: plan_of(&["a"], true),
            results: json!([ok_outcome("a", "success", 1)]),
        };
        let s = summarize(&all_ok, String::new());
        assert_eq!(s.status, RunStatus::Success);
        assert_eq!(s.summary_key, None, "a dry run stores nothing");
        // The Map's Catch puts its error where the results would be.
        let mut map_failed = all_ok.clone();
        map_failed.results =
            json!({"Error": "States.ExceedToleratedFailureThreshold", "Cause": "x"});
        let s = summarize(&map_failed, String::new());
        assert_eq!(s.status, RunStatus::Failed);
        assert_eq!(s.map_error, Some(map_failed.results.clone()));
        assert_eq!(s.clients[0].error.as_deref(), Some("no_result"));
        let none = SummaryInput {
            plan: plan_of(&["a", "b"], false),
            results: Value::Null,
        };
        let s = summarize(&none, String::new());
        assert_eq!((s.status, s.clients_failed), (RunStatus::Failed, 2));
    }

    #[test]
    fn a_summary_event_round_trips() {
        let input = SummaryInput {
            plan: plan_of(&["a"], false),
            results: json!([ok_outcome("a", "success", 1)]),
        };
        let mut ev = serde_json::to_value(&input).unwrap();
        ev["step"] = json!("summary");
        let Some(Ok(Step::Summary(back))) = route_step(&ev) else {
            panic!("a summary step")
        };
        assert_eq!(*back, input);
    }
}
