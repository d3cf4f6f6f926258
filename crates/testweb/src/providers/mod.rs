//! The primary-source APIs, imitated over real saved records (`providers/`, see its PROVENANCE.md):
//! ClinicalTrials.gov v2 (`/api/v2/studies`), NCBI E-utilities (`/entrez/eutils/esearch.fcgi`,
//! `efetch.fcgi`) and openFDA (`/drug/drugsfda.json`, `/drug/label.json`), with each provider's
//! paging, error answers and rate limit. The limits are enforced: a request sent sooner than the
//! provider allows is answered 429 and counted, so a client that goes too fast is seen failing.

mod ctgov;
mod ncbi;
mod openfda;
mod pace;

pub use pace::Pace;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// Where the saved provider records are: this crate's `providers/`.
pub fn provider_fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("providers")
}

/// The providers the test web imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    ClinicalTrials,
    /// NCBI E-utilities; with an `api_key` the limit is higher.
    Ncbi {
        with_key: bool,
    },
    OpenFda,
}

/// How the imitated providers page (see [`crate::TestWebConfig`]).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub pubmed_result_cap: usize,
    pub openfda_skip_limit: usize,
    pub openfda_links: bool,
    pub openfda_next_base: Option<String>,
}

/// The records served, loaded once, and what was seen of the clients.
#[derive(Debug)]
pub(crate) struct Providers {
    ctgov: ctgov::Studies,
    ncbi: ncbi::Pubmed,
    openfda: openfda::Records,
    paces: Mutex<HashMap<Provider, Pace>>,
    /// Requests answered 429 because they came sooner than the provider allows.
    violations: Mutex<HashMap<Provider, usize>>,
}

impl Providers {
    pub(crate) fn load(dir: &Path, settings: &Settings) -> Result<Providers> {
        Ok(Providers {
            ctgov: ctgov::Studies::load(&dir.join("clinicaltrials"))
                .context("loading the ClinicalTrials.gov studies")?,
            ncbi: ncbi::Pubmed::load(&dir.join("pubmed"), settings.pubmed_result_cap)
                .context("loading the PubMed records")?,
            openfda: openfda::Records::load(&dir.join("openfda"), openfda::Paging::of(settings))
                .context("loading the openFDA records")?,
            paces: Mutex::new(HashMap::new()),
            violations: Mutex::new(HashMap::new()),
        })
    }

    /// Serves a provider path, or `None` when the path is not a provider's. `base` is the
    /// listener's (`http://127.0.0.1:port`), for the links an answer writes.
    pub(crate) fn serve(&self, path: &str, query: Option<&str>, base: &str) -> Option<Response> {
        let params = parse_query(query);
        let provider = match path {
            ctgov::PATH => Provider::ClinicalTrials,
            ncbi::ESEARCH_PATH | ncbi::EFETCH_PATH => Provider::Ncbi {
                with_key: params.contains_key("api_key"),
            },
            openfda::DRUGSFDA_PATH | openfda::LABEL_PATH => Provider::OpenFda,
            _ => return None,
        };
        if !self.admit(provider) {
            return Some(too_many(provider));
        }
        Some(match path {
            ctgov::PATH => self.ctgov.serve(&params),
            ncbi::ESEARCH_PATH => self.ncbi.esearch(&params),
            ncbi::EFETCH_PATH => self.ncbi.efetch(&params),
            openfda::DRUGSFDA_PATH => {
                self.openfda
                    .serve(openfda::Endpoint::DrugsFda, &params, base)
            }
            _ => self.openfda.serve(openfda::Endpoint::Label, &params, base),
        })
    }

    /// Records the request against its provider's limit; false when it came too soon.
    fn admit(&self, provider: Provider) -> bool {
        let mut paces = self.paces.lock().unwrap_or_else(|p| p.into_inner());
        let pace = paces.entry(provider).or_insert_with(|| Pace::of(provider));
        if pace.admit(std::time::Instant::now()) {
            return true;
        }
        *self
            .violations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(provider)
            .or_default() += 1;
        false
    }

    pub(crate) fn violations(&self, provider: Provider) -> usize {
        self.violations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&provider)
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn update_study(&self, nct_id: &str, last_update: &str) -> bool {
        self.ctgov.update(nct_id, last_update)
    }
}

/// The query string as name → value (the last one wins; providers repeat none).
fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// A provider's answer to a client over its rate limit, as each one words it (none of them sends
/// `Retry-After`).
fn too_many(provider: Provider) -> Response {
    match provider {
        Provider::ClinicalTrials => text(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"),
        Provider::Ncbi { .. } => json(
            StatusCode::TOO_MANY_REQUESTS,
            serde_json::json!({"error": "API rate limit exceeded"}).to_string(),
        ),
        Provider::OpenFda => json(
            StatusCode::TOO_MANY_REQUESTS,
            serde_json::json!({"error": {"code": "OVER_RATE_LIMIT",
                "message": "You have exceeded your rate limit. Try again later."}})
            .to_string(),
        ),
    }
}

fn with_type(status: StatusCode, body: String, content_type: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn json(status: StatusCode, body: String) -> Response {
    with_type(status, body, "application/json")
}

fn text(status: StatusCode, body: &str) -> Response {
    with_type(status, format!("{body}\n"), "text/plain; charset=utf-8")
}

fn xml(body: String) -> Response {
    with_type(StatusCode::OK, body, "text/xml; charset=UTF-8")
}

/// Whether parentheses and double quotes of a query are balanced (the syntax check every
/// provider makes before searching).
fn balanced(query: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in query.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_syntax_check() {
        assert!(balanced("(\"long-acting injectable\" OR depot) AND x"));
        assert!(!balanced("(\"long-acting injectable\" OR depot"));
        assert!(!balanced("\"unclosed"));
        assert!(!balanced(")("));
    }
}
