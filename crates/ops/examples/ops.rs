//! Runs the ops commands without the CLI crate (for scripts/ci and manual checks before the lead
//! wires them into `vectora-inbox`): `cargo run -p vectora-ops --example ops -- package --arch arm64`.

use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Package(vectora_ops::package::PackageArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Package(args) => vectora_ops::package::run_package(args).await.map(|_| ()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
