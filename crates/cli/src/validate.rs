//! `vectora-inbox validate`: every config problem, each with its file and key.

use crate::ingest::load_config;
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct ValidateArgs {
    /// Config root: a folder or s3://bucket[/prefix]. Default: ./config, else the bundled config.
    #[arg(long)]
    pub config: Option<String>,
    /// Print the diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let (config, origin) = load_config(args.config.as_deref()).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&config.diagnostics)?);
    } else {
        for d in &config.diagnostics {
            eprintln!("{d}");
        }
    }
    let errors = config.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = config.diagnostics.iter().filter(|d| d.is_problem()).count() - errors;
    if errors + warnings == 0 {
        if !args.json {
            println!("{origin}: OK: {}", config.summary());
        }
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{origin}: {errors} error(s), {warnings} warning(s)");
        Ok(ExitCode::from(1))
    }
}
