//! Primary sources read through their APIs: ClinicalTrials.gov v2 ([`clinicaltrials`]), NCBI
//! E-utilities on PubMed ([`pubmed`]) and openFDA ([`openfda`]). Each provider builds its
//! queries from the catalog's `api:` block and the run's window, pages through the answers with
//! the engine's fetcher (politeness, retries, `Retry-After`, the address guard) at the pace the
//! provider allows, and turns records into entries with provider metadata. The parsers are pure
//! (bytes in, records out) so that `vectora-inbox parse` reads a saved response as a run does.

pub mod clinicaltrials;
pub mod link_header;
pub mod openfda;
pub mod pubmed;
mod session;

pub use session::{Answer, CallError, Session};

use crate::config::{ApiDef, ApiProvider, SourceDef};
use crate::fetch::{FetchErrorKind, Fetcher};
use crate::model::{ApiUsage, SourceStatus};
use crate::window::Window;
use serde_json::{Map, Value};
use std::time::Duration;
use tokio::time::Instant;
use vectora_parse::Entry;

/// One record of a provider (a study version, a paper, an approval, a label version).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub entry: Entry,
    /// Provider fields written into the item's `metadata`.
    pub metadata: Map<String, Value>,
}

/// What a source's queries returned.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub records: Vec<Record>,
    pub usage: ApiUsage,
    /// Status of the last answer.
    pub http_status: Option<u16>,
    pub bytes: u64,
    pub warnings: Vec<String>,
}

/// Why a source's queries failed: the provider's own message when it gave one.
#[derive(Debug, Clone)]
pub struct ApiFailure {
    pub status: SourceStatus,
    pub message: String,
    pub http_status: Option<u16>,
    pub usage: ApiUsage,
    pub bytes: u64,
}

/// A saved response's kind, for `vectora-inbox parse --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavedFormat {
    /// A `/api/v2/studies` page or one `/api/v2/studies/{nctId}` study.
    Clinicaltrials,
    /// An efetch `PubmedArticleSet`.
    Pubmed,
    /// An openFDA `drugsfda.json` or `label.json` answer (told apart by its results).
    Openfda,
}

/// Parses a saved provider response into records.
pub fn parse_saved(format: SavedFormat, body: &[u8]) -> Result<Vec<Record>, String> {
    match format {
        SavedFormat::Clinicaltrials => clinicaltrials::parse_page(body).map(|p| p.records),
        SavedFormat::Pubmed => pubmed::parse_articles(body),
        SavedFormat::Openfda => openfda::parse_any(body, None).map(|p| p.records),
    }
}

/// The slowest pace a provider allows, as the minimum interval between two requests.
pub fn provider_interval(provider: ApiProvider, with_key: bool) -> Duration {
    match provider {
        // "About 1 request per second."
        ApiProvider::ClinicaltrialsGov => Duration::from_millis(1000),
        // NCBI: at most 3 requests/s without an API key, 10 with one.
        ApiProvider::Pubmed if with_key => Duration::from_millis(100),
        ApiProvider::Pubmed => Duration::from_millis(334),
        // openFDA: 240 requests per minute.
        ApiProvider::OpenfdaDrugsfda | ApiProvider::OpenfdaLabel => Duration::from_millis(250),
    }
}

/// Everything one source's queries need.
#[derive(Debug, Clone, Copy)]
pub struct ApiRun<'a> {
    pub fetcher: &'a Fetcher,
    pub source: &'a SourceDef,
    pub def: &'a ApiDef,
    pub window: Window,
    /// The run's deadline.
    pub deadline: Option<Instant>,
}

