//! Client files (`clients/{client_id}.yaml`): the id checked against the file name, the
//! bouquets and extra sources checked against the catalog, the pipeline settings.

use super::{join_keys, non_empty};
use crate::config::diagnostics::Diagnostic;
use crate::config::raw::{RawClientFile, RawClientProfile, RawPipeline};
use crate::config::{Client, Config, is_valid_id, paths};

pub(super) fn resolve_client(
    file: &str,
    raw: &RawClientFile,
    cfg: &mut Config,
    diags: &mut Vec<Diagnostic>,
) {
    let stem = paths::client_stem(file).unwrap_or(file);
    let Some(profile) = &raw.client_profile else {
        diags.push(
            Diagnostic::error(file, "client_profile", "missing client_profile").for_client(stem),
        );
        return;
    };
    let Some(id) = client_id(file, stem, profile, diags) else {
        return;
    };
    let sc = raw.source_config.as_ref();
    let bouquets = sc
        .map(|s| s.source_bouquets_enabled.clone())
        .unwrap_or_default();
    let extra_sources = sc
        .map(|s| s.sources_extra_enabled.clone())
        .unwrap_or_default();
    check_references(file, &id, &bouquets, &extra_sources, cfg, diags);
    let (default_period_days, stale_after_days) =
        pipeline_days(file, &id, raw.pipeline.as_ref(), diags);
    let client = Client {
        id: id.clone(),
        name: non_empty(&profile.name).unwrap_or(&id).to_string(),
        active: profile.active.unwrap_or(false),
        default_period_days,
        stale_after_days: stale_after_days.unwrap_or(crate::health::DEFAULT_STALE_AFTER_DAYS),
        bouquets,
        extra_sources,
        file: file.to_string(),
    };
    cfg.clients.insert(id, client);
}

/// `client_profile.client_id` (the file name when absent): a safe id, since it becomes part of
/// storage keys, and the file's name, since clients are looked up by file name.
fn client_id(
    file: &str,
    stem: &str,
    profile: &RawClientProfile,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let id = non_empty(&profile.client_id).unwrap_or(stem);
    let problem = if !is_valid_id(id) {
        format!(
            "invalid client_id `{id}`: only letters, digits, `_` and `-` (at most 64), since it becomes part of storage keys"
        )
    } else if id != stem {
        format!(
            "client_id `{id}` does not match the file name `{stem}.yaml` (clients are looked up by file name)"
        )
    } else {
        return Some(id.to_string());
    };
    diags.push(Diagnostic::error(file, "client_profile.client_id", problem).for_client(stem));
    None
}

/// Bouquets and extra sources the catalog lacks: warnings (the run goes on without them).
fn check_references(
    file: &str,
    id: &str,
    bouquets: &[String],
    extra_sources: &[String],
    cfg: &Config,
    diags: &mut Vec<Diagnostic>,
) {
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
                .for_client(id),
            );
        }
    }
    for (i, s) in extra_sources.iter().enumerate() {
        if !cfg.sources.contains_key(s) {
            diags.push(
                Diagnostic::warning(
                    file,
                    format!("source_config.sources_extra_enabled[{i}]"),
                    format!("unknown source `{s}`"),
                )
                .for_client(id),
            );
        }
    }
}

/// `pipeline.default_period_days` and `pipeline.stale_after_days`: 0 is an error naming the key.
fn pipeline_days(
    file: &str,
    id: &str,
    pipeline: Option<&RawPipeline>,
    diags: &mut Vec<Diagnostic>,
) -> (Option<u32>, Option<u32>) {
    let period = pipeline.and_then(|p| p.default_period_days);
    let stale = pipeline.and_then(|p| p.stale_after_days);
    for (key, value) in [
        ("pipeline.default_period_days", period),
        ("pipeline.stale_after_days", stale),
    ] {
        if value == Some(0) {
            diags.push(Diagnostic::error(file, key, "must be at least 1").for_client(id));
        }
    }
    (period, stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(file: &str, yaml: &str) -> (Config, Vec<Diagnostic>) {
        let raw: RawClientFile = serde_saphyr::from_str(yaml).expect("test YAML");
        let mut cfg = Config::default();
        let mut diags = Vec::new();
        resolve_client(file, &raw, &mut cfg, &mut diags);
        (cfg, diags)
    }

    #[test]
    fn the_id_defaults_to_the_file_name_and_must_match_it() {
        let (cfg, diags) = client("clients/acme.yaml", "client_profile:\n  active: true\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert!(cfg.clients["acme"].active);
        let (cfg, diags) = client("clients/acme.yml", "client_profile:\n  client_id: other\n");
        assert!(cfg.clients.is_empty());
        assert_eq!(diags[0].key, "client_profile.client_id");
        assert_eq!(diags[0].scope, crate::config::Scope::Client("acme".into()));
    }

    #[test]
    fn zero_days_are_errors_naming_their_key() {
        let (cfg, diags) = client(
            "clients/acme.yaml",
            "client_profile: {}\npipeline:\n  default_period_days: 0\n  stale_after_days: 0\n",
        );
        let keys: Vec<&str> = diags.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            ["pipeline.default_period_days", "pipeline.stale_after_days"]
        );
        assert!(
            cfg.clients.contains_key("acme"),
            "the client is still known"
        );
    }

    #[test]
    fn unknown_bouquets_and_sources_are_warnings() {
        let (_, diags) = client(
            "clients/acme.yaml",
            "client_profile: {}\nsource_config:\n  source_bouquets_enabled: [b]\n  sources_extra_enabled: [s]\n",
        );
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(diags.iter().all(|d| !d.is_error()));
    }
}
