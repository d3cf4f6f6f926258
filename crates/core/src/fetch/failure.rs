//! How one attempt failed, with a message an operator can act on, and what that means for the next
//! attempt (retry or not) and for the report (the error kind).

use super::deadlines::{Deadline, shown};
use super::{FetchError, FetchErrorKind, guard};
use std::time::Duration;

/// The cause of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cause {
    /// A non-2xx answer (other than a followed redirect or an expected 304).
    Status,
    /// Too many redirects, or a redirect without a usable `Location`.
    Redirect,
    Timeout,
    TooLarge,
    Blocked,
    /// Connection, TLS, DNS, protocol: possibly transient.
    Connect,
    /// The server's certificate is not trusted (unknown issuer, expired, wrong name...): the same
    /// certificate would come again, so it is reported at once rather than retried.
    Certificate,
    /// The body could not be decoded (corrupt gzip...): the same bytes would come again.
    Body,
}

/// A failed attempt.
#[derive(Debug, Clone)]
pub(super) struct AttemptError {
    pub cause: Cause,
    pub message: String,
    /// `Retry-After` of a throttling answer (429, 503).
    pub retry_after: Option<Duration>,
    /// For a timeout, the deadline that ended the attempt.
    pub deadline: Option<Deadline>,
}

impl AttemptError {
    pub fn new(cause: Cause, message: impl Into<String>) -> Self {
        AttemptError {
            cause,
            message: message.into(),
            retry_after: None,
            deadline: None,
        }
    }

    /// A timeout, naming the deadline that ended it.
    pub fn timeout(deadline: Deadline, message: impl Into<String>) -> Self {
        AttemptError {
            deadline: Some(deadline),
            ..AttemptError::new(Cause::Timeout, message)
        }
    }

    /// Whether another attempt may succeed.
    pub fn retryable(&self, http_status: Option<u16>) -> bool {
        match self.cause {
            Cause::Status => http_status.is_some_and(super::retry::is_retryable_status),
            Cause::Timeout | Cause::Connect => true,
            Cause::Redirect
            | Cause::TooLarge
            | Cause::Blocked
            | Cause::Body
            | Cause::Certificate => false,
        }
    }

    pub fn kind(&self) -> FetchErrorKind {
        match self.cause {
            Cause::Status | Cause::Redirect => FetchErrorKind::Http,
            Cause::Timeout => FetchErrorKind::Timeout,
            Cause::TooLarge => FetchErrorKind::TooLarge,
            Cause::Blocked => FetchErrorKind::Blocked,
            Cause::Connect | Cause::Body | Cause::Certificate => FetchErrorKind::Connect,
        }
    }
}

/// What the last attempt got before it ended, kept even when the deadline cuts it short, so the
/// report's HTTP status and byte count are right on failures too.
#[derive(Debug, Clone, Default)]
pub(super) struct Progress {
    /// Status of the last response received (a redirect's, an error's, or the final one).
    pub http_status: Option<u16>,
    /// Body bytes received from the last response (decoded).
    pub bytes: u64,
    /// The start of an error answer's body (APIs explain their errors there).
    pub error_body: Option<bytes::Bytes>,
}

impl Progress {
    /// The error to report; `throttled` counts the 429 answers received before it.
    pub fn into_error(self, e: AttemptError, attempts: u32, throttled: u32) -> FetchError {
        FetchError {
            kind: e.kind(),
            message: crate::model::truncate_message(&e.message, 300),
            http_status: self.http_status,
            attempts,
            bytes: self.bytes,
            body: self.error_body,
            throttled,
            deadline: e.deadline,
        }
    }
}

/// `HTTP 503 Service Unavailable`
pub(super) fn status_text(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(r) => format!("HTTP {status} {r}"),
        None => format!("HTTP {status}"),
    }
}

/// Maps a reqwest error to a cause, finding a guard refusal anywhere in the error chain. The
/// client's only timer is the connect deadline (`connect_timeout`): the fetcher runs the others.
pub(super) fn classify(e: &reqwest::Error, connect_timeout: Duration) -> AttemptError {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if let Some(b) = s.downcast_ref::<guard::BlockedAddress>() {
            return AttemptError::new(Cause::Blocked, b.to_string());
        }
        src = s.source();
    }
    if e.is_timeout() {
        let host = e.url().and_then(|u| u.host_str()).unwrap_or("the host");
        return AttemptError::timeout(
            Deadline::Connect,
            format!(
                "could not connect to {host} within {} (connect deadline)",
                shown(connect_timeout)
            ),
        );
    }
    let text = concise(e);
    let cause = if e.is_decode() {
        Cause::Body
    } else if untrusted_certificate(e) {
        Cause::Certificate
    } else {
        Cause::Connect
    };
    AttemptError::new(cause, text)
}

/// Whether a rustls certificate verdict is anywhere in the error chain. The TLS stack wraps it in
/// `io::Error`s (two deep today), whose `source()` skips the wrapped error itself: every element
/// of the chain is also looked into through those layers.
fn untrusted_certificate(e: &reqwest::Error) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        let mut layer = Some(s);
        while let Some(l) = layer {
            if matches!(
                l.downcast_ref::<rustls::Error>(),
                Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
            ) {
                return true;
            }
            layer = l
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .map(|inner| inner as &(dyn std::error::Error + 'static));
        }
        src = s.source();
    }
    false
}

/// A short, specific message: the innermost cause says what went wrong ("Connection refused",
/// "failed to lookup address information"); the URL is already in the report.
fn concise(e: &reqwest::Error) -> String {
    let host = e
        .url()
        .and_then(|u| u.host_str())
        .unwrap_or("the host")
        .to_string();
    let chain = error_chain(e);
    let lower = chain.to_ascii_lowercase();
    let innermost = innermost(e);
    if lower.contains("dns error") || lower.contains("lookup address") {
        return format!("cannot resolve host {host} (DNS lookup failed)");
    }
    if lower.contains("connection refused") {
        return format!("connection refused by {host}");
    }
    if e.is_decode() {
        return format!(
            "cannot decode the response of {host}: {}",
            innermost.unwrap_or(chain)
        );
    }
    if lower.contains("certificate") || lower.contains("tls") {
        return format!("TLS failure with {host}: {}", innermost.unwrap_or(chain));
    }
    match innermost {
        Some(cause) => format!("request to {host} failed: {cause}"),
        None => chain,
    }
}

fn innermost(e: &dyn std::error::Error) -> Option<String> {
    let mut src = e.source();
    let mut last = None;
    while let Some(s) = src {
        last = Some(s.to_string());
        src = s.source();
    }
    last
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_texts_name_the_reason() {
        assert_eq!(status_text(503), "HTTP 503 Service Unavailable");
        assert_eq!(status_text(429), "HTTP 429 Too Many Requests");
        assert_eq!(status_text(599), "HTTP 599");
    }

    #[test]
    fn only_transient_failures_are_retried() {
        let status = AttemptError::new(Cause::Status, "x");
        assert!(
            status.retryable(Some(500))
                && status.retryable(Some(429))
                && status.retryable(Some(408))
        );
        assert!(
            !status.retryable(Some(404)) && !status.retryable(Some(403)) && !status.retryable(None)
        );
        for c in [Cause::Timeout, Cause::Connect] {
            assert!(AttemptError::new(c, "x").retryable(None));
        }
        for c in [
            Cause::Redirect,
            Cause::TooLarge,
            Cause::Blocked,
            Cause::Body,
            Cause::Certificate,
        ] {
            assert!(!AttemptError::new(c, "x").retryable(Some(500)));
        }
    }
}
