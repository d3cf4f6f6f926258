//! `vectora-inbox`: the command-line front of the engine.

mod aws_profile;
mod client_data;
mod demo;
mod ingest;
mod ops_cmd;
mod output;
mod parse_cmd;
mod report;
mod sources;
mod validate;

use clap::{Parser, Subcommand};
use ops_cmd::OpsCommand;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "vectora-inbox",
    version,
    about = "Watches life-science news sources and writes clean dated items as JSON."
)]
struct Cli {
    /// Log filter (e.g. info, debug, vectora_core=debug). Logs go to stderr.
    #[arg(long, global = true, env = "LOG_LEVEL", default_value = "error")]
    log_level: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest one client (or every active client) into the data store.
    Ingest(ingest::IngestArgs),
    /// Parse one saved document (feed, listing page or article) and print its items as JSON.
    Parse(parse_cmd::ParseArgs),
    /// Check a config folder (or s3://bucket) and report every problem with its file and key.
    Validate(validate::ValidateArgs),
    /// A client's sources: health across runs; onboarding (discover a site's feeds and
    /// newsroom, check a catalog).
    Sources {
        #[command(subcommand)]
        command: sources::SourcesCommand,
    },
    /// Write one self-contained HTML page: source health, items and filtered entries of a period.
    Report(report::ReportArgs),
    /// Serve the bundled fixture sites on 127.0.0.1, ingest them twice (one site breaking in
    /// between) and write the report: the whole thing, without a network.
    Demo(demo::DemoArgs),
    /// Config bucket operations.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Build the Lambda `bootstrap` for provided.al2023, zip and validate it (optionally upload).
    Package(ops_cmd::args::PackageArgs),
    /// Package, upload and deploy the function stack through a change set, then test it.
    Deploy(ops_cmd::args::DeployArgs),
    /// Deploy the s0 stacks (buckets, role).
    DeployCore(ops_cmd::args::DeployCoreArgs),
    /// Invoke the deployed function with an event.
    Invoke(ops_cmd::args::InvokeArgs),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a config folder and upload it to the config bucket (refused when invalid).
    Push(ops_cmd::args::ConfigPushArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    // A run over thousands of hosts needs more sockets than the usual soft limit of 1024; the
    // default concurrency is then sized from the raised limit.
    match vectora_core::fetch::capacity::raise_open_file_limit() {
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(error) => tracing::warn!(%error, "could not raise the open-file limit"),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Ingest(a) => ingest::run(a).await,
            Command::Parse(a) => parse_cmd::run(a).await,
            Command::Validate(a) => validate::run(a).await,
            Command::Sources { command } => sources::run(command).await,
            Command::Report(a) => report::run(a).await,
            Command::Demo(a) => demo::run(a).await,
            Command::Config {
                command: ConfigCommand::Push(a),
            } => ops(OpsCommand::ConfigPush(a)).await,
            Command::Package(a) => ops(OpsCommand::Package(a)).await,
            Command::Deploy(a) => ops(OpsCommand::Deploy(a)).await,
            Command::DeployCore(a) => ops(OpsCommand::DeployCore(a)).await,
            Command::Invoke(a) => ops(OpsCommand::Invoke(a)).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A deployment command, with the engine's full config validation before a push.
async fn ops(command: OpsCommand) -> anyhow::Result<ExitCode> {
    ops_cmd::run(command, &validate::require_valid_dir).await
}
