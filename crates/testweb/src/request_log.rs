//! The record of every request the test web received.
//!
//! Tests of the engine's fetch layer assert on what the engine *sent*: how many attempts, in which order,
//! with which conditional headers, and whether two requests to one host ever overlapped (politeness). So
//! each request is recorded when it arrives, before any fault or latency is applied: a request that hangs
//! forever is still in the log.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use axum::http::{HeaderMap, Method};

/// Headers copied into the log. They are the ones the engine's behaviour is judged on: conditional GET,
/// identification, content negotiation, connection reuse.
pub const LOGGED_HEADERS: &[&str] = &[
    "if-none-match",
    "if-modified-since",
    "user-agent",
    "accept",
    "accept-encoding",
    "accept-language",
    "connection",
];

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    /// Wall-clock arrival time.
    pub at: SystemTime,
    /// Arrival time relative to the server start, handy for measuring pacing between requests.
    pub since_start: Duration,
    /// The listener (127.0.0.1:port) that accepted the connection.
    pub local_addr: SocketAddr,
    /// The `Host` header as sent by the client, if any.
    pub host: Option<String>,
    pub method: Method,
    /// Path without the query.
    pub path: String,
    pub query: Option<String>,
    /// The [`LOGGED_HEADERS`] that were present, lower-case names, in that order.
    pub headers: Vec<(String, String)>,
    /// Requests being handled on the same listener when this one arrived, itself included. A polite
    /// client that keeps one request per host in flight only ever produces 1 here.
    pub in_flight_on_listener: usize,
}

impl RequestRecord {
    /// The value of a logged header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Path plus `?query` when there is one, as the client requested it.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }
}

/// Append-only, shared log of requests.
#[derive(Debug)]
pub struct RequestLog {
    started: Instant,
    records: Mutex<Vec<RequestRecord>>,
}

impl Default for RequestLog {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            records: Mutex::new(Vec::new()),
        }
    }
}

impl RequestLog {
    pub(crate) fn record(
        &self,
        local_addr: SocketAddr,
        method: &Method,
        uri: &axum::http::Uri,
        headers: &HeaderMap,
        in_flight_on_listener: usize,
    ) {
        let selected = LOGGED_HEADERS
            .iter()
            .filter_map(|name| {
                headers.get(*name).map(|v| {
                    (
                        name.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
            })
            .collect();
        let record = RequestRecord {
            at: SystemTime::now(),
            since_start: self.started.elapsed(),
            local_addr,
            host: headers
                .get(axum::http::header::HOST)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            method: method.clone(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers: selected,
            in_flight_on_listener,
        };
        self.lock().push(record);
    }

    /// A copy of every record so far, in arrival order.
    pub fn snapshot(&self) -> Vec<RequestRecord> {
        self.lock().clone()
    }

    /// Records whose path equals `path`.
    pub fn for_path(&self, path: &str) -> Vec<RequestRecord> {
        self.lock()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The log stays usable even if a thread panicked while holding the lock: the data is a plain Vec
    /// that is never left half-updated.
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RequestRecord>> {
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
