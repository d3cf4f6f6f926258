//! Source resolution: (sources of the client's bouquets ∪ its extra sources) ∩ the requested
//! sources; a source runs only if it is in the catalog, enabled, and its mode is not `none`.
//! Everything else is reported, not fatal: a source whose config has errors (its catalog entry,
//! its extractor, its profile) is reported as `config_error` with them, and the others run.

use crate::config::{Client, Config, SourceDef, SourceKind};
use crate::model::{SourceOutcome, SourceStatus};

/// A source of the plan: to run, or reported and skipped.
#[derive(Debug, Clone)]
pub enum Planned<'a> {
    Run(&'a SourceDef),
    Skip(SourceOutcome),
}

/// Resolves a client's sources, in a stable order (bouquet order, then extras).
pub fn plan_sources<'a>(
    config: &'a Config,
    client: &Client,
    requested: Option<&[String]>,
) -> Vec<Planned<'a>> {
    let mut keys: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for b in &client.bouquets {
        match config.bouquets.get(b) {
            Some(list) => keys.extend(list.iter().cloned()),
            None => out.push(Planned::Skip(
                SourceOutcome::new(&format!("bouquet:{b}"), SourceStatus::UnknownSource)
                    .with_error(format!("unknown bouquet `{b}` in {}", client.file)),
            )),
        }
    }
    keys.extend(client.extra_sources.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    if let Some(req) = requested {
        for r in req {
            if !keys.contains(r) {
                let why = if config.sources.contains_key(r) {
                    format!("source `{r}` is not enabled for client `{}`", client.id)
                } else {
                    format!("unknown source `{r}`")
                };
                out.push(Planned::Skip(
                    SourceOutcome::new(r, SourceStatus::UnknownSource).with_error(why),
                ));
            }
        }
        keys.retain(|k| req.contains(k));
    }
    for key in keys {
        let errors = config.source_errors(&key);
        let planned = match config.sources.get(&key) {
            Some(s) if !s.enabled => Planned::Skip(
                SourceOutcome::new(&key, SourceStatus::Disabled)
                    .with_error("disabled in the source catalog"),
            ),
            Some(s) if s.kind == SourceKind::None => Planned::Skip(
                SourceOutcome::new(&key, SourceStatus::Disabled)
                    .with_error("ingestion_mode is `none`"),
            ),
            _ if !errors.is_empty() => Planned::Skip(
                SourceOutcome::new(&key, SourceStatus::ConfigError).with_error(
                    errors
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ),
            None => Planned::Skip(
                SourceOutcome::new(&key, SourceStatus::UnknownSource)
                    .with_error(format!("source `{key}` is not in the source catalog")),
            ),
            Some(s) => Planned::Run(s),
        };
        out.push(planned);
    }
    out
}
