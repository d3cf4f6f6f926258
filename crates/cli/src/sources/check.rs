//! `vectora-inbox sources check`: every source of a catalog or candidate file, read as
//! ingestion reads it, nothing written, a verdict each.

use super::{percent, reading_engine};
use anyhow::Context;
use clap::Args;
use std::process::ExitCode;
use vectora_core::onboard::{
    DEFAULT_CHECK_CONCURRENCY, DEFAULT_MAX_REQUESTS, DiscoverOptions, SourceCheck,
    candidate_targets, catalog_targets,
};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Config root: a folder or s3://bucket[/prefix]. Default: ./config if present, else the
    /// bundled config.
    #[arg(long)]
    pub config: Option<String>,
    /// A candidate file in the catalog's format, checked instead of the config's catalog;
    /// entries with only a `homepage_url` are discovered first.
    #[arg(long)]
    pub catalog: Option<std::path::PathBuf>,
    /// AWS profile for an s3:// config (credentials in the environment take precedence).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Only these sources (comma-separated source keys).
    #[arg(long, value_delimiter = ',')]
    pub sources: Option<Vec<String>>,
    /// Print `{"sources": [{"source_key", "verdict", "entries", "dated", "newest", "message"}]}`.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub net: super::NetArgs,
}

/// Exit 0 when the check ran (whatever the verdicts), 2 on bad input.
pub async fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let access = crate::aws_profile::use_profile(args.profile.as_deref()).await?;
    let (base, origin) = crate::ingest::load_config(args.config.as_deref(), &access).await?;
    let (config, targets) = match &args.catalog {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read candidate file {}", path.display()))?;
            match candidate_targets(&text, &path.display().to_string(), &base) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        None => {
            for d in base
                .diagnostics()
                .iter()
                .filter(|d| d.is_error() && d.file == vectora_core::config::CATALOG_FILE)
            {
                eprintln!("warning: {origin}: {d}");
            }
            let targets = catalog_targets(&base, None).map_err(anyhow::Error::msg)?;
            (base, targets)
        }
    };
    let targets = match &args.sources {
        None => targets,
        Some(keys) => {
            let unknown: Vec<&String> = keys
                .iter()
                .filter(|k| !targets.iter().any(|t| t.key() == k.as_str()))
                .collect();
            if let Some(k) = unknown.first() {
                eprintln!("error: unknown source `{k}`: not in {origin}");
                return Ok(ExitCode::from(2));
            }
            targets
                .into_iter()
                .filter(|t| keys.iter().any(|k| k == t.key()))
                .collect()
        }
    };
    let engine = reading_engine(config, &args.net)?;
    let now = chrono::Utc::now();
    let discover = DiscoverOptions {
        max_requests: DEFAULT_MAX_REQUESTS,
        today: now.date_naive(),
        deadline: None,
    };
    let checks = engine
        .check_sources(targets, DEFAULT_CHECK_CONCURRENCY, &discover, now)
        .await;
    if args.json {
        let body = serde_json::json!({ "sources": checks });
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        print_checks(&checks);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_checks(checks: &[SourceCheck]) {
    let key_w = checks
        .iter()
        .map(|c| c.source_key.len())
        .max()
        .unwrap_or(10)
        .max(10);
    println!(
        "{:<key_w$}  {:<11} {:>7} {:>6} {:<10}  message",
        "source", "verdict", "entries", "dated", "newest"
    );
    for c in checks {
        println!(
            "{:<key_w$}  {:<11} {:>7} {:>6} {:<10}  {}",
            c.source_key,
            c.verdict.as_str(),
            c.entries,
            percent(c.dated, c.entries),
            c.newest
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            c.message.as_deref().unwrap_or("")
        );
    }
    let ok = checks.iter().filter(|c| c.verdict.as_str() == "ok").count();
    println!(
        "{} source(s) checked, {ok} ok; nothing was written",
        checks.len()
    );
}
