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
    let entries = read_entries(text, file)?;
    let mut targets: Vec<Option<CheckTarget>> = Vec::new();
    let mut sources: Vec<(usize, &Value)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let discovery = discovery(file, i, e);
        if discovery.is_none() {
            sources.push((i, e));
        }
        targets.push(discovery);
    }
    let (resolved, resolved_targets) = resolve_entries(file, &sources);
    for (i, target) in resolved_targets {
        targets[i] = Some(target);
    }
    let mut config = base.clone();
    config.sources = resolved.sources;
    Ok((config, targets.into_iter().flatten().collect()))
}

/// The `sources:` list of a candidate file.
fn read_entries(text: &str, file: &str) -> Result<Vec<Value>, String> {
    let root: Value = serde_saphyr::from_str(text).map_err(|e| {
        let first = e
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid YAML")
            .to_string();
        format!("{file}: YAML error: {first}")
    })?;
    match root.get("sources").and_then(Value::as_array) {
        Some(entries) => Ok(entries.clone()),
        None => Err(format!("{file}: no `sources:` list")),
    }
}

/// A non-empty string field of an entry.
fn field<'a>(entry: &'a Value, key: &str) -> Option<&'a str> {
    entry
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The discovery an entry asks for: one with a `homepage_url` and neither an `ingestion_mode`
/// nor a source URL. `None` for an entry to resolve as a catalog source.
fn discovery(file: &str, i: usize, entry: &Value) -> Option<CheckTarget> {
    let has_source = ["ingestion_mode", "rss_url", "html_url", "api_url"]
        .iter()
        .any(|k| field(entry, k).is_some());
    let home = field(entry, "homepage_url").filter(|_| !has_source)?;
    let key = field(entry, "source_key").unwrap_or(home).to_string();
    Some(match Url::parse(home) {
        Ok(homepage) if matches!(homepage.scheme(), "http" | "https") => {
            CheckTarget::Discover { key, homepage }
        }
        _ => CheckTarget::Invalid {
            key,
            message: format!("{file}: sources[{i}].homepage_url: `{home}` is not an http(s) URL"),
        },
    })
}

/// Resolves the entries (with their position in the file) by the catalog's own rules: each
/// becomes its source, or an invalid target with its first error, keyed at its position.
fn resolve_entries(file: &str, entries: &[(usize, &Value)]) -> (Config, Vec<(usize, CheckTarget)>) {
    if entries.is_empty() {
        return (Config::default(), Vec::new());
    }
    // JSON is YAML: the entries go through the catalog's own resolution, unchanged.
    let list: Vec<&Value> = entries.iter().map(|(_, e)| *e).collect();
    let catalog = serde_json::json!({ "sources": list }).to_string();
    let resolved =
        crate::config::parse_files(&BTreeMap::from([(CATALOG_FILE.to_string(), catalog)]));
    let mut problems = entry_problems(file, &resolved, entries);
    let targets = entries
        .iter()
        .map(|&(i, entry)| {
            let raw_key = field(entry, "source_key").unwrap_or("");
            let key = if raw_key.is_empty() {
                format!("sources[{i}]")
            } else {
                raw_key.to_string()
            };
            let target = match (problems.remove(&i), resolved.sources.get(raw_key)) {
                (Some(message), _) => CheckTarget::Invalid { key, message },
                (None, Some(def)) => CheckTarget::Source(Box::new(def.clone())),
                (None, None) => CheckTarget::Invalid {
                    key,
                    message: format!("{file}: sources[{i}]: not a usable source"),
                },
            };
            (i, target)
        })
        .collect();
    (resolved, targets)
}

/// The first error of each resolved entry, by its position in the candidate file (the catalog
/// resolved held only the entries to resolve: its `sources[j]` is the file's `sources[i]`).
fn entry_problems(
    file: &str,
    resolved: &Config,
    entries: &[(usize, &Value)],
) -> BTreeMap<usize, String> {
    let mut problems = BTreeMap::new();
    let errors = resolved
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error);
    for d in errors {
        let Some(j) = index_of(&d.key) else { continue };
        let Some(&(i, _)) = entries.get(j) else {
            continue;
        };
        let key = d
            .key
            .replacen(&format!("sources[{j}]"), &format!("sources[{i}]"), 1);
        problems
            .entry(i)
            .or_insert_with(|| format!("{file}: {key}: {}", d.message));
    }
    problems
}

/// `sources[3].rss_url` → 3.
fn index_of(key: &str) -> Option<usize> {
    key.strip_prefix("sources[")?
        .split(']')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "candidates.yaml";

    fn targets(text: &str) -> Vec<CheckTarget> {
        candidate_targets(text, FILE, &Config::default())
            .expect("a sources list")
            .1
    }

    #[test]
    fn homepage_only_entries_are_discoveries_the_others_sources() {
        let t = targets(
            "sources:\n- homepage_url: https://a.example/\n- source_key: b\n  ingestion_mode: rss\n  enabled: true\n  rss_url: https://b.example/feed\n  homepage_url: https://b.example/\n",
        );
        assert!(matches!(&t[0], CheckTarget::Discover { key, .. } if key == "https://a.example/"));
        assert!(matches!(&t[1], CheckTarget::Source(s) if s.key == "b"));
    }

    /// An error is keyed at the entry's place in the candidate file, not in the catalog of the
    /// entries resolved (which leaves the discoveries out).
    #[test]
    fn errors_name_the_entry_where_it_is_in_the_file() {
        let t = targets(
            "sources:\n- homepage_url: https://a.example/\n- source_key: b\n  ingestion_mode: rss\n  enabled: true\n",
        );
        let CheckTarget::Invalid { key, message } = &t[1] else {
            panic!("{:?}", t[1]);
        };
        assert_eq!(key, "b");
        assert!(
            message.starts_with("candidates.yaml: sources[1].rss_url:"),
            "{message}"
        );
    }

    #[test]
    fn a_file_without_a_sources_list_is_refused() {
        let err = candidate_targets("bouquets: []\n", FILE, &Config::default()).unwrap_err();
        assert!(err.contains("no `sources:` list"), "{err}");
        let err = candidate_targets("sources: [\n", FILE, &Config::default()).unwrap_err();
        assert!(err.contains("YAML error"), "{err}");
    }
}
