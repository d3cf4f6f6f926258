//! The source catalog (`canonical/sources/source_catalog.yaml`): its sources, each checked on its
//! own (a bad entry fails that source alone), and its bouquets.

use super::{non_empty, parse_http_url};
use crate::config::diagnostics::{Diagnostic, Scope};
use crate::config::raw::{RawBouquet, RawCatalog, RawSource};
use crate::config::{Config, DEFAULT_ARTICLE_FALLBACK, SourceDef, SourceKind, is_valid_id};

pub(super) fn resolve_catalog(
    file: &str,
    raw: &RawCatalog,
    cfg: &mut Config,
    diags: &mut Vec<Diagnostic>,
) {
    if raw.sources.is_empty() {
        diags.push(Diagnostic::error(
            file,
            "sources",
            "the catalog lists no sources",
        ));
    }
    for (i, s) in raw.sources.iter().enumerate() {
        let entry = Entry { file, index: i };
        if let Some(source) = resolve_source(entry, s, cfg, diags) {
            cfg.sources.insert(source.key.clone(), source);
        }
    }
    for (i, b) in raw.bouquets.iter().enumerate() {
        resolve_bouquet(file, i, b, cfg, diags);
    }
}

/// Where a catalog entry is: its file and its position, for the keys of its diagnostics.
#[derive(Clone, Copy)]
struct Entry<'a> {
    file: &'a str,
    index: usize,
}

impl Entry<'_> {
    fn at(&self, key: &str) -> String {
        format!("sources[{}].{key}", self.index)
    }
    fn error(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.file, self.at(key), message)
    }
}

/// One catalog entry, or `None` when it cannot be a source (no usable key, a duplicate, an
/// unknown mode): each reported, scoped to the source so that it fails alone.
fn resolve_source(
    entry: Entry<'_>,
    s: &RawSource,
    cfg: &Config,
    diags: &mut Vec<Diagnostic>,
) -> Option<SourceDef> {
    let key = source_key(entry, s, cfg, diags)?;
    let mode = s.ingestion_mode.as_deref().map(str::trim).unwrap_or("");
    let Some(kind) = source_kind(mode) else {
        diags.push(
            entry
                .error(
                    "ingestion_mode",
                    format!(
                        "source `{key}`: ingestion_mode `{mode}` is not one of rss, html, api, none"
                    ),
                )
                .for_source(key),
        );
        return None;
    };
    let enabled = s.enabled.unwrap_or(false);
    let url = source_url(entry, key, s, kind, enabled, diags);
    let source_type = non_empty(&s.source_type).unwrap_or("unknown");
    let api = (kind == SourceKind::Api).then(|| {
        crate::config::api::resolve_api(
            entry.file,
            &format!("sources[{}]", entry.index),
            key,
            s.api.as_ref(),
            source_type,
            enabled,
            diags,
        )
    });
    Some(SourceDef {
        key: key.to_string(),
        company_id: non_empty(&s.company_id).map(str::to_string),
        kind,
        enabled,
        url,
        homepage_url: non_empty(&s.homepage_url).and_then(|u| parse_http_url(u).ok()),
        source_type: source_type.to_string(),
        language: non_empty(&s.default_language).unwrap_or("en").to_string(),
        tags: s.tags.clone(),
        profile: non_empty(&s.ingestion_profile).map(str::to_string),
        min_interval_ms: s.min_interval_ms,
        ssl_verify: s.ssl_verify.unwrap_or(true),
        allow_empty: s.allow_empty.unwrap_or(false),
        article_fallback: match kind {
            SourceKind::Html => s.article_fallback.unwrap_or(DEFAULT_ARTICLE_FALLBACK),
            _ => 0,
        },
        article_content: s.article_content.unwrap_or(false),
        api,
    })
}

/// The entry's `source_key`, when it can name a source: present, a safe id (it becomes part of
/// storage keys) and not already defined (running either definition could be the wrong one).
fn source_key<'a>(
    entry: Entry<'_>,
    s: &'a RawSource,
    cfg: &Config,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a str> {
    let Some(key) = non_empty(&s.source_key) else {
        diags.push(
            entry
                .error("source_key", "missing source_key")
                .for_source(&format!("sources[{}]", entry.index)),
        );
        return None;
    };
    let problem = if !is_valid_id(key) {
        format!(
            "invalid source_key `{key}`: only letters, digits, `_` and `-` (at most 64), since it becomes part of storage keys"
        )
    } else if cfg.sources.contains_key(key) {
        format!("duplicate source_key `{key}`")
    } else {
        return Some(key);
    };
    diags.push(entry.error("source_key", problem).for_source(key));
    None
}

/// `ingestion_mode` → kind; `None` for anything else.
fn source_kind(mode: &str) -> Option<SourceKind> {
    match mode {
        "rss" => Some(SourceKind::Rss),
        "html" => Some(SourceKind::Html),
        "api" => Some(SourceKind::Api),
        "none" => Some(SourceKind::None),
        _ => None,
    }
}

