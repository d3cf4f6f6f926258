//! Reading a config root (a local folder or `s3://bucket/prefix`) into memory, then parsing it.

use super::Config;
use super::diagnostics::Diagnostic;
use super::paths::{self, SCOPES_DIR};
use crate::store::Location;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;
use std::collections::BTreeMap;

/// Largest config file accepted: config files are small; anything bigger is a mistake.
const MAX_CONFIG_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Config files read at the same time (a config has about ten).
const CONCURRENT_READS: usize = 16;
/// Stands in for the text of a file over [`MAX_CONFIG_FILE_BYTES`] (not read): reported.
const TOO_LARGE: &str = "\u{0}too-large";

/// Reads every YAML file of the config root and resolves it. Fails only when the root itself
/// cannot be read; config problems are in [`Config::diagnostics`].
pub async fn load(location: &Location) -> Result<Config, crate::store::StoreError> {
    let files = read_yaml_files(location).await?;
    Ok(parse_files(&files))
}

async fn read_yaml_files(
    location: &Location,
) -> Result<BTreeMap<String, String>, crate::store::StoreError> {
    use crate::store::StoreError;
    if let Location::Local(dir) = location
        && !dir.is_dir()
    {
        return Err(StoreError::NotFound(format!(
            "config folder {} does not exist",
            dir.display()
        )));
    }
    let (store, root) = location.open()?;
    // Every request is issued at once (two listings, then every file): on S3 a cold start
    // waits for two round trips instead of one per file.
    let listings = futures::future::try_join_all(paths::LISTED_DIRS.map(|sub| {
        let prefix = crate::store::join(&root, sub);
        store.list(Some(&prefix)).try_collect::<Vec<_>>()
    }))
    .await
    .map_err(|e| StoreError::backend(location, &e))?;
    let mut out = BTreeMap::new();
    let mut wanted = Vec::new();
    for meta in listings.into_iter().flatten() {
        let full = meta.location.as_ref();
        let rel = full
            .strip_prefix(root.as_ref())
            .unwrap_or(full)
            .trim_start_matches('/')
            .to_string();
        if !paths::is_yaml(&rel) {
            continue;
        }
        if meta.size > MAX_CONFIG_FILE_BYTES {
            out.insert(rel, TOO_LARGE.to_string());
            continue;
        }
        wanted.push((rel, meta.location));
    }
    let store = &store;
    let files = futures::stream::iter(wanted)
        .map(|(rel, path)| async move {
            let bytes = store.get(&path).await?.bytes().await?;
            Ok::<_, object_store::Error>((rel, String::from_utf8_lossy(&bytes).into_owned()))
        })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect::<Vec<_>>()
        .await
        .map_err(|e| StoreError::backend(location, &e))?;
    out.extend(files);
    Ok(out)
}

/// Reads a local config folder without an async runtime (for callers such as `config push`'s
/// validation hook): the same reader as [`load`], driven to completion on this thread (the local
/// store reads files on the calling thread, or on the runtime's blocking pool inside one).
pub fn load_dir_blocking(dir: &std::path::Path) -> Result<Config, crate::store::StoreError> {
    futures::executor::block_on(load(&Location::Local(dir.to_path_buf())))
}

/// Parses and resolves config files given as (path relative to the root → text).
///
/// A config that lacks a canonical file (the profiles, the scope files, the extractors) gets the
/// bundled one, with a warning that says so: the old system's buckets hold only `clients/` and
/// the catalog, since its profiles and term lists were code. A config that has the file uses only
/// its own, except for a profile a source names that its profiles file lacks: that one is taken
/// from the bundled profiles (also with a warning) and resolved against the config's term lists.
pub fn parse_files(files: &BTreeMap<String, String>) -> Config {
    let mut files = files.clone();
    let fallbacks = add_bundled_fallbacks(&mut files);
    let mut parsed = read_files(&files, fallbacks.diagnostics);
    parsed.bundled_paths = fallbacks.paths;
    parsed.bundled_profiles = true;
    super::resolve::resolve(parsed)
}

