//! One attempt at a URL: the request, the redirects it leads to (each hop checked by the guard and
//! sent in its host's turn), and the body, read as a stream and abandoned as soon as it passes the
//! cap.

use super::failure::{AttemptError, Cause, Progress, classify, status_text};
use super::politeness::HostTurn;
use super::{FetchOptions, Fetched, Fetcher};
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
pub(super) async fn run(
    fetcher: &Fetcher,
    client: &reqwest::Client,
    url: &Url,
    opts: &FetchOptions,
    turn: HostTurn,
    deadline: Instant,
    progress: &mut Progress,
) -> Result<Fetched, AttemptError> {
    let settings = fetcher.settings();
    let interval = opts.min_interval.unwrap_or(settings.min_host_interval);
    let mut current = url.clone();
    let mut turn = Some(turn);
    let mut hops = 0usize;
    loop {
        let _turn = match turn.take() {
            Some(t) => t,
            None => fetcher.hop_turn(&current, interval, deadline).await?,
        };
        let resp = request(client, &current, opts).send().await.map_err(|e| {
            let mut failure = classify(&e);
            if hops > 0 {
                failure.message =
                    format!("{} (after {hops} redirect(s) from {url})", failure.message);
            }
            failure
        })?;
        let status = resp.status().as_u16();
        *progress = Progress {
            http_status: Some(status),
            ..Progress::default()
        };

        if resp.status().is_redirection()
            && let Some(location) = resp.headers().get(header::LOCATION)
        {
            let location = location.to_str().unwrap_or_default().to_string();
            if hops >= settings.max_redirects {
                return Err(AttemptError::new(
                    Cause::Redirect,
                    format!(
                        "more than {} redirects (the last to {location}): a redirect loop?",
                        settings.max_redirects
                    ),
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
            hops += 1;
            current = next;
            continue;
        }

        let text_header = |name: HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = text_header(header::ETAG);
        let last_modified = text_header(header::LAST_MODIFIED);
        if status == 304 && (opts.etag.is_some() || opts.last_modified.is_some()) {
            return Ok(Fetched {
                status,
                final_url: current,
                content_type: None,
                body: Bytes::new(),
                attempts: 0,
                throttled: 0,
                etag: etag.or_else(|| opts.etag.clone()),
                last_modified: last_modified.or_else(|| opts.last_modified.clone()),
                links: Vec::new(),
            });
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

        let content_type = text_header(header::CONTENT_TYPE);
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
        let links = resp
            .headers()
            .get_all(header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let body = read_capped(resp, cap, progress).await?;
        return Ok(Fetched {
            status,
            final_url: current,
            content_type,
            body,
            attempts: 0,
            throttled: 0,
            etag,
            last_modified,
            links,
        });
    }
}

fn request(client: &reqwest::Client, url: &Url, opts: &FetchOptions) -> reqwest::RequestBuilder {
    let mut req = client.get(url.clone());
    if let Some(e) = &opts.etag {
        req = req.header(header::IF_NONE_MATCH, e);
    }
    if let Some(lm) = &opts.last_modified {
        req = req.header(header::IF_MODIFIED_SINCE, lm);
    }
    req
}

/// Reads the (decoded) body, failing as soon as it passes `cap` bytes.
async fn read_capped(
    resp: reqwest::Response,
    cap: usize,
    progress: &mut Progress,
) -> Result<Bytes, AttemptError> {
    let mut body = BytesMut::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            let mut failure = classify(&e);
            if failure.cause == Cause::Timeout {
                failure.message = format!(
                    "the body did not arrive in time ({} bytes received)",
                    progress.bytes
                );
            }
            failure
        })?;
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
    Ok(body.freeze())
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
