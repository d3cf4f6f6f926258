//! `--invoke-endpoint-url` plumbing: the Lambda Invoke call goes to the invoke endpoint, every
//! other call (get-function, the CloudWatch log tail) to the main endpoint. Two loopback HTTP
//! servers stand in for the AWS emulator and the Lambda runtime emulator and record what reaches
//! them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_lambda::config::Credentials;
use vectora_ops::aws::{AwsTarget, Clients};
use vectora_ops::invoke::{LOG_WAIT, invocation_log_lines, invoke_function, request_id_of};
use vectora_ops::progress::{Event, Progress, Silent};

/// One request as the server saw it: method, path and the `X-Amz-Target` header (JSON protocols).
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    method: String,
    path: String,
    target: String,
}

/// A canned answer: status, content type, body.
type Answer = (u16, &'static str, String);

/// A loopback HTTP/1.1 server answering every request with `answer(request)`, one connection at
/// a time, closing each connection after its answer.
struct Mock {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Mock {
    fn start(answer: impl Fn(&Seen) -> Answer + Send + 'static) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if let Some(request) = serve(stream, &answer) {
                    record.lock().unwrap().push(request);
                }
            }
        });
        Mock { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, answer: &impl Fn(&Seen) -> Answer) -> Option<Seen> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let (mut length, mut target) = (0usize, String::new());
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "x-amz-target" => target = value.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let seen = Seen {
        method,
        path,
        target,
    };
    let (status, content_type, body) = answer(&seen);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    Some(seen)
}

/// The AWS emulator's side: CloudWatch Logs holding one stream whose last line names `req-1`;
/// get-function answers a minimal configuration; an Invoke here echoes (as moto does).
fn aws_side(seen: &Seen) -> Answer {
    const JSON11: &str = "application/x-amz-json-1.1";
    match seen.target.as_str() {
        "Logs_20140328.DescribeLogStreams" => (
            200,
            JSON11,
            r#"{"logStreams":[{"logStreamName":"2026/01/01/[$LATEST]abc"}]}"#.into(),
        ),
        "Logs_20140328.GetLogEvents" => (
            200,
            JSON11,
            r#"{"events":[{"timestamp":1,"message":"starting\n"},{"timestamp":2,"message":"invocation finished request_id=req-1\n"}]}"#.into(),
        ),
        _ if seen.path.ends_with("/invocations") => {
            (200, "application/json", r#"{"client_id":"x"}"#.into())
        }
        _ => (
            200,
            "application/json",
            r#"{"Configuration":{"FunctionName":"fn"}}"#.into(),
        ),
    }
}

async fn clients(aws: &Mock, invoke: Option<&Mock>) -> Clients {
    let args = AwsTarget {
        endpoint_url: Some(aws.url.clone()),
        ..AwsTarget::default()
    };
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("eu-west-3"))
        .endpoint_url(&aws.url)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await;
    Clients::from_config(&config, &args).with_invoke_endpoint(invoke.map(|m| m.url.as_str()))
}

/// The invocation events a command reported, as short lines.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Progress for Recorder {
    fn report(&self, event: Event<'_>) {
        let line = match event {
            Event::Invoking {
                function, endpoint, ..
            } => format!("invoking {function} at {endpoint:?}"),
            Event::LogTail { lines, .. } => format!("log tail {lines:?}"),
            Event::NoLogLines { request_id, .. } => format!("no log line of {request_id}"),
            other => format!("unexpected {other:?}"),
        };
        self.0.lock().unwrap().push(line);
    }
}

fn invocations(mock: &Mock) -> usize {
    mock.seen()
        .iter()
        .filter(|s| s.method == "POST" && s.path == "/2015-03-31/functions/fn/invocations")
        .count()
}

#[tokio::test]
async fn invoke_goes_to_the_invoke_endpoint_and_the_rest_to_the_main_one() {
    let aws = Mock::start(aws_side);
    let emulator = Mock::start(|_| {
        (
            200,
            "application/json",
            r#"{"statusCode":200,"body":{"status":"success","request_id":"req-1"}}"#.into(),
        )
    });
    let clients = clients(&aws, Some(&emulator)).await;
    assert_eq!(
        clients.invoke_endpoint.as_deref(),
        Some(emulator.url.as_str())
    );

    let events = Recorder::default();
    let outcome = invoke_function(
        &clients,
        "fn",
        "/aws/lambda/fn",
        &serde_json::json!({}),
        &events,
    )
    .await
    .unwrap();
    assert_eq!(outcome.status_code, 200);
    assert_eq!(outcome.body["status"], "success");
    // The emulator gives no log tail: it came from the log group, on the main endpoint.
    assert_eq!(
        outcome.log_tail,
        vec!["starting", "invocation finished request_id=req-1"]
    );
    // What the caller was told, in order: where the call went, then the tail.
    assert_eq!(
        *events.0.lock().unwrap(),
        vec![
            format!("invoking fn at {:?}", Some(&emulator.url)),
            r#"log tail ["starting", "invocation finished request_id=req-1"]"#.to_owned(),
        ]
    );
    assert_eq!(invocations(&emulator), 1);
    assert_eq!(
        emulator.seen().len(),
        1,
        "only the Invoke call goes to the emulator"
    );
    assert_eq!(invocations(&aws), 0);
    let targets: Vec<String> = aws.seen().into_iter().map(|s| s.target).collect();
    assert!(targets.contains(&"Logs_20140328.DescribeLogStreams".to_owned()));
    assert!(targets.contains(&"Logs_20140328.GetLogEvents".to_owned()));

    // The control plane stays on the main endpoint.
    clients
        .lambda
        .get_function()
        .function_name("fn")
        .send()
        .await
        .unwrap();
    assert!(
        aws.seen()
            .iter()
            .any(|s| s.method == "GET" && s.path.starts_with("/2015-03-31/functions/fn"))
    );
    assert_eq!(emulator.seen().len(), 1);
}

