//! HTTP fetching like a good citizen: one shared client, per-host politeness (one request in flight
//! and a minimum interval per host), retries with backoff on transient failures, `Retry-After`
//! honoured for the whole host, separate deadlines (connect, first byte, idle body, whole
//! response, source, run), a streamed body cap, at most a few redirects, conditional GET, and the
//! address guard on every hop.
//!
//! Module map: [`politeness`] (the per-host queue), [`guard`] (refused addresses), `retry` (backoff,
//! `Retry-After`), `attempt` (one request and its redirects), [`deadlines`] (which deadline ended
//! an attempt), `failure` (what went wrong, for the report), `client` (the reqwest client),
//! [`capacity`] (how much work in flight the machine takes).

mod attempt;
pub mod capacity;
mod client;
pub mod deadlines;
mod failure;
pub mod guard;
pub mod politeness;
mod retry;

pub use deadlines::Deadline;
pub use guard::GuardPolicy;
pub use politeness::{HostGate, group_by_host, host_key, spread_by_host};
pub use retry::parse_retry_after;

use bytes::Bytes;
use failure::{AttemptError, Cause, Progress};
use politeness::{HostTurn, TurnRefused};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

/// Fetcher settings; defaults are sane for production (and strict: no private addresses).
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Sent with every request: identifies the product and where to learn about it.
    pub user_agent: String,
    /// Bound on establishing a connection (TCP and TLS): a host that does not take it.
    pub connect_timeout: Duration,
    /// Bound from sending a request (connecting included) to its status line and headers: a host
    /// that takes the connection and never answers.
    pub first_byte_timeout: Duration,
    /// Longest silence while a body is arriving: a body that stalls. A slow body that keeps
    /// coming is not cut by it.
    pub idle_timeout: Duration,
    /// Bound on one response as a whole, from sending the request to the body's last byte (each
    /// redirect hop has its own, started once the hop has its host's turn).
    pub request_timeout: Duration,
    /// Bound on one source, all attempts, backoffs and redirects included (and its article
    /// pages, which share it). It starts when the source's first request is sent: time spent
    /// queued behind other sources of the same host does not count (the run's deadline bounds
    /// that). A timed-out attempt is retried at most once, and only when another whole attempt
    /// (`request_timeout`) still fits in it.
    pub source_deadline: Duration,
    /// Response bodies (decoded) larger than this are abandoned while streaming.
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Attempts per URL (1 = no retry).
    pub max_attempts: u32,
    /// First backoff delay; doubled at each further attempt, plus up to 50% jitter.
    pub retry_base_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one fails the source at once instead of stalling the
    /// run (and keeps the whole host away for the time asked).
    pub max_retry_after: Duration,
    /// Default minimum interval between two requests to the same host (sources can override it).
    pub min_host_interval: Duration,
    /// Allow loopback / private / link-local targets (tests against a local web only).
    pub allow_private_networks: bool,
    /// Exact `ip:port` pairs exempt from the guard when written as IP literals in URLs, although
    /// private: lets tests run a local web *with the guard on*. Empty in production.
    pub allowed_private_addrs: Vec<SocketAddr>,
    /// Fixed addresses for host names, consulted before DNS (like curl's `--resolve`). The guard
    /// applies to them as to any DNS answer.
    pub resolve: Vec<(String, IpAddr)>,
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            user_agent: format!(
                "vectora-inbox/{} (+https://github.com/vectora/vectora-inbox; news ingestion bot)",
                env!("CARGO_PKG_VERSION")
            ),
            connect_timeout: Duration::from_secs(5),
            first_byte_timeout: Duration::from_secs(8),
            idle_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            source_deadline: Duration::from_secs(90),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            max_attempts: 3,
            retry_base_delay: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
            min_host_interval: Duration::from_millis(1000),
            allow_private_networks: false,
            allowed_private_addrs: Vec::new(),
            resolve: Vec::new(),
        }
    }
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// 2xx, or 304 when a conditional request found nothing new (then `body` is empty).
    pub status: u16,
    /// Where the body came from, after redirects.
    pub final_url: Url,
    pub content_type: Option<String>,
    pub body: Bytes,
    pub attempts: u32,
    /// 429 answers received (and waited out) before this one.
    pub throttled: u32,
    /// Validators to send next time (on a 304: the server's, or else the ones sent).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Every `Link` header value (RFC 8288), in order: API providers announce their next page
    /// there.
    pub links: Vec<String>,
    /// When the first request was sent: the start of the source's budget, which follow-up
    /// requests of the same source share ([`FetchOptions::source_started`]).
    pub started: Instant,
}

