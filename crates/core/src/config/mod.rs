//! Configuration: the config bucket's YAML files read as they are, resolved once into validated
//! types. Every problem is collected as a [`Diagnostic`] naming the file and key, before any work
//! starts (`vectora-inbox validate` prints them all).

mod api;
pub mod bundled;
mod diagnostics;
mod load;
pub mod paths;
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

pub use paths::{CATALOG_FILE, CLIENTS_DIR, EXTRACTORS_FILE, PROFILES_FILE, SCOPES_DIR};

/// Default window when neither the request nor the client says.
pub const DEFAULT_PERIOD_DAYS: u32 = 7;

/// The fully resolved configuration.
///
/// Built only by the loader ([`load`], [`parse_files`]) and read through accessors, so that what
/// the fronts see is checked config, never a half-filled struct, and the compiled parse rules
/// stay an engine detail.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub(crate) clients: BTreeMap<String, Client>,
    pub(crate) sources: BTreeMap<String, SourceDef>,
    pub(crate) bouquets: BTreeMap<String, Vec<String>>,
    pub(crate) profiles: BTreeMap<String, Arc<Profile>>,
    /// Compiled per-source listing rules; read through [`crate::parse::listing_rules`].
    pub(crate) extractors: BTreeMap<String, Arc<ListingRules>>,
    pub(crate) extraction: ExtractionDefaults,
    /// Every problem found, errors and warnings.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The term lists the profiles were resolved against (kept so a scope reference can be
    /// resolved the way the profiles' were, e.g. by tests judging the real term lists).
    scopes: ScopeRegistry,
}

/// `global_settings` of `html_extractors.yaml`: what a listing read without an extractor of its
/// own uses, and what every extractor falls back on.
#[derive(Debug, Clone)]
pub struct ExtractionDefaults {
    pub max_items: usize,
    pub date_formats: Vec<String>,
}

impl Default for ExtractionDefaults {
    fn default() -> Self {
        Self {
            // The parser's rule: one default for "the rules do not say".
            max_items: vectora_parse::html::DEFAULT_MAX_ITEMS,
            date_formats: Vec::new(),
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
    /// Every resolved client, by id (inactive ones included).
    pub fn clients(&self) -> &BTreeMap<String, Client> {
        &self.clients
    }

    /// One client by id.
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.get(id)
    }

    /// Every catalog source, by key.
    pub fn sources(&self) -> &BTreeMap<String, SourceDef> {
        &self.sources
    }

    /// One catalog source by key.
    pub fn source(&self, key: &str) -> Option<&SourceDef> {
        self.sources.get(key)
    }

    /// Bouquets: name → source keys, as the catalog lists them.
    pub fn bouquets(&self) -> &BTreeMap<String, Vec<String>> {
        &self.bouquets
    }

    /// Every profile that was built, by name.
    pub fn profiles(&self) -> &BTreeMap<String, Arc<Profile>> {
        &self.profiles
    }

    /// Whether the source has an extractor of its own in `html_extractors.yaml`.
    pub fn has_extractor(&self, source_key: &str) -> bool {
        self.extractors.contains_key(source_key)
    }

    /// Every problem found, errors and warnings, in the order found.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The scope files of this config, indexed for resolving scope references.
    pub fn scopes(&self) -> &ScopeRegistry {
        &self.scopes
    }

    /// Errors (not warnings) that stop a run: those of the whole config, and the given client's.
    /// A source's or a profile's errors stop only the sources concerned ([`Self::source_errors`]).
    pub fn blocking_errors(&self, client_id: Option<&str>) -> Vec<Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .filter(|d| match (&d.scope, client_id) {
                (Scope::Global, _) => true,
                (Scope::Client(c), Some(id)) => c == id,
                (Scope::Client(_), None) => false,
                (Scope::Source(_) | Scope::Profile(_) | Scope::File, _) => false,
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
                self.diagnostics.push(
                    Diagnostic::error(
                        PROFILES_FILE,
                        format!("profiles.{name}.signal_requirements.{}", e.key),
                        e.message,
                    )
                    .for_profile(name),
                );
            }
        }
    }

    /// The errors that stop one source: its own (catalog entry, extractor, unknown profile),
    /// its profile's, and those of the files it depends on that could not be read (the profiles
    /// and scope files when its profile could not be built; the extractors file for an html
    /// source). A run fails such a source alone, as `config_error`.
    pub fn source_errors(&self, source_key: &str) -> Vec<&Diagnostic> {
        let source = self.sources.get(source_key);
        let profile = source.and_then(|s| s.profile.as_deref());
        let own = |d: &&Diagnostic| match &d.scope {
            Scope::Source(k) => k == source_key,
            Scope::Profile(p) => Some(p.as_str()) == profile,
            _ => false,
        };
        let errors = self.diagnostics.iter().filter(|d| d.is_error());
        let mut out: Vec<&Diagnostic> = errors.clone().filter(own).collect();
        let profile_unbuilt = profile.is_some_and(|p| !self.profiles.contains_key(p));
        let is_html = source.is_some_and(|s| s.kind == SourceKind::Html);
        if out.is_empty() {
            out.extend(errors.filter(|d| {
                d.scope == Scope::File
                    && ((profile_unbuilt
                        && (d.file == PROFILES_FILE || d.file.starts_with(SCOPES_DIR)))
                        || (is_html && d.file == EXTRACTORS_FILE && d.key.is_empty()))
            }));
        }
        out
    }

    /// What a client's run reports about the config beyond its sources' own errors: the
    /// warnings that concern everything or this client, and the bundled files standing in.
    pub fn run_warnings(&self, client_id: &str) -> Vec<String> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .filter(|d| match &d.scope {
                Scope::Global => true,
                Scope::Client(c) => c == client_id,
                _ => d.bundled_fallback,
            })
            .map(|d| d.to_string())
            .collect()
    }

    /// Client files that could not be resolved into a client (unreadable, no client_profile,
    /// id mismatch): a run over every active client reports them as failed, since nothing says
    /// they are inactive.
    pub fn broken_client_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .filter_map(|d| match &d.scope {
                Scope::Client(c) if !self.clients.contains_key(c) => Some(c.clone()),
                _ => None,
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids
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
