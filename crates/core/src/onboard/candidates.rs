//! What `sources check` reads: the catalog of a config, or a candidate file in the catalog's
//! format whose entries may have only a `homepage_url` (those are discovered first).

use super::check::CheckTarget;
use crate::config::{CATALOG_FILE, Config, Severity};
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

/// Targets for every source of `config`'s catalog, or only the `wanted` ones (in that order).
/// An unknown key is an error naming it.
pub fn catalog_targets(
    config: &Config,
    wanted: Option<&[String]>,
) -> Result<Vec<CheckTarget>, String> {
    match wanted {
        None => Ok(config
            .sources
            .values()
            .cloned()
            .map(|s| CheckTarget::Source(Box::new(s)))
            .collect()),
        Some(keys) => keys
            .iter()
            .map(|k| {
                config
                    .sources
                    .get(k)
                    .cloned()
                    .map(|s| CheckTarget::Source(Box::new(s)))
                    .ok_or_else(|| format!("unknown source `{k}`: not in the catalog"))
            })
            .collect(),
    }
}

/// Reads a candidate file (`file` names it in messages). Entries with an `ingestion_mode` or a
/// source URL are resolved by the config's own catalog rules (and checked with `base`'s
/// extractors and defaults); entries with only a `homepage_url` become discoveries. Returns
/// the config to check with (base, sources replaced) and the targets in file order.
pub fn candidate_targets(
    text: &str,
    file: &str,
    base: &Config,
) -> Result<(Config, Vec<CheckTarget>), String> {
    let root: Value = serde_saphyr::from_str(text).map_err(|e| {
        let first = e
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid YAML")
            .to_string();
        format!("{file}: YAML error: {first}")
    })?;
    let entries = root
        .get("sources")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{file}: no `sources:` list"))?;
    let mut targets: Vec<Option<CheckTarget>> = Vec::new();
    let mut resolvable: Vec<Value> = Vec::new();
    let mut origin: Vec<usize> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let s = |k: &str| {
            e.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let key = s("source_key").map(str::to_string);
        let has_source = s("ingestion_mode").is_some()
            || ["rss_url", "html_url", "api_url"]
                .iter()
                .any(|k| s(k).is_some());
        match (has_source, s("homepage_url")) {
            (false, Some(home)) => {
                let key = key.unwrap_or_else(|| home.to_string());
                targets.push(Some(match Url::parse(home) {
                    Ok(homepage) if matches!(homepage.scheme(), "http" | "https") => {
                        CheckTarget::Discover { key, homepage }
                    }
                    _ => CheckTarget::Invalid {
                        key,
                        message: format!(
                            "{file}: sources[{i}].homepage_url: `{home}` is not an http(s) URL"
                        ),
                    },
                }));
            }
            _ => {
                targets.push(None);
                origin.push(i);
                resolvable.push(e.clone());
            }
        }
    }
    // JSON is YAML: the entries go through the catalog's own resolution, unchanged.
    let catalog = serde_json::json!({ "sources": resolvable }).to_string();
    let resolved = if resolvable.is_empty() {
        Config::default()
    } else {
        crate::config::parse_files(&BTreeMap::from([(CATALOG_FILE.to_string(), catalog)]))
    };
    let mut problems: BTreeMap<usize, String> = BTreeMap::new();
    for d in resolved
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        let Some(j) = index_of(&d.key) else { continue };
        let Some(&i) = origin.get(j) else { continue };
        let key = d
            .key
            .replacen(&format!("sources[{j}]"), &format!("sources[{i}]"), 1);
        problems
            .entry(i)
            .or_insert_with(|| format!("{file}: {key}: {}", d.message));
    }
    for (j, &i) in origin.iter().enumerate() {
        let raw_key = resolvable[j]
            .get("source_key")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string();
        let label = if raw_key.is_empty() {
            format!("sources[{i}]")
        } else {
            raw_key.clone()
        };
        targets[i] = Some(
            match (problems.remove(&i), resolved.sources.get(&raw_key)) {
                (Some(message), _) => CheckTarget::Invalid {
                    key: label,
                    message,
                },
                (None, Some(def)) => CheckTarget::Source(Box::new(def.clone())),
                (None, None) => CheckTarget::Invalid {
                    key: label,
                    message: format!("{file}: sources[{i}]: not a usable source"),
                },
            },
        );
    }
    let mut config = base.clone();
    config.sources = resolved.sources;
    Ok((config, targets.into_iter().flatten().collect()))
}

/// `sources[3].rss_url` → 3.
fn index_of(key: &str) -> Option<usize> {
    key.strip_prefix("sources[")?
        .split(']')
        .next()?
        .parse()
        .ok()
}