impl Fetched {
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchErrorKind {
    /// A non-2xx answer, too many redirects, or a host that asked us to stay away (`Retry-After`).
    Http,
    /// No (complete) answer before the request timeout or the source's / run's deadline.
    Timeout,
    /// The body passed the cap.
    TooLarge,
    /// Refused by the address guard.
    Blocked,
    /// Connection, TLS, DNS, protocol or decoding failure.
    Connect,
}

/// A failed fetch, with what the last attempt got before failing.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct FetchError {
    pub kind: FetchErrorKind,
    pub message: String,
    /// Status of the last response received, if any (e.g. 503, or 200 for a body that stalled).
    pub http_status: Option<u16>,
    /// Requests sent (redirect hops not counted separately).
    pub attempts: u32,
    /// Body bytes received in the last attempt (for `too_large`: read before aborting).
    pub bytes: u64,
    /// The start (64 KiB at most) of the last error answer's body: API providers explain there
    /// why they refused a query.
    pub body: Option<Bytes>,
    /// 429 answers received, the last one included.
    pub throttled: u32,
    /// For a timeout, the deadline that ended the fetch.
    pub deadline: Option<Deadline>,
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
    /// Another request to the same host follows soon (the next article of a source, the next
    /// source of the host): keep the connection for it. Otherwise it is closed after the answer,
    /// so that idle connections do not pile up over a run of many hosts.
    pub keep_alive: bool,
    /// A follow-up of a source whose first request was sent then ([`Fetched::started`]): it
    /// shares that source's budget instead of starting its own.
    pub source_started: Option<Instant>,
}

/// The HTTP fetcher, built once and shared by every source of a run (and across warm Lambda
/// invocations).
#[derive(Clone)]
pub struct Fetcher {
    settings: Arc<FetchSettings>,
    client: reqwest::Client,
    insecure_client: reqwest::Client,
    gate: Arc<HostGate>,
    guard: GuardPolicy,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("settings", &self.settings)
            .finish()
    }
}

impl Fetcher {
    pub fn new(settings: FetchSettings) -> Result<Fetcher, String> {
        let client = client::build(&settings, false)?;
        let insecure_client = client::build(&settings, true)?;
        let guard = GuardPolicy {
            allow_private: settings.allow_private_networks,
            allowed_addrs: settings.allowed_private_addrs.clone(),
        };
        Ok(Fetcher {
            settings: Arc::new(settings),
            client,
            insecure_client,
            gate: Arc::new(HostGate::default()),
            guard,
        })
    }

    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    pub fn guard(&self) -> &GuardPolicy {
        &self.guard
    }

