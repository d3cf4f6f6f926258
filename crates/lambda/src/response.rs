//! The response: `{"statusCode": .., "body": {..}}`.
//!
//! A run's body is the engine's ([`vectora_core::response`], shared with the CLI's `--json`); this
//! module adds what only the function answers: 400 for a malformed event, 500 when the deployment
//! itself is broken (CONFIG_BUCKET/DATA_BUCKET missing, the config bucket unreadable), and the
//! request id in every body.

use crate::event::{EventError, Trigger};
use serde::Serialize;
use serde_json::{Value, json};
use vectora_core::response::{Answer, RunContext};
use vectora_core::{ClientResult, RunError, RunRequest};

/// What the function returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LambdaResponse {
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    pub body: Value,
    /// Answer with a function error instead of this response when it is not a 200: the fan-out
    /// steps' way to let Step Functions retry or stop (see [`LambdaResponse::function_error`]).
    #[serde(skip)]
    pub fail_invocation: bool,
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

impl LambdaResponse {
    /// An error body: `{"error": code, "message": ...}`.
    pub fn error(status_code: u16, code: &str, message: impl Into<String>) -> LambdaResponse {
        LambdaResponse {
            status_code,
            body: json!({ "error": code, "message": message.into() }),
            fail_invocation: false,
        }
    }

    /// A 200 whose body is `body` serialised.
    pub fn ok(body: &impl Serialize) -> LambdaResponse {
        match serde_json::to_value(body) {
            Ok(body) => LambdaResponse {
                status_code: 200,
                body,
                fail_invocation: false,
            },
            Err(e) => LambdaResponse::error(500, "internal", e.to_string()),
        }
    }

    /// Marks the answer as one whose failure fails the invocation.
    pub fn failing_invocation(mut self) -> LambdaResponse {
        self.fail_invocation = true;
        self
    }

    /// The function error to raise instead of answering: `(errorType, errorMessage)` from the
    /// body's `error` and `message`, for a marked answer that is not a 200. Step Functions names
    /// the failure after `errorType` (what its Retry and Catch match).
    pub fn function_error(&self) -> Option<(String, String)> {
        if !self.fail_invocation || self.status_code == 200 {
            return None;
        }
        let field = |k: &str| self.body.get(k).and_then(Value::as_str).unwrap_or_default();
        Some((
            format!("vectora.{}", field("error")),
            format!("{} (statusCode {})", field("message"), self.status_code),
        ))
    }

    /// Adds the request id to the body (errors included), so a caller can find the logs.
    pub fn with_request_id(mut self, request_id: &str) -> LambdaResponse {
        if let Value::Object(m) = &mut self.body {
            m.insert("request_id".into(), Value::String(request_id.to_string()));
        }
        self
    }

    /// 400 for an event that is not a run request.
    pub fn bad_event(e: &EventError) -> LambdaResponse {
        LambdaResponse::error(400, e.code(), e.to_string())
    }

    /// The whole run failed before any client ran, or a single-client run failed.
    pub fn run_error(e: &RunError) -> LambdaResponse {
        vectora_core::response::error_answer(e).into()
    }

    /// The response to a run: one client's body, or totals and every client's body.
    pub fn from_results(
        req: &RunRequest,
        results: Vec<ClientResult>,
        inv: &Invocation<'_>,
    ) -> LambdaResponse {
        let ctx = RunContext {
            trigger: inv.trigger.as_str(),
            execution_date: inv.execution_date.clone(),
            elapsed_seconds: inv.elapsed_seconds,
        };
        vectora_core::response::answer(req, &results, &ctx).into()
    }
}

impl From<Answer> for LambdaResponse {
    fn from(a: Answer) -> Self {
        LambdaResponse {
            status_code: a.status_code,
            body: a.body,
            fail_invocation: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Trigger;

    /// The body is the engine's (tested in vectora_core::response); the function adds the wire
    /// shape, its trigger and the request id.
    #[test]
    fn the_wire_shape_carries_the_engines_body_and_the_request_id() {
        let req = RunRequest::default();
        let inv = Invocation {
            request_id: "req-1",
            trigger: Trigger::Schedule,
            execution_date: "2025-12-15T06:00:00.000000Z".into(),
            elapsed_seconds: 2.0,
        };
        let resp = LambdaResponse::from_results(&req, vec![], &inv).with_request_id("req-1");
        let wire = serde_json::to_value(&resp).unwrap();
        assert_eq!(wire["statusCode"], 200);
        assert_eq!(wire["body"]["trigger"], inv.trigger.as_str());
        assert_eq!(wire["body"]["status"], "failed", "no active client ran");
        assert_eq!(wire["body"]["request_id"], "req-1");
        let unknown = LambdaResponse::run_error(&RunError::UnknownClient("nope".into()));
        assert_eq!(
            (unknown.status_code, unknown.body["error"].as_str()),
            (400, Some("unknown_client"))
        );
    }

    #[test]
    fn request_id_is_added_to_any_body() {
        let r = LambdaResponse::error(500, "missing_configuration", "CONFIG_BUCKET")
            .with_request_id("abc");
        assert_eq!(r.body["request_id"], "abc");
        assert_eq!(r.body["error"], "missing_configuration");
    }
}
