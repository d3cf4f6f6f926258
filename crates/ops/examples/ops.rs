//! Runs the ops commands without the CLI crate, with the same arguments `vectora-inbox` takes (used by
//! scripts/ci/deploy-e2e.sh): `cargo run -p vectora-ops --example ops -- deploy --env dev --dry-run`.

use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Package(vectora_ops::package::PackageArgs),
    Deploy(vectora_ops::deploy::DeployArgs),
    DeployCore(vectora_ops::deploy_core::DeployCoreArgs),
    Invoke(vectora_ops::invoke::InvokeArgs),
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    Push(vectora_ops::config_push::ConfigPushArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Package(a) => vectora_ops::package::run_package(a).await.map(drop),
        Command::Deploy(a) => vectora_ops::deploy::run_deploy(a).await.map(drop),
        Command::DeployCore(a) => vectora_ops::deploy_core::run_deploy_core(a).await.map(drop),
        Command::Invoke(a) => vectora_ops::invoke::invoke(a).await.map(drop),
        Command::Config {
            command: ConfigCommand::Push(a),
        } => {
            vectora_ops::config_push::run_config_push(a, &vectora_ops::config_push::require_layout)
                .await
                .map(drop)
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
