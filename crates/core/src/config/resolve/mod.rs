//! Raw YAML → resolved [`Config`]: references checked, patterns and selectors compiled.
//!
//! One module per config section, resolved in dependency order: the catalog (sources and
//! bouquets) first, since extractors, profiles and clients refer to its sources; then the
//! extractors, the profiles, and the clients last.

mod catalog;
mod clients;
mod extractors;
mod profiles;

use super::diagnostics::Diagnostic;
use super::raw::{RawCatalog, RawClientFile, RawExtractorsFile, RawProfilesFile};
use super::scopes::ScopeRegistry;
use super::{CATALOG_FILE, Config};
use std::collections::BTreeSet;
use url::Url;

#[derive(Default)]
pub(super) struct ParsedFiles {
    pub clients: Vec<(String, RawClientFile)>,
    pub catalog: Option<(String, RawCatalog)>,
    pub catalog_present: bool,
    pub extractors: Option<(String, RawExtractorsFile)>,
    pub profiles: Option<(String, RawProfilesFile)>,
    pub profiles_present: bool,
    pub extractors_present: bool,
    pub scopes: ScopeRegistry,
    /// Problems found while reading the files.
    pub diagnostics: Vec<Diagnostic>,
    /// Files taken from the bundled config (their references to the bundled sources are not
    /// the config's mistakes).
    pub bundled_paths: BTreeSet<String>,
    /// A profile a source names that the profiles file lacks may come from the bundled ones.
    pub bundled_profiles: bool,
}

pub(super) fn resolve(mut parsed: ParsedFiles) -> Config {
    let mut diags = std::mem::take(&mut parsed.diagnostics);
    let mut cfg = Config::default();
    if !parsed.catalog_present {
        diags.push(Diagnostic::error(
            CATALOG_FILE,
            "",
            "missing: the source catalog is required",
        ));
    }
    if let Some((file, catalog)) = &parsed.catalog {
        catalog::resolve_catalog(file, catalog, &mut cfg, &mut diags);
    }
    if let Some((file, ex)) = &parsed.extractors {
        let bundled = parsed.bundled_paths.contains(file.as_str());
        extractors::resolve_extractors(file, ex, bundled, &mut cfg, &mut diags);
    }
    profiles::resolve_profiles(&parsed, &mut cfg, &mut diags);
    for (file, raw) in &parsed.clients {
        clients::resolve_client(file, raw, &mut cfg, &mut diags);
    }
    cfg.diagnostics = diags;
    cfg.scopes = parsed.scopes;
    cfg
}

/// `a, b, c` for a message listing what is known, `none` when nothing is.
fn join_keys<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = keys.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// A YAML string that says something: trimmed, `None` when absent or blank.
fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A URL the fetcher can be pointed at: absolute, http(s), with a host.
fn parse_http_url(u: &str) -> Result<Url, String> {
    let url = Url::parse(u).map_err(|e| format!("invalid URL `{u}`: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("URL `{u}` is not http(s)"));
    }
    if url.host_str().is_none() {
        return Err(format!("URL `{u}` has no host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_need_a_scheme_and_a_host() {
        assert!(parse_http_url("https://example.com/news").is_ok());
        assert!(
            parse_http_url("ftp://example.com/")
                .unwrap_err()
                .contains("not http(s)")
        );
        assert!(
            parse_http_url("example.com/news")
                .unwrap_err()
                .contains("invalid URL")
        );
        assert!(parse_http_url("mailto:press@example.com").is_err());
    }

    #[test]
    fn blank_values_are_absent() {
        assert_eq!(non_empty(&Some("  x ".into())), Some("x"));
        assert_eq!(non_empty(&Some("   ".into())), None);
        assert_eq!(non_empty(&None), None);
        assert_eq!(join_keys([].iter()), "none");
        assert_eq!(join_keys(["a".to_string(), "b".to_string()].iter()), "a, b");
    }
}
