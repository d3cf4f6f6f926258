//! Event routing: turns whatever JSON the function is invoked with into a validated
//! [`RunRequest`], or into the reason it is not one (answered with a 400).
//!
//! Three shapes are accepted:
//! - a direct invocation: an object with the fields of [`RunRequest`] (all optional);
//! - an EventBridge scheduled event (`"source": "aws.events"`, `"detail-type": "Scheduled Event"`),
//!   which means the same as `{}`: every active client;
//! - nothing else. Unknown fields are refused rather than ignored: a typo such as `"dryrun": true`
//!   must not silently turn a dry run into a real write.

use serde_json::{Map, Value};
use std::fmt;
use vectora_core::{RunRequest, ValidRequest};

/// What triggered the invocation (logged, and reported in the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Invoked by hand or by another service with a run request.
    Direct,
    /// An EventBridge schedule rule.
    Schedule,
    /// A client step of the fan-out state machine.
    FanOut,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Direct => "direct",
            Trigger::Schedule => "schedule",
            Trigger::FanOut => "step_functions",
        }
    }
}

/// A routed event: what to run, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    pub request: ValidRequest,
    pub trigger: Trigger,
}

/// Why an event is not a run request. Every variant is answered with a 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// The event is JSON but not an object (`null`, a list, a string...).
    NotAnObject(&'static str),
    /// An EventBridge event other than a scheduled one.
    UnsupportedEventBridge { source: String, detail_type: String },
    /// A field the contract does not know.
    UnknownField { field: String, allowed: Vec<String> },
    /// `"client_id": null`: a templating mistake, not a request for every client.
    NullClientId,
    /// A field of the wrong type or value (names the field).
    Malformed(String),
    /// Decoded, but refused by [`RunRequest::validate`].
    Invalid(String),
}