#[tokio::test]
async fn without_an_override_invoke_uses_the_main_endpoint() {
    let aws = Mock::start(aws_side);
    let clients = clients(&aws, None).await;
    assert!(clients.invoke_endpoint.is_none());
    // The main endpoint echoes the event (moto without Docker): no statusCode, an error.
    let err = invoke_function(
        &clients,
        "fn",
        "/aws/lambda/fn",
        &serde_json::json!({}),
        &Silent,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no statusCode"), "{err}");
    assert_eq!(invocations(&aws), 1);
}

#[tokio::test]
async fn a_refused_event_fails_and_a_crash_is_not_retried() {
    let aws = Mock::start(aws_side);
    let refusing = Mock::start(|_| {
        (
            200,
            "application/json",
            r#"{"statusCode":400,"body":{"error":"bad_request","message":"period_days must be > 0","request_id":"req-1"}}"#.into(),
        )
    });
    let clients = clients(&aws, Some(&refusing)).await;
    let err = invoke_function(
        &clients,
        "fn",
        "/aws/lambda/fn",
        &serde_json::json!({}),
        &Silent,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("statusCode 400"), "{err}");
    assert!(err.to_string().contains("period_days must be > 0"), "{err}");

    // The runtime emulator answers a crashed function with HTTP 500: one attempt, an error.
    let crashing = Mock::start(|_| {
        (
            500,
            "application/json",
            r#"{"errorType":"Runtime.ExitError","errorMessage":"boom"}"#.into(),
        )
    });
    let clients = self::clients(&aws, Some(&crashing)).await;
    let err = invoke_function(
        &clients,
        "fn",
        "/aws/lambda/fn",
        &serde_json::json!({}),
        &Silent,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("cannot invoke fn"), "{err}");
    assert_eq!(invocations(&crashing), 1, "the crash must not be retried");
}

#[tokio::test]
async fn the_log_fallback_waits_for_the_invocations_own_lines_then_gives_up() {
    let aws = Mock::start(aws_side);
    let clients = clients(&aws, None).await;
    let started = std::time::Instant::now();
    let lines = invocation_log_lines(
        &clients,
        "/aws/lambda/fn",
        Some("req-2"),
        20,
        Duration::from_millis(600),
    )
    .await;
    // The stream never names req-2: it waited the whole time and returns what it read.
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(lines.len(), 2);
    let reads = aws
        .seen()
        .iter()
        .filter(|s| s.target == "Logs_20140328.GetLogEvents")
        .count();
    assert!(reads >= 2, "polled {reads} time(s)");
    // A line naming the request, read twice the same, ends the wait long before LOG_WAIT.
    let started = std::time::Instant::now();
    invocation_log_lines(&clients, "/aws/lambda/fn", Some("req-1"), 20, LOG_WAIT).await;
    assert!(started.elapsed() < LOG_WAIT);
}

#[tokio::test]
async fn the_log_fallback_waits_until_the_invocations_lines_stop_arriving() {
    // The log group receives the invocation's lines over time: first its start, one read later
    // its end. The tail must not stop at the first line that names the request.
    let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = reads.clone();
    let aws = Mock::start(move |seen| {
        if seen.target != "Logs_20140328.GetLogEvents" {
            return aws_side(seen);
        }
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let events = if n < 1 {
            r#"[{"timestamp":1,"message":"invocation started req-9"}]"#
        } else {
            r#"[{"timestamp":1,"message":"invocation started req-9"},{"timestamp":2,"message":"invocation finished req-9"}]"#
        };
        (
            200,
            "application/x-amz-json-1.1",
            format!(r#"{{"events":{events}}}"#),
        )
    });
    let clients = clients(&aws, None).await;
    let lines = invocation_log_lines(&clients, "/aws/lambda/fn", Some("req-9"), 20, LOG_WAIT).await;
    assert_eq!(
        lines,
        vec!["invocation started req-9", "invocation finished req-9"]
    );
    assert!(reads.load(std::sync::atomic::Ordering::SeqCst) >= 3);
}

#[test]
fn the_request_id_is_read_from_object_or_string_bodies() {
    assert_eq!(
        request_id_of(br#"{"statusCode":200,"body":{"request_id":"a"}}"#).as_deref(),
        Some("a")
    );
    assert_eq!(
        request_id_of(br#"{"statusCode":500,"body":"{\"request_id\":\"b\"}"}"#).as_deref(),
        Some("b")
    );
    assert_eq!(request_id_of(br#"{"client_id":"x"}"#), None);
    assert_eq!(request_id_of(b"not json"), None);
}
