//! The response: `{"statusCode": .., "body": {..}}`.
//!
//! A run's body is the engine's ([`vectora_core::response`], shared with the CLI's `--json`); this
//! module owns what only the function answers: the status codes, the request id in every body,
//! and the errors of the function itself (a malformed event, a deployment without its buckets).
//!
//! Status codes:
//! - 400: the caller's mistake — a malformed event, bad dates, an invalid or unknown client.
//! - 500: the deployment's or the config's fault — a config error that blocks the requested client
//!   (the body names file and key), the data store unwritable, CONFIG_BUCKET/DATA_BUCKET missing.
//! - 200: the run happened. A client whose sources all failed is still 200, with `"status":
//!   "failed"` in its body: the run did its job and reported what the sites did.

use crate::event::{EventError, Trigger};
use serde::Serialize;
use serde_json::Value;
use vectora_core::response::{ErrorBody, RunContext};
use vectora_core::{ClientResult, RunError, RunStatus, ValidRequest};

/// What the function returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LambdaResponse {
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    /// The typed body as sent, the request id added.
    pub body: Value,
    /// What the logs and a function error say of the answer, kept from the typed body.
    #[serde(skip)]
    pub facts: Facts,
    /// Answer with a function error instead of this response when it is not a 200: the fan-out
    /// steps' way to let Step Functions retry or stop (see [`LambdaResponse::function_error`]).
    #[serde(skip)]
    fail_invocation: bool,
}

/// The answer's status (a run's) or error (code and message).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub status: Option<RunStatus>,
    pub error: Option<(&'static str, String)>,
}

/// Facts of the invocation that every body carries.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    pub request_id: &'a str,
    pub trigger: Trigger,
    /// When the invocation started (`YYYY-MM-DDTHH:MM:SS.ffffffZ`).
    pub execution_date: String,
    /// Seconds since the invocation started.
    pub elapsed_seconds: f64,
}

/// A body with the invocation's request id beside its own fields, so a caller can find the logs.
#[derive(Serialize)]
struct WithRequestId<'a, T: Serialize> {
    #[serde(flatten)]
    body: &'a T,
    request_id: &'a str,
}

/// The status code of a run that could not happen: the caller's mistake, or the deployment's.
pub fn status_code(e: &RunError) -> u16 {
    if e.is_callers_fault() { 400 } else { 500 }
}

impl LambdaResponse {
    fn new(status_code: u16, body: &impl Serialize, request_id: &str, facts: Facts) -> Self {
        match serde_json::to_value(WithRequestId { body, request_id }) {
            Ok(body) => LambdaResponse {
                status_code,
                body,
                facts,
                fail_invocation: false,
            },
            Err(e) => LambdaResponse::error(500, "internal", e.to_string(), request_id),
        }
    }

    /// An error body: `{"error": code, "message": ...}`.
    pub fn error(
        status_code: u16,
        code: &'static str,
        message: impl Into<String>,
        request_id: &str,
    ) -> LambdaResponse {
        let body = ErrorBody {
            client_id: None,
            status: None,
            error: code,
            message: message.into(),
            diagnostics: None,
        };
        LambdaResponse::of_error(status_code, &body, request_id)
    }

    fn of_error(status_code: u16, body: &ErrorBody, request_id: &str) -> LambdaResponse {
        let facts = Facts {
            status: None,
            error: Some((body.error, body.message.clone())),
        };
        match serde_json::to_value(WithRequestId { body, request_id }) {
            Ok(value) => LambdaResponse {
                status_code,
                body: value,
                facts,
                fail_invocation: false,
            },
            // An error body is strings only: it always encodes.
            Err(_) => LambdaResponse {
                status_code,
                body: Value::Null,
                facts,
                fail_invocation: false,
            },
        }
    }

    /// A 200 whose body is `body` serialised; `status` is what it says of the run, if anything.
    pub fn ok(body: &impl Serialize, status: Option<RunStatus>, request_id: &str) -> Self {
        let facts = Facts {
            status,
            error: None,
        };
        LambdaResponse::new(200, body, request_id, facts)
    }

    /// Marks the answer as one whose failure fails the invocation.
    pub fn failing_invocation(mut self) -> LambdaResponse {
        self.fail_invocation = true;
        self
    }

