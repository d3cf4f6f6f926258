//! Body transformations: content codings (gzip, brotli) and re-encoding text as Windows-1252.
//!
//! Compression is hand-rolled over whole bodies (fixtures are small) so that a fault can force a coding
//! regardless of what the client asked for, and so that streamed fault bodies are never buffered.

use std::io::Write;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::conditional::internal_error;

/// Marker put in a response's extensions by handlers whose body is a small, complete text that may be
/// compressed when the client accepts it.
#[derive(Debug, Clone, Copy)]
pub struct Compressible;

/// A content coding the test web can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentCoding {
    Gzip,
    Brotli,
}

impl ContentCoding {
    /// The `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            ContentCoding::Gzip => "gzip",
            ContentCoding::Brotli => "br",
        }
    }

    /// Compresses a whole body.
    pub fn encode(self, input: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            ContentCoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(input)?;
                encoder.finish()
            }
            ContentCoding::Brotli => {
                let mut out = Vec::new();
                {
                    let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                    writer.write_all(input)?;
                    writer.flush()?;
                }
                Ok(out)
            }
        }
    }
}

/// The coding to use for a client's `Accept-Encoding`, preferring brotli, ignoring codings with `q=0`.
pub fn negotiate(request_headers: &HeaderMap) -> Option<ContentCoding> {
    let accept = request_headers
        .get(header::ACCEPT_ENCODING)?
        .to_str()
        .ok()?;
    let accepted = |token: &str| {
        accept.split(',').any(|part| {
            let mut pieces = part.split(';').map(str::trim);
            let name = pieces.next().unwrap_or_default();
            let refused = pieces.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(token) && !refused
        })
    };
    if accepted("br") {
        Some(ContentCoding::Brotli)
    } else if accepted("gzip") {
        Some(ContentCoding::Gzip)
    } else {
        None
    }
}

/// Upper bound on a body that is buffered to be transformed; fixture bodies are kilobytes.
const TRANSFORM_LIMIT: usize = 64 * 1024 * 1024;

/// Compresses a response's body with `coding` (only 200 responses; others are returned unchanged).
pub async fn compress(response: Response, coding: ContentCoding) -> Response {
    if response.status() != axum::http::StatusCode::OK
        || response.headers().contains_key(header::CONTENT_ENCODING)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, TRANSFORM_LIMIT).await else {
        return internal_error();
    };
    let Ok(encoded) = coding.encode(&bytes) else {
        return internal_error();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static(coding.token()),
    );
    Response::from_parts(parts, Body::from(encoded))
}

/// Re-encodes a text response as Windows-1252 and removes any `charset` parameter, the way many old
/// European sites serve pages: the client has to detect the encoding itself.
pub async fn to_windows_1252(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, TRANSFORM_LIMIT).await else {
        return internal_error();
    };
    let text = String::from_utf8_lossy(&bytes);
    let (encoded, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let media_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| "text/html".to_string());
    if let Ok(value) = HeaderValue::from_str(&media_type) {
        parts.headers.insert(header::CONTENT_TYPE, value);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ETAG);
    parts.extensions.remove::<Compressible>();
    Response::from_parts(parts, Body::from(encoded.into_owned()))
}

/// The page served by `/fault/windows-1252` without a tail: a French newsroom whose accented letters,
/// curly quotes, dashes and euro sign all fall in the range where Windows-1252 differs from Latin-1
/// or UTF-8. No `<meta charset>`, like the old sites it imitates.
pub const WINDOWS_1252_SAMPLE: &str = "<!DOCTYPE html>\n<html lang=\"fr\">\n<head><title>Communiqués de presse – Société Exemple</title></head>\n<body>\n<div class=\"news-list\">\n<div class=\"news-item\">\n<h3><a href=\"/communiques/accord-de-licence/\">Société Exemple signe un accord de licence de 12 M€ pour son injectable à action prolongée</a></h3>\n<span class=\"date\">10 décembre 2025</span>\n<p>« L’accord valide notre plateforme », déclare le directeur général – un jalon clé.</p>\n</div>\n</div>\n</body>\n</html>\n";