impl EventError {
    /// Machine-readable code of the error body (`error` field).
    pub fn code(&self) -> &'static str {
        match self {
            EventError::UnknownField { .. } => "unknown_field",
            EventError::UnsupportedEventBridge { .. } => "unsupported_event",
            _ => "bad_request",
        }
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::NotAnObject(kind) => {
                write!(f, "the event must be a JSON object, got {kind}")
            }
            EventError::UnsupportedEventBridge {
                source,
                detail_type,
            } => write!(
                f,
                "unsupported EventBridge event (source `{source}`, detail-type `{detail_type}`): only `aws.events` \
                 `Scheduled Event` is handled"
            ),
            EventError::UnknownField { field, allowed } => {
                write!(
                    f,
                    "unknown field `{field}` in the event; expected any of: {}",
                    allowed.join(", ")
                )
            }
            EventError::NullClientId => {
                write!(
                    f,
                    "client_id is null: omit it to run every active client, or give a client id"
                )
            }
            EventError::Malformed(m) | EventError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for EventError {}

/// Routes an event. Never panics, whatever the JSON.
pub fn route(event: &Value) -> Result<Routed, EventError> {
    let obj = event
        .as_object()
        .ok_or(EventError::NotAnObject(json_kind(event)))?;
    if let Some(detail_type) = obj.get("detail-type") {
        return route_eventbridge(obj, detail_type);
    }
    let allowed = request_fields();
    if let Some(field) = obj.keys().find(|k| !allowed.iter().any(|a| a == *k)) {
        return Err(EventError::UnknownField {
            field: truncate(field, 64),
            allowed,
        });
    }
    if obj.get("client_id").is_some_and(Value::is_null) {
        return Err(EventError::NullClientId);
    }
    let request: RunRequest = serde_path_to_error::deserialize(event).map_err(|e| {
        let path = e.path().to_string();
        EventError::Malformed(format!(
            "{path}: {}",
            truncate(&e.into_inner().to_string(), 200)
        ))
    })?;
    Ok(Routed {
        request: request
            .validate()
            .map_err(|e| EventError::Invalid(e.to_string()))?,
        trigger: Trigger::Direct,
    })
}

fn route_eventbridge(obj: &Map<String, Value>, detail_type: &Value) -> Result<Routed, EventError> {
    // An envelope carrying run fields is ambiguous (run them, or every client?): refuse it rather
    // than silently running every client.
    let fields = request_fields();
    if let Some(field) = obj.keys().find(|k| fields.iter().any(|f| f == *k)) {
        return Err(EventError::Malformed(format!(
            "`{field}` cannot be combined with an EventBridge envelope (detail-type): send either a \
             run request or the scheduled event"
        )));
    }
    let source = obj
        .get("source")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let detail_type = detail_type.as_str().unwrap_or_default();
    if source == "aws.events" && detail_type == "Scheduled Event" {
        return RunRequest::default()
            .validate()
            .map(|request| Routed {
                request,
                trigger: Trigger::Schedule,
            })
            .map_err(|e| EventError::Invalid(e.to_string()));
    }
    Err(EventError::UnsupportedEventBridge {
        source: truncate(source, 64),
        detail_type: truncate(detail_type, 64),
    })
}

/// The field names of the contract, taken from [`RunRequest`] itself so that a field added to the
/// engine's request is accepted here without a second list to keep in step.
pub fn request_fields() -> Vec<String> {
    match serde_json::to_value(RunRequest::default()) {
        Ok(Value::Object(m)) => m.into_iter().map(|(k, _)| k).collect(),
        // RunRequest is a plain struct: it always serialises to an object.
        _ => Vec::new(),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Echoed input is bounded: an event can be arbitrarily large (the engine's rule for messages).
fn truncate(s: &str, max: usize) -> String {
    vectora_core::model::truncate_message(s, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vectora_core::{IngestionMode, TemporalMode};

    fn routed(v: Value) -> Routed {
        route(&v).unwrap_or_else(|e| panic!("{v} should route: {e}"))
    }

    fn refused(v: Value) -> EventError {
        match route(&v) {
            Ok(r) => panic!("{v} should be refused, routed to {r:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn single_client_with_every_optional_field() {
        let r = routed(json!({
            "client_id": "lai_weekly_v3",
            "sources": ["press_corporate__medincell", "press_sector__fiercebiotech"],
            "period_days": 14,
            "from_date": "2025-12-01",
            "to_date": "2025-12-15",
            "force_refresh": true,
            "dry_run": true,
            "ingestion_mode": "strict",
            "temporal_mode": "strict"
        }));
        assert_eq!(r.trigger, Trigger::Direct);
        let q = r.request;
        assert_eq!(q.client_id(), Some("lai_weekly_v3"));
        assert_eq!(q.sources().map(<[String]>::len), Some(2));
        assert_eq!(q.period_days(), Some(14));
        let window = q.window().resolve("2026-01-01".parse().unwrap(), None);
        assert_eq!(window.from.to_string(), "2025-12-01");
        assert_eq!(window.to.to_string(), "2025-12-15");
        assert!(q.force_refresh() && q.dry_run());
        assert_eq!(q.ingestion_mode(), IngestionMode::Strict);
        assert_eq!(q.temporal_mode(), TemporalMode::Strict);
    }

    #[test]
    fn no_client_id_means_every_active_client() {
        for ev in [
            json!({}),
            json!({"dry_run": true}),
            json!({"period_days": 14}),
        ] {
            let r = routed(ev.clone());
            assert_eq!(r.request.client_id(), None, "{ev}");
            assert_eq!(r.trigger, Trigger::Direct);
        }
        assert!(routed(json!({"dry_run": true})).request.dry_run());
        assert_eq!(
            routed(json!({"period_days": 14})).request.period_days(),
            Some(14)
        );
    }

    #[test]
    fn scheduled_eventbridge_event_is_the_same_as_an_empty_event() {
        let ev = json!({
            "version": "0",
            "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": "2025-12-15T06:00:00Z",
            "region": "eu-west-3",
            "resources": ["arn:aws:events:eu-west-3:123456789012:rule/vectora-inbox-daily"],
            "detail": {}
        });
        let r = routed(ev);
        assert_eq!(r.trigger, Trigger::Schedule);
        assert_eq!(r.request, RunRequest::default().validate().unwrap());
    }

    #[test]
    fn other_eventbridge_events_are_refused() {
        let e = refused(json!({"source": "aws.s3", "detail-type": "Object Created", "detail": {}}));
        assert_eq!(e.code(), "unsupported_event");
        assert!(e.to_string().contains("Object Created"));
        // A scheduled-looking event from another source is not ours either.
        let e = refused(json!({"source": "custom.app", "detail-type": "Scheduled Event"}));
        assert!(matches!(e, EventError::UnsupportedEventBridge { .. }));
        // Run fields inside an envelope are ambiguous.
        let e = refused(
            json!({"source": "aws.events", "detail-type": "Scheduled Event", "client_id": "a"}),
        );
        assert!(
            matches!(e, EventError::Malformed(_)) && e.to_string().contains("client_id"),
            "{e:?}"
        );
        // A replayed scheduled event (EventBridge adds `replay-name`) is still the schedule.
        let replay = json!({"source": "aws.events", "detail-type": "Scheduled Event", "replay-name": "r1", "detail": {}});
        assert_eq!(routed(replay).trigger, Trigger::Schedule);
        // detail-type of the wrong type never panics.
        assert!(matches!(
            refused(json!({"detail-type": 5})),
            EventError::UnsupportedEventBridge { .. }
        ));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let cases = [
            (json!({"client_id": 5}), "client_id"),
            (json!({"period_days": "14"}), "period_days"),
            (json!({"period_days": -1}), "period_days"),
            (json!({"period_days": 1.5}), "period_days"),
            (json!({"period_days": 99999999999u64}), "period_days"),
            (json!({"dry_run": "yes"}), "dry_run"),
            (json!({"sources": "press_corporate__medincell"}), "sources"),
            (json!({"sources": [1, 2]}), "sources"),
            (json!({"ingestion_mode": "wild"}), "ingestion_mode"),
            (json!({"temporal_mode": 0}), "temporal_mode"),
        ];
        for (ev, field) in cases {
            let e = refused(ev.clone());
            assert!(matches!(e, EventError::Malformed(_)), "{ev}: {e:?}");
            assert!(
                e.to_string().contains(field),
                "{ev}: message `{e}` does not name `{field}`"
            );
            assert_eq!(e.code(), "bad_request");
        }
    }

    #[test]
    fn bad_dates_are_refused() {
        for ev in [
            json!({"client_id": "c", "from_date": "2025-13-01", "to_date": "2025-12-31"}),
            json!({"client_id": "c", "from_date": "2025-02-30", "to_date": "2025-03-01"}),
            json!({"client_id": "c", "from_date": "15/12/2025", "to_date": "2025-12-31"}),
            json!({"client_id": "c", "from_date": 20251201, "to_date": "2025-12-31"}),
        ] {
            let e = refused(ev.clone());
            assert!(e.to_string().contains("from_date"), "{ev}: {e}");
        }
        // Well-formed but inconsistent dates are refused by the engine's validation.
        let e =
            refused(json!({"client_id": "c", "from_date": "2025-12-31", "to_date": "2025-12-01"}));
        assert!(matches!(e, EventError::Invalid(_)), "{e:?}");
        let e = refused(json!({"client_id": "c", "from_date": "2025-12-01"}));
        assert!(matches!(e, EventError::Invalid(_)), "{e:?}");
    }

    #[test]
    fn client_ids_outside_the_safe_alphabet_are_refused() {
        for id in [
            "",
            "../etc",
            "a/b",
            "lai weekly",
            "é",
            "x".repeat(65).as_str(),
            "a\u{0}b",
        ] {
            let e = refused(json!({ "client_id": id }));
            assert!(matches!(e, EventError::Invalid(_)), "{id:?}: {e:?}");
            assert!(e.to_string().contains("client_id"), "{id:?}: {e}");
        }
        assert!(route(&json!({"client_id": "A-z_09"})).is_ok());
        assert!(route(&json!({"client_id": "x".repeat(64)})).is_ok());
        assert_eq!(
            refused(json!({"client_id": null})),
            EventError::NullClientId
        );
    }

    #[test]
    fn unknown_fields_are_refused_with_the_list_of_known_ones() {
        let e = refused(json!({"client_id": "c", "dryrun": true}));
        assert_eq!(e.code(), "unknown_field");
        let msg = e.to_string();
        assert!(
            msg.contains("`dryrun`") && msg.contains("dry_run") && msg.contains("period_days"),
            "{msg}"
        );
    }

    #[test]
    fn non_objects_are_refused_without_panicking() {
        for ev in [
            json!(null),
            json!([]),
            json!([{"client_id": "c"}]),
            json!("lai_weekly_v3"),
            json!(1),
            json!(true),
        ] {
            assert!(matches!(refused(ev), EventError::NotAnObject(_)));
        }
    }

    #[test]
    fn the_known_fields_are_those_of_the_engine_request() {
        let fields = request_fields();
        for f in [
            "client_id",
            "sources",
            "period_days",
            "from_date",
            "to_date",
            "force_refresh",
            "dry_run",
            "ingestion_mode",
            "temporal_mode",
        ] {
            assert!(fields.iter().any(|x| x == f), "missing {f} in {fields:?}");
        }
    }

    #[test]
    fn echoed_input_is_bounded() {
        let long = "k".repeat(10_000);
        let e = refused(json!({ long.clone(): 1 }));
        assert!(e.to_string().len() < 1_000);
    }
}
