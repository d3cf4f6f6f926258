//! `vectora-inbox invoke`: send an event to the deployed function, require statusCode 200, print the
//! body and the function's last log lines. Also the smoke test at the end of `deploy`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_lambda::operation::RequestId as _;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::aws::{AwsTarget, Clients, explain};
use crate::fan_out::{ExecutionOutcome, run_execution, state_machine_arn};
use crate::naming::{Env, Naming};
use crate::progress::{Event, Progress};

/// The event `deploy` sends after deploying (SPEC: one source, one day, dry run: writes nothing).
pub fn test_event() -> Value {
    json!({
        "client_id": "lai_weekly_v3",
        "sources": ["press_corporate__medincell"],
        "period_days": 1,
        "dry_run": true
    })
}

/// `vectora-inbox invoke`: which function or state machine, with which event.
#[derive(Debug, Clone)]
pub struct InvokeRequest {
    pub env: Env,
    pub project: String,
    /// JSON event file ("-" for stdin). Without it or `client` the event is {} (every active
    /// client, like the schedule).
    pub event: Option<PathBuf>,
    /// Run one client.
    pub client: Option<String>,
    /// Restrict the client to these source keys.
    pub sources: Vec<String>,
    pub period_days: Option<u32>,
    pub from_date: Option<String>,
    pub to_date: Option<String>,
    /// Ask the function to write nothing (event "dry_run": true).
    pub dry_run: bool,
    pub force_refresh: bool,
    /// Function name (default {project}-ingest-v2-{env}).
    pub function: Option<String>,
    /// Send the Lambda Invoke call (only) to this endpoint, e.g. a local Lambda runtime emulator.
    pub invoke_endpoint_url: Option<String>,
    /// The state machine `invoke_fan_out` executes (default: the fan-out stack's).
    pub state_machine: Option<String>,
    /// `invoke_fan_out`: seconds to wait for the execution.
    pub wait_timeout: u64,
    pub aws: AwsTarget,
}

/// How long the log-tail fallback waits for the invocation's own lines to reach CloudWatch Logs
/// (Lambda ships them a few seconds after the answer; only used when the Invoke answer carries no
/// log tail, as with a runtime emulator).
pub const LOG_WAIT: Duration = Duration::from_secs(10);

/// The event `args` describe.
pub fn build_event(args: &InvokeRequest) -> anyhow::Result<Value> {
    if let Some(path) = &args.event {
        let text = if path.as_os_str() == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .context("cannot read the event from stdin")?;
            s
        } else {
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read event file {}", path.display()))?
        };
        let event: Value = serde_json::from_str(&text)
            .with_context(|| format!("event file {} is not JSON", path.display()))?;
        if !event.is_object() {
            bail!("event file {} must hold a JSON object", path.display());
        }
        return Ok(event);
    }
    let mut event = serde_json::Map::new();
    if let Some(client) = &args.client {
        event.insert("client_id".into(), json!(client));
        if !args.sources.is_empty() {
            event.insert("sources".into(), json!(args.sources));
        }
        if let Some(days) = args.period_days {
            event.insert("period_days".into(), json!(days));
        }
        if let (Some(from), Some(to)) = (&args.from_date, &args.to_date) {
            event.insert("from_date".into(), json!(from));
            event.insert("to_date".into(), json!(to));
        }
    }
    if args.dry_run {
        event.insert("dry_run".into(), json!(true));
    }
    if args.force_refresh {
        event.insert("force_refresh".into(), json!(true));
    }
    Ok(Value::Object(event))
}

/// The function's answer.
#[derive(Clone, Debug)]
pub struct InvokeOutcome {
    pub status_code: i64,
    pub body: Value,
    pub log_tail: Vec<String>,
}

