//! What the read-only commands (`sources health`, `report`) share: a config, a data store opened
//! for reading, and the clients asked for.

use crate::ingest::load_config;
use anyhow::bail;
use clap::Args;
use vectora_core::Config;
use vectora_core::config::Client;
use vectora_core::store::DataStore;

#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// Config root: a folder or s3://bucket[/prefix]. Default: ./config if present, else the
    /// bundled LAI config.
    #[arg(long)]
    pub config: Option<String>,
    /// Data store: a folder or s3://bucket[/prefix].
    #[arg(long, default_value = "./data")]
    pub data: String,
    /// Client; every active client when absent.
    #[arg(long)]
    pub client: Option<String>,
    /// AWS profile for s3:// locations (credentials in the environment take precedence).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
}

/// A loaded config and the data store, opened without creating anything.
pub struct ClientData {
    pub config: Config,
    pub store: DataStore,
}

impl ClientData {
    pub async fn open(args: &DataArgs) -> anyhow::Result<ClientData> {
        let access = crate::aws_profile::use_profile(args.profile.as_deref()).await?;
        let (config, _origin) = load_config(args.config.as_deref(), &access).await?;
        let store = DataStore::open(&access.locate(&args.data)?, false)?;
        Ok(ClientData { config, store })
    }

    /// The client named by `--client`, or every active client.
    pub fn clients(&self, requested: Option<&str>) -> anyhow::Result<Vec<&Client>> {
        match requested {
            Some(id) => match self.config.client(id) {
                Some(c) => Ok(vec![c]),
                None => bail!("unknown client `{id}`: no clients/{id}.yaml in the config"),
            },
            None => {
                let mut active: Vec<&Client> = self.config.active_clients().collect();
                active.sort_by(|a, b| a.id.cmp(&b.id));
                if active.is_empty() {
                    bail!("no client has client_profile.active: true in the config");
                }
                Ok(active)
            }
        }
    }
}
