//! One attempt at a URL: the request, the redirects it leads to (each hop checked by the guard and
//! sent in its host's turn), and the body, read as a stream and abandoned as soon as it passes the
//! cap or stalls.

use super::deadlines::{Deadline, shown};
use super::failure::{AttemptError, Cause, Progress, classify, status_text};
use super::politeness::HostTurn;
use super::{FetchOptions, FetchSettings, Fetched, Fetcher};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use reqwest::header::{self, HeaderName};
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

/// Bytes of an error page read (and counted) before giving up on it; enough for any real one.
const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// Longest time spent reading an error page: its status is known, its text matters little.
const ERROR_BODY_TIME: Duration = Duration::from_secs(2);

/// One attempt, whose first hop is sent in `turn`. `progress` records the last response seen.
/// The connect, first-byte, idle and response deadlines are enforced here, per hop (a hop's
/// response deadline starts once it has its host's turn); the source's and the run's by the
/// caller, around the whole attempt.
pub(super) async fn run(
    fetcher: &Fetcher,
    client: &reqwest::Client,
    url: &Url,
    opts: &FetchOptions,
    turn: HostTurn,
    deadline: (Instant, Deadline),
    progress: &mut Progress,
) -> Result<Fetched, AttemptError> {
    let settings = fetcher.settings();
    let interval = opts.min_interval.unwrap_or(settings.min_host_interval);
    let mut current = url.clone();
    let mut turn = Some(turn);
    let mut hops = 0usize;
    loop {
        // The host's turn is held until the hop's body is read.
        let _turn = match turn.take() {
            Some(t) => t,
            None => fetcher.hop_turn(&current, interval, deadline).await?,
        };
        let hop = one_hop(fetcher, client, &current, opts, hops, progress);
        let answer = match tokio::time::timeout(settings.request_timeout, hop).await {
            Ok(answer) => answer,
            Err(_) => Err(response_deadline(settings, progress)),
        };
        match answer.map_err(|mut failure| {
            if hops > 0 {
                failure.message =
                    format!("{} (after {hops} redirect(s) from {url})", failure.message);
            }
            failure
        })? {
            Hop::Redirect(next) => {
                hops += 1;
                current = next;
            }
            Hop::Final(fetched) => return Ok(fetched),
        }
    }
}

/// Where one hop led.
enum Hop {
    Redirect(Url),
    Final(Fetched),
}

/// One request of an attempt and its answer: a redirect to follow, or the final response.
async fn one_hop(
    fetcher: &Fetcher,
    client: &reqwest::Client,
    current: &Url,
    opts: &FetchOptions,
    hops: usize,
    progress: &mut Progress,
) -> Result<Hop, AttemptError> {
    let settings = fetcher.settings();
    let resp = send(settings, client, current, opts).await?;
    *progress = Progress {
        http_status: Some(resp.status().as_u16()),
        ..Progress::default()
    };
    if let Some(next) = redirect_target(fetcher, &resp, current, hops)? {
        return Ok(Hop::Redirect(next));
    }
    finish(settings, resp, current.clone(), opts, hops, progress)
        .await
        .map(Hop::Final)
}

/// The error of a hop cut by the response deadline.
fn response_deadline(settings: &FetchSettings, progress: &Progress) -> AttemptError {
    let limit = shown(settings.request_timeout);
    let message = match progress.http_status {
        Some(s) => format!(
            "the response took longer than {limit} (response deadline) while reading the body (HTTP {s}, {} bytes so far)",
            progress.bytes
        ),
        None => format!("no answer within {limit} (response deadline)"),
    };
    AttemptError::timeout(Deadline::Response, message)
}

/// Sends one request and waits for its status line and headers, within the first-byte deadline
/// (the connect deadline is the client's own).
async fn send(
    settings: &FetchSettings,
    client: &reqwest::Client,
    url: &Url,
    opts: &FetchOptions,
) -> Result<reqwest::Response, AttemptError> {
    let limit = settings.first_byte_timeout;
    match tokio::time::timeout(limit, request(client, url, opts).send()).await {
        Ok(Ok(resp)) => Ok(resp),
        Ok(Err(e)) => Err(classify(&e, settings.connect_timeout)),
        Err(_) => Err(AttemptError::timeout(
            Deadline::FirstByte,
            format!(
                "no answer from {} within {} of the request (first-byte deadline)",
                url.host_str().unwrap_or("the host"),
                shown(limit)
            ),
        )),
    }
}

/// Where a redirect leads, checked by the guard; `None` when the response is not a redirect.
fn redirect_target(
    fetcher: &Fetcher,
    resp: &reqwest::Response,
    current: &Url,
    hops: usize,
) -> Result<Option<Url>, AttemptError> {
    let status = resp.status().as_u16();
    let location = match resp.headers().get(header::LOCATION) {
        Some(l) if resp.status().is_redirection() => l.to_str().unwrap_or_default().to_string(),
        _ => return Ok(None),
    };
    let max = fetcher.settings().max_redirects;
    if hops >= max {
        return Err(AttemptError::new(
            Cause::Redirect,
            format!("more than {max} redirects (the last to {location}): a redirect loop?"),
        ));
    }
    let next = current
        .join(&location)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| {
            AttemptError::new(
                Cause::Redirect,
                format!(
                    "{} redirect to an unusable location {location:?}",
                    status_text(status)
                ),
            )
        })?;
    fetcher.guard().check_url(&next).map_err(|b| {
        AttemptError::new(
            Cause::Blocked,
            format!("redirect from {current} refused: {b}"),
        )
    })?;
    Ok(Some(next))
}

