//! What a run runs, resolved once against the config.
//!
//! Clients ([`RunPlan`]): the named client, or every active client. The one place an unknown
//! client and the config errors that block a run are found: the whole config's errors stop the
//! run, a client's own stop that client (alone, in a run over every client).
//!
//! Sources ([`plan_sources`]): (sources of the client's bouquets ∪ its extra sources) ∩ the
//! requested sources; a source runs only if it is in the catalog, enabled, and its mode is not
//! `none`. Everything else is reported, not fatal: a source whose config has errors (its catalog
//! entry, its extractor, its profile) is reported as `config_error` with them, and the others run.

use crate::config::{Client, Config, ConfigErrors, SourceDef, SourceKind};
use crate::error::RunError;
use crate::model::{SourceOutcome, SourceStatus};
use crate::request::ValidRequest;

/// A valid request on the config it runs on: which clients run. The engine runs a plan and
/// checks neither the request nor the clients again.
#[derive(Debug, Clone)]
pub struct RunPlan {
    request: ValidRequest,
    clients: Vec<PlannedClient>,
}

/// A client of a plan: to run, or (in a run over every client) refused for its config errors.
#[derive(Debug, Clone)]
pub struct PlannedClient {
    pub client_id: String,
    pub client: Result<Client, ConfigErrors>,
}

impl RunPlan {
    /// The clients `request` runs on `config`. Fails for an unknown client, and for config errors
    /// that block the whole run or the named client.
    pub fn new(request: ValidRequest, config: &Config) -> Result<RunPlan, RunError> {
        let clients = match request.client_id() {
            Some(id) => vec![PlannedClient {
                client_id: id.to_string(),
                client: Ok(named_client(config, id)?.clone()),
            }],
            None => every_client(config)?,
        };
        Ok(RunPlan { request, clients })
    }

    pub fn request(&self) -> &ValidRequest {
        &self.request
    }

    /// The clients, in id order (clients whose file could not be read last).
    pub fn clients(&self) -> &[PlannedClient] {
        &self.clients
    }
}

fn named_client<'a>(config: &'a Config, id: &str) -> Result<&'a Client, RunError> {
    // Config errors first: a client whose own file is broken is not "unknown".
    let blocking = config.blocking_errors(Some(id));
    if !blocking.is_empty() {
        return Err(RunError::Config(ConfigErrors(blocking)));
    }
    config
        .clients
        .get(id)
        .ok_or_else(|| RunError::UnknownClient(id.to_string()))
}

/// Every active client, each with its own errors; a client file that could not be read is
/// listed (as refused), not silently left out.
fn every_client(config: &Config) -> Result<Vec<PlannedClient>, RunError> {
    let global = config.blocking_errors(None);
    if !global.is_empty() {
        return Err(RunError::Config(ConfigErrors(global)));
    }
    let own = |id: &str| ConfigErrors(config.blocking_errors(Some(id)));
    let mut clients: Vec<PlannedClient> = config
        .active_clients()
        .map(|c| PlannedClient {
            client_id: c.id.clone(),
            client: match own(&c.id) {
                errors if errors.0.is_empty() => Ok(c.clone()),
                errors => Err(errors),
            },
        })
        .collect();
    clients.extend(
        config
            .broken_client_ids()
            .into_iter()
            .map(|id| PlannedClient {
                client: Err(own(&id)),
                client_id: id,
            }),
    );
    Ok(clients)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunRequest;
    use crate::config::{bundled, parse_files};

    const LAI: &str = "lai_weekly_v3";
    const LAI_FILE: &str = "clients/lai_weekly_v3.yaml";

    fn with(changes: &[(&str, &str)]) -> Config {
        let mut files = bundled::files();
        for (path, text) in changes {
            files.insert(path.to_string(), text.to_string());
        }
        parse_files(&files)
    }

    fn request(client: Option<&str>) -> ValidRequest {
        RunRequest {
            client_id: client.map(str::to_string),
            ..Default::default()
        }
        .validate()
        .unwrap()
    }

    fn lai_with(from: &str, to: &str) -> String {
        bundled::files()[LAI_FILE].replacen(from, to, 1)
    }

    #[test]
    fn a_named_client_is_planned_alone_and_an_unknown_one_refused() {
        let config = with(&[]);
        let plan = RunPlan::new(request(Some(LAI)), &config).unwrap();
        let ids: Vec<&str> = plan
            .clients()
            .iter()
            .map(|c| c.client_id.as_str())
            .collect();
        assert_eq!(ids, [LAI]);
        assert_eq!(plan.clients()[0].client.as_ref().unwrap().id, LAI);
        assert_eq!(plan.request().client_id(), Some(LAI));
        match RunPlan::new(request(Some("nobody")), &config) {
            Err(RunError::UnknownClient(id)) => assert_eq!(id, "nobody"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_client_blocked_by_its_own_file_is_a_config_error_not_unknown() {
        let broken = lai_with("default_period_days: 30", "default_period_days: 0");
        let config = with(&[(LAI_FILE, &broken)]);
        match RunPlan::new(request(Some(LAI)), &config) {
            Err(RunError::Config(errors)) => {
                assert!(
                    errors.to_string().contains("pipeline.default_period_days"),
                    "{errors}"
                )
            }
            other => panic!("{other:?}"),
        }
        // In a run over every client, it fails alone.
        let plan = RunPlan::new(request(None), &config).unwrap();
        let lai = plan.clients().iter().find(|c| c.client_id == LAI).unwrap();
        assert!(lai.client.is_err());
    }

    #[test]
    fn every_client_lists_active_ones_then_unreadable_files() {
        let second = lai_with("client_id: lai_weekly_v3", "client_id: second");
        let inactive = lai_with("client_id: lai_weekly_v3", "client_id: resting").replacen(
            "active: true",
            "active: false",
            1,
        );
        let config = with(&[
            ("clients/second.yaml", &second),
            ("clients/resting.yaml", &inactive),
            ("clients/broken.yaml", "client_profile: [not, a, map"),
        ]);
        let plan = RunPlan::new(request(None), &config).unwrap();
        let planned: Vec<(&str, bool)> = plan
            .clients()
            .iter()
            .map(|c| (c.client_id.as_str(), c.client.is_ok()))
            .collect();
        assert_eq!(planned, [(LAI, true), ("second", true), ("broken", false)]);
    }

    #[test]
    fn an_unreadable_catalog_stops_every_run() {
        let config = with(&[("canonical/sources/source_catalog.yaml", "sources: [")]);
        for client in [Some(LAI), None] {
            match RunPlan::new(request(client), &config) {
                Err(RunError::Config(errors)) => {
                    assert!(
                        errors.to_string().contains("source_catalog.yaml"),
                        "{errors}"
                    )
                }
                other => panic!("{client:?}: {other:?}"),
            }
        }
    }
}