/// Parses exactly the files given, with no bundled fallback (the bundled config itself).
#[cfg(test)]
pub(super) fn parse_files_exact(files: &BTreeMap<String, String>) -> Config {
    super::resolve::resolve(read_files(files, Vec::new()))
}

struct Fallbacks {
    paths: std::collections::BTreeSet<String>,
    diagnostics: Vec<Diagnostic>,
}

/// Adds the bundled canonical files the config lacks; one warning per kind of file.
fn add_bundled_fallbacks(files: &mut BTreeMap<String, String>) -> Fallbacks {
    use super::{EXTRACTORS_FILE, PROFILES_FILE, bundled};
    let mut out = Fallbacks {
        paths: Default::default(),
        diagnostics: Vec::new(),
    };
    for (file, what) in [(PROFILES_FILE, "profiles"), (EXTRACTORS_FILE, "extractors")] {
        if !files.contains_key(file)
            && let Some((_, text)) = bundled::files_under(file).next()
        {
            files.insert(file.to_string(), text.to_string());
            out.paths.insert(file.to_string());
            out.diagnostics.push(Diagnostic::bundled_fallback(
                file,
                "",
                format!("not in the config: using the bundled {what}"),
            ));
        }
    }
    let has_scopes = files.keys().any(|p| p.starts_with(SCOPES_DIR));
    let mut missing = Vec::new();
    for (path, text) in bundled::files_under(SCOPES_DIR) {
        if !files.contains_key(path) {
            files.insert(path.to_string(), text.to_string());
            out.paths.insert(path.to_string());
            missing.push(path.trim_start_matches(SCOPES_DIR));
        }
    }
    if !missing.is_empty() {
        let message = if has_scopes {
            format!(
                "{} not in the config: using the bundled ones",
                missing.join(", ")
            )
        } else {
            "not in the config: using the bundled scopes".to_string()
        };
        out.diagnostics
            .push(Diagnostic::bundled_fallback(SCOPES_DIR, "", message));
    }
    out
}

/// Parses every file into its raw form; what cannot be read is a diagnostic whose scope is what
/// depends on the file (the catalog: everything; a client file: that client).
fn read_files(
    files: &BTreeMap<String, String>,
    mut diags: Vec<Diagnostic>,
) -> super::resolve::ParsedFiles {
    use super::diagnostics::Scope;
    let mut parsed = super::resolve::ParsedFiles::default();
    for (path, text) in files {
        let scope = if path == super::CATALOG_FILE {
            Scope::Global
        } else if let Some(stem) = paths::client_stem(path) {
            Scope::Client(stem.to_string())
        } else {
            Scope::File
        };
        if text == TOO_LARGE {
            diags.push(
                Diagnostic::error(
                    path,
                    "",
                    format!("file is larger than {MAX_CONFIG_FILE_BYTES} bytes"),
                )
                .scoped(scope),
            );
            if path == super::PROFILES_FILE {
                parsed.profiles_present = true;
            } else if path == super::EXTRACTORS_FILE {
                parsed.extractors_present = true;
            } else if path == super::CATALOG_FILE {
                parsed.catalog_present = true;
            } else if let Some(stem) = paths::scope_stem(path) {
                parsed.scopes.add_broken(stem);
            }
            continue;
        }
        let mut file_diags = Vec::new();
        if path.starts_with(paths::CLIENTS_DIR) {
            if let Some(v) = parse_yaml(path, text, &mut file_diags) {
                parsed.clients.push((path.clone(), v));
            }
        } else if path == super::CATALOG_FILE {
            parsed.catalog = parse_yaml(path, text, &mut file_diags).map(|v| (path.clone(), v));
            parsed.catalog_present = true;
        } else if path == super::EXTRACTORS_FILE {
            parsed.extractors = parse_yaml(path, text, &mut file_diags).map(|v| (path.clone(), v));
            parsed.extractors_present = true;
        } else if path == super::PROFILES_FILE {
            parsed.profiles = parse_yaml(path, text, &mut file_diags).map(|v| (path.clone(), v));
            parsed.profiles_present = true;
        } else if let Some(stem) = paths::scope_stem(path) {
            match parse_yaml::<serde_json::Value>(path, text, &mut file_diags) {
                Some(v) => parsed.scopes.add_file(stem, path, v, &mut file_diags),
                None => parsed.scopes.add_broken(stem),
            }
        }
        diags.extend(file_diags.into_iter().map(|d| d.scoped(scope.clone())));
    }
    parsed.diagnostics = diags;
    parsed
}

