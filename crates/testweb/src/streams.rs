//! Generated, streamed bodies: never stored in memory whole, and able to run forever.
//!
//! Every endless stream ends with an I/O error when the server shuts down, which makes hyper abort the
//! connection; that is what lets a `TestWeb` be dropped while a client is still reading a drip.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::watch;

use crate::conditional::internal_error;

const HTML_PREFIX: &[u8] = b"<!doctype html>\n<html><head><title>Large page</title></head><body>\n";
const FILLER_LINE: &[u8] =
    b"<p>Long-acting injectable formulations release the active ingredient over weeks or months.</p>\n";
const CHUNK_SIZE: usize = 64 * 1024;

/// Resolves when the server is shutting down (or its control channel is gone).
pub(crate) async fn shutdown_signal(mut shutdown: watch::Receiver<bool>) {
    // An Err means the sender was dropped: the server is gone, which is a shutdown too.
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}

fn aborted() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "test web shutting down",
    )
}

/// A 200 HTML body of exactly `total` bytes, produced in 64 KiB chunks. With `declare_length` the size
/// is announced in `Content-Length` (a client can refuse up front); without it the body is chunked and
/// the client has to count.
pub fn large(total: u64, declare_length: bool) -> Response {
    let mut filler = Vec::with_capacity(CHUNK_SIZE);
    while filler.len() < CHUNK_SIZE {
        filler.extend_from_slice(FILLER_LINE);
    }
    filler.truncate(CHUNK_SIZE);
    let filler = Bytes::from(filler);
    let prefix = Bytes::from_static(HTML_PREFIX);

    let stream = futures::stream::unfold(0u64, move |sent| {
        let filler = filler.clone();
        let prefix = prefix.clone();
        async move {
            if sent >= total {
                return None;
            }
            let source = if sent == 0 { prefix } else { filler };
            let take = source
                .len()
                .min(usize::try_from(total - sent).unwrap_or(usize::MAX));
            let chunk = source.slice(..take);
            Some((Ok::<_, std::io::Error>(chunk), sent + take as u64))
        }
    });
    let mut builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8");
    if declare_length {
        builder = builder.header(header::CONTENT_LENGTH, total);
    }
    builder
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| internal_error())
}

/// A 200 body that sends `chunk` bytes every `interval` and never ends.
pub fn drip(chunk: usize, interval: Duration, shutdown: watch::Receiver<bool>) -> Response {
    let piece: Bytes = FILLER_LINE
        .iter()
        .copied()
        .cycle()
        .take(chunk.max(1))
        .collect();
    let stream = futures::stream::unfold(true, move |first| {
        let piece = piece.clone();
        let shutdown = shutdown.clone();
        async move {
            if !first {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = shutdown_signal(shutdown) => return Some((Err(aborted()), false)),
                }
            }
            Some((Ok(piece), false))
        }
    });
    // Stop after the shutdown error: unfold would otherwise be polled again.
    let stream = stream.scan(false, |failed, item: Result<Bytes, std::io::Error>| {
        let done = *failed;
        *failed = item.is_err();
        futures::future::ready(if done { None } else { Some(item) })
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| internal_error())
}

/// Status line and headers, then silence: the body never starts. `Content-Length` is announced so the
/// client waits for bytes that never come.
pub fn stall(status: StatusCode, shutdown: watch::Receiver<bool>) -> Response {
    let stream = futures::stream::once(async move {
        shutdown_signal(shutdown).await;
        Err::<Bytes, _>(aborted())
    });
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10000"));
    response
}

/// The body of `content`, whole (the content is a page of the test web: small).
async fn body_of(content: Response) -> Option<(axum::http::response::Parts, Bytes)> {
    let (parts, body) = content.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024).await.ok()?;
    Some((parts, bytes))
}

/// `content` sent `chunk` bytes every `interval` until complete (uncompressed, its length
/// announced): slow, but never silent for longer than `interval`.
pub async fn trickle(
    content: Response,
    chunk: usize,
    interval: Duration,
    shutdown: watch::Receiver<bool>,
) -> Response {
    let Some((mut parts, bytes)) = body_of(content).await else {
        return internal_error();
    };
    let chunk = chunk.max(1);
    let stream = futures::stream::unfold((0usize, shutdown), move |(sent, shutdown)| {
        let bytes = bytes.clone();
        async move {
            if sent >= bytes.len() {
                return None;
            }
            if sent > 0 {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = shutdown_signal(shutdown.clone()) => return Some((Err(aborted()), (usize::MAX, shutdown))),
                }
            }
            let end = (sent + chunk).min(bytes.len());
            Some((Ok(bytes.slice(sent..end)), (end, shutdown)))
        }
    });
    // Not compressed on the way out (that would buffer it whole).
    parts.extensions = Default::default();
    Response::from_parts(parts, Body::from_stream(stream))
}

/// `content`'s headers (its full length announced) and first `bytes` bytes, then silence until
/// the server stops.
pub async fn stall_after(
    content: Response,
    bytes: u64,
    shutdown: watch::Receiver<bool>,
) -> Response {
    let Some((mut parts, body)) = body_of(content).await else {
        return internal_error();
    };
    let sent = body.slice(..usize::try_from(bytes).unwrap_or(usize::MAX).min(body.len()));
    let head = futures::stream::once(async move { Ok::<_, std::io::Error>(sent) });
    let silence = futures::stream::once(async move {
        shutdown_signal(shutdown).await;
        Err::<Bytes, _>(aborted())
    });
    parts.extensions = Default::default();
    // The whole body is announced (and one more byte, so that even a complete prefix stalls).
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(body.len() as u64 + 1),
    );
    Response::from_parts(parts, Body::from_stream(head.chain(silence)))
}
