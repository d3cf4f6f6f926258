//! Request handling: log, latency, programmed faults, then routing to fault URLs, fixture sites and
//! synthetic sites.
//!
//! Routing is a hand-written match on path prefixes rather than an axum `Router`, because fault URLs nest
//! (`/fault/latency/100/fault/status/500`) and a fault's tail is served by the same dispatcher.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::NaiveDate;
use tokio::sync::watch;

use crate::conditional::{Cacheable, respond};
use crate::encoding::{self, Compressible};
use crate::faults::{self, Fault, FaultTable, UrlFaultCounters, parse_url_fault};
use crate::request_log::RequestLog;
use crate::static_files::{self, SiteUrls};
use crate::streams::{self, shutdown_signal};
use crate::synthetic::{SyntheticSite, escape};

/// State shared by every listener of one test web.
#[derive(Debug)]
pub(crate) struct Shared {
    pub sites_dir: PathBuf,
    pub latency: Duration,
    pub compression: bool,
    pub conditional_get: bool,
    pub seed: u64,
    pub today: NaiveDate,
    pub log: RequestLog,
    pub faults: FaultTable,
    pub url_faults: UrlFaultCounters,
    pub providers: crate::providers::Providers,
    pub shutdown: watch::Receiver<bool>,
}

/// What a listener serves at its root, besides the shared `/sites/`, `/synthetic/` and `/fault/` trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RootContent {
    /// Synthetic site number *i* (`/`, `/news/`, `/feed/`).
    Synthetic(usize),
    /// The fixture site of that name, as if it were its own host.
    Site(String),
}