/// The URL fetched for the source's kind (`rss_url`, `html_url` or `api_url`). A missing one is
/// an error only for an enabled source; an invalid one always is.
fn source_url(
    entry: Entry<'_>,
    key: &str,
    s: &RawSource,
    kind: SourceKind,
    enabled: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<url::Url> {
    let (url_key, value) = match kind {
        SourceKind::Rss => ("rss_url", &s.rss_url),
        SourceKind::Html => ("html_url", &s.html_url),
        SourceKind::Api => ("api_url", &s.api_url),
        SourceKind::None => return None,
    };
    let mode = s.ingestion_mode.as_deref().map(str::trim).unwrap_or("");
    let problem = match non_empty(value) {
        None if enabled => {
            format!("source `{key}` has ingestion_mode `{mode}` but no {url_key}")
        }
        None => return None,
        Some(u) => match parse_http_url(u) {
            Ok(u) => return Some(u),
            Err(e) => format!("source `{key}`: {e}"),
        },
    };
    diags.push(entry.error(url_key, problem).for_source(key));
    None
}

/// One bouquet. Its problems stop nothing: a client's unknown bouquet or source is reported in
/// its run, and the first definition of a duplicated bouquet is the one used.
fn resolve_bouquet(
    file: &str,
    i: usize,
    b: &RawBouquet,
    cfg: &mut Config,
    diags: &mut Vec<Diagnostic>,
) {
    let at = format!("bouquets[{i}].bouquet_id");
    let id = match non_empty(&b.bouquet_id) {
        None => Err("missing bouquet_id".to_string()),
        Some(id) if cfg.bouquets.contains_key(id) => Err(format!("duplicate bouquet_id `{id}`")),
        Some(id) => Ok(id),
    };
    let id = match id {
        Ok(id) => id,
        Err(message) => {
            diags.push(Diagnostic::error(file, at, message).scoped(Scope::File));
            return;
        }
    };
    for (j, k) in b.source_keys.iter().enumerate() {
        if !cfg.sources.contains_key(k) && !catalog_key_has_error(diags, k) {
            diags.push(
                Diagnostic::warning(
                    file,
                    format!("bouquets[{i}].source_keys[{j}]"),
                    format!("bouquet `{id}` names unknown source `{k}`"),
                )
                .scoped(Scope::File),
            );
        }
    }
    cfg.bouquets.insert(id.to_string(), b.source_keys.clone());
}

/// True when the catalog entry of `key` was rejected (its own error says why it is missing).
fn catalog_key_has_error(diags: &[Diagnostic], key: &str) -> bool {
    diags
        .iter()
        .any(|d| d.is_error() && d.scope == Scope::Source(key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(yaml: &str) -> RawSource {
        serde_saphyr::from_str(yaml).expect("test YAML")
    }

    fn resolve_one(yaml: &str) -> (Option<SourceDef>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let entry = Entry {
            file: "catalog.yaml",
            index: 3,
        };
        let def = resolve_source(entry, &source(yaml), &Config::default(), &mut diags);
        (def, diags)
    }

    #[test]
    fn a_missing_url_is_an_error_only_for_an_enabled_source() {
        let (def, diags) = resolve_one("source_key: s\ningestion_mode: rss\nenabled: true\n");
        assert!(def.is_some_and(|d| d.url.is_none()));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].key, "sources[3].rss_url");
        assert_eq!(diags[0].scope, Scope::Source("s".into()));
        let (def, diags) = resolve_one("source_key: s\ningestion_mode: rss\n");
        assert!(def.is_some() && diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn the_url_read_is_the_one_of_the_mode() {
        let (def, diags) = resolve_one(
            "source_key: s\ningestion_mode: html\nenabled: true\nrss_url: 'https://a.example/feed'\nhtml_url: 'https://a.example/news'\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let def = def.expect("a source");
        assert_eq!(
            def.url.map(String::from).as_deref(),
            Some("https://a.example/news")
        );
        assert_eq!(def.article_fallback, DEFAULT_ARTICLE_FALLBACK);
    }

    #[test]
    fn unusable_keys_and_modes_reject_the_entry() {
        for (yaml, key, words) in [
            ("ingestion_mode: rss\n", "sources[3].source_key", "missing"),
            (
                "source_key: a/b\ningestion_mode: rss\n",
                "sources[3].source_key",
                "invalid",
            ),
            (
                "source_key: s\ningestion_mode: ftp\n",
                "sources[3].ingestion_mode",
                "not one of",
            ),
        ] {
            let (def, diags) = resolve_one(yaml);
            assert!(def.is_none(), "{yaml}");
            assert_eq!(diags.len(), 1, "{yaml}: {diags:?}");
            assert_eq!(diags[0].key, key, "{yaml}");
            assert!(diags[0].message.contains(words), "{yaml}: {diags:?}");
        }
    }
}
