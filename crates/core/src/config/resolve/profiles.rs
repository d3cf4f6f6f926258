//! The ingestion profiles (`canonical/ingestion/ingestion_profiles.yaml`): each resolved against
//! the term lists of the scope files, checked, and compiled by the filter crate. A profile's
//! problems are scoped to it, so that they fail only the sources using it.

use super::{ParsedFiles, join_keys, non_empty};
use crate::config::diagnostics::{Diagnostic, Scope};
use crate::config::raw::{RawProfile, RawProfilesFile, RawSignalGroup, RawSignalRequirements};
use crate::config::scopes::ScopeRegistry;
use crate::config::{CATALOG_FILE, Config, PROFILES_FILE};
use std::collections::BTreeSet;
use std::sync::Arc;
use vectora_filter::{NamedTerms, Profile, ProfileDef, ProfileMode, SignalGroupDef};

/// Every profile of the config, then the bundled ones its sources name and it lacks, then what
/// profiles give their sources (politeness), then the sources naming no known profile.
pub(super) fn resolve_profiles(
    parsed: &ParsedFiles,
    cfg: &mut Config,
    diags: &mut Vec<Diagnostic>,
) {
    let raw = parsed.profiles.as_ref();
    let env = ProfileEnv::new(&parsed.scopes, raw.map(|(_, p)| p));
    if let Some((file, profiles)) = raw {
        for (name, raw) in &profiles.profiles {
            if let Some(p) = resolve_profile(file, name, raw, &env, diags) {
                cfg.profiles.insert(name.clone(), Arc::new(p));
            }
        }
    }
    if parsed.bundled_profiles && raw.is_some() {
        add_bundled_profiles(&env, cfg, diags);
    }
    if let Some((_, profiles)) = raw {
        inherit_min_interval(profiles, cfg);
    }
    // Not reported when the profiles file itself could not be read: its own error says it all.
    if !(parsed.profiles_present && raw.is_none()) {
        report_unknown_profiles(raw.map(|(_, p)| p), cfg, diags);
    }
}

/// What every profile of a config is resolved against: its term lists and the profiles file's
/// `metadata.global_config`.
struct ProfileEnv<'a> {
    scopes: &'a ScopeRegistry,
    case_sensitive: bool,
    minimum_text_length: usize,
}

impl<'a> ProfileEnv<'a> {
    fn new(scopes: &'a ScopeRegistry, file: Option<&RawProfilesFile>) -> Self {
        let global = file
            .and_then(|p| p.metadata.as_ref())
            .and_then(|m| m.global_config.as_ref());
        Self {
            scopes,
            case_sensitive: global.and_then(|g| g.case_sensitive).unwrap_or(false),
            minimum_text_length: global.and_then(|g| g.minimum_text_length).unwrap_or(0),
        }
    }
}

