//! A table of broken configs: the bundled LAI config with exactly one mistake each, as people
//! make them when they hand-edit the YAML (missing files, wrong types, unknown references, bad
//! patterns and selectors, empty catalog, duplicate keys, path-like ids that would become
//! storage keys). Each case names the one error it must produce (the file, the key, and words
//! of the message) and what it does to a run: validation is strict, a run is forgiving — only
//! an unusable catalog or the client's own file refuses the run; a mistake that belongs to a
//! source or a profile fails exactly the sources concerned (`config_error`), the others run.
//!
//! Shared by `crates/core/tests/reliability_configs.rs` (the diagnostics, and the engine
//! refusing to run) and `crates/cli/tests/crash_safety.rs` (`vectora-inbox ingest` exits
//! non-zero and writes nothing).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Config files, relative path → text.
pub type Files = BTreeMap<String, String>;

pub const CLIENT: &str = "lai_weekly_v3";
pub const CLIENT_FILE: &str = "clients/lai_weekly_v3.yaml";
pub const CATALOG: &str = "canonical/sources/source_catalog.yaml";
pub const EXTRACTORS: &str = "canonical/sources/html_extractors.yaml";
pub const PROFILES: &str = "canonical/ingestion/ingestion_profiles.yaml";
pub const EXCLUSIONS: &str = "canonical/scopes/exclusion_scopes.yaml";
pub const TECHNOLOGY: &str = "canonical/scopes/technology_scopes.yaml";

/// One broken config and the error it must produce.
pub struct BadConfig {
    pub name: &'static str,
    pub mutate: fn(&mut Files),
    /// File the error must name.
    pub file: &'static str,
    /// Key the error must name (empty: the whole file, e.g. a YAML syntax or type error).
    pub key: &'static str,
    /// Words the message must contain (case-insensitive), so that it says what to fix.
    pub message: &'static [&'static str],
    /// What the mistake does to a run of the client.
    pub effect: Effect,
}

/// What a broken config does to a run of [`CLIENT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The run is refused with the error: nothing runs, nothing is written.
    Refused,
    /// The run goes on: exactly these sources fail as `config_error` with the error, the others
    /// are fetched (none: the mistake stops nothing).
    FailsSources(&'static [&'static str]),
}

/// The bundled client's newsroom (html) sources, all with `corporate_pure_player_broad`.
pub const HTML_SOURCES: &[&str] = &[
    "press_corporate__medincell",
    "press_corporate__camurus",
    "press_corporate__delsitech",
    "press_corporate__nanexa",
    "press_corporate__peptron",
];
/// Its trade-press feeds (rss), all with `press_technology_focused`.
pub const RSS_SOURCES: &[&str] = &[
    "press_sector__fiercebiotech",
    "press_sector__fiercepharma",
    "press_sector__endpoints_news",
];
pub const ALL_SOURCES: &[&str] = &[
    "press_corporate__medincell",
    "press_corporate__camurus",
    "press_corporate__delsitech",
    "press_corporate__nanexa",
    "press_corporate__peptron",
    "press_sector__fiercebiotech",
    "press_sector__fiercepharma",
    "press_sector__endpoints_news",
];

/// The repository's config folder.
pub fn bundled_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
}

/// Every file of the bundled config.
pub fn bundled() -> Files {
    fn walk(root: &Path, dir: &Path, out: &mut Files) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let root = bundled_dir();
    let mut out = Files::new();
    walk(&root, &root, &mut out);
    assert!(
        out.contains_key(CATALOG) && out.contains_key(CLIENT_FILE),
        "bundled config not found at {}",
        root.display()
    );
    out
}

/// Writes `files` as a config folder under `dir`.
pub fn write(files: &Files, dir: &Path) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Points every `https://host` of the catalog at its own loopback address (127.0.0.2, .3, ...)
/// on port 1, where nothing listens: a run that fetches fails each source at once, in parallel,
/// without any lookup outside the machine.
pub fn point_sources_at_closed_loopback(files: &mut Files) {
    let Some(catalog) = files.get_mut(CATALOG) else {
        return;
    };
    let mut hosts: Vec<String> = Vec::new();
    let mut out = String::with_capacity(catalog.len());
    let mut rest = catalog.as_str();
    while let Some(at) = rest.find("https://") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "https://".len()..];
        let end = after
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(after.len());
        let host = &after[..end];
        let n = match hosts.iter().position(|h| h == host) {
            Some(i) => i,
            None => {
                hosts.push(host.to_string());
                hosts.len() - 1
            }
        };
        out.push_str(&format!("http://127.0.0.{}:1", n + 2));
        rest = &after[end..];
    }
    out.push_str(rest);
    *catalog = out;
}

