//! Raw YAML → resolved [`Config`]: references checked, patterns and selectors compiled.

use super::diagnostics::{Diagnostic, Scope};
use super::raw::*;
use super::scopes::ScopeRegistry;
use super::{
    CATALOG_FILE, Client, Config, ExtractionDefaults, PROFILES_FILE, SourceDef, SourceKind,
    is_valid_id,
};
use std::collections::BTreeSet;
use std::sync::Arc;
use url::Url;
use vectora_filter::{NamedTerms, Profile, ProfileDef, ProfileMode, SignalGroupDef};
use vectora_parse::html::{ListingRules, SelectorList};

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
        resolve_catalog(file, catalog, &mut cfg, &mut diags);
    }
    if let Some((file, ex)) = &parsed.extractors {
        let bundled = parsed.bundled_paths.contains(file.as_str());
        resolve_extractors(file, ex, bundled, &mut cfg, &mut diags);
    }
    let global = parsed
        .profiles
        .as_ref()
        .and_then(|(_, p)| p.metadata.as_ref())
        .and_then(|m| m.global_config.as_ref());
    let env = ProfileEnv {
        scopes: &parsed.scopes,
        case_sensitive: global.and_then(|g| g.case_sensitive).unwrap_or(false),
        minimum_text_length: global.and_then(|g| g.minimum_text_length).unwrap_or(0),
    };
    if let Some((file, profiles)) = &parsed.profiles {
        for (name, raw) in &profiles.profiles {
            if let Some(p) = resolve_profile(file, name, raw, &env, &mut diags) {
                cfg.profiles.insert(name.clone(), Arc::new(p));
            }
        }
    }
    if parsed.bundled_profiles && parsed.profiles.is_some() {
        add_bundled_profiles(&env, &mut cfg, &mut diags);
    }
    // Politeness set on a profile applies to its sources unless the source sets its own.
    if let Some((_, profiles)) = &parsed.profiles {
        for s in cfg.sources.values_mut() {
            if s.min_interval_ms.is_none() {
                s.min_interval_ms = s
                    .profile
                    .as_ref()
                    .and_then(|p| profiles.profiles.get(p))
                    .and_then(|p| p.min_interval_ms);
            }
        }
    }
    // Sources naming a profile that does not exist (not reported when the profiles file itself
    // could not be read: its own error says it all).
    let profiles_unreadable = parsed.profiles_present && parsed.profiles.is_none();
    let profile_names: BTreeSet<&str> = parsed
        .profiles
        .iter()
        .flat_map(|(_, p)| p.profiles.keys().map(String::as_str))
        .collect();
    // (Nor when the profile exists but names a list of a scope file that could not be read.)
    for s in cfg.sources.values() {
        let Some(p) = &s.profile else { continue };
        if !profiles_unreadable
            && !cfg.profiles.contains_key(p)
            && !profile_failed_to_compile(&diags, p)
            && !profile_names.contains(p.as_str())
        {
            diags.push(
                Diagnostic::error(
                    CATALOG_FILE,
                    format!("{}.ingestion_profile", s.key),
                    format!(
                        "unknown ingestion profile `{p}` (known: {})",
                        join_keys(cfg.profiles.keys())
                    ),
                )
                .for_source(&s.key),
            );
        }
    }
    for (file, raw) in &parsed.clients {
        resolve_client(file, raw, &mut cfg, &mut diags);
    }
    cfg.diagnostics = diags;
    cfg
}

fn profile_failed_to_compile(diags: &[Diagnostic], name: &str) -> bool {
    diags
        .iter()
        .any(|d| d.scope == super::Scope::Profile(name.to_string()))
}

/// Profiles that sources name, that the config's profiles file lacks and the bundled one has:
/// taken from the bundled file, resolved against the config's term lists.
fn add_bundled_profiles(env: &ProfileEnv<'_>, cfg: &mut Config, diags: &mut Vec<Diagnostic>) {
    let wanted: BTreeSet<String> = cfg
        .sources
        .values()
        .filter_map(|s| s.profile.clone())
        .filter(|p| !cfg.profiles.contains_key(p) && !profile_failed_to_compile(diags, p))
        .collect();
    let bundled = super::bundled::raw_profiles();
    for name in wanted {
        let Some(raw) = bundled.profiles.get(&name) else {
            continue;
        };
        diags.push(Diagnostic::bundled_fallback(
            PROFILES_FILE,
            format!("profiles.{name}"),
            "not in the config's profiles: using the bundled profile of that name",
        ));
        if let Some(p) = resolve_profile(PROFILES_FILE, &name, raw, env, diags) {
            cfg.profiles.insert(name, Arc::new(p));
        }
    }
}