/// True when `name` has a problem of its own (whatever it is, the profile is reported).
fn profile_failed_to_compile(diags: &[Diagnostic], name: &str) -> bool {
    diags
        .iter()
        .any(|d| d.scope == Scope::Profile(name.to_string()))
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
    let bundled = crate::config::bundled::raw_profiles();
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

/// Politeness set on a profile applies to its sources unless the source sets its own.
fn inherit_min_interval(profiles: &RawProfilesFile, cfg: &mut Config) {
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

/// Sources naming a profile that does not exist: an error of the source. Not when the profile is
/// in the file but could not be built (its own errors say why, or it names a list of a scope file
/// that could not be read).
fn report_unknown_profiles(
    file: Option<&RawProfilesFile>,
    cfg: &Config,
    diags: &mut Vec<Diagnostic>,
) {
    let in_file: BTreeSet<&str> = file
        .iter()
        .flat_map(|p| p.profiles.keys().map(String::as_str))
        .collect();
    for s in cfg.sources.values() {
        let Some(p) = &s.profile else { continue };
        if cfg.profiles.contains_key(p)
            || profile_failed_to_compile(diags, p)
            || in_file.contains(p.as_str())
        {
            continue;
        }
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

/// Where a profile's diagnostics point: `profiles.{name}.signal_requirements.…`.
struct At<'a> {
    file: &'a str,
    req: String,
}

impl At<'_> {
    fn error(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.file, format!("{}.{key}", self.req), message)
    }
}

fn build_profile(
    file: &str,
    name: &str,
    raw: &RawProfile,
    env: &ProfileEnv<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Profile> {
    let at = At {
        file,
        req: format!("profiles.{name}.signal_requirements"),
    };
    let Some(req) = &raw.signal_requirements else {
        diags.push(Diagnostic::error(
            file,
            at.req.clone(),
            "missing signal_requirements",
        ));
        return None;
    };
    let before = diags.len();
    let mode = profile_mode(&at, req, diags)?;
    let exclusions = resolve_lists(
        &at,
        "exclusion_scopes",
        &req.exclusion_scopes,
        env.scopes,
        diags,
    );
    let groups = resolve_groups(&at, &req.required_signal_groups, env.scopes, diags);
    // A list that could not be resolved (even silently, its scope file being unreadable) means
    // no profile: filtering without it would let through what it was meant to catch.
    let (Some(exclusions), Some(groups)) = (exclusions, groups) else {
        return None;
    };
    if diags.len() > before {
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
    compile_profile(&at, def, diags)
}

/// `signal_requirements.mode`.
fn profile_mode(
    at: &At<'_>,
    req: &RawSignalRequirements,
    diags: &mut Vec<Diagnostic>,
) -> Option<ProfileMode> {
    match req.mode.as_deref().map(str::trim) {
        Some("exclude_only") => Some(ProfileMode::ExcludeOnly),
        Some("require_signals") => Some(ProfileMode::RequireSignals),
        Some("require_multi_signals") => Some(ProfileMode::RequireMultiSignals),
        Some("ingest_all") => Some(ProfileMode::IngestAll),
        other => {
            diags.push(at.error(
                "mode",
                format!(
                    "mode `{}` is not one of exclude_only, require_signals, require_multi_signals, ingest_all",
                    other.unwrap_or("")
                ),
            ));
            None
        }
    }
}

/// The `required_signal_groups`, each with its scopes resolved; `None` when a scope could not
/// be (a group without an id is reported and left out, a duplicate id reported).
fn resolve_groups(
    at: &At<'_>,
    raw: &[RawSignalGroup],
    scopes: &ScopeRegistry,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<SignalGroupDef>> {
    let mut groups = Vec::new();
    let mut seen = BTreeSet::new();
    let mut complete = true;
    for (gi, g) in raw.iter().enumerate() {
        let gat = format!("required_signal_groups[{gi}]");
        let Some(id) = non_empty(&g.group_id) else {
            diags.push(at.error(&format!("{gat}.group_id"), "missing group_id"));
            continue;
        };
        if !seen.insert(id.to_string()) {
            diags.push(at.error(
                &format!("{gat}.group_id"),
                format!("duplicate group_id `{id}`"),
            ));
        }
        let lists = resolve_lists(at, &format!("{gat}.scopes"), &g.scopes, scopes, diags);
        complete &= lists.is_some();
        groups.push(SignalGroupDef {
            group_id: id.to_string(),
            scopes: lists.unwrap_or_default(),
            min_matches: g.min_matches.unwrap_or(1),
            weight: g.weight.unwrap_or(1.0),
        });
    }
    complete.then_some(groups)
}

/// The term lists named under `key` (`exclusion_scopes`, `….scopes`); `None` when one of them
/// could not be resolved.
fn resolve_lists(
    at: &At<'_>,
    key: &str,
    references: &[String],
    scopes: &ScopeRegistry,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<NamedTerms>> {
    let lists: Vec<NamedTerms> = references
        .iter()
        .enumerate()
        .filter_map(|(i, r)| resolve_list(at, &format!("{key}[{i}]"), r, scopes, diags))
        .collect();
    (lists.len() == references.len()).then_some(lists)
}

fn resolve_list(
    at: &At<'_>,
    key: &str,
    reference: &str,
    scopes: &ScopeRegistry,
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
            diags.push(at.error(key, e));
            None
        }
    }
}

/// The filter crate's checks: errors mean no profile; its warnings are notes.
fn compile_profile(at: &At<'_>, def: ProfileDef, diags: &mut Vec<Diagnostic>) -> Option<Profile> {
    match Profile::compile(def) {
        Ok(p) => {
            for w in p.warnings() {
                diags.push(Diagnostic::info(
                    at.file,
                    format!("{}.{}", at.req, w.key),
                    w.message.clone(),
                ));
            }
            Some(p)
        }
        Err(errors) => {
            diags.extend(errors.into_iter().map(|e| at.error(&e.key, e.message)));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{CATALOG_FILE, PROFILES_FILE, Scope, parse_files};
    use std::collections::BTreeMap;

    /// A catalog with one source on `profile`, and a profiles file.
    fn config(profile: &str, profiles: &str) -> crate::config::Config {
        let catalog = format!(
            "sources:\n- source_key: s\n  ingestion_mode: rss\n  enabled: true\n  rss_url: 'https://a.example/feed'\n  ingestion_profile: {profile}\n"
        );
        parse_files(&BTreeMap::from([
            (CATALOG_FILE.to_string(), catalog),
            (PROFILES_FILE.to_string(), profiles.to_string()),
        ]))
    }

    const BROKEN_STRICT: &str = "profiles:\n  lai:\n    signal_requirements:\n      mode: ingest_all\n  lai_strict:\n    signal_requirements:\n      mode: nonsense\n";

    /// A broken `lai_strict` says nothing about `lai`: the scope is the profile's name, not a
    /// prefix of its keys (`profiles.lai` is a prefix of `profiles.lai_strict`).
    #[test]
    fn a_broken_profile_does_not_stop_the_one_its_name_extends() {
        let cfg = config("lai", BROKEN_STRICT);
        assert!(cfg.profiles.contains_key("lai"));
        assert!(!cfg.profiles.contains_key("lai_strict"));
        assert!(
            cfg.source_errors("s").is_empty(),
            "{:?}",
            cfg.source_errors("s")
        );
        let strict = cfg
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .expect("an error");
        assert_eq!(strict.scope, Scope::Profile("lai_strict".into()));
    }

    /// Nor does it hide that a source names a profile that exists nowhere.
    #[test]
    fn an_unknown_profile_is_reported_beside_a_broken_longer_one() {
        let profiles = BROKEN_STRICT.replace("  lai:\n", "  other:\n");
        let cfg = config("lai", &profiles);
        let errors = cfg.source_errors("s");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].key, "s.ingestion_profile");
        assert!(
            errors[0]
                .message
                .contains("unknown ingestion profile `lai`")
        );
    }

    /// A source on a profile that failed is stopped by that profile's error.
    #[test]
    fn a_broken_profile_stops_its_sources() {
        let cfg = config("lai_strict", BROKEN_STRICT);
        let errors = cfg.source_errors("s");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].key,
            "profiles.lai_strict.signal_requirements.mode"
        );
    }
}
