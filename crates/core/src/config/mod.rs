//! Configuration: the config bucket's YAML files read as they are, resolved once into validated
//! types. Every problem is collected as a [`Diagnostic`] naming the file and key, before any work
//! starts (`vectora-inbox validate` prints them all).

mod api;
mod diagnostics;
mod load;
mod raw;
mod resolve;
mod scopes;

pub use api::{
    ApiDef, ApiProvider, DEFAULT_API_MAX_ITEMS, DEFAULT_NCBI_EMAIL_ENV, DEFAULT_NCBI_TOOL,
    OPENFDA_MAX_ITEMS,
};
pub use diagnostics::{ConfigErrors, Diagnostic, Scope, Severity};
pub use load::{load, load_dir_blocking, parse_files};
pub use scopes::ScopeRegistry;

use std::collections::BTreeMap;
use std::sync::Arc;
use vectora_filter::Profile;
use vectora_parse::html::ListingRules;

/// Path of the source catalog inside a config root.
pub const CATALOG_FILE: &str = "canonical/sources/source_catalog.yaml";
pub const EXTRACTORS_FILE: &str = "canonical/sources/html_extractors.yaml";
pub const PROFILES_FILE: &str = "canonical/ingestion/ingestion_profiles.yaml";
pub const SCOPES_DIR: &str = "canonical/scopes/";
pub const CLIENTS_DIR: &str = "clients/";

/// Default window when neither the request nor the client says.
pub const DEFAULT_PERIOD_DAYS: u32 = 7;

/// The fully resolved configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub clients: BTreeMap<String, Client>,
    pub sources: BTreeMap<String, SourceDef>,
    pub bouquets: BTreeMap<String, Vec<String>>,
    pub profiles: BTreeMap<String, Arc<Profile>>,
    pub extractors: BTreeMap<String, Arc<ListingRules>>,
    pub extraction: ExtractionDefaults,
    /// Every problem found, errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// `global_settings` of `html_extractors.yaml`.
#[derive(Debug, Clone)]
pub struct ExtractionDefaults {
    pub max_items: usize,
    pub date_formats: Vec<String>,
    pub timeout_secs: Option<f64>,
}

impl Default for ExtractionDefaults {
    fn default() -> Self {
        Self {
            max_items: 20,
            date_formats: Vec::new(),
            timeout_secs: None,
        }
    }
}

/// A client (`clients/{client_id}.yaml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// `client_profile.active`; absent means false.
    pub active: bool,
    pub default_period_days: Option<u32>,
    /// `pipeline.stale_after_days`: see [`crate::health::DEFAULT_STALE_AFTER_DAYS`].
    pub stale_after_days: u32,
    pub bouquets: Vec<String>,
    pub extra_sources: Vec<String>,
    /// The file it was read from, for messages.
    pub file: String,
}

/// How a source is ingested (`ingestion_mode` in the catalog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Rss,
    Html,
    Api,
    None,
}

/// A source of the catalog, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDef {
    pub key: String,
    pub company_id: Option<String>,
    pub kind: SourceKind,
    pub enabled: bool,
    /// The URL fetched for `kind` (rss_url, html_url or api_url); `None` when missing (reported).
    pub url: Option<url::Url>,
    pub homepage_url: Option<url::Url>,
    pub source_type: String,
    pub language: String,
    pub tags: Vec<String>,
    pub profile: Option<String>,
    pub min_interval_ms: Option<u64>,
    pub ssl_verify: bool,
    pub allow_empty: bool,
    /// At most this many article pages are fetched per run to date undated entries (html only).
    pub article_fallback: usize,
    /// Fill an empty teaser with the article's main text (costs one request per such entry).
    pub article_content: bool,
    /// `api` sources: the provider query, or why the `api:` block is unusable (the source then
    /// fails alone with `config_error`). `None` for other modes.
    pub api: Option<Result<ApiDef, String>>,
}

/// Default number of article pages fetched per source and run to date undated entries.
pub const DEFAULT_ARTICLE_FALLBACK: usize = 10;

impl Config {
    /// Errors (not warnings) that concern everything or the given client.
    pub fn blocking_errors(&self, client_id: Option<&str>) -> Vec<Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .filter(|d| match (&d.scope, client_id) {
                (Scope::Global, _) => true,
                (Scope::Client(c), Some(id)) => c == id,
                (Scope::Client(_), None) => false,
            })
            .cloned()
            .collect()
    }

    /// Builds the term matchers of every profile now and records what only building can find
    /// (a pattern too large to compile) as errors keyed like every other profile problem.
    ///
    /// Loading checks profiles without building them, since a run builds only the ones its
    /// sources use (on first use); `validate` and `config push` call this to be thorough.
    pub fn build_all_profiles(&mut self) {
        for (name, profile) in &self.profiles {
            for e in profile.prepare().err().unwrap_or_default() {
                self.diagnostics.push(Diagnostic::error(
                    PROFILES_FILE,
                    format!("profiles.{name}.signal_requirements.{}", e.key),
                    e.message,
                ));
            }
        }
    }

    /// Warnings that concern the given client or everything.
    pub fn warnings_for(&self, client_id: &str) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(move |d| {
            d.severity == Severity::Warning
                && (matches!(&d.scope, Scope::Global)
                    || matches!(&d.scope, Scope::Client(c) if c == client_id))
        })
    }

    /// Clients whose `client_profile.active` is true, in id order.
    pub fn active_clients(&self) -> impl Iterator<Item = &Client> {
        self.clients.values().filter(|c| c.active)
    }

    /// One-line summary for `validate`.
    pub fn summary(&self) -> String {
        let enabled = self
            .sources
            .values()
            .filter(|s| s.enabled && s.kind != SourceKind::None)
            .count();
        format!(
            "{} client(s) ({} active), {} source(s) ({} enabled), {} bouquet(s), {} profile(s), {} extractor(s)",
            self.clients.len(),
            self.active_clients().count(),
            self.sources.len(),
            enabled,
            self.bouquets.len(),
            self.profiles.len(),
            self.extractors.len()
        )
    }
}

/// Ids become parts of storage keys: only a safe alphabet is allowed.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