/// The final response of an attempt: a 304, an error answer, or a body read within the cap.
async fn finish(
    settings: &FetchSettings,
    resp: reqwest::Response,
    current: Url,
    opts: &FetchOptions,
    hops: usize,
    progress: &mut Progress,
) -> Result<Fetched, AttemptError> {
    let status = resp.status().as_u16();
    let text_header = |name: HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = text_header(header::ETAG);
    let last_modified = text_header(header::LAST_MODIFIED);
    let content_type = text_header(header::CONTENT_TYPE);
    let links: Vec<String> = resp
        .headers()
        .get_all(header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let fetched = |body: Bytes, content_type, etag, last_modified, links| Fetched {
        status,
        final_url: current.clone(),
        content_type,
        body,
        attempts: 0,
        throttled: 0,
        etag,
        last_modified,
        links,
        started: Instant::now(),
    };
    if status == 304 && (opts.etag.is_some() || opts.last_modified.is_some()) {
        return Ok(fetched(
            Bytes::new(),
            None,
            etag.or_else(|| opts.etag.clone()),
            last_modified.or_else(|| opts.last_modified.clone()),
            Vec::new(),
        ));
    }
    if !resp.status().is_success() {
        let retry_after = super::retry::is_throttling_status(status)
            .then(|| text_header(header::RETRY_AFTER))
            .flatten()
            .and_then(|v| super::retry::parse_retry_after(&v));
        let page = drain(resp).await;
        progress.bytes = page.len() as u64;
        progress.error_body = Some(page);
        let via = if hops > 0 {
            format!(" (at {current}, after {hops} redirect(s))")
        } else {
            String::new()
        };
        return Err(AttemptError {
            retry_after,
            ..AttemptError::new(Cause::Status, format!("{}{via}", status_text(status)))
        });
    }
    let cap = settings.max_body_bytes;
    if let Some(len) = resp.content_length()
        && len > cap as u64
    {
        return Err(AttemptError::new(
            Cause::TooLarge,
            format!(
                "response body of {len} bytes (Content-Length) is larger than the {cap}-byte cap"
            ),
        ));
    }
    let body = read_capped(resp, settings, progress).await?;
    Ok(fetched(body, content_type, etag, last_modified, links))
}

fn request(client: &reqwest::Client, url: &Url, opts: &FetchOptions) -> reqwest::RequestBuilder {
    let mut req = client.get(url.clone());
    if !opts.keep_alive {
        // Nothing else is coming for this host soon: the connection is closed after the answer
        // instead of waiting idle in the pool, so open sockets stay bounded by the requests in
        // flight (and file descriptors with them) however many hosts a run reaches.
        req = req.header(header::CONNECTION, "close");
    }
    if let Some(e) = &opts.etag {
        req = req.header(header::IF_NONE_MATCH, e);
    }
    if let Some(lm) = &opts.last_modified {
        req = req.header(header::IF_MODIFIED_SINCE, lm);
    }
    req
}

/// Reads the (decoded) body, failing as soon as it passes the cap, or when nothing arrives for
/// the idle deadline (a slow body that keeps coming is not cut here).
async fn read_capped(
    resp: reqwest::Response,
    settings: &FetchSettings,
    progress: &mut Progress,
) -> Result<Bytes, AttemptError> {
    let cap = settings.max_body_bytes;
    let idle = settings.idle_timeout;
    let mut body = BytesMut::new();
    let mut stream = resp.bytes_stream();
    loop {
        let Ok(next) = tokio::time::timeout(idle, stream.next()).await else {
            return Err(AttemptError::timeout(
                Deadline::Idle,
                format!(
                    "the body stalled: nothing received for {} after {} bytes (idle deadline)",
                    shown(idle),
                    progress.bytes
                ),
            ));
        };
        let Some(chunk) = next else {
            return Ok(body.freeze());
        };
        let chunk = chunk.map_err(|e| classify(&e, settings.connect_timeout))?;
        progress.bytes += chunk.len() as u64;
        if body.len() + chunk.len() > cap {
            return Err(AttemptError::new(
                Cause::TooLarge,
                format!(
                    "response body larger than the {cap}-byte cap (aborted after {} bytes)",
                    progress.bytes
                ),
            ));
        }
        body.extend_from_slice(&chunk);
    }
}

/// Reads an error page, bounded in size and time; read errors don't matter here. Kept, since API
/// providers explain a refused query in it.
async fn drain(resp: reqwest::Response) -> Bytes {
    let mut page = BytesMut::new();
    let mut stream = resp.bytes_stream();
    let _ = tokio::time::timeout(ERROR_BODY_TIME, async {
        while let Some(Ok(chunk)) = stream.next().await {
            let room = ERROR_BODY_LIMIT.saturating_sub(page.len());
            page.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if page.len() >= ERROR_BODY_LIMIT {
                break;
            }
        }
    })
    .await;
    page.freeze()
}