/// Parses one YAML file; a syntax or type error becomes a diagnostic with its line and column.
pub(super) fn parse_yaml<T: serde::de::DeserializeOwned + Default>(
    path: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    if text.trim().is_empty() {
        return Some(T::default());
    }
    match serde_saphyr::from_str_with_options::<T>(text, yaml_options(text)) {
        Ok(v) => Some(v),
        Err(e) => {
            let msg = e.to_string();
            let first_line = msg.lines().next().unwrap_or("invalid YAML").to_string();
            diags.push(Diagnostic::error(
                path,
                "",
                format!(
                    "YAML error: {}",
                    crate::model::truncate_message(&first_line, 300)
                ),
            ));
            None
        }
    }
}

/// The YAML parser's limits, scaled with the file. Its default budget (250,000 nodes, 1,000,000
/// events) stops short of a catalog of 10,000 sources; a file is allowed as many nodes as it has
/// bytes (a node takes at least two) and twice as many events, while the limits on aliases,
/// anchors, depth and documents, which are what YAML bombs abuse, stay as they are.
fn yaml_options(text: &str) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = budget.max_nodes.max(text.len());
    budget.max_events = budget.max_events.max(text.len().saturating_mul(2));
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(sources: usize) -> String {
        let mut text = String::from("sources:\n");
        for i in 0..sources {
            text.push_str(&format!(
                "- source_key: press_sector__s{i}\n  company_id: s{i}\n  rss_url: 'http://h{i}.example/feed/'\n  ingestion_mode: rss\n  enabled: true\n  source_type: press_sector\n  tags:\n  - benchmark\n  ingestion_profile: default_broad\n"
            ));
        }
        text
    }

    #[test]
    fn a_catalog_of_twenty_thousand_sources_parses() {
        let mut diags = Vec::new();
        let text = catalog(20_000);
        let parsed: Option<serde_json::Value> = parse_yaml("catalog.yaml", &text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(parsed.unwrap()["sources"].as_array().unwrap().len(), 20_000);
    }

    fn repo_config() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
    }

    fn summary(cfg: &Config) -> (String, Vec<String>) {
        let diags = cfg.diagnostics.iter().map(|d| d.to_string()).collect();
        (cfg.summary(), diags)
    }

    /// Without a runtime, the local store reads on this thread.
    #[test]
    fn the_blocking_loader_reads_what_the_async_one_reads() {
        let blocking = load_dir_blocking(&repo_config()).expect("bundled config folder");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let loaded = runtime
            .block_on(load(&Location::Local(repo_config())))
            .expect("bundled config folder");
        assert_eq!(summary(&blocking), summary(&loaded));
        assert_eq!(blocking.clients.len(), 1);
    }

    /// Inside a runtime (`config push` validates from async code), on its blocking pool.
    #[tokio::test(flavor = "current_thread")]
    async fn the_blocking_loader_works_inside_a_runtime() {
        let cfg = load_dir_blocking(&repo_config()).expect("bundled config folder");
        assert!(cfg.clients.contains_key("lai_weekly_v3"));
        let missing = load_dir_blocking(&repo_config().join("absent")).unwrap_err();
        assert!(missing.to_string().contains("does not exist"), "{missing}");
    }

    #[test]
    fn alias_bombs_are_still_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for n in 1..10 {
            let prev = if n == 1 {
                "a".to_string()
            } else {
                format!("l{}", n - 1)
            };
            bomb.push_str(&format!("l{n}: &l{n} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let mut diags = Vec::new();
        let parsed: Option<serde_json::Value> = parse_yaml("bomb.yaml", &bomb, &mut diags);
        assert!(parsed.is_none());
        assert!(diags[0].to_string().contains("YAML error"), "{diags:?}");
    }
}