/// Checks a response payload: `FunctionError` set or statusCode ≠ 200 is an error that shows the payload.
pub fn check_response(
    function_error: Option<&str>,
    payload: &[u8],
) -> anyhow::Result<(i64, Value)> {
    let text = String::from_utf8_lossy(payload);
    if let Some(kind) = function_error {
        bail!("the function failed ({kind}): {text}");
    }
    let value: Value = serde_json::from_slice(payload)
        .with_context(|| format!("the function answered something that is not JSON: {text}"))?;
    let Some(code) = value.get("statusCode").and_then(Value::as_i64) else {
        bail!("the function's answer has no statusCode: {text}");
    };
    // The body may be an object (this function) or a JSON string (API-Gateway style).
    let body = match value.get("body") {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    if code != 200 {
        bail!(
            "the function answered statusCode {code}: {}",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        );
    }
    Ok((code, body))
}

/// Invokes `function` synchronously with `event` and checks the answer.
pub async fn invoke_function(
    clients: &Clients,
    function: &str,
    log_group: &str,
    event: &Value,
    progress: &dyn Progress,
) -> anyhow::Result<InvokeOutcome> {
    progress.report(Event::Invoking {
        function,
        endpoint: clients.invoke_endpoint.as_deref(),
        event,
    });
    let out = clients
        .invoker
        .invoke()
        .function_name(function)
        .payload(Blob::new(serde_json::to_vec(event)?))
        .log_type(LogType::Tail)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot invoke {function}: {}", explain(&e)))?;
    let mut log_tail = out
        .log_result()
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .map(|bytes| {
            String::from_utf8_lossy(&bytes)
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let payload = out
        .payload()
        .map(|p| p.as_ref().to_vec())
        .unwrap_or_default();
    if log_tail.is_empty() {
        // No tail in the answer (a runtime emulator gives none): read the log group, waiting for
        // this invocation's own lines when its request id is known.
        let request_id = request_id_of(&payload).or_else(|| out.request_id().map(str::to_owned));
        log_tail =
            invocation_log_lines(clients, log_group, request_id.as_deref(), 20, LOG_WAIT).await;
        if let Some(id) = &request_id
            && !log_tail.iter().any(|l| l.contains(id.as_str()))
        {
            progress.report(Event::NoLogLines {
                request_id: id,
                log_group,
                waited_s: LOG_WAIT.as_secs(),
            });
        }
    }
    let checked = check_response(out.function_error(), &payload);
    if !log_tail.is_empty() {
        progress.report(Event::LogTail {
            function,
            lines: &log_tail,
        });
    }
    let (status_code, body) = checked?;
    Ok(InvokeOutcome {
        status_code,
        body,
        log_tail,
    })
}

/// The request id the function put in its answer's body (this function puts it in every body).
pub fn request_id_of(payload: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    let body = match value.get("body")? {
        Value::String(s) => serde_json::from_str(s).ok()?,
        v => v.clone(),
    };
    body.get("request_id")?.as_str().map(str::to_owned)
}

/// The last `n` lines of the newest log stream, polled for up to `wait` until one of them names
/// `request_id` and two reads in a row agree: an invocation's lines reach the log group over time,
/// so its first line alone is not yet its tail. One read when the request id is unknown. Whatever
/// was read last is returned.
pub async fn invocation_log_lines(
    clients: &Clients,
    log_group: &str,
    request_id: Option<&str>,
    n: i32,
    wait: Duration,
) -> Vec<String> {
    let started = Instant::now();
    let mut previous: Option<Vec<String>> = None;
    loop {
        let lines = recent_log_lines(clients, log_group, n).await;
        let Some(id) = request_id else {
            return lines;
        };
        let settled = lines.iter().any(|l| l.contains(id)) && previous.as_ref() == Some(&lines);
        if settled || started.elapsed() >= wait {
            return lines;
        }
        previous = Some(lines);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The last `n` lines of the newest log stream (empty when there are none or logs are unreachable).
pub async fn recent_log_lines(clients: &Clients, log_group: &str, n: i32) -> Vec<String> {
    let Ok(streams) = clients
        .logs
        .describe_log_streams()
        .log_group_name(log_group)
        .order_by(aws_sdk_cloudwatchlogs::types::OrderBy::LastEventTime)
        .descending(true)
        .limit(1)
        .send()
        .await
    else {
        return Vec::new();
    };
    let Some(stream) = streams
        .log_streams()
        .first()
        .and_then(|s| s.log_stream_name())
    else {
        return Vec::new();
    };
    let Ok(events) = clients
        .logs
        .get_log_events()
        .log_group_name(log_group)
        .log_stream_name(stream)
        .start_from_head(false)
        .limit(n)
        .send()
        .await
    else {
        return Vec::new();
    };
    events
        .events()
        .iter()
        .filter_map(|e| e.message().map(|m| m.trim_end().to_owned()))
        .collect()
}

/// The `invoke` command.
pub async fn invoke(
    args: &InvokeRequest,
    progress: &dyn Progress,
) -> anyhow::Result<InvokeOutcome> {
    let naming = Naming::new(&args.project, args.env);
    let event = build_event(args)?;
    let clients = Clients::new(&args.aws)
        .await
        .with_invoke_endpoint(args.invoke_endpoint_url.as_deref());
    let function = args.function.clone().unwrap_or_else(|| naming.function());
    invoke_function(&clients, &function, &naming.log_group(), &event, progress).await
}

/// The `invoke --fan-out` command: the event is the execution's input; returns its summary.
pub async fn invoke_fan_out(
    args: &InvokeRequest,
    progress: &dyn Progress,
) -> anyhow::Result<ExecutionOutcome> {
    let naming = Naming::new(&args.project, args.env);
    let event = build_event(args)?;
    let clients = Clients::new(&args.aws).await;
    let machine = match &args.state_machine {
        Some(arn) => arn.clone(),
        None => state_machine_arn(&clients, &naming).await?,
    };
    // An emulator answers at once; AWS's executions take minutes, a few polls a minute suffice.
    let poll = Duration::from_millis(if args.aws.endpoint_url.is_some() {
        500
    } else {
        5000
    });
    run_execution(
        &clients,
        &machine,
        &event,
        poll,
        Duration::from_secs(args.wait_timeout),
        progress,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_200_with_object_or_string_body() {
        let (code, body) =
            check_response(None, br#"{"statusCode":200,"body":{"status":"completed"}}"#).unwrap();
        assert_eq!(code, 200);
        assert_eq!(body["status"], "completed");
        let (_, body) =
            check_response(None, br#"{"statusCode":200,"body":"{\"items_final\":3}"}"#).unwrap();
        assert_eq!(body["items_final"], 3);
    }

    #[test]
    fn rejects_function_errors_other_codes_and_echoes() {
        let err = check_response(Some("Unhandled"), br#"{"errorMessage":"boom"}"#).unwrap_err();
        assert!(err.to_string().contains("boom"));
        let err = check_response(None, br#"{"statusCode":400,"body":{"error":"bad client"}}"#)
            .unwrap_err();
        assert!(err.to_string().contains("400") && err.to_string().contains("bad client"));
        // An emulator that echoes the event back has no statusCode: that is not a pass.
        let err = check_response(None, test_event().to_string().as_bytes()).unwrap_err();
        assert!(err.to_string().contains("no statusCode"));
        assert!(check_response(None, b"not json").is_err());
    }
}
