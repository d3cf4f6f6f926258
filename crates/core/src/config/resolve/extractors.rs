//! The HTML extractors (`canonical/sources/html_extractors.yaml`): the extraction defaults of
//! `global_settings`, then one set of listing rules per source.

use super::{non_empty, parse_http_url};
use crate::config::diagnostics::{Diagnostic, Scope};
use crate::config::raw::{RawExtractor, RawExtractorGlobals, RawExtractorsFile, RawSelectors};
use crate::config::{Config, ExtractionDefaults};
use std::sync::Arc;
use vectora_parse::html::{ListingRules, SelectorList};

/// `bundled`: the file is the bundled one, standing in for a missing file: its extractors for
/// sources this config does not have are not this config's mistake.
pub(super) fn resolve_extractors(
    file: &str,
    raw: &RawExtractorsFile,
    bundled: bool,
    cfg: &mut Config,
    diags: &mut Vec<Diagnostic>,
) {
    let defaults = extraction_defaults(file, raw.global_settings.as_ref(), diags);
    for (key, ex) in &raw.extractors {
        if !cfg.sources.contains_key(key) {
            if bundled {
                continue;
            }
            diags.push(
                Diagnostic::warning(
                    file,
                    format!("extractors.{key}"),
                    format!("extractor for unknown source `{key}`"),
                )
                .scoped(Scope::File),
            );
        }
        if let Some(rules) = resolve_extractor(file, key, ex, &defaults, cfg, diags) {
            cfg.extractors.insert(key.clone(), Arc::new(rules));
        }
    }
    cfg.extraction = defaults;
}

/// `global_settings`: the default `max_items` and date patterns every extractor falls back on.
/// `fallback_selectors` (a key of the old system's file) is checked, so that a mistake in it is
/// reported, but nothing reads it: the generic extractor does better than one set of selectors
/// for every page. `extraction_timeout` is not read either (the fetcher's deadlines apply).
fn extraction_defaults(
    file: &str,
    globals: Option<&RawExtractorGlobals>,
    diags: &mut Vec<Diagnostic>,
) -> ExtractionDefaults {
    let mut defaults = ExtractionDefaults::default();
    let Some(g) = globals else {
        return defaults;
    };
    if let Some(m) = g.default_max_items {
        defaults.max_items = m;
    }
    for (i, f) in g.default_date_patterns.iter().enumerate() {
        let key = format!("global_settings.default_date_patterns[{i}]");
        if let Some(f) = checked_date_format(file, key, f, Scope::File, diags) {
            defaults.date_formats.push(f);
        }
    }
    if let Some(fb) = &g.fallback_selectors {
        compile_selectors(
            file,
            "global_settings.fallback_selectors",
            fb,
            Scope::File,
            diags,
        );
    }
    defaults
}

/// One source's listing rules; `None` when a selector is invalid (reported, scoped to the
/// source). A bad date format or base URL is reported and left out.
fn resolve_extractor(
    file: &str,
    key: &str,
    ex: &RawExtractor,
    defaults: &ExtractionDefaults,
    cfg: &mut Config,
    diags: &mut Vec<Diagnostic>,
) -> Option<ListingRules> {
    let at = format!("extractors.{key}");
    let scope = Scope::Source(key.to_string());
    let selectors = compile_selectors(
        file,
        &format!("{at}.selectors"),
        &ex.selectors,
        scope.clone(),
        diags,
    );
    let own_format = ex.date_format.as_ref().and_then(|f| {
        checked_date_format(file, format!("{at}.date_format"), f, scope.clone(), diags)
    });
    let base_url = non_empty(&ex.base_url).and_then(|u| match parse_http_url(u) {
        Ok(u) => Some(u),
        Err(e) => {
            diags.push(Diagnostic::error(file, format!("{at}.base_url"), e).scoped(scope.clone()));
            None
        }
    });
    let [container, item, title, url, date, description] = selectors?;
    let allow_empty = ex
        .allow_empty
        .or_else(|| cfg.sources.get(key).map(|s| s.allow_empty))
        .unwrap_or(false);
    // The old system's extractors file carries `ssl_verify: false` for its sources.
    if ex.ssl_verify == Some(false)
        && let Some(src) = cfg.sources.get_mut(key)
    {
        src.ssl_verify = false;
    }
    Some(ListingRules {
        container,
        item,
        title,
        url,
        date,
        description,
        date_formats: date_formats(own_format, &defaults.date_formats),
        base_url,
        max_items: ex
            .max_items
            .filter(|m| *m > 0)
            .unwrap_or(defaults.max_items),
        allow_empty,
    })
}

