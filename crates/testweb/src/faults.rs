//! The fault layer: what can go wrong with a response, addressable two ways.
//!
//! * From Rust: [`crate::TestWeb::set_fault`] attaches a [`FaultRule`] to an exact path; the next
//!   requests for that path get the fault (optionally only the first N), then the normal content.
//! * From URLs, for a standalone server driven only by a config file: `/fault/<kind>/<params>[/<tail>]`,
//!   where the tail (or a `then=` query parameter) is the path served after or through the fault, and
//!   `times=N` limits the fault to the first N requests of that exact URL. See [`parse_url_fault`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::encoding::ContentCoding;

/// The `Retry-After` forms of RFC 9110 10.2.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfterForm {
    /// `Retry-After: 3`
    Seconds,
    /// `Retry-After: Wed, 10 Dec 2025 12:00:03 GMT` (now + the delay).
    HttpDate,
}

/// One kind of misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and a small HTML error page.
    Status(u16),
    /// `429 Too Many Requests` with `Retry-After`.
    RetryAfter { seconds: u64, form: RetryAfterForm },
    /// Never answer (`None`), or answer normally after the delay.
    Hang(Option<Duration>),
    /// Answer normally after the delay.
    Latency(Duration),
    /// Send the normal content with this coding whatever the client accepts.
    Encoding(ContentCoding),
    /// Send the normal content re-encoded as Windows-1252 with no charset in `Content-Type` (a tail's own
    /// `<meta charset>` is left as it is; without a tail, a sample page that declares nothing).
    Windows1252,
    /// A generated HTML body of `bytes` bytes, chunked unless `declare_length`.
    Large { bytes: u64, declare_length: bool },
    /// 200 and a few bytes every interval, forever.
    Drip { chunk: usize, interval: Duration },
    /// 200 headers, then nothing, forever.
    Stall,
    /// The normal content, `chunk` bytes every `interval` until it is all sent: a slow server
    /// that keeps sending.
    Trickle { chunk: usize, interval: Duration },
    /// The normal content's headers and first `bytes` bytes (its full length announced), then
    /// silence: a body that stalls midway.
    StallAfter(u64),
    /// `hops` redirects (relative `Location`) before the normal content.
    RedirectChain { hops: u32, status: u16 },
    /// Two URLs redirecting to each other, forever.
    RedirectLoop,
    /// One redirect to an arbitrary absolute URL (e.g. a cloud metadata address).
    RedirectTo { location: String, status: u16 },
    /// The normal content with this header set in place of the server's own (e.g. a `Link`
    /// that sends a client round in circles). A name or value HTTP cannot carry is left out.
    Header { name: String, value: String },
}

/// A fault attached to a path, optionally only for the first `times` requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    pub fault: Fault,
    pub times: Option<u32>,
}

impl FaultRule {
    pub fn new(fault: Fault) -> Self {
        Self { fault, times: None }
    }

    /// Apply the fault to the first `n` requests only; later requests get the normal content.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }
}

impl From<Fault> for FaultRule {
    fn from(fault: Fault) -> Self {
        FaultRule::new(fault)
    }
}

/// Rules by exact path, with how many times each has fired.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    rules: Mutex<HashMap<String, (FaultRule, u32)>>,
}

impl FaultTable {
    pub fn set(&self, path: &str, rule: FaultRule) {
        self.lock().insert(path.to_string(), (rule, 0));
    }