/// Replaces the first occurrence of `from` in `file`. Panics when `from` is absent, so that a
/// change to the bundled config cannot silently turn a case into a no-op.
pub fn edit(files: &mut Files, file: &str, from: &str, to: &str) {
    let text = files
        .get_mut(file)
        .unwrap_or_else(|| panic!("no {file} in the bundled config"));
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("`{from}` not found in {file}"));
    text.replace_range(at..at + from.len(), to);
}

fn remove(files: &mut Files, file: &str) {
    assert!(
        files.remove(file).is_some(),
        "no {file} in the bundled config"
    );
}

fn set(files: &mut Files, file: &str, text: &str) {
    files.insert(file.to_string(), text.to_string());
}

fn append(files: &mut Files, file: &str, text: &str) {
    files
        .get_mut(file)
        .unwrap_or_else(|| panic!("no {file}"))
        .push_str(text);
}

macro_rules! case {
    ($name:literal, $file:expr, $key:literal, [$($word:literal),*], $mutate:expr) => {
        BadConfig { name: $name, mutate: $mutate, file: $file, key: $key, message: &[$($word),*], effect: Effect::Refused }
    };
}

/// The case's mistake fails these sources alone.
fn fails(mut c: BadConfig, sources: &'static [&'static str]) -> BadConfig {
    c.effect = Effect::FailsSources(sources);
    c
}

