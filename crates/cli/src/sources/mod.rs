//! `vectora-inbox sources …`: commands about sources, one module each.

pub mod check;
pub mod discover;
pub mod health;

use clap::Subcommand;
use std::process::ExitCode;
use std::sync::Arc;
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::store::DataStore;
use vectora_core::{Config, Engine, EngineOptions};

#[derive(Subcommand)]
pub enum SourcesCommand {
    /// Every source's health across runs (status, streaks, last success, newest item, last
    /// error), problems first.
    Health(health::HealthArgs),
    /// Find a site's feeds and newsroom pages from its homepage (or any page), rank them and
    /// propose a catalog entry.
    Discover(discover::DiscoverArgs),
    /// Read every source of the catalog (or of a candidate file) as ingestion would, writing
    /// nothing, and give each a verdict: ok, empty, undated, broken, unreachable.
    Check(check::CheckArgs),
}

pub async fn run(command: SourcesCommand) -> anyhow::Result<ExitCode> {
    match command {
        SourcesCommand::Health(a) => health::run(a).await,
        SourcesCommand::Discover(a) => discover::run(a).await,
        SourcesCommand::Check(a) => check::run(a).await,
    }
}

/// An engine that reads sources and keeps nothing: the production fetcher, a memory store.
fn reading_engine(config: Config, net: &NetArgs) -> anyhow::Result<Engine> {
    let settings = FetchSettings {
        allow_private_networks: net.allow_private_networks,
        min_host_interval: std::time::Duration::from_millis(net.min_host_interval_ms),
        ..FetchSettings::default()
    };
    let fetcher = Fetcher::new(settings).map_err(anyhow::Error::msg)?;
    Ok(Engine::new(
        Arc::new(config),
        fetcher,
        DataStore::memory(),
        EngineOptions::default(),
    ))
}

/// How the sources commands reach the network.
#[derive(clap::Args, Debug)]
pub struct NetArgs {
    /// Allow fetching from loopback and private addresses (local test webs only).
    #[arg(long, env = "VECTORA_ALLOW_PRIVATE_NETWORKS", value_parser = vectora_core::fetch::guard::parse_switch, default_value = "false")]
    pub allow_private_networks: bool,
    /// Minimum interval between two requests to the same host, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub min_host_interval_ms: u64,
}

/// `dated` of `entries` as a percentage for tables.
fn percent(dated: usize, entries: usize) -> String {
    (dated * 100 + entries / 2)
        .checked_div(entries)
        .map(|p| format!("{p}%"))
        .unwrap_or_else(|| "-".into())
}