    /// GETs a URL with politeness, retries, deadlines and limits.
    ///
    /// The source deadline starts with the first request (or at `opts.source_started`);
    /// `opts.deadline` (the run's) bounds everything, queueing included. Statuses 408, 429 and
    /// 5xx, timeouts and connection failures are retried up to `max_attempts` with exponential
    /// backoff and jitter, or after the server's `Retry-After` — which also keeps every other
    /// request away from that host until then. A timed-out attempt is retried at most once, and
    /// only when a whole further attempt fits in the source's budget. A `Retry-After` past
    /// `max_retry_after` or past the deadline fails the source at once.
    pub async fn fetch(&self, url: &Url, opts: &FetchOptions) -> Result<Fetched, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            let message = format!(
                "unsupported URL scheme `{}` (http and https only)",
                url.scheme()
            );
            return Err(Progress::default().into_error(
                AttemptError::new(Cause::Connect, message),
                0,
                0,
            ));
        }
        if let Err(b) = self.guard.check_url(url) {
            return Err(Progress::default().into_error(
                AttemptError::new(Cause::Blocked, b.to_string()),
                0,
                0,
            ));
        }
        let host = host_key(url);
        let interval = opts.min_interval.unwrap_or(self.settings.min_host_interval);
        let mut started = opts.source_started;
        let mut budget = Budget {
            run: opts.deadline,
            source: started.map(|s| s + self.settings.source_deadline),
        };
        let mut tally = Tally::default();
        loop {
            let turn = match self.turn(&host, interval, &budget).await {
                Ok(t) => t,
                Err(e) => return Err(tally.into_error(e)),
            };
            let source_start = *started.get_or_insert_with(Instant::now);
            budget.source = Some(source_start + self.settings.source_deadline);
            tally.attempts += 1;
            let (failure, progress) = match self.attempt(url, opts, turn, &budget).await {
                Ok(mut fetched) => {
                    fetched.attempts = tally.attempts;
                    fetched.throttled = tally.throttled;
                    fetched.started = source_start;
                    return Ok(fetched);
                }
                Err(failed) => failed,
            };
            tally.last = progress;
            tally.throttled += u32::from(tally.last.http_status == Some(429));
            tally.timeouts += u32::from(failure.cause == Cause::Timeout);
            if matches!(failure.deadline, Some(Deadline::Source | Deadline::Run)) {
                // Nothing is left to retry with.
                return Err(tally.into_error(failure));
            }
            match self.plan_retry(&host, failure, &tally, &budget) {
                Ok(delay) => tokio::time::sleep(delay).await,
                Err(e) => return Err(tally.into_error(e)),
            }
        }
    }

    /// One attempt within the budget; a failure comes with what the attempt received before it.
    async fn attempt(
        &self,
        url: &Url,
        opts: &FetchOptions,
        turn: HostTurn,
        budget: &Budget,
    ) -> Result<Fetched, (AttemptError, Progress)> {
        let client = if opts.insecure_tls {
            &self.insecure_client
        } else {
            &self.client
        };
        let (end, which) = budget.earliest();
        let mut progress = Progress::default();
        let run = attempt::run(self, client, url, opts, turn, (end, which), &mut progress);
        match tokio::time::timeout_at(end, run).await {
            Ok(Ok(fetched)) => Ok(fetched),
            Ok(Err(e)) => Err((e, progress)),
            Err(_) => {
                let e = self.deadline_passed(which, &progress);
                Err((e, progress))
            }
        }
    }

    /// The error of an attempt cut by the source's or the run's deadline.
    fn deadline_passed(&self, which: Deadline, progress: &Progress) -> AttemptError {
        let during = match progress.http_status {
            Some(s) => format!(
                " while reading the body (HTTP {s}, {} bytes so far)",
                progress.bytes
            ),
            None => " waiting for an answer".to_string(),
        };
        let message = match which {
            Deadline::Run => format!("the run's deadline was reached{during}"),
            _ => format!(
                "the source's deadline ({}) was reached{during}",
                deadlines::shown(self.settings.source_deadline)
            ),
        };
        AttemptError::timeout(which, message)
    }

    /// After a failed attempt: throttles the host when the server asked, then returns the delay
    /// before the next attempt, or the error to report.
    fn plan_retry(
        &self,
        host: &str,
        failure: AttemptError,
        tally: &Tally,
        budget: &Budget,
    ) -> Result<Duration, AttemptError> {
        let now = Instant::now();
        let last = &tally.last;
        let attempts = tally.attempts;
        let throttled = last.http_status.is_some_and(retry::is_throttling_status);
        let backoff = retry::backoff(self.settings.retry_base_delay, attempts);
        if let Some(ra) = failure.retry_after {
            self.gate.defer(host, now + ra);
        } else if last.http_status == Some(429) {
            self.gate.defer(host, now + backoff);
        }
        if !failure.retryable(last.http_status) {
            return Err(failure);
        }
        let timed_out = failure.cause == Cause::Timeout;
        if attempts >= self.settings.max_attempts || (timed_out && tally.timeouts >= 2) {
            let message = if attempts > 1 {
                format!("{} (after {attempts} attempts)", failure.message)
            } else {
                failure.message.clone()
            };
            return Err(AttemptError { message, ..failure });
        }
        if let Some(ra) = failure.retry_after.filter(|_| throttled)
            && ra > self.settings.max_retry_after
        {
            let message = format!(
                "{}: the server asked to retry after {} s, longer than the {} s this fetcher waits",
                failure.message,
                ra.as_secs(),
                self.settings.max_retry_after.as_secs()
            );
            return Err(AttemptError { message, ..failure });
        }
        let delay = failure.retry_after.unwrap_or(backoff);
        // A timeout is retried only when a whole attempt still fits: a second hang must not
        // run into the budget and leave nothing but a deadline error.
        let needed = if timed_out {
            delay + self.settings.request_timeout
        } else {
            delay
        };
        let (end, _) = budget.earliest();
        if now + needed >= end {
            let left = end.saturating_duration_since(now);
            let message = if timed_out {
                format!(
                    "{} (attempt {attempts}; not retried: another attempt of up to {} does not fit in the {} left of the budget)",
                    failure.message,
                    deadlines::shown(self.settings.request_timeout),
                    deadlines::shown(left)
                )
            } else {
                format!(
                    "{} (attempt {attempts}; no time left for a retry in {} ms before the deadline)",
                    failure.message,
                    delay.as_millis()
                )
            };
            return Err(AttemptError { message, ..failure });
        }
        tracing::debug!(host, attempt = attempts, delay_ms = delay.as_millis() as u64, error = %failure.message, "retrying");
        Ok(delay)
    }

    /// The first hop's turn on its host, bounded by `limit`; a host that asked us to stay away
    /// longer than we would wait is refused at once.
    async fn turn(
        &self,
        host: &str,
        interval: Duration,
        budget: &Budget,
    ) -> Result<HostTurn, AttemptError> {
        let longest_wait = Instant::now() + self.settings.max_retry_after.max(interval);
        let limit = budget.limit();
        self.gate
            .turn(host, interval, limit.map(|(at, _)| at), longest_wait)
            .await
            .map_err(|refused| refusal(host, refused, limit.map(|(_, which)| which)))
    }

    /// The turn of a redirect hop, within the attempt's deadline (`which` names it).
    async fn hop_turn(
        &self,
        url: &Url,
        interval: Duration,
        (deadline, which): (Instant, Deadline),
    ) -> Result<HostTurn, AttemptError> {
        let host = host_key(url);
        self.gate
            .turn(&host, interval, Some(deadline), deadline)
            .await
            .map_err(|refused| refusal(&host, refused, Some(which)))
    }
}