/// The table.
pub fn cases() -> Vec<BadConfig> {
    vec![
        // --- missing or unreadable files ---
        case!(
            "missing catalog",
            CATALOG,
            "",
            ["missing", "catalog"],
            |f| remove(f, CATALOG)
        ),
        case!("catalog is not YAML", CATALOG, "", ["yaml"], |f| edit(
            f,
            CATALOG,
            "sources:\n",
            "sources: [\n"
        )),
        case!("catalog sources is a string", CATALOG, "", ["yaml"], |f| {
            set(f, CATALOG, "sources: none\nbouquets: []\n")
        }),
        case!(
            "empty catalog",
            CATALOG,
            "sources",
            ["no sources"],
            |f| set(f, CATALOG, "")
        ),
        case!(
            "catalog with an empty source list",
            CATALOG,
            "sources",
            ["no sources"],
            |f| set(f, CATALOG, "sources: []\nbouquets: []\n")
        ),
        case!("client file is not YAML", CLIENT_FILE, "", ["yaml"], |f| {
            edit(
                f,
                CLIENT_FILE,
                "client_profile:\n",
                "client_profile:\n\t- [\n",
            )
        }),
        fails(
            case!("profiles file is not YAML", PROFILES, "", ["yaml"], |f| {
                edit(f, PROFILES, "profiles:\n", "profiles: {\n")
            }),
            ALL_SOURCES,
        ),
        fails(
            case!("scope file is not YAML", EXCLUSIONS, "", ["yaml"], |f| {
                edit(f, EXCLUSIONS, "hr_content:\n", "hr_content: [\n")
            }),
            HTML_SOURCES,
        ),
        fails(
            case!(
                "scope file is a list",
                TECHNOLOGY,
                "",
                ["mapping"],
                |f| set(f, TECHNOLOGY, "- a\n- b\n")
            ),
            RSS_SOURCES,
        ),
        // --- wrong types ---
        case!(
            "period days is a word",
            CLIENT_FILE,
            "",
            ["yaml"],
            |f| edit(
                f,
                CLIENT_FILE,
                "default_period_days: 30",
                "default_period_days: thirty"
            )
        ),
        case!("active is not a boolean", CLIENT_FILE, "", ["yaml"], |f| {
            edit(f, CLIENT_FILE, "active: true", "active: [yes]")
        }),
        fails(
            case!("max_items is a word", EXTRACTORS, "", ["yaml"], |f| edit(
                f,
                EXTRACTORS,
                "max_items: 20",
                "max_items: twenty"
            )),
            HTML_SOURCES,
        ),
        case!("source_keys is a mapping", CATALOG, "", ["yaml"], |f| edit(
            f,
            CATALOG,
            "  source_keys:\n",
            "  source_keys: {a: 1}\n  x:\n"
        )),
        // --- bad values ---
        case!(
            "period days zero",
            CLIENT_FILE,
            "pipeline.default_period_days",
            ["at least 1"],
            |f| edit(
                f,
                CLIENT_FILE,
                "default_period_days: 30",
                "default_period_days: 0"
            )
        ),
        case!(
            "stale days zero",
            CLIENT_FILE,
            "pipeline.stale_after_days",
            ["at least 1"],
            |f| edit(
                f,
                CLIENT_FILE,
                "default_period_days: 30",
                "default_period_days: 30\n  stale_after_days: 0"
            )
        ),
        fails(
            case!(
                "unknown ingestion mode",
                CATALOG,
                "sources[0].ingestion_mode",
                ["scrape", "rss, html, api, none"],
                |f| edit(f, CATALOG, "ingestion_mode: html", "ingestion_mode: scrape")
            ),
            &["press_corporate__medincell"],
        ),
        fails(
            case!(
                "URL that does not parse",
                CATALOG,
                "sources[0].html_url",
                ["invalid url"],
                |f| edit(
                    f,
                    CATALOG,
                    "html_url: https://www.medincell.com/news/",
                    "html_url: 'not a url'"
                )
            ),
            &["press_corporate__medincell"],
        ),
        fails(
            case!(
                "URL that is not http",
                CATALOG,
                "sources[0].html_url",
                ["not http"],
                |f| edit(
                    f,
                    CATALOG,
                    "html_url: https://www.medincell.com/news/",
                    "html_url: file:///etc/passwd"
                )
            ),
            &["press_corporate__medincell"],
        ),
        fails(
            case!(
                "missing source_key",
                CATALOG,
                "sources[0].source_key",
                ["missing source_key"],
                |f| edit(
                    f,
                    CATALOG,
                    "- source_key: press_corporate__medincell\n  company_id",
                    "- company_id"
                )
            ),
            &[],
        ),
        // --- path-like ids (they become storage keys) ---
        case!(
            "client_id ../x",
            CLIENT_FILE,
            "client_profile.client_id",
            ["invalid client_id", "storage"],
            |f| edit(
                f,
                CLIENT_FILE,
                "client_id: lai_weekly_v3",
                "client_id: ../x"
            )
        ),
        case!(
            "client_id with a slash",
            CLIENT_FILE,
            "client_profile.client_id",
            ["invalid client_id"],
            |f| edit(
                f,
                CLIENT_FILE,
                "client_id: lai_weekly_v3",
                "client_id: lai/../../etc"
            )
        ),
        case!(
            "client_id not the file name",
            CLIENT_FILE,
            "client_profile.client_id",
            ["does not match the file name"],
            |f| edit(
                f,
                CLIENT_FILE,
                "client_id: lai_weekly_v3",
                "client_id: lai_weekly_v4"
            )
        ),
        fails(
            case!(
                "source_key ../x",
                CATALOG,
                "sources[0].source_key",
                ["invalid source_key", "storage"],
                |f| edit(
                    f,
                    CATALOG,
                    "source_key: press_corporate__medincell",
                    "source_key: ../x"
                )
            ),
            &[],
        ),
        fails(
            case!(
                "source_key with a NUL",
                CATALOG,
                "sources[0].source_key",
                ["invalid source_key"],
                |f| edit(
                    f,
                    CATALOG,
                    "source_key: press_corporate__medincell",
                    "source_key: \"a\\0b\""
                )
            ),
            &[],
        ),
        // --- duplicate keys ---
        fails(
            case!(
                "duplicate source_key",
                CATALOG,
                "sources[1].source_key",
                ["duplicate source_key"],
                |f| edit(
                    f,
                    CATALOG,
                    "source_key: press_corporate__camurus",
                    "source_key: press_corporate__medincell"
                )
            ),
            &["press_corporate__medincell"],
        ),
        fails(
            case!(
                "duplicate bouquet_id",
                CATALOG,
                "bouquets[1].bouquet_id",
                ["duplicate bouquet_id"],
                |f| edit(
                    f,
                    CATALOG,
                    "bouquet_id: lai_press_mvp",
                    "bouquet_id: lai_corporate_mvp"
                )
            ),
            &[],
        ),
        case!("duplicate YAML key", CLIENT_FILE, "", ["yaml"], |f| append(
            f,
            CLIENT_FILE,
            "client_profile:\n  client_id: other\n"
        )),
        fails(
            case!(
                "duplicate signal group",
                PROFILES,
                "profiles.press_technology_focused.signal_requirements.required_signal_groups[1].group_id",
                ["duplicate group_id"],
                |f| edit(
                    f,
                    PROFILES,
                    "- group_id: technology_signals\n",
                    "- group_id: entity_signals\n"
                )
            ),
            RSS_SOURCES,
        ),
        // --- unknown references ---
        fails(
            case!(
                "unknown ingestion profile",
                CATALOG,
                "press_corporate__medincell.ingestion_profile",
                ["unknown ingestion profile", "no_such_profile"],
                |f| edit(
                    f,
                    CATALOG,
                    "ingestion_profile: corporate_pure_player_broad",
                    "ingestion_profile: no_such_profile"
                )
            ),
            &["press_corporate__medincell"],
        ),
        fails(
            case!(
                "unknown scope list",
                PROFILES,
                "profiles.corporate_pure_player_broad.signal_requirements.exclusion_scopes[0]",
                ["unknown scope", "no_such_list"],
                |f| edit(
                    f,
                    PROFILES,
                    "- exclusion_scopes.hr_content",
                    "- exclusion_scopes.no_such_list"
                )
            ),
            HTML_SOURCES,
        ),
        fails(
            case!(
                "unknown scope file",
                PROFILES,
                "profiles.corporate_hybrid_technology_focused.signal_requirements.required_signal_groups[2].scopes[0]",
                ["unknown scope", "no_such_scope"],
                |f| edit(
                    f,
                    PROFILES,
                    "- lai_trademarks_global\n",
                    "- no_such_scope\n"
                )
            ),
            &[],
        ),
        fails(
            case!(
                "combination logic names an unknown group",
                PROFILES,
                "profiles.corporate_hybrid_technology_focused.signal_requirements.combination_logic",
                ["no_such_group"],
                |f| edit(f, PROFILES, "OR trademark_signals\n", "OR no_such_group\n")
            ),
            &[],
        ),
        fails(
            case!(
                "combination logic does not parse",
                PROFILES,
                "profiles.corporate_hybrid_technology_focused.signal_requirements.combination_logic",
                ["missing ')'"],
                |f| edit(
                    f,
                    PROFILES,
                    "OR trademark_signals\n",
                    "OR (trademark_signals\n"
                )
            ),
            &[],
        ),
        fails(
            case!(
                "unknown profile mode",
                PROFILES,
                "profiles.corporate_pure_player_broad.signal_requirements.mode",
                ["exclude_everything"],
                |f| edit(
                    f,
                    PROFILES,
                    "mode: exclude_only",
                    "mode: exclude_everything"
                )
            ),
            HTML_SOURCES,
        ),
        fails(
            case!(
                "profile without signal_requirements",
                PROFILES,
                "profiles.corporate_pure_player_broad.signal_requirements",
                ["missing signal_requirements"],
                |f| edit(
                    f,
                    PROFILES,
                    "    signal_requirements:\n      mode: exclude_only",
                    "    signal_requirement:\n      mode: exclude_only"
                )
            ),
            HTML_SOURCES,
        ),
        // --- bad patterns, selectors and formats ---
        fails(
            case!(
                "bad term pattern",
                PROFILES,
                "profiles.corporate_pure_player_broad.signal_requirements.exclusion_scopes[0]",
                ["hr_content"],
                |f| edit(f, EXCLUSIONS, "- job opening\n", "- seeks.*(engineer\n")
            ),
            HTML_SOURCES,
        ),
        fails(
            case!(
                "bad CSS selector",
                EXTRACTORS,
                "extractors.press_corporate__camurus.selectors.container",
                ["invalid selector"],
                |f| edit(
                    f,
                    EXTRACTORS,
                    "container: div.press-releases, div.news-list, main\n",
                    "container: 'div[[press, main'\n"
                )
            ),
            &["press_corporate__camurus"],
        ),
        fails(
            case!(
                "bad date format",
                EXTRACTORS,
                "extractors.press_corporate__camurus.date_format",
                ["%q"],
                |f| edit(
                    f,
                    EXTRACTORS,
                    "date_format: '%B %d, %Y'",
                    "date_format: '%Q %d'"
                )
            ),
            &["press_corporate__camurus"],
        ),
        fails(
            case!(
                "date format without a year",
                EXTRACTORS,
                "extractors.press_corporate__peptron.date_format",
                ["year"],
                |f| edit(
                    f,
                    EXTRACTORS,
                    "date_format: '%Y.%m.%d'",
                    "date_format: '%m.%d'"
                )
            ),
            &["press_corporate__peptron"],
        ),
        fails(
            case!(
                "bad default date pattern",
                EXTRACTORS,
                "global_settings.default_date_patterns[3]",
                ["%d/%m/%"],
                |f| edit(f, EXTRACTORS, "- '%d/%m/%Y'", "- '%d/%m/%'")
            ),
            &[],
        ),
        fails(
            case!(
                "base_url that is not a URL",
                EXTRACTORS,
                "extractors.press_corporate__camurus.base_url",
                ["camurus"],
                |f| edit(
                    f,
                    EXTRACTORS,
                    "base_url: https://www.camurus.com",
                    "base_url: camurus"
                )
            ),
            &["press_corporate__camurus"],
        ),
        fails(
            case!(
                "bad fallback selector",
                EXTRACTORS,
                "global_settings.fallback_selectors.item",
                ["invalid selector"],
                |f| edit(
                    f,
                    EXTRACTORS,
                    "item: article, div[class*='news'], div[class*='press'], div[class*='item'], li\n",
                    "item: 'article >> div'\n"
                )
            ),
            &[],
        ),
    ]
}
