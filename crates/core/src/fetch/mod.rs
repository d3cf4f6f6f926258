//! HTTP fetching: one shared client, bounded bodies, timeouts, retries on transient failures,
//! per-host politeness and the address guard.

pub mod guard;
mod politeness;

pub use politeness::{HostGate, host_key};

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

/// Fetcher settings; defaults are sane for production.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub user_agent: String,
    pub connect_timeout: Duration,
    /// Bound on one request (headers and body).
    pub request_timeout: Duration,
    /// Bound on one source, all attempts included.
    pub source_deadline: Duration,
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Attempts per URL (1 = no retry).
    pub max_attempts: u32,
    pub retry_base_delay: Duration,
    /// Longest `Retry-After` honoured; longer ones fail the source instead of stalling the run.
    pub max_retry_after: Duration,
    /// Default minimum interval between requests to the same host.
    pub min_host_interval: Duration,
    /// Allow loopback / private / link-local targets (tests against a local web only).
    pub allow_private_networks: bool,
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            user_agent: format!(
                "vectora-inbox/{} (+https://github.com/vectora/vectora-inbox; news ingestion bot)",
                env!("CARGO_PKG_VERSION")
            ),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            source_deadline: Duration::from_secs(90),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            max_attempts: 2,
            retry_base_delay: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
            min_host_interval: Duration::from_millis(1000),
            allow_private_networks: false,
        }
    }
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// 2xx, or 304 when a conditional request found nothing new (then `body` is empty).
    pub status: u16,
    pub final_url: Url,
    pub content_type: Option<String>,
    pub body: Bytes,
    pub attempts: u32,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Fetched {
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchErrorKind {
    Http,
    Timeout,
    TooLarge,
    Blocked,
    Connect,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct FetchError {
    pub kind: FetchErrorKind,
    pub message: String,
    pub http_status: Option<u16>,
    pub attempts: u32,
}

/// Per-request options that come from the source's config.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// `ssl_verify: false` in the config: accept invalid certificates (reported as a warning).
    pub insecure_tls: bool,
    /// Override of the per-host interval for this source.
    pub min_interval: Option<Duration>,
    /// Absolute deadline (the run's, e.g. from the Lambda's remaining time).
    pub deadline: Option<Instant>,
    /// Validators of the last full response: sent as If-None-Match / If-Modified-Since.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The HTTP fetcher, built once and shared by every source of a run (and across warm Lambda
/// invocations).
#[derive(Clone)]
pub struct Fetcher {
    settings: Arc<FetchSettings>,
    client: reqwest::Client,
    insecure_client: reqwest::Client,
    gate: Arc<HostGate>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").field("settings", &self.settings).finish()
    }
}

impl Fetcher {
    pub fn new(settings: FetchSettings) -> Result<Fetcher, String> {
        let client = build_client(&settings, false)?;
        let insecure_client = build_client(&settings, true)?;
        Ok(Fetcher { settings: Arc::new(settings), client, insecure_client, gate: Arc::new(HostGate::default()) })
    }

    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    /// GETs a URL with politeness, retries and limits.
    pub async fn fetch(&self, url: &Url, opts: &FetchOptions) -> Result<Fetched, FetchError> {
        let source_deadline = Instant::now() + self.settings.source_deadline;
        let deadline = opts.deadline.map_or(source_deadline, |d| d.min(source_deadline));
        if !self.settings.allow_private_networks
            && let Err(b) = guard::check_literal(url)
        {
            return Err(FetchError { kind: FetchErrorKind::Blocked, message: b.to_string(), http_status: None, attempts: 0 });
        }
        let host = host_key(url);
        let interval = opts.min_interval.unwrap_or(self.settings.min_host_interval);
        let client = if opts.insecure_tls { &self.insecure_client } else { &self.client };
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let now = Instant::now();
            if now >= deadline {
                return Err(FetchError {
                    kind: FetchErrorKind::Timeout,
                    message: "deadline reached before the request could be sent".into(),
                    http_status: None,
                    attempts: attempt - 1,
                });
            }
            tokio::select! {
                _ = self.gate.wait_turn(&host, interval) => {}
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(FetchError { kind: FetchErrorKind::Timeout, message: format!("deadline reached while waiting for a turn on {host}"), http_status: None, attempts: attempt - 1 });
                }
            }
            let result = match tokio::time::timeout_at(deadline, self.attempt(client, url, opts)).await {
                Ok(r) => r,
                Err(_) => Err(AttemptError::Timeout("source deadline reached".into())),
            };
            let retryable_after = match &result {
                Ok(_) => None,
                Err(e) => e.retry_delay(attempt, &self.settings),
            };
            match (result, retryable_after) {
                (Ok(mut f), _) => {
                    f.attempts = attempt;
                    return Ok(f);
                }
                (Err(e), Some(delay)) if attempt < self.settings.max_attempts && Instant::now() + delay < deadline => {
                    tracing::debug!(url = %url, attempt, error = %e.message(), "retrying");
                    if let AttemptError::Status { retry_after: Some(_), .. } = &e {
                        self.gate.defer(&host, Instant::now() + delay);
                    }
                    tokio::time::sleep(delay).await;
                }
                (Err(e), _) => return Err(e.into_fetch_error(attempt)),
            }
        }
    }

    async fn attempt(&self, client: &reqwest::Client, url: &Url, opts: &FetchOptions) -> Result<Fetched, AttemptError> {
        let mut req = client.get(url.clone());
        if let Some(e) = &opts.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, e);
        }
        if let Some(lm) = &opts.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let resp = req.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let final_url = resp.url().clone();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        if status == 304 && (opts.etag.is_some() || opts.last_modified.is_some()) {
            return Ok(Fetched { status, final_url, content_type: None, body: Bytes::new(), attempts: 0, etag, last_modified });
        }
        if !(200..300).contains(&status) {
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            return Err(AttemptError::Status { status, retry_after });
        }
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let cap = self.settings.max_body_bytes;
        if let Some(len) = resp.content_length()
            && len as usize > cap
        {
            return Err(AttemptError::TooLarge(cap));
        }
        let mut body = BytesMut::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(classify)?;
            if body.len() + chunk.len() > cap {
                return Err(AttemptError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { status, final_url, content_type, body: body.freeze(), attempts: 0, etag, last_modified })
    }
}