fn join_keys<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = keys.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn resolve_catalog(file: &str, raw: &RawCatalog, cfg: &mut Config, diags: &mut Vec<Diagnostic>) {
    if raw.sources.is_empty() {
        diags.push(Diagnostic::error(
            file,
            "sources",
            "the catalog lists no sources",
        ));
    }
    for (i, s) in raw.sources.iter().enumerate() {
        let at = |k: &str| format!("sources[{i}].{k}");
        let Some(key) = non_empty(&s.source_key) else {
            diags.push(
                Diagnostic::error(file, at("source_key"), "missing source_key")
                    .for_source(&format!("sources[{i}]")),
            );
            continue;
        };
        if !is_valid_id(key) {
            diags.push(Diagnostic::error(
                file,
                at("source_key"),
                format!("invalid source_key `{key}`: only letters, digits, `_` and `-` (at most 64), since it becomes part of storage keys"),
            ).for_source(key));
            continue;
        }
        if cfg.sources.contains_key(key) {
            // Two definitions: running either could be the wrong one.
            diags.push(
                Diagnostic::error(
                    file,
                    at("source_key"),
                    format!("duplicate source_key `{key}`"),
                )
                .for_source(key),
            );
            continue;
        }
        let mode = s.ingestion_mode.as_deref().map(str::trim).unwrap_or("");
        let kind = match mode {
            "rss" => SourceKind::Rss,
            "html" => SourceKind::Html,
            "api" => SourceKind::Api,
            "none" => SourceKind::None,
            other => {
                diags.push(Diagnostic::error(
                    file,
                    at("ingestion_mode"),
                    format!("source `{key}`: ingestion_mode `{other}` is not one of rss, html, api, none"),
                ).for_source(key));
                continue;
            }
        };
        let enabled = s.enabled.unwrap_or(false);
        let (url_key, url_val) = match kind {
            SourceKind::Rss => ("rss_url", &s.rss_url),
            SourceKind::Html => ("html_url", &s.html_url),
            SourceKind::Api => ("api_url", &s.api_url),
            SourceKind::None => ("", &None),
        };
        let mut url = None;
        if kind != SourceKind::None {
            match non_empty(url_val) {
                None if enabled => diags.push(
                    Diagnostic::error(
                        file,
                        at(url_key),
                        format!("source `{key}` has ingestion_mode `{mode}` but no {url_key}"),
                    )
                    .for_source(key),
                ),
                None => {}
                Some(u) => match parse_http_url(u) {
                    Ok(u) => url = Some(u),
                    Err(e) => diags.push(
                        Diagnostic::error(file, at(url_key), format!("source `{key}`: {e}"))
                            .for_source(key),
                    ),
                },
            }
        }
        let homepage_url = non_empty(&s.homepage_url).and_then(|u| parse_http_url(u).ok());
        let source_type = non_empty(&s.source_type).unwrap_or("unknown");
        let api = (kind == SourceKind::Api).then(|| {
            super::api::resolve_api(
                file,
                &format!("sources[{i}]"),
                key,
                s.api.as_ref(),
                source_type,
                enabled,
                diags,
            )
        });
        cfg.sources.insert(
            key.to_string(),
            SourceDef {
                key: key.to_string(),
                company_id: non_empty(&s.company_id).map(str::to_string),
                kind,
                enabled,
                url,
                homepage_url,
                source_type: source_type.to_string(),
                language: non_empty(&s.default_language).unwrap_or("en").to_string(),
                tags: s.tags.clone(),
                profile: non_empty(&s.ingestion_profile).map(str::to_string),
                min_interval_ms: s.min_interval_ms,
                ssl_verify: s.ssl_verify.unwrap_or(true),
                allow_empty: s.allow_empty.unwrap_or(false),
                article_fallback: match kind {
                    SourceKind::Html => s
                        .article_fallback
                        .unwrap_or(super::DEFAULT_ARTICLE_FALLBACK),
                    _ => 0,
                },
                article_content: s.article_content.unwrap_or(false),
                api,
            },
        );
    }
    for (i, b) in raw.bouquets.iter().enumerate() {
        // Bouquet problems stop nothing: a client's unknown bouquet or source is reported in
        // its run, and the first definition of a duplicated bouquet is the one used.
        let Some(id) = non_empty(&b.bouquet_id) else {
            diags.push(
                Diagnostic::error(
                    file,
                    format!("bouquets[{i}].bouquet_id"),
                    "missing bouquet_id",
                )
                .scoped(Scope::File),
            );
            continue;
        };
        if cfg.bouquets.contains_key(id) {
            diags.push(
                Diagnostic::error(
                    file,
                    format!("bouquets[{i}].bouquet_id"),
                    format!("duplicate bouquet_id `{id}`"),
                )
                .scoped(Scope::File),
            );
            continue;
        }
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
}

/// True when the catalog entry of `key` was rejected (its own error says why it is missing).
fn catalog_key_has_error(diags: &[Diagnostic], key: &str) -> bool {
    diags
        .iter()
        .any(|d| d.is_error() && d.scope == Scope::Source(key.to_string()))
}

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

/// `bundled`: the file is the bundled one, standing in for a missing file: its extractors for
/// sources this config does not have are not this config's mistake.
fn resolve_extractors(
    file: &str,
    raw: &RawExtractorsFile,
    bundled: bool,
    cfg: &mut Config,
    diags: &mut Vec<Diagnostic>,
) {
    let globals = raw.global_settings.as_ref();
    let mut defaults = ExtractionDefaults::default();
    if let Some(g) = globals {
        if let Some(m) = g.default_max_items {
            defaults.max_items = m;
        }
        defaults.timeout_secs = g.extraction_timeout;
        for (i, f) in g.default_date_patterns.iter().enumerate() {
            match vectora_parse::dates::validate_format(f) {
                Ok(()) => defaults.date_formats.push(f.clone()),
                Err(e) => diags.push(
                    Diagnostic::error(
                        file,
                        format!("global_settings.default_date_patterns[{i}]"),
                        e,
                    )
                    .scoped(Scope::File),
                ),
            }
        }
        if let Some(fb) = &g.fallback_selectors {
            // Checked for validity; the generic extractor does not need them.
            compile_selectors(
                file,
                "global_settings.fallback_selectors",
                fb,
                Scope::File,
                diags,
            );
        }
    }
    for (key, ex) in &raw.extractors {
        let at = format!("extractors.{key}");
        if !cfg.sources.contains_key(key) {
            if bundled {
                continue;
            }
            diags.push(
                Diagnostic::warning(file, &at, format!("extractor for unknown source `{key}`"))
                    .scoped(Scope::File),
            );
        }
        let scope = Scope::Source(key.clone());
        let sel = compile_selectors(
            file,
            &format!("{at}.selectors"),
            &ex.selectors,
            scope.clone(),
            diags,
        );
        let mut date_formats = Vec::new();
        if let Some(f) = &ex.date_format {
            match vectora_parse::dates::validate_format(f) {
                Ok(()) => date_formats.push(f.clone()),
                Err(e) => diags.push(
                    Diagnostic::error(file, format!("{at}.date_format"), e).scoped(scope.clone()),
                ),
            }
        }
        date_formats.extend(
            defaults
                .date_formats
                .iter()
                .filter(|f| !date_formats.contains(f))
                .cloned()
                .collect::<Vec<_>>(),
        );
        let base_url = match non_empty(&ex.base_url) {
            None => None,
            Some(u) => match parse_http_url(u) {
                Ok(u) => Some(u),
                Err(e) => {
                    diags.push(
                        Diagnostic::error(file, format!("{at}.base_url"), e).scoped(scope.clone()),
                    );
                    None
                }
            },
        };
        let Some(sel) = sel else { continue };
        let allow_empty = ex
            .allow_empty
            .or_else(|| cfg.sources.get(key).map(|s| s.allow_empty))
            .unwrap_or(false);
        if let Some(false) = ex.ssl_verify
            && let Some(src) = cfg.sources.get_mut(key)
        {
            src.ssl_verify = false;
        }
        cfg.extractors.insert(
            key.clone(),
            Arc::new(ListingRules {
                container: sel[0].clone(),
                item: sel[1].clone(),
                title: sel[2].clone(),
                url: sel[3].clone(),
                date: sel[4].clone(),
                description: sel[5].clone(),
                date_formats,
                base_url,
                max_items: ex
                    .max_items
                    .filter(|m| *m > 0)
                    .unwrap_or(defaults.max_items),
                allow_empty,
            }),
        );
    }
    cfg.extraction = defaults;
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

/// What every profile of a config is resolved against: its term lists and the profiles file's
/// `metadata.global_config`.
struct ProfileEnv<'a> {
    scopes: &'a ScopeRegistry,
    case_sensitive: bool,
    minimum_text_length: usize,
}

/// Resolves one profile; its problems are scoped to it, so that they fail only its sources.
fn resolve_profile(
    file: &str,
    name: &str,
    raw: &RawProfile,
    env: &ProfileEnv<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Profile> {
    let before = diags.len();
    let profile = build_profile(file, name, raw, env, diags);
    for d in &mut diags[before..] {
        d.scope = Scope::Profile(name.to_string());
    }
    profile
}

fn build_profile(
    file: &str,
    name: &str,
    raw: &RawProfile,
    env: &ProfileEnv<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Profile> {
    let scopes = env.scopes;
    let at = format!("profiles.{name}");
    let before = diags.len();
    let Some(req) = &raw.signal_requirements else {
        diags.push(Diagnostic::error(
            file,
            format!("{at}.signal_requirements"),
            "missing signal_requirements",
        ));
        return None;
    };
    let mode = match req.mode.as_deref().map(str::trim) {
        Some("exclude_only") => ProfileMode::ExcludeOnly,
        Some("require_signals") => ProfileMode::RequireSignals,
        Some("require_multi_signals") => ProfileMode::RequireMultiSignals,
        Some("ingest_all") => ProfileMode::IngestAll,
        other => {
            diags.push(Diagnostic::error(
                file,
                format!("{at}.signal_requirements.mode"),
                format!(
                    "mode `{}` is not one of exclude_only, require_signals, require_multi_signals, ingest_all",
                    other.unwrap_or("")
                ),
            ));
            return None;
        }
    };
    let exclusions: Vec<NamedTerms> = req
        .exclusion_scopes
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            resolve_list(
                scopes,
                file,
                format!("{at}.signal_requirements.exclusion_scopes[{i}]"),
                r,
                diags,
            )
        })
        .collect();
    let mut complete = exclusions.len() == req.exclusion_scopes.len();
    let mut groups = Vec::new();
    let mut seen = BTreeSet::new();
    for (gi, g) in req.required_signal_groups.iter().enumerate() {
        let gat = format!("{at}.signal_requirements.required_signal_groups[{gi}]");
        let Some(id) = non_empty(&g.group_id) else {
            diags.push(Diagnostic::error(
                file,
                format!("{gat}.group_id"),
                "missing group_id",
            ));
            continue;
        };
        if !seen.insert(id.to_string()) {
            diags.push(Diagnostic::error(
                file,
                format!("{gat}.group_id"),
                format!("duplicate group_id `{id}`"),
            ));
        }
        let scopes_resolved: Vec<NamedTerms> = g
            .scopes
            .iter()
            .enumerate()
            .filter_map(|(si, r)| {
                resolve_list(scopes, file, format!("{gat}.scopes[{si}]"), r, diags)
            })
            .collect();
        complete &= scopes_resolved.len() == g.scopes.len();
        groups.push(SignalGroupDef {
            group_id: id.to_string(),
            scopes: scopes_resolved,
            min_matches: g.min_matches.unwrap_or(1),
            weight: g.weight.unwrap_or(1.0),
        });
    }
    // A list that could not be resolved (even silently, its scope file being unreadable) means
    // no profile: filtering without it would let through what it was meant to catch.
    if diags.len() > before || !complete {
        return None;
    }
    let def = ProfileDef {
        name: name.to_string(),
        mode,
        exclusions,
        groups,
        combination_logic: non_empty(&req.combination_logic).map(str::to_string),
        minimum_total_weight: req.minimum_total_weight.unwrap_or(0.0),
        case_sensitive: env.case_sensitive,
        minimum_text_length: env.minimum_text_length,
    };
    match Profile::compile(def) {
        Ok(p) => {
            for w in p.warnings() {
                diags.push(Diagnostic::info(
                    file,
                    format!("{at}.signal_requirements.{}", w.key),
                    w.message.clone(),
                ));
            }
            Some(p)
        }
        Err(errors) => {
            for e in errors {
                diags.push(Diagnostic::error(
                    file,
                    format!("{at}.signal_requirements.{}", e.key),
                    e.message,
                ));
            }
            None
        }
    }
}

fn resolve_list(
    scopes: &ScopeRegistry,
    file: &str,
    key: String,
    reference: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<NamedTerms> {
    match scopes.resolve(reference) {
        Ok(terms) => Some(NamedTerms {
            name: reference.to_string(),
            terms,
        }),
        // The reference may be in the file that could not be read: its error is enough, and
        // the profile is not built (a run fails its sources with that error).
        Err(_) if scopes.has_broken_files() => None,
        Err(e) => {
            diags.push(Diagnostic::error(file, key, e));
            None
        }
    }
}

fn resolve_client(file: &str, raw: &RawClientFile, cfg: &mut Config, diags: &mut Vec<Diagnostic>) {
    let stem = file
        .trim_start_matches(super::CLIENTS_DIR)
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .to_string();
    let Some(profile) = &raw.client_profile else {
        diags.push(
            Diagnostic::error(file, "client_profile", "missing client_profile").for_client(&stem),
        );
        return;
    };
    let id = non_empty(&profile.client_id).unwrap_or(&stem).to_string();
    if !is_valid_id(&id) {
        diags.push(
            Diagnostic::error(
                file,
                "client_profile.client_id",
                format!("invalid client_id `{id}`: only letters, digits, `_` and `-` (at most 64), since it becomes part of storage keys"),
            )
            .for_client(&stem),
        );
        return;
    }
    if id != stem {
        diags.push(
            Diagnostic::error(
                file,
                "client_profile.client_id",
                format!("client_id `{id}` does not match the file name `{stem}.yaml` (clients are looked up by file name)"),
            )
            .for_client(&stem),
        );
        return;
    }
    let sc = raw.source_config.as_ref();
    let bouquets = sc
        .map(|s| s.source_bouquets_enabled.clone())
        .unwrap_or_default();
    let extra = sc
        .map(|s| s.sources_extra_enabled.clone())
        .unwrap_or_default();
    for (i, b) in bouquets.iter().enumerate() {
        if !cfg.bouquets.contains_key(b) {
            diags.push(
                Diagnostic::warning(
                    file,
                    format!("source_config.source_bouquets_enabled[{i}]"),
                    format!(
                        "unknown bouquet `{b}` (known: {})",
                        join_keys(cfg.bouquets.keys())
                    ),
                )
                .for_client(&id),
            );
        }
    }
    for (i, s) in extra.iter().enumerate() {
        if !cfg.sources.contains_key(s) {
            diags.push(
                Diagnostic::warning(
                    file,
                    format!("source_config.sources_extra_enabled[{i}]"),
                    format!("unknown source `{s}`"),
                )
                .for_client(&id),
            );
        }
    }
    let period = raw.pipeline.as_ref().and_then(|p| p.default_period_days);
    if period == Some(0) {
        diags.push(
            Diagnostic::error(file, "pipeline.default_period_days", "must be at least 1")
                .for_client(&id),
        );
    }
    let stale_after_days = raw.pipeline.as_ref().and_then(|p| p.stale_after_days);
    if stale_after_days == Some(0) {
        diags.push(
            Diagnostic::error(file, "pipeline.stale_after_days", "must be at least 1")
                .for_client(&id),
        );
    }
    cfg.clients.insert(
        id.clone(),
        Client {
            id: id.clone(),
            name: non_empty(&profile.name).unwrap_or(&id).to_string(),
            active: profile.active.unwrap_or(false),
            default_period_days: period,
            stale_after_days: stale_after_days.unwrap_or(crate::health::DEFAULT_STALE_AFTER_DAYS),
            bouquets,
            extra_sources: extra,
            file: file.to_string(),
        },
    );
}
