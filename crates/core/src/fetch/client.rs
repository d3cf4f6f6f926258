//! The reqwest client behind the fetcher: built once (connection pools are shared by every source of
//! a run and across warm Lambda invocations), with redirects left to the fetcher (each hop is checked
//! by the guard and waits for its host's turn) and every name resolved through the guard.
//!
//! HTTP/1.1 only: politeness allows one request at a time per host, so HTTP/2's multiplexing would
//! bring nothing, and an HTTP/1.1 connection can be closed with the request that needs it last
//! (`Connection: close`), which keeps open sockets bounded by the work in flight. The client's
//! only timer is the connect deadline; the fetcher runs the others (first byte, idle, response).

use super::FetchSettings;
use super::guard::GuardedResolver;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// What a newsroom or feed server should send us: HTML and feeds first, anything else after.
const ACCEPT_VALUE: &str = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.8";

/// How long a kept connection waits for the request it was kept for (a host's interval is
/// usually a second or a few).
const IDLE_CONNECTION_KEPT: std::time::Duration = std::time::Duration::from_secs(30);

pub(super) fn build(s: &FetchSettings, insecure: bool) -> Result<reqwest::Client, String> {
    let mut fixed: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for (name, ip) in &s.resolve {
        fixed
            .entry(name.trim_end_matches('.').to_ascii_lowercase())
            .or_default()
            .push(*ip);
    }
    let resolver = GuardedResolver {
        allow_private: s.allow_private_networks,
        fixed: Arc::new(fixed),
    };
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_VALUE));
    let builder = if insecure {
        reqwest::Client::builder()
    } else {
        crate::tls::reqwest_roots(reqwest::Client::builder())
    };
    builder
        .user_agent(&s.user_agent)
        .default_headers(headers)
        .connect_timeout(s.connect_timeout)
        .http1_only()
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve and connect on our behalf, out of the guard's sight.
        .no_proxy()
        .dns_resolver(Arc::new(resolver))
        // Connections are kept only for a request known to follow (`FetchOptions::keep_alive`).
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(IDLE_CONNECTION_KEPT)
        .tls_danger_accept_invalid_certs(insecure)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}