fn build_client(s: &FetchSettings, insecure: bool) -> Result<reqwest::Client, String> {
    let allow_private = s.allow_private_networks;
    let max_redirects = s.max_redirects;
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= max_redirects {
            return attempt.error(format!("more than {max_redirects} redirects"));
        }
        if !allow_private && let Err(b) = guard::check_literal(attempt.url()) {
            return attempt.error(b);
        }
        attempt.follow()
    });
    let mut b = reqwest::Client::builder()
        .user_agent(&s.user_agent)
        .connect_timeout(s.connect_timeout)
        .timeout(s.request_timeout)
        .redirect(policy)
        .pool_max_idle_per_host(4)
        .tls_danger_accept_invalid_certs(insecure);
    if !allow_private {
        b = b.dns_resolver(Arc::new(guard::GuardedResolver));
    }
    b.build().map_err(|e| format!("cannot build the HTTP client: {e}"))
}

enum AttemptError {
    Status { status: u16, retry_after: Option<Duration> },
    Timeout(String),
    TooLarge(usize),
    Blocked(String),
    Connect(String),
}

impl AttemptError {
    fn message(&self) -> String {
        match self {
            AttemptError::Status { status, .. } => format!("HTTP {status}"),
            AttemptError::Timeout(m) => format!("timed out: {m}"),
            AttemptError::TooLarge(cap) => format!("response body larger than {cap} bytes"),
            AttemptError::Blocked(m) | AttemptError::Connect(m) => m.clone(),
        }
    }

    /// `Some(delay)` when the failure is transient and worth another attempt.
    fn retry_delay(&self, attempt: u32, s: &FetchSettings) -> Option<Duration> {
        let backoff = || {
            let base = s.retry_base_delay.as_millis() as u64 * (1u64 << (attempt - 1).min(6));
            Duration::from_millis(base + rand::random::<u64>() % (base / 2 + 1))
        };
        match self {
            AttemptError::Status { status, retry_after } if *status == 429 || *status == 503 || *status == 408 || *status >= 500 => {
                match retry_after {
                    Some(d) if *d > s.max_retry_after => None,
                    Some(d) => Some(*d),
                    None => Some(backoff()),
                }
            }
            AttemptError::Timeout(_) | AttemptError::Connect(_) => Some(backoff()),
            _ => None,
        }
    }

    fn into_fetch_error(self, attempts: u32) -> FetchError {
        let message = self.message();
        let (kind, http_status) = match self {
            AttemptError::Status { status, .. } => (FetchErrorKind::Http, Some(status)),
            AttemptError::Timeout(_) => (FetchErrorKind::Timeout, None),
            AttemptError::TooLarge(_) => (FetchErrorKind::TooLarge, None),
            AttemptError::Blocked(_) => (FetchErrorKind::Blocked, None),
            AttemptError::Connect(_) => (FetchErrorKind::Connect, None),
        };
        FetchError { kind, message: crate::model::truncate_message(&message, 300), http_status, attempts }
    }
}

/// Maps a reqwest error to a cause, finding a guard refusal anywhere in the error chain.
fn classify(e: reqwest::Error) -> AttemptError {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = src {
        if let Some(b) = s.downcast_ref::<guard::BlockedAddress>() {
            return AttemptError::Blocked(b.to_string());
        }
        src = s.source();
    }
    let text = concise(&e);
    if e.is_timeout() {
        AttemptError::Timeout(text)
    } else if e.is_redirect() && text.contains("refused to connect") {
        AttemptError::Blocked(text)
    } else {
        AttemptError::Connect(text)
    }
}

/// A short, specific message: the innermost cause says what went wrong ("Connection refused",
/// "failed to lookup address information"), the URL is already in the report.
fn concise(e: &reqwest::Error) -> String {
    let host = e.url().and_then(|u| u.host_str()).unwrap_or("the host").to_string();
    let chain = error_chain(e);
    let lower = chain.to_ascii_lowercase();
    if lower.contains("dns error") || lower.contains("lookup address") {
        return format!("cannot resolve host {host} (DNS lookup failed)");
    }
    if lower.contains("connection refused") {
        return format!("connection refused by {host}");
    }
    if e.is_timeout() {
        return format!("no answer from {host} in time");
    }
    if lower.contains("certificate") || lower.contains("tls") {
        let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
        let mut last = chain.clone();
        while let Some(s) = src {
            last = s.to_string();
            src = s.source();
        }
        return format!("TLS failure with {host}: {last}");
    }
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let mut innermost = None;
    while let Some(s) = src {
        innermost = Some(s.to_string());
        src = s.source();
    }
    match innermost {
        Some(cause) => format!("request to {host} failed: {cause}"),
        None => chain,
    }
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

/// `Retry-After`: delta-seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert!(parse_retry_after("soon").is_none());
    }
}
