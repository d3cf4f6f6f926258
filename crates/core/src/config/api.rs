//! The `api:` block of a catalog source: which primary-source provider it queries and how
//! (ClinicalTrials.gov, PubMed, openFDA). Resolved and checked here; run by [`crate::api`].

use super::diagnostics::Diagnostic;
use super::raw::RawApi;

/// Items per run when `max_items` is not set.
pub const DEFAULT_API_MAX_ITEMS: usize = 500;
/// Items (and results read) per run of an openFDA source, at most: its `search_after` cursor pages
/// without end, so the bound is the run's own (100 pages of 1,000: 25 s at openFDA's pace of 240
/// requests a minute).
pub const OPENFDA_MAX_ITEMS: usize = 100_000;
/// NCBI's `tool` parameter when the catalog names none.
pub const DEFAULT_NCBI_TOOL: &str = "vectora-inbox";
/// Environment variable read for NCBI's `email` when the catalog gives neither `email` nor
/// `email_env`.
pub const DEFAULT_NCBI_EMAIL_ENV: &str = "NCBI_EMAIL";

/// The providers an `api` source can query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiProvider {
    /// ClinicalTrials.gov API v2 `/studies`.
    ClinicaltrialsGov,
    /// NCBI E-utilities (esearch + efetch) on PubMed.
    Pubmed,
    /// openFDA `/drug/drugsfda.json`: approvals.
    OpenfdaDrugsfda,
    /// openFDA `/drug/label.json`: label versions.
    OpenfdaLabel,
}

impl ApiProvider {
    /// The catalog spelling (`provider:`).
    pub fn name(self) -> &'static str {
        match self {
            ApiProvider::ClinicaltrialsGov => "clinicaltrials_gov",
            ApiProvider::Pubmed => "pubmed",
            ApiProvider::OpenfdaDrugsfda => "openfda_drugsfda",
            ApiProvider::OpenfdaLabel => "openfda_label",
        }
    }

    fn from_name(name: &str) -> Option<ApiProvider> {
        [
            ApiProvider::ClinicaltrialsGov,
            ApiProvider::Pubmed,
            ApiProvider::OpenfdaDrugsfda,
            ApiProvider::OpenfdaLabel,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }

    /// The provider a `source_type` implies, so that `provider:` may be left out.
    fn from_source_type(source_type: &str) -> Option<ApiProvider> {
        match source_type {
            "api_clinicaltrials" => Some(ApiProvider::ClinicaltrialsGov),
            "api_pubmed" => Some(ApiProvider::Pubmed),
            "api_fda_drugsfda" => Some(ApiProvider::OpenfdaDrugsfda),
            "api_fda_labels" => Some(ApiProvider::OpenfdaLabel),
            _ => None,
        }
    }
}

/// A resolved `api:` block.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiDef {
    pub provider: ApiProvider,
    /// In the provider's own query syntax; the run's window is added to it.
    pub query: String,
    /// Items per run, at most.
    pub max_items: usize,
    /// Results asked per request; `None` for the provider's maximum.
    pub page_size: Option<usize>,
    /// Name of the environment variable holding the provider's API key (read at run time).
    pub api_key_env: Option<String>,
    /// NCBI `tool`.
    pub tool: String,
    /// NCBI `email` as written in the catalog.
    pub email: Option<String>,
    /// Environment variable holding NCBI's `email` when the catalog does not write it.
    pub email_env: String,
}

impl ApiDef {
    /// The API key, when `api_key_env` names a variable that is set and not empty.
    pub fn api_key(&self) -> Option<String> {
        let name = self.api_key_env.as_deref()?;
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }

