//! Reading a config root (a local folder or `s3://bucket/prefix`) into memory, then parsing it.

use super::diagnostics::Diagnostic;
use super::{CLIENTS_DIR, Config, SCOPES_DIR};
use crate::store::Location;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;
use std::collections::BTreeMap;

/// Largest config file accepted: config files are small; anything bigger is a mistake.
const MAX_CONFIG_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Config files read at the same time (a config has about ten).
const CONCURRENT_READS: usize = 16;

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
    let listings = futures::future::try_join_all([CLIENTS_DIR, "canonical/"].map(|sub| {
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
        if !(rel.ends_with(".yaml") || rel.ends_with(".yml")) {
            continue;
        }
        if meta.size > MAX_CONFIG_FILE_BYTES {
            out.insert(rel, String::from("\u{0}too-large"));
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
/// validation hook). Same files, same checks as [`load`].
pub fn load_dir_blocking(dir: &std::path::Path) -> Result<Config, crate::store::StoreError> {
    use crate::store::StoreError;
    if !dir.is_dir() {
        return Err(StoreError::NotFound(format!(
            "config folder {} does not exist",
            dir.display()
        )));
    }
    let mut files = BTreeMap::new();
    let mut stack = vec![
        dir.join(CLIENTS_DIR.trim_end_matches('/')),
        dir.join("canonical"),
    ];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if !(rel.ends_with(".yaml") || rel.ends_with(".yml")) {
                continue;
            }
            let too_large = entry
                .metadata()
                .map(|m| m.len() > MAX_CONFIG_FILE_BYTES)
                .unwrap_or(false);
            let text = if too_large {
                String::from("\u{0}too-large")
            } else {
                let bytes =
                    std::fs::read(&path).map_err(|e| StoreError::backend(&dir.display(), &e))?;
                String::from_utf8_lossy(&bytes).into_owned()
            };
            files.insert(rel, text);
        }
    }
    Ok(parse_files(&files))
}

/// Parses and resolves config files given as (path relative to the root → text).
pub fn parse_files(files: &BTreeMap<String, String>) -> Config {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut parsed = super::resolve::ParsedFiles::default();
    for (path, text) in files {
        if text == "\u{0}too-large" {
            diags.push(Diagnostic::error(
                path,
                "",
                format!("file is larger than {MAX_CONFIG_FILE_BYTES} bytes"),
            ));
            continue;
        }
        if path.starts_with(CLIENTS_DIR) {
            if let Some(v) = parse_yaml(path, text, &mut diags) {
                parsed.clients.push((path.clone(), v));
            }
        } else if path == super::CATALOG_FILE {
            parsed.catalog = parse_yaml(path, text, &mut diags).map(|v| (path.clone(), v));
            parsed.catalog_present = true;
        } else if path == super::EXTRACTORS_FILE {
            parsed.extractors = parse_yaml(path, text, &mut diags).map(|v| (path.clone(), v));
        } else if path == super::PROFILES_FILE {
            parsed.profiles = parse_yaml(path, text, &mut diags).map(|v| (path.clone(), v));
            parsed.profiles_present = true;
        } else if let Some(name) = path.strip_prefix(SCOPES_DIR) {
            let stem = name
                .trim_end_matches(".yaml")
                .trim_end_matches(".yml")
                .to_string();
            match parse_yaml::<serde_json::Value>(path, text, &mut diags) {
                Some(v) => parsed.scopes.add_file(&stem, path, v, &mut diags),
                None => parsed.scopes.add_broken(&stem),
            }
        }
    }
    super::resolve::resolve(parsed, diags)
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
    match serde_saphyr::from_str::<T>(text) {
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