/// The formats an extractor tries: its own first, then the defaults it does not repeat.
fn date_formats(own: Option<String>, defaults: &[String]) -> Vec<String> {
    let mut formats: Vec<String> = own.into_iter().collect();
    for f in defaults {
        if !formats.contains(f) {
            formats.push(f.clone());
        }
    }
    formats
}

/// `format` when the date parser accepts it; otherwise an error at `key`.
fn checked_date_format(
    file: &str,
    key: String,
    format: &str,
    scope: Scope,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    match vectora_parse::dates::validate_format(format) {
        Ok(()) => Some(format.to_string()),
        Err(e) => {
            diags.push(Diagnostic::error(file, key, e).scoped(scope));
            None
        }
    }
}

/// Compiles the six selector lists found under the key `at` (e.g.
/// `extractors.x.selectors`); `None` when any is invalid (each reported).
fn compile_selectors(
    file: &str,
    at: &str,
    raw: &RawSelectors,
    scope: Scope,
    diags: &mut Vec<Diagnostic>,
) -> Option<[Option<SelectorList>; 6]> {
    let fields: [(&str, &Option<String>); 6] = [
        ("container", &raw.container),
        ("item", &raw.item),
        ("title", &raw.title),
        ("url", &raw.url),
        ("date", &raw.date),
        ("description", &raw.description),
    ];
    let mut ok = true;
    let out = fields.map(|(name, v)| match non_empty(v) {
        None => None,
        Some(s) => match SelectorList::parse(s) {
            Ok(l) => Some(l),
            Err(e) => {
                ok = false;
                diags
                    .push(Diagnostic::error(file, format!("{at}.{name}"), e).scoped(scope.clone()));
                None
            }
        },
    });
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_format_comes_first_and_defaults_are_not_repeated() {
        let defaults = vec!["%Y-%m-%d".to_string(), "%B %d, %Y".to_string()];
        assert_eq!(
            date_formats(Some("%B %d, %Y".into()), &defaults),
            vec!["%B %d, %Y", "%Y-%m-%d"]
        );
        assert_eq!(date_formats(None, &defaults), defaults);
    }

    #[test]
    fn one_bad_selector_rejects_the_set_and_names_its_field() {
        let raw = RawSelectors {
            item: Some("li.release".into()),
            title: Some("a[[".into()),
            ..RawSelectors::default()
        };
        let mut diags = Vec::new();
        let out = compile_selectors(
            "x.yaml",
            "extractors.s.selectors",
            &raw,
            Scope::File,
            &mut diags,
        );
        assert!(out.is_none());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].key, "extractors.s.selectors.title");
    }

    #[test]
    fn defaults_keep_the_valid_patterns_only() {
        let globals = RawExtractorGlobals {
            default_max_items: Some(7),
            default_date_patterns: vec!["%d.%m.%Y".into(), "%Q".into()],
            ..RawExtractorGlobals::default()
        };
        let mut diags = Vec::new();
        let d = extraction_defaults("x.yaml", Some(&globals), &mut diags);
        assert_eq!(d.max_items, 7);
        assert_eq!(d.date_formats, vec!["%d.%m.%Y"]);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].key, "global_settings.default_date_patterns[1]");
    }
}