/// The deadlines over every attempt of one fetch: the run's, and the source's once it started.
#[derive(Debug, Clone, Copy)]
struct Budget {
    run: Option<Instant>,
    source: Option<Instant>,
}

impl Budget {
    /// The earliest of the two, and which it is; `None` before the source started without a
    /// run deadline.
    fn limit(&self) -> Option<(Instant, Deadline)> {
        match (self.run, self.source) {
            (Some(r), Some(s)) if r <= s => Some((r, Deadline::Run)),
            (_, Some(s)) => Some((s, Deadline::Source)),
            (Some(r), None) => Some((r, Deadline::Run)),
            (None, None) => None,
        }
    }

    /// [`Budget::limit`] once the source has started (its deadline is then always set).
    fn earliest(&self) -> (Instant, Deadline) {
        self.limit()
            .unwrap_or_else(|| (Instant::now(), Deadline::Source))
    }
}

/// What the attempts of one fetch came to so far.
#[derive(Debug, Default)]
struct Tally {
    attempts: u32,
    throttled: u32,
    timeouts: u32,
    /// What the last failed attempt received.
    last: Progress,
}

impl Tally {
    fn into_error(self, e: AttemptError) -> FetchError {
        self.last.into_error(e, self.attempts, self.throttled)
    }
}

fn refusal(host: &str, refused: TurnRefused, limit: Option<Deadline>) -> AttemptError {
    let secs = |t: Instant| {
        t.saturating_duration_since(Instant::now())
            .as_secs_f64()
            .ceil()
    };
    match refused {
        TurnRefused::Throttled(until) => AttemptError::new(
            Cause::Status,
            format!(
                "not requested: {host} asked for no requests for another {} s (Retry-After or 429)",
                secs(until)
            ),
        ),
        TurnRefused::NotBefore(at) => AttemptError {
            deadline: limit,
            ..AttemptError::new(
                Cause::Timeout,
                format!(
                    "deadline reached: the next turn on {host} comes in {} s, after the deadline",
                    secs(at)
                ),
            )
        },
        TurnRefused::QueuedPastLimit => AttemptError {
            deadline: limit,
            ..AttemptError::new(
                Cause::Timeout,
                format!("deadline reached while queued behind other requests to {host}"),
            )
        },
    }
}
