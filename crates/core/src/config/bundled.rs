//! The bundled LAI config (`config/` of the repository), embedded in every binary.
//!
//! Two uses: the CLI runs it when no config is named (`vectora-inbox ingest` works from any
//! folder), and every loader takes from it the canonical files that a config bucket lacks. The
//! old system hard-coded its ingestion profiles and term lists, so its buckets hold only
//! `clients/` and the source catalog; the bundled profiles, scopes and extractors are that
//! knowledge written as data (see [`super::load`]).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::paths::{catalog_file, clients_dir, extractors_file, profiles_file, scopes_dir};

macro_rules! bundled_files {
    ($($path:expr),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../../../config/", $path)))),*]
    };
}

/// Every file of the bundled config, by path relative to the config root.
pub const FILES: &[(&str, &str)] = bundled_files!(
    concat!(clients_dir!(), "lai_weekly_v3.yaml"),
    catalog_file!(),
    extractors_file!(),
    profiles_file!(),
    concat!(scopes_dir!(), "company_scopes.yaml"),
    concat!(scopes_dir!(), "exclusion_scopes.yaml"),
    concat!(scopes_dir!(), "indication_scopes.yaml"),
    concat!(scopes_dir!(), "molecule_scopes.yaml"),
    concat!(scopes_dir!(), "technology_scopes.yaml"),
    concat!(scopes_dir!(), "trademark_scopes.yaml"),
);

/// The bundled config's files, ready for [`super::parse_files`].
pub fn files() -> BTreeMap<String, String> {
    FILES
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

/// The bundled files under `prefix` (e.g. `canonical/scopes/`).
pub(super) fn files_under(prefix: &str) -> impl Iterator<Item = (&'static str, &'static str)> {
    FILES
        .iter()
        .copied()
        .filter(move |(p, _)| p.starts_with(prefix))
}

/// The bundled profiles file, read once per process: where a profile that a config's own
/// profiles file lacks is taken from.
pub(super) fn raw_profiles() -> &'static super::raw::RawProfilesFile {
    static RAW: LazyLock<super::raw::RawProfilesFile> = LazyLock::new(|| {
        files_under(super::PROFILES_FILE)
            .next()
            .and_then(|(_, text)| serde_saphyr::from_str(text).ok())
            .unwrap_or_default()
    });
    &RAW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_config_is_complete_and_clean() {
        let cfg = super::super::load::parse_files_exact(&files());
        let problems: Vec<String> = cfg
            .diagnostics
            .iter()
            .filter(|d| d.is_problem())
            .map(|d| d.to_string())
            .collect();
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(cfg.clients.contains_key("lai_weekly_v3"));
        for profile in [
            "corporate_pure_player_broad",
            "press_technology_focused",
            "corporate_hybrid_technology_focused",
        ] {
            assert!(cfg.profiles.contains_key(profile), "{profile}");
            assert!(raw_profiles().profiles.contains_key(profile), "{profile}");
        }
    }

    #[test]
    fn every_file_of_the_config_folder_is_bundled() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("config folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let rel = path.strip_prefix(&root).expect("under root");
                    on_disk.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let mut bundled: Vec<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
        bundled.sort();
        assert_eq!(on_disk, bundled);
    }
}