    /// NCBI's `email`: the catalog's, else the environment variable's.
    pub fn ncbi_email(&self) -> Option<String> {
        self.email.clone().or_else(|| {
            std::env::var(&self.email_env)
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
    }
}

/// Resolves the `api:` block of source `key` (catalog entry `at`). Returns the definition or the
/// reason it is unusable; the reason is also reported when the source is enabled (an error of the
/// source, like a missing URL), so that `validate` fails while a run fails this source alone.
pub(super) fn resolve_api(
    file: &str,
    at: &str,
    key: &str,
    raw: Option<&RawApi>,
    source_type: &str,
    enabled: bool,
    diags: &mut Vec<Diagnostic>,
) -> Result<ApiDef, String> {
    let result = build(at, key, raw, source_type);
    if let Err((sub_key, message)) = &result
        && enabled
    {
        diags.push(Diagnostic::error(file, sub_key.clone(), message.clone()).for_source(key));
    }
    result.map_err(|(_, m)| m)
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn build(
    at: &str,
    key: &str,
    raw: Option<&RawApi>,
    source_type: &str,
) -> Result<ApiDef, (String, String)> {
    let Some(raw) = raw else {
        return Err((
            format!("{at}.api"),
            format!(
                "source `{key}` has ingestion_mode `api` but no `api:` block (provider, query)"
            ),
        ));
    };
    let provider = match text(&raw.provider) {
        Some(name) => ApiProvider::from_name(&name).ok_or_else(|| {
            (
                format!("{at}.api.provider"),
                format!(
                    "source `{key}`: unknown api provider `{name}` (one of clinicaltrials_gov, pubmed, openfda_drugsfda, openfda_label)"
                ),
            )
        })?,
        None => ApiProvider::from_source_type(source_type).ok_or_else(|| {
            (
                format!("{at}.api.provider"),
                format!(
                    "source `{key}`: api.provider is missing and source_type `{source_type}` does not imply one"
                ),
            )
        })?,
    };
    let query = text(&raw.query).ok_or_else(|| {
        (
            format!("{at}.api.query"),
            format!("source `{key}`: api.query is missing or empty"),
        )
    })?;
    let max_items = raw.max_items.unwrap_or(DEFAULT_API_MAX_ITEMS);
    let ceiling = match provider {
        ApiProvider::OpenfdaDrugsfda | ApiProvider::OpenfdaLabel => OPENFDA_MAX_ITEMS,
        _ => usize::MAX,
    };
    if max_items == 0 || max_items > ceiling {
        return Err((
            format!("{at}.api.max_items"),
            format!(
                "source `{key}`: api.max_items must be between 1 and {ceiling}, not {max_items}"
            ),
        ));
    }
    if raw.page_size == Some(0) {
        return Err((
            format!("{at}.api.page_size"),
            format!("source `{key}`: api.page_size must be at least 1"),
        ));
    }
    Ok(ApiDef {
        provider,
        query,
        max_items,
        page_size: raw.page_size,
        api_key_env: text(&raw.api_key_env),
        tool: text(&raw.tool).unwrap_or_else(|| DEFAULT_NCBI_TOOL.to_string()),
        email: text(&raw.email),
        email_env: text(&raw.email_env).unwrap_or_else(|| DEFAULT_NCBI_EMAIL_ENV.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(provider: Option<&str>, query: Option<&str>, max_items: Option<usize>) -> RawApi {
        RawApi {
            provider: provider.map(str::to_string),
            query: query.map(str::to_string),
            max_items,
            ..RawApi::default()
        }
    }

    #[test]
    fn provider_comes_from_the_block_or_the_source_type() {
        let mut diags = Vec::new();
        let r = raw(None, Some("depot"), None);
        let def = resolve_api(
            "c",
            "sources[0]",
            "k",
            Some(&r),
            "api_pubmed",
            true,
            &mut diags,
        )
        .unwrap();
        assert_eq!(def.provider, ApiProvider::Pubmed);
        assert_eq!(def.max_items, DEFAULT_API_MAX_ITEMS);
        assert_eq!(def.tool, DEFAULT_NCBI_TOOL);
        let r = raw(Some("openfda_label"), Some("x"), Some(10));
        let def = resolve_api(
            "c",
            "sources[0]",
            "k",
            Some(&r),
            "api_pubmed",
            true,
            &mut diags,
        )
        .unwrap();
        assert_eq!(def.provider, ApiProvider::OpenfdaLabel);
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn unusable_blocks_name_the_key_and_warn_only_when_enabled() {
        let cases: [(Option<RawApi>, &str, &str); 5] = [
            (None, "sources[2].api", "no `api:` block"),
            (
                Some(raw(Some("crossref"), Some("q"), None)),
                "sources[2].api.provider",
                "unknown api provider `crossref`",
            ),
            (
                Some(raw(None, Some("q"), None)),
                "sources[2].api.provider",
                "does not imply one",
            ),
            (
                Some(raw(Some("pubmed"), Some("  "), None)),
                "sources[2].api.query",
                "missing or empty",
            ),
            (
                Some(raw(Some("openfda_drugsfda"), Some("q"), Some(100_001))),
                "sources[2].api.max_items",
                "between 1 and 100000",
            ),
        ];
        for (block, key, text) in cases {
            let mut diags = Vec::new();
            let err = resolve_api(
                "cat.yaml",
                "sources[2]",
                "s",
                block.as_ref(),
                "press",
                true,
                &mut diags,
            )
            .unwrap_err();
            assert!(err.contains(text), "{err}");
            assert_eq!(diags.len(), 1);
            assert_eq!(diags[0].key, key);
            assert_eq!(diags[0].file, "cat.yaml");
            let mut quiet = Vec::new();
            assert!(
                resolve_api(
                    "cat.yaml",
                    "sources[2]",
                    "s",
                    block.as_ref(),
                    "press",
                    false,
                    &mut quiet
                )
                .is_err()
            );
            assert!(quiet.is_empty());
        }
    }
}