/// Runs a source's queries: every record of the window, up to `max_items`. This is also what
/// a source check calls to try an `api` source.
pub async fn collect(run: ApiRun<'_>) -> Result<Collected, ApiFailure> {
    let Some(base) = run.source.url.as_ref() else {
        return Err(ApiFailure {
            status: SourceStatus::ConfigError,
            message: "no api_url configured".into(),
            http_status: None,
            usage: ApiUsage::default(),
            bytes: 0,
        });
    };
    let key = run.def.api_key();
    let interval = provider_interval(run.def.provider, key.is_some()).max(Duration::from_millis(
        run.source.min_interval_ms.unwrap_or(0),
    ));
    let mut session = Session::new(run.fetcher, run.def.provider, interval, run.deadline);
    session.insecure_tls = !run.source.ssl_verify;
    let result = match run.def.provider {
        ApiProvider::ClinicaltrialsGov => {
            clinicaltrials::collect(&mut session, base, run.def, run.window).await
        }
        ApiProvider::Pubmed => {
            pubmed::collect(&mut session, base, run.def, key.as_deref(), run.window).await
        }
        ApiProvider::OpenfdaDrugsfda | ApiProvider::OpenfdaLabel => {
            let key = key.as_deref();
            openfda::collect(
                &mut session,
                &run.source.key,
                base,
                run.def,
                key,
                run.window,
            )
            .await
        }
    };
    match result {
        Ok((records, warnings)) => Ok(Collected {
            records,
            usage: session.usage.clone(),
            http_status: session.last_status,
            bytes: session.bytes,
            warnings,
        }),
        Err(e) => Err(ApiFailure {
            status: e.status(),
            message: e.message(),
            http_status: e.http_status().or(session.last_status),
            usage: session.usage.clone(),
            bytes: session.bytes,
        }),
    }
}

/// The report status of a failed call.
fn status_of(kind: FetchErrorKind) -> SourceStatus {
    match kind {
        FetchErrorKind::Http => SourceStatus::HttpError,
        FetchErrorKind::Timeout => SourceStatus::Timeout,
        FetchErrorKind::TooLarge => SourceStatus::TooLarge,
        FetchErrorKind::Blocked => SourceStatus::Blocked,
        FetchErrorKind::Connect => SourceStatus::FetchError,
    }
}

/// The message a provider put in an error answer: openFDA's `error.message`, NCBI's `error` or
/// `esearchresult.ERROR`, ClinicalTrials.gov's plain text; `None` when the body says nothing.
pub fn provider_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let from_json = serde_json::from_str::<Value>(text).ok().and_then(|v| {
        let error = v.get("error");
        let candidates = [
            error.and_then(|e| e.get("message")),
            error,
            v.get("esearchresult").and_then(|r| r.get("ERROR")),
            v.get("message"),
        ];
        candidates
            .into_iter()
            .flatten()
            .find_map(|c| c.as_str().map(str::to_string))
    });
    let message = from_json.unwrap_or_else(|| vectora_parse::text::clean_inline(text));
    let message = vectora_parse::text::collapse_whitespace(&message);
    (!message.is_empty()).then(|| crate::model::truncate_message(&message, 300))
}

/// A JSON string array as metadata.
fn strings(values: &[String]) -> Value {
    Value::Array(values.iter().cloned().map(Value::String).collect())
}

/// Tidies a provider's free text: markup and entities out, paragraphs kept as blank lines.
fn tidy(text: &str) -> String {
    text.split("\n\n")
        .map(vectora_parse::text::clean_inline)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_messages_come_from_each_providers_error_shape() {
        let openfda = br#"{"error":{"code":"NOT_FOUND","message":"No matches found!"}}"#;
        assert_eq!(
            provider_message(openfda).as_deref(),
            Some("No matches found!")
        );
        let ncbi =
            br#"{"error":"API rate limit exceeded","api-key":"1.2.3.4","count":"4","limit":"3"}"#;
        assert_eq!(
            provider_message(ncbi).as_deref(),
            Some("API rate limit exceeded")
        );
        let esearch = br#"{"esearchresult":{"ERROR":"Invalid query"}}"#;
        assert_eq!(provider_message(esearch).as_deref(), Some("Invalid query"));
        assert_eq!(
            provider_message(b"  unexpected token at position 12\n").as_deref(),
            Some("unexpected token at position 12")
        );
        assert_eq!(
            provider_message(b"<html><body><h1>Bad   Request</h1></body></html>").as_deref(),
            Some("Bad Request")
        );
        assert_eq!(provider_message(b"   "), None);
    }
}
