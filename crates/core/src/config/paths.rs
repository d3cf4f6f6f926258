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

/// A config folder that is not laid out like a config bucket.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("config folder {} does not exist", .0.display())]
    Missing(std::path::PathBuf),
    /// Every problem found, each naming its file or folder.
    #[error("config folder {} is invalid:\n  {}", .dir.display(), .problems.join("\n  "))]
    Invalid {
        dir: std::path::PathBuf,
        problems: Vec<String>,
    },
}

/// The layout a config folder needs before it is pushed: the catalog, at least one client file,
/// and no empty file where an optional canonical file is (an empty file is a mistake, where a
/// missing one means "the bundled one").
pub fn check_layout(dir: &std::path::Path) -> Result<(), LayoutError> {
    if !dir.is_dir() {
        return Err(LayoutError::Missing(dir.to_path_buf()));
    }
    let mut problems = Vec::new();
    let files = [
        (CATALOG_FILE, true),
        (EXTRACTORS_FILE, false),
        (PROFILES_FILE, false),
    ];
    for (file, required) in files {
        match std::fs::metadata(dir.join(file)) {
            Ok(m) if m.is_file() && m.len() > 0 => {}
            Ok(_) => problems.push(format!("{file} is empty or not a file")),
            Err(_) if required => problems.push(format!("{file} is missing")),
            Err(_) => {}
        }
    }
    let has_client = std::fs::read_dir(dir.join(CLIENTS_DIR))
        .map(|entries| {
            entries
                .flatten()
                .any(|e| is_yaml(&e.file_name().to_string_lossy()))
        })
        .unwrap_or(false);
    if !has_client {
        problems.push(format!("{CLIENTS_DIR} has no client .yaml file"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(LayoutError::Invalid {
            dir: dir.to_path_buf(),
            problems,
        })
    }
}

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
    use std::path::{Path, PathBuf};

    fn repo_config() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
    }

    fn problems(dir: &Path) -> Vec<String> {
        match check_layout(dir) {
            Ok(()) => Vec::new(),
            Err(LayoutError::Invalid { problems, .. }) => problems,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_bundled_config_is_laid_out_like_a_bucket() {
        assert_eq!(problems(&repo_config()), Vec::<String>::new());
        let absent = check_layout(&repo_config().join("absent")).unwrap_err();
        assert!(matches!(absent, LayoutError::Missing(_)), "{absent}");
    }

    #[test]
    fn missing_files_are_all_listed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("canonical/sources")).unwrap();
        std::fs::write(dir.path().join(CATALOG_FILE), "sources: []\n").unwrap();
        std::fs::write(dir.path().join(EXTRACTORS_FILE), "").unwrap();
        let err = check_layout(dir.path()).unwrap_err().to_string();
        assert!(err.contains("html_extractors.yaml is empty"), "{err}");
        assert!(err.contains("clients/ has no client"), "{err}");
        // The engine stands the bundled profiles in for a missing profiles file.
        assert!(!err.contains("ingestion_profiles.yaml"), "{err}");
        assert!(!err.contains("source_catalog"), "{err}");
        assert_eq!(problems(dir.path()).len(), 2);
    }

    #[test]
    fn an_old_layout_folder_passes() {
        let dir = tempfile::tempdir().unwrap();
        for file in [client_file("lai_weekly_v3").as_str(), CATALOG_FILE] {
            std::fs::create_dir_all(dir.path().join(file).parent().unwrap()).unwrap();
            std::fs::copy(repo_config().join(file), dir.path().join(file)).unwrap();
        }
        assert_eq!(problems(dir.path()), Vec::<String>::new());
        std::fs::remove_file(dir.path().join(CATALOG_FILE)).unwrap();
        let err = check_layout(dir.path()).unwrap_err().to_string();
        assert!(err.contains("source_catalog.yaml is missing"), "{err}");
    }

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
