//! Where each file of a config root is (the config bucket's layout): the one owner of these
//! paths. The loaders, the bundled config, `config push`'s layout check and the test web's
//! config writers all take them from here.

// The paths as macros too: `include_str!` (the bundled config) takes literals only.
macro_rules! catalog_file {
    () => {
        "canonical/sources/source_catalog.yaml"
    };
}
macro_rules! extractors_file {
    () => {
        "canonical/sources/html_extractors.yaml"
    };
}
macro_rules! profiles_file {
    () => {
        "canonical/ingestion/ingestion_profiles.yaml"
    };
}
macro_rules! scopes_dir {
    () => {
        "canonical/scopes/"
    };
}
macro_rules! clients_dir {
    () => {
        "clients/"
    };
}
pub(super) use {catalog_file, clients_dir, extractors_file, profiles_file, scopes_dir};

/// Path of the source catalog inside a config root.
pub const CATALOG_FILE: &str = catalog_file!();
/// The HTML extractors (per-source listing rules and their defaults).
pub const EXTRACTORS_FILE: &str = extractors_file!();
/// The ingestion profiles.
pub const PROFILES_FILE: &str = profiles_file!();
/// The folder of the term lists (`{stem}.yaml`, one file per family of lists).
pub const SCOPES_DIR: &str = scopes_dir!();
/// The folder of the client files (`{client_id}.yaml`).
pub const CLIENTS_DIR: &str = clients_dir!();
/// The folder of every canonical file (catalog, extractors, profiles, scopes).
pub const CANONICAL_DIR: &str = "canonical/";

/// The folders a loader lists: nothing else of a config root is read.
pub const LISTED_DIRS: [&str; 2] = [CLIENTS_DIR, CANONICAL_DIR];

/// The files of a bucket in the old system's layout (its profiles, term lists and extractors
/// were code): the clients and the source catalog. The others are optional: the engine takes
/// the bundled ones when a config lacks them.
pub const OLD_LAYOUT: [&str; 2] = [CLIENTS_DIR, CATALOG_FILE];

/// The canonical files and folders a config may leave out (see [`OLD_LAYOUT`]).
pub const OPTIONAL: [&str; 3] = [EXTRACTORS_FILE, PROFILES_FILE, SCOPES_DIR];

/// The file of client `id`.
pub fn client_file(id: &str) -> String {
    format!("{CLIENTS_DIR}{id}.yaml")
}

/// True for the names a loader reads (`.yaml`, `.yml`).
pub fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// `clients/{id}.yaml` → `id`; `None` for a path outside `clients/`.
pub fn client_stem(path: &str) -> Option<&str> {
    path.strip_prefix(CLIENTS_DIR).map(yaml_stem)
}

/// `canonical/scopes/{stem}.yaml` → `stem` (the first part of a scope reference).
pub fn scope_stem(path: &str) -> Option<&str> {
    path.strip_prefix(SCOPES_DIR).map(yaml_stem)
}

fn yaml_stem(name: &str) -> &str {
    name.strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_the_names_without_folder_and_extension() {
        assert_eq!(
            client_stem("clients/lai_weekly_v3.yaml"),
            Some("lai_weekly_v3")
        );
        assert_eq!(client_stem(&client_file("acme")), Some("acme"));
        assert_eq!(client_stem("clients/acme.yml"), Some("acme"));
        assert_eq!(client_stem(CATALOG_FILE), None);
        assert_eq!(
            scope_stem("canonical/scopes/exclusion_scopes.yaml"),
            Some("exclusion_scopes")
        );
        assert_eq!(scope_stem(PROFILES_FILE), None);
    }

    #[test]
    fn every_canonical_path_is_under_a_listed_folder() {
        for path in [CATALOG_FILE, EXTRACTORS_FILE, PROFILES_FILE, SCOPES_DIR] {
            assert!(path.starts_with(CANONICAL_DIR), "{path}");
        }
        assert!(is_yaml(CATALOG_FILE) && is_yaml("a.yml") && !is_yaml("a.json"));
    }
}
