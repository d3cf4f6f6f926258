//! `vectora-inbox sources …`: commands about a client's sources, one module each.

pub mod health;

use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum SourcesCommand {
    /// Every source's health across runs (status, streaks, last success, newest item, last
    /// error), problems first.
    Health(health::HealthArgs),
}

pub async fn run(command: SourcesCommand) -> anyhow::Result<ExitCode> {
    match command {
        SourcesCommand::Health(a) => health::run(a).await,
    }
}
