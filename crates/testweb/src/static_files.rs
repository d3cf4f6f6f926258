//! Fixture sites served from a directory: `<sites>/<site>/<path>`.
//!
//! Fixture pages contain `{{site}}` where a real page would have its own absolute origin (WordPress
//! writes absolute links everywhere) and `{{base}}` for the test web's own origin; both are substituted at
//! serve time, so the same files work whether a site is mounted under `/sites/<site>` or at the root of
//! its own port.
//!
//! Query strings matter on old boards (`news_view.php?idx=412`): a request with query `q` for a path
//! that resolves to file `F` is served from `F@q` when that file exists (content type still from `F`),
//! otherwise from `F`.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

use crate::conditional::{Cacheable, respond};

/// Absolute URLs substituted into fixture text.
#[derive(Debug, Clone)]
pub struct SiteUrls {
    /// Origin (plus mount prefix) of the site, no trailing slash: `http://127.0.0.1:P/sites/camurus`.
    pub site: String,
    /// Origin of the listener, no trailing slash: `http://127.0.0.1:P`.
    pub base: String,
}

/// Files tried, in order, when a path names a directory.
const INDEX_FILES: &[&str] = &["index.html", "index.xml", "index.rss", "index.php"];

/// The media type for a file name, from its extension. Text types carry `charset=utf-8` because fixture
/// files are UTF-8; the Windows-1252 fault strips it.
pub fn content_type_for(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" | "php" => "text/html; charset=utf-8",
        "xml" | "rss" => "application/rss+xml; charset=utf-8",
        "atom" => "application/atom+xml; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.contains("xml")
        || content_type.contains("json")
}

/// Maps a URL path inside a site to a file, refusing anything that could leave the site directory.
fn resolve(site_root: &Path, rel_path: &str) -> Option<PathBuf> {
    let mut path = site_root.to_path_buf();
    for segment in rel_path.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('.') || segment.contains('\\') || segment.contains('\0') {
            return None;
        }
        path.push(segment);
    }
    if path.is_dir() {
        INDEX_FILES
            .iter()
            .map(|name| path.join(name))
            .find(|candidate| candidate.is_file())
    } else if path.is_file() {
        Some(path)
    } else {
        None
    }
}

/// The file serving `rel_path?query` and the file its content type comes from: the `F@query` variant of
/// the resolved file `F` when it exists, else `F` itself. The base file must exist (like a board's view
/// script, which exists whatever the query).
fn resolve_with_query(
    site_root: &Path,
    rel_path: &str,
    query: Option<&str>,
) -> Option<(PathBuf, PathBuf)> {
    let base = resolve(site_root, rel_path)?;
    let variant = query
        .filter(|q| !q.is_empty() && !q.contains(['/', '\\', '\0']))
        .and_then(|q| {
            let name = base.file_name()?.to_str()?;
            Some(base.with_file_name(format!("{name}@{q}")))
        })
        .filter(|variant| variant.is_file());
    Some((variant.unwrap_or_else(|| base.clone()), base))
}

/// Serves one fixture file, with validators and 304 support.
pub async fn serve(
    site_root: &Path,
    rel_path: &str,
    query: Option<&str>,
    urls: &SiteUrls,
    request_headers: &HeaderMap,
) -> Response {
    let Some((file, named)) = resolve_with_query(site_root, rel_path, query) else {
        return not_found();
    };
    let (bytes, modified) = match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let modified = tokio::fs::metadata(&file)
                .await
                .ok()
                .and_then(|m| m.modified().ok());
            (bytes, modified)
        }
        Err(_) => return not_found(),
    };
    let content_type = content_type_for(&named);
    let body = if is_text(content_type) {
        match String::from_utf8(bytes) {
            Ok(text) => Bytes::from(
                text.replace("{{site}}", &urls.site)
                    .replace("{{base}}", &urls.base),
            ),
            Err(error) => Bytes::from(error.into_bytes()),
        }
    } else {
        Bytes::from(bytes)
    };
    respond(
        request_headers,
        Cacheable {
            body,
            content_type,
            last_modified: modified,
        },
    )
}

/// The names of the site directories under `sites_dir`, sorted.
pub fn list_sites(sites_dir: &Path) -> Vec<String> {
    let mut sites: Vec<String> = std::fs::read_dir(sites_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|name| !name.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    sites.sort();
    sites
}

pub fn not_found() -> Response {
    let mut response = Response::new(Body::from(
        "<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>",
    ));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