    /// The function error to raise instead of answering: `(errorType, errorMessage)` from the
    /// answer's error code and message, for a marked answer that is not a 200. Step Functions
    /// names the failure after `errorType` (what its Retry and Catch match).
    pub fn function_error(&self) -> Option<(String, String)> {
        if !self.fail_invocation || self.status_code == 200 {
            return None;
        }
        let (code, message) = self.facts.error.clone().unwrap_or_default();
        Some((
            format!("vectora.{code}"),
            format!("{message} (statusCode {})", self.status_code),
        ))
    }

    /// 400 for an event that is not a run request.
    pub fn bad_event(e: &EventError, request_id: &str) -> LambdaResponse {
        LambdaResponse::error(400, e.code(), e.to_string(), request_id)
    }

    /// The whole run failed before any client ran, or a single-client run failed: the one
    /// mapping of a [`RunError`] to an answer.
    pub fn run_error(e: &RunError, request_id: &str) -> LambdaResponse {
        LambdaResponse::of_error(status_code(e), &ErrorBody::of_run(e), request_id)
    }

    /// The response to a run: one client's body, or totals and every client's body.
    pub fn from_results(
        req: &ValidRequest,
        results: &[ClientResult],
        inv: &Invocation<'_>,
    ) -> LambdaResponse {
        let ctx = RunContext {
            trigger: inv.trigger.as_str(),
            execution_date: inv.execution_date.clone(),
            elapsed_seconds: inv.elapsed_seconds,
        };
        match vectora_core::response::body(req, results, &ctx) {
            Ok(body) => LambdaResponse::ok(&body, Some(body.status()), inv.request_id),
            Err(e) => LambdaResponse::run_error(e, inv.request_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Trigger;
    use vectora_core::RunRequest;
    use vectora_core::config::{ConfigErrors, Diagnostic};

    /// The body is the engine's (tested in vectora_core::response); the function adds the wire
    /// shape, its trigger and the request id.
    #[test]
    fn the_wire_shape_carries_the_engines_body_and_the_request_id() {
        let req = RunRequest::default().validate().unwrap();
        let inv = Invocation {
            request_id: "req-1",
            trigger: Trigger::Schedule,
            execution_date: "2025-12-15T06:00:00.000000Z".into(),
            elapsed_seconds: 2.0,
        };
        let resp = LambdaResponse::from_results(&req, &[], &inv);
        let wire = serde_json::to_value(&resp).unwrap();
        assert_eq!(wire["statusCode"], 200);
        assert_eq!(wire["body"]["trigger"], inv.trigger.as_str());
        assert_eq!(wire["body"]["status"], "failed", "no active client ran");
        assert_eq!(resp.facts.status, Some(RunStatus::Failed));
        assert_eq!(wire["body"]["request_id"], "req-1");
    }

    #[test]
    fn run_errors_map_to_400_or_500() {
        let unknown = LambdaResponse::run_error(&RunError::UnknownClient("nope".into()), "r");
        assert_eq!(
            (unknown.status_code, unknown.body["error"].as_str()),
            (400, Some("unknown_client"))
        );
        let bad = RunRequest {
            from_date: "2025-02-01".parse().ok(),
            to_date: "2025-01-01".parse().ok(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(LambdaResponse::run_error(&bad.into(), "r").status_code, 400);
        let diag = Diagnostic::error("clients/a.yaml", "client_profile", "missing").for_client("a");
        let cfg = LambdaResponse::run_error(&RunError::Config(ConfigErrors(vec![diag])), "r");
        assert_eq!(
            (cfg.status_code, cfg.body["error"].as_str()),
            (500, Some("config_error"))
        );
        assert_eq!(cfg.body["diagnostics"][0]["file"], "clients/a.yaml");
        assert_eq!(cfg.facts.error.as_ref().map(|e| e.0), Some("config_error"));
    }

    #[test]
    fn request_id_is_in_any_body_and_function_errors_come_from_the_facts() {
        let r = LambdaResponse::error(500, "missing_configuration", "CONFIG_BUCKET", "abc");
        assert_eq!(r.body["request_id"], "abc");
        assert_eq!(r.body["error"], "missing_configuration");
        assert_eq!(r.function_error(), None, "not marked");
        let (kind, message) = r.failing_invocation().function_error().unwrap();
        assert_eq!(kind, "vectora.missing_configuration");
        assert_eq!(message, "CONFIG_BUCKET (statusCode 500)");
    }
}