    pub fn remove(&self, path: &str) {
        self.lock().remove(path);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The fault to apply to this request, counting it as fired.
    pub fn fire(&self, path: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let (rule, fired) = rules.get_mut(path)?;
        if rule.times.is_some_and(|limit| *fired >= limit) {
            return None;
        }
        *fired += 1;
        Some(rule.fault.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (FaultRule, u32)>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How many times each fault URL has fired, keyed by the full request target, so that
/// `/fault/status/500?times=2&then=/x` counts independently of `...times=3...`.
#[derive(Debug, Default)]
pub(crate) struct UrlFaultCounters {
    fired: Mutex<HashMap<String, u32>>,
}

impl UrlFaultCounters {
    /// Counts a request; true while the fault should still fire.
    pub fn fire(&self, key: &str, times: Option<u32>) -> bool {
        let mut fired = self.fired.lock().unwrap_or_else(|p| p.into_inner());
        let count = fired.entry(key.to_string()).or_insert(0);
        if times.is_some_and(|limit| *count >= limit) {
            return false;
        }
        *count += 1;
        true
    }

    pub fn clear(&self) {
        self.fired.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// A fault URL, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlFault {
    pub fault: Fault,
    /// Requests of this URL the fault applies to; `None` = all.
    pub times: Option<u32>,
    /// Path (with optional query) served after or through the fault; `None` = a small default page.
    pub next: Option<String>,
}

/// Parses the part of a path after `/fault/`, with the request's query parameters.
///
/// Grammar (`<tail>` is any path, served after/through the fault; `then=<path>` is the same as a tail):
/// * `status/<code>[/<tail>]` — `times=N` then the tail (default: always the status)
/// * `retry-after/<secs>[/<tail>]`, `retry-after-date/<secs>[/<tail>]` — 429, `times` default 1
/// * `hang` (forever), `hang/<secs>[/<tail>]`
/// * `latency/<ms>[/<tail>]`
/// * `gzip[/<tail>]`, `br[/<tail>]`, `windows-1252[/<tail>]`
/// * `large/<mb>` (`length=1` declares Content-Length; `bytes=N` overrides the size)
/// * `drip` (`bytes=4`, `interval_ms=1000`), `stall` (`status=200`)
/// * `trickle/<ms>[/<tail>]` (`bytes=256` per interval), `stall-after/<bytes>[/<tail>]`
/// * `redirect/<hops>[/<tail>]` (`status=302`), `redirect-loop[/<n>]`, `redirect-to?url=<abs>` (`status=302`)
pub fn parse_url_fault(rest: &str, query: &HashMap<String, String>) -> Result<UrlFault, String> {
    let (kind, after_kind) = rest.split_once('/').unwrap_or((rest, ""));
    let url = FaultUrl {
        kind,
        after_kind,
        query,
    };
    let times = match query.get("times") {
        Some(v) => Some(
            v.parse::<u32>()
                .map_err(|_| format!("times must be a number, got {v:?}"))?,
        ),
        None => None,
    };
    let then = query.get("then").cloned();
    let (fault, tail, default_times) = match kind {
        "status" | "retry-after" | "retry-after-date" | "hang" | "latency" => url.answer_fault()?,
        "gzip" | "br" | "brotli" | "windows-1252" | "cp1252" => url.encoding_fault()?,
        "large" | "drip" | "stall" | "trickle" | "stall-after" => url.body_fault()?,
        "redirect" | "redirect-loop" | "redirect-to" => url.redirect_fault()?,
        other => return Err(format!("unknown fault kind {other:?}")),
    };
    Ok(UrlFault {
        fault,
        times: times.or(default_times),
        next: tail.or(then),
    })
}

/// A fault, the path served after or through it, and its default `times`.
type ParsedFault = (Fault, Option<String>, Option<u32>);

/// The pieces of a `/fault/<kind>/<params>[/<tail>]` URL, read by the parsers of each fault family.
struct FaultUrl<'a> {
    kind: &'a str,
    after_kind: &'a str,
    query: &'a HashMap<String, String>,
}

impl FaultUrl<'_> {
    /// `<number>[/<tail>]` after the kind.
    fn number_then_tail(&self, what: &str) -> Result<(u64, Option<String>), String> {
        let (number, tail) = self
            .after_kind
            .split_once('/')
            .unwrap_or((self.after_kind, ""));
        let value = number.parse::<u64>().map_err(|_| {
            format!(
                "/fault/{}/ needs a number of {what}, got {number:?}",
                self.kind
            )
        })?;
        Ok((value, tail_path(tail)))
    }

    fn query_number(&self, name: &str, default: u64) -> Result<u64, String> {
        match self.query.get(name) {
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| format!("query parameter {name} must be a number, got {v:?}")),
            None => Ok(default),
        }
    }

    fn status_param(&self, default: u16) -> Result<u16, String> {
        let status = self.query_number("status", u64::from(default))?;
        u16::try_from(status)
            .ok()
            .filter(|s| (100..=999).contains(s))
            .ok_or_else(|| format!("status {status} is not an HTTP status"))
    }

    /// When the answer comes, and which: `status`, `retry-after(-date)`, `hang`, `latency`.
    fn answer_fault(&self) -> Result<ParsedFault, String> {
        Ok(match self.kind {
            "status" => {
                let (code, tail) = self.number_then_tail("status code")?;
                let code = u16::try_from(code)
                    .ok()
                    .filter(|c| (100..=999).contains(c))
                    .ok_or_else(|| format!("{code} is not an HTTP status"))?;
                (Fault::Status(code), tail, None)
            }
            "retry-after" | "retry-after-date" => {
                let (seconds, tail) = self.number_then_tail("seconds")?;
                let seconds_form = self.kind == "retry-after"
                    && self.query.get("form").map(String::as_str) != Some("date");
                let form = if seconds_form {
                    RetryAfterForm::Seconds
                } else {
                    RetryAfterForm::HttpDate
                };
                (Fault::RetryAfter { seconds, form }, tail, Some(1))
            }
            "hang" if self.after_kind.is_empty() => (Fault::Hang(None), None, None),
            "hang" => {
                let (seconds, tail) = self.number_then_tail("seconds")?;
                (Fault::Hang(Some(Duration::from_secs(seconds))), tail, None)
            }
            _ => {
                let (ms, tail) = self.number_then_tail("milliseconds")?;
                (Fault::Latency(Duration::from_millis(ms)), tail, None)
            }
        })
    }

    /// The content sent with another coding or charset: `gzip`, `br`, `windows-1252`.
    fn encoding_fault(&self) -> Result<ParsedFault, String> {
        let fault = match self.kind {
            "gzip" => Fault::Encoding(ContentCoding::Gzip),
            "br" | "brotli" => Fault::Encoding(ContentCoding::Brotli),
            _ => Fault::Windows1252,
        };
        Ok((fault, tail_path(self.after_kind), None))
    }

    /// How the body arrives: `large`, `drip`, `stall`, `trickle`, `stall-after`.
    fn body_fault(&self) -> Result<ParsedFault, String> {
        Ok(match self.kind {
            "large" => {
                let (mb, _) = self.number_then_tail("megabytes")?;
                let bytes = self.query_number("bytes", mb.saturating_mul(1024 * 1024))?;
                let declare_length = self
                    .query
                    .get("length")
                    .is_some_and(|v| v == "1" || v == "true");
                let fault = Fault::Large {
                    bytes,
                    declare_length,
                };
                (fault, None, None)
            }
            "drip" => {
                let chunk = usize::try_from(self.query_number("bytes", 4)?)
                    .unwrap_or(4)
                    .max(1);
                let interval = Duration::from_millis(self.query_number("interval_ms", 1000)?);
                (Fault::Drip { chunk, interval }, None, None)
            }
            "stall" => (Fault::Stall, None, None),
            "trickle" => {
                let (ms, tail) = self.number_then_tail("milliseconds")?;
                let chunk = usize::try_from(self.query_number("bytes", 256)?)
                    .unwrap_or(256)
                    .max(1);
                let interval = Duration::from_millis(ms);
                (Fault::Trickle { chunk, interval }, tail, None)
            }
            _ => {
                let (bytes, tail) = self.number_then_tail("bytes")?;
                (Fault::StallAfter(bytes), tail, None)
            }
        })
    }

    /// Where the answer sends the client: `redirect`, `redirect-loop`, `redirect-to`.
    fn redirect_fault(&self) -> Result<ParsedFault, String> {
        Ok(match self.kind {
            "redirect" => {
                let (hops, tail) = self.number_then_tail("hops")?;
                let hops = u32::try_from(hops).map_err(|_| format!("{hops} hops is too many"))?;
                let status = self.status_param(302)?;
                (Fault::RedirectChain { hops, status }, tail, None)
            }
            "redirect-loop" => (Fault::RedirectLoop, tail_path(self.after_kind), None),
            _ => {
                let location = self
                    .query
                    .get("url")
                    .cloned()
                    .ok_or("/fault/redirect-to needs ?url=<absolute URL>")?;
                let status = self.status_param(302)?;
                (Fault::RedirectTo { location, status }, None, None)
            }
        })
    }
}

/// `"sites/x/"` → `Some("/sites/x/")`, `""` → `None`.
fn tail_path(tail: &str) -> Option<String> {
    (!tail.is_empty()).then(|| format!("/{tail}"))
}

/// A small HTML page with a status, for error statuses.
pub(crate) fn status_page(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    let mut response = Response::new(Body::from(format!(
        "<!doctype html><html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1></body></html>"
    )));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// 429 with a `Retry-After` in the requested form.
pub(crate) fn retry_after(seconds: u64, form: RetryAfterForm) -> Response {
    let mut response = status_page(429);
    let value = match form {
        RetryAfterForm::Seconds => seconds.to_string(),
        RetryAfterForm::HttpDate => {
            httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(seconds))
        }
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A redirect with the given `Location`.
pub(crate) fn redirect(status: u16, location: &str) -> Response {
    let mut response = status_page(status);
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => status_page(500),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn status_with_then_and_times() {
        let parsed = parse_url_fault(
            "status/500",
            &query(&[("times", "2"), ("then", "/sites/medincell/news/")]),
        )
        .unwrap();
        assert_eq!(parsed.fault, Fault::Status(500));
        assert_eq!(parsed.times, Some(2));
        assert_eq!(parsed.next.as_deref(), Some("/sites/medincell/news/"));
    }

    #[test]
    fn retry_after_tail_defaults_to_once() {
        let parsed = parse_url_fault("retry-after/3/sites/camurus/media/", &query(&[])).unwrap();
        assert_eq!(
            parsed.fault,
            Fault::RetryAfter {
                seconds: 3,
                form: RetryAfterForm::Seconds
            }
        );
        assert_eq!(parsed.times, Some(1));
        assert_eq!(parsed.next.as_deref(), Some("/sites/camurus/media/"));
        let dated = parse_url_fault("retry-after-date/3", &query(&[])).unwrap();
        assert!(matches!(
            dated.fault,
            Fault::RetryAfter {
                form: RetryAfterForm::HttpDate,
                ..
            }
        ));
    }

    #[test]
    fn bad_parameters_are_errors_not_panics() {
        for rest in [
            "status/abc",
            "status/70000",
            "status/99",
            "hang/x",
            "redirect/-1",
            "redirect-to",
            "nope",
            "large/",
            "trickle/x",
            "stall-after/",
            "",
        ] {
            assert!(parse_url_fault(rest, &query(&[])).is_err(), "{rest}");
        }
        assert!(parse_url_fault("status/500", &query(&[("times", "x")])).is_err());
    }

    #[test]
    fn trickle_and_stall_after_take_their_numbers_and_tail() {
        let parsed = parse_url_fault("trickle/100/feed/", &query(&[("bytes", "64")])).unwrap();
        assert_eq!(
            parsed.fault,
            Fault::Trickle {
                chunk: 64,
                interval: Duration::from_millis(100)
            }
        );
        assert_eq!(parsed.next.as_deref(), Some("/feed/"));
        let parsed = parse_url_fault("stall-after/500/news/", &query(&[])).unwrap();
        assert_eq!(parsed.fault, Fault::StallAfter(500));
        assert_eq!(parsed.next.as_deref(), Some("/news/"));
    }

    #[test]
    fn table_fires_limited_times() {
        let table = FaultTable::default();
        table.set("/a", FaultRule::new(Fault::Status(503)).times(2));
        assert_eq!(table.fire("/a"), Some(Fault::Status(503)));
        assert_eq!(table.fire("/a"), Some(Fault::Status(503)));
        assert_eq!(table.fire("/a"), None);
        assert_eq!(table.fire("/b"), None);
    }
}