/// Per-listener handler state.
#[derive(Debug, Clone)]
pub(crate) struct ListenerCtx {
    pub shared: Arc<Shared>,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:port`
    pub base: String,
    pub root: RootContent,
    pub in_flight: Arc<AtomicUsize>,
}

/// Decrements the listener's in-flight count when the handler finishes, however it finishes.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

type BoxResponse<'a> = Pin<Box<dyn Future<Output = Response> + Send + 'a>>;

/// The axum handler for every request on every listener.
pub(crate) async fn handle(State(ctx): State<ListenerCtx>, request: Request) -> Response {
    let in_flight = ctx.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _in_flight = InFlight(ctx.in_flight.clone());
    let (mut parts, _body) = request.into_parts();
    ctx.shared.log.record(
        ctx.addr,
        &parts.method,
        &parts.uri,
        &parts.headers,
        in_flight,
    );
    if !ctx.shared.conditional_get {
        // Logged as sent, then ignored: what a server without conditional GET does.
        parts.headers.remove(header::IF_NONE_MATCH);
        parts.headers.remove(header::IF_MODIFIED_SINCE);
    }

    if !ctx.shared.latency.is_zero() {
        tokio::select! {
            _ = tokio::time::sleep(ctx.shared.latency) => {}
            _ = shutdown_signal(ctx.shared.shutdown.clone()) => return faults::status_page(503),
        }
    }
    if parts.method != Method::GET && parts.method != Method::HEAD {
        let mut response = faults::status_page(405);
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }

    let path = parts.uri.path();
    let query = parts.uri.query();
    let headers = &parts.headers;
    let response = match ctx.shared.faults.fire(path) {
        Some(fault) => {
            let target = match query {
                Some(q) => format!("{path}?{q}"),
                None => path.to_string(),
            };
            apply(&ctx, headers, fault, Some(target)).await
        }
        None => dispatch(&ctx, headers, path, query).await,
    };
    negotiate_compression(&ctx, headers, response).await
}

/// Compresses small text responses when the client accepts it, as real web servers do.
async fn negotiate_compression(
    ctx: &ListenerCtx,
    headers: &HeaderMap,
    response: Response,
) -> Response {
    if !ctx.shared.compression || response.extensions().get::<Compressible>().is_none() {
        return response;
    }
    match encoding::negotiate(headers) {
        Some(coding) => encoding::compress(response, coding).await,
        None => response,
    }
}

/// Serves a path (with optional query) by prefix. Programmed faults are not consulted here: they apply
/// to the request's own path only, so a fault's tail never re-triggers it.
fn dispatch<'a>(
    ctx: &'a ListenerCtx,
    headers: &'a HeaderMap,
    path: &'a str,
    query: Option<&'a str>,
) -> BoxResponse<'a> {
    Box::pin(async move {
        if let Some(rest) = path.strip_prefix("/fault/") {
            return url_fault(ctx, headers, rest, path, query).await;
        }
        if path == "/sites" || path == "/sites/" {
            return sites_index(ctx, headers);
        }
        if let Some(rest) = path.strip_prefix("/sites/") {
            let (site, inner) = match rest.split_once('/') {
                Some((site, inner)) => (site, format!("/{inner}")),
                None => (rest, "/".to_string()),
            };
            return serve_site(
                ctx,
                headers,
                site,
                &inner,
                query,
                &format!("{}/sites/{site}", ctx.base),
            )
            .await;
        }
        if let Some(rest) = path.strip_prefix("/synthetic/") {
            let (number, inner) = match rest.split_once('/') {
                Some((number, inner)) => (number, format!("/{inner}")),
                None => (rest, "/".to_string()),
            };
            return match number.parse::<usize>() {
                Ok(index) => serve_synthetic(
                    ctx,
                    headers,
                    index,
                    &inner,
                    &format!("{}/synthetic/{index}", ctx.base),
                ),
                Err(_) => static_files::not_found(),
            };
        }
        if let Some(answer) = ctx.shared.providers.serve(path, query, &ctx.base) {
            return answer;
        }
        match &ctx.root {
            RootContent::Site(site) => serve_site(ctx, headers, site, path, query, &ctx.base).await,
            RootContent::Synthetic(index) => serve_synthetic(ctx, headers, *index, path, &ctx.base),
        }
    })
}

async fn serve_site(
    ctx: &ListenerCtx,
    headers: &HeaderMap,
    site: &str,
    inner: &str,
    query: Option<&str>,
    site_url: &str,
) -> Response {
    let site_root = ctx.shared.sites_dir.join(site);
    // A site is a folder; anything else (a file beside the sites, "..") is not a site.
    if site.is_empty() || site.starts_with('.') || !site_root.is_dir() {
        return static_files::not_found();
    }
    let urls = SiteUrls {
        site: site_url.to_string(),
        base: ctx.base.clone(),
    };
    static_files::serve(&site_root, inner, query, &urls, headers).await
}

fn serve_synthetic(
    ctx: &ListenerCtx,
    headers: &HeaderMap,
    index: usize,
    inner: &str,
    site_url: &str,
) -> Response {
    let site = SyntheticSite::new(ctx.shared.seed, index, ctx.shared.today);
    let (body, content_type) = match inner.trim_end_matches('/') {
        "" => (site.home_page(site_url), "text/html; charset=utf-8"),
        "/news" => (site.news_page(site_url), "text/html; charset=utf-8"),
        "/news-undated" => (
            site.news_page_undated(site_url, 2),
            "text/html; charset=utf-8",
        ),
        "/feed" => (site.feed(site_url), "application/rss+xml; charset=utf-8"),
        "/feed-truncated" => (
            site.feed_truncated(site_url),
            "application/rss+xml; charset=utf-8",
        ),
        other => match other
            .strip_prefix("/news/")
            .and_then(|slug| site.article_page(slug, site_url))
        {
            Some(page) => (page, "text/html; charset=utf-8"),
            None => return static_files::not_found(),
        },
    };
    let last_modified = ctx.shared.today.and_hms_opt(0, 0, 0).map(|t| {
        std::time::UNIX_EPOCH + Duration::from_secs(t.and_utc().timestamp().max(0) as u64)
    });
    respond(
        headers,
        Cacheable {
            body: body.into(),
            content_type,
            last_modified,
        },
    )
}

/// `/sites/`: links to every fixture site, for people poking at a running server.
fn sites_index(ctx: &ListenerCtx, headers: &HeaderMap) -> Response {
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>vectora-testweb sites</title></head><body><h1>Fixture sites</h1><ul>\n",
    );
    for site in static_files::list_sites(&ctx.shared.sites_dir) {
        let site = escape(&site);
        html.push_str(&format!(
            "<li><a href=\"{}/sites/{site}/\">{site}</a></li>\n",
            ctx.base
        ));
    }
    html.push_str("</ul></body></html>\n");
    respond(
        headers,
        Cacheable {
            body: html.into(),
            content_type: "text/html; charset=utf-8",
            last_modified: None,
        },
    )
}

/// `/fault/...`: parse, count, then either misbehave or serve the tail.
async fn url_fault(
    ctx: &ListenerCtx,
    headers: &HeaderMap,
    rest: &str,
    path: &str,
    query: Option<&str>,
) -> Response {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let parsed = match parse_url_fault(rest, &params) {
        Ok(parsed) => parsed,
        Err(message) => {
            let mut response = Response::new(Body::from(format!("bad fault URL: {message}\n")));
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return response;
        }
    };
    let key = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    if ctx.shared.url_faults.fire(&key, parsed.times) {
        apply(ctx, headers, parsed.fault, parsed.next).await
    } else {
        serve_next(ctx, headers, parsed.next.as_deref()).await
    }
}

/// Serves what comes after a fault: a path (optionally with `?query`), or a small default page.
fn serve_next<'a>(
    ctx: &'a ListenerCtx,
    headers: &'a HeaderMap,
    next: Option<&'a str>,
) -> BoxResponse<'a> {
    Box::pin(async move {
        match next {
            Some(target) => {
                let (path, query) = match target.split_once('?') {
                    Some((path, query)) => (path, Some(query)),
                    None => (target, None),
                };
                dispatch(ctx, headers, path, query).await
            }
            None => respond(
                headers,
                Cacheable {
                    body: "<!doctype html><html><head><title>OK</title></head><body><p>ok</p></body></html>\n".into(),
                    content_type: "text/html; charset=utf-8",
                    last_modified: None,
                },
            ),
        }
    })
}

/// Carries out one fault; `next` is what the fault wraps or gives way to.
async fn apply(
    ctx: &ListenerCtx,
    headers: &HeaderMap,
    fault: Fault,
    next: Option<String>,
) -> Response {
    let shutdown = ctx.shared.shutdown.clone();
    match fault {
        Fault::Status(code) => faults::status_page(code),
        Fault::RetryAfter { seconds, form } => faults::retry_after(seconds, form),
        Fault::Hang(None) => {
            shutdown_signal(shutdown).await;
            faults::status_page(503)
        }
        Fault::Hang(Some(delay)) | Fault::Latency(delay) => {
            tokio::select! {
                _ = tokio::time::sleep(delay) => serve_next(ctx, headers, next.as_deref()).await,
                _ = shutdown_signal(shutdown) => faults::status_page(503),
            }
        }
        Fault::Encoding(coding) => {
            encoding::compress(serve_next(ctx, headers, next.as_deref()).await, coding).await
        }
        Fault::Windows1252 => {
            let response = match next.as_deref() {
                Some(_) => serve_next(ctx, headers, next.as_deref()).await,
                None => {
                    let mut sample = Response::new(Body::from(encoding::WINDOWS_1252_SAMPLE));
                    sample.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/html; charset=utf-8"),
                    );
                    sample
                }
            };
            encoding::to_windows_1252(response).await
        }
        Fault::Large {
            bytes,
            declare_length,
        } => streams::large(bytes, declare_length),
        Fault::Drip { chunk, interval } => streams::drip(chunk, interval, shutdown),
        Fault::Stall => streams::stall(StatusCode::OK, shutdown),
        Fault::Trickle { chunk, interval } => {
            let content = serve_next(ctx, headers, next.as_deref()).await;
            streams::trickle(content, chunk, interval, shutdown).await
        }
        Fault::StallAfter(bytes) => {
            let content = serve_next(ctx, headers, next.as_deref()).await;
            streams::stall_after(content, bytes, shutdown).await
        }
        Fault::RedirectChain { hops: 0, .. } => serve_next(ctx, headers, next.as_deref()).await,
        Fault::RedirectChain { hops, status } => {
            let mut location = format!("/fault/redirect/{}{}", hops - 1, next.unwrap_or_default());
            if status != 302 {
                location.push(if location.contains('?') { '&' } else { '?' });
                location.push_str(&format!("status={status}"));
            }
            faults::redirect(status, &location)
        }
        Fault::RedirectLoop => {
            let other = if next.as_deref() == Some("/1") { 0 } else { 1 };
            faults::redirect(302, &format!("/fault/redirect-loop/{other}"))
        }
        Fault::RedirectTo { location, status } => faults::redirect(status, &location),
        Fault::Header { name, value } => {
            let mut response = serve_next(ctx, headers, next.as_deref()).await;
            if let (Ok(name), Ok(value)) = (
                header::HeaderName::try_from(name),
                HeaderValue::try_from(value),
            ) {
                response.headers_mut().insert(name, value);
            }
            response
        }
    }
}
