//! Validators (ETag, Last-Modified) and `304 Not Modified` for everything the test web serves from
//! content: fixture files and synthetic pages.
//!
//! The engine keeps conditional-GET state between runs; these responses let tests check that a second
//! run sends `If-None-Match` / `If-Modified-Since` and handles the 304.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

use crate::encoding::Compressible;

/// A complete body with what is needed to validate it.
pub struct Cacheable {
    pub body: Bytes,
    pub content_type: &'static str,
    /// `None` when the content has no meaningful modification time.
    pub last_modified: Option<SystemTime>,
}

/// The strong entity tag of a body: FNV-1a, stable across processes and Rust versions so a tag stored by
/// one test run still matches in the next.
pub fn etag_of(body: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{hash:016x}\"")
}

/// Answers with 200 and the body, or 304 when the request's validators match.
pub fn respond(request_headers: &HeaderMap, content: Cacheable) -> Response {
    let etag = etag_of(&content.body);
    let last_modified = content.last_modified.map(truncate_to_seconds);
    let not_modified = match request_headers.get(header::IF_NONE_MATCH) {
        // RFC 9110 13.1.3: If-None-Match takes precedence; If-Modified-Since is then ignored.
        Some(value) => if_none_match_matches(value, &etag),
        None => match (
            request_headers.get(header::IF_MODIFIED_SINCE),
            last_modified,
        ) {
            (Some(value), Some(modified)) => value
                .to_str()
                .ok()
                .and_then(|s| httpdate::parse_http_date(s).ok())
                .is_some_and(|since| modified <= since),
            _ => false,
        },
    };

    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::VARY, "Accept-Encoding");
    if let Some(modified) = last_modified {
        builder = builder.header(header::LAST_MODIFIED, httpdate::fmt_http_date(modified));
    }
    let response = if not_modified {
        builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        builder
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, content.content_type)
            .extension(Compressible)
            .body(Body::from(content.body))
    };
    response.unwrap_or_else(|_| internal_error())
}

fn if_none_match_matches(value: &HeaderValue, etag: &str) -> bool {
    let Ok(text) = value.to_str() else {
        return false;
    };
    text.split(',').map(str::trim).any(|candidate| {
        // Weak comparison (RFC 9110 8.8.3.2) is what If-None-Match uses.
        candidate == "*" || candidate.trim_start_matches("W/") == etag
    })
}

/// HTTP dates have one-second resolution; comparing sub-second file times would never match.
fn truncate_to_seconds(time: SystemTime) -> SystemTime {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A 500 for the unreachable case where a response with valid static headers fails to build.
pub fn internal_error() -> Response {
    let mut response = Response::new(Body::from("internal error"));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}
