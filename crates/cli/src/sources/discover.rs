//! `vectora-inbox sources discover URL`: a site's news sources, ranked, and a catalog entry.

use super::{percent, reading_engine};
use clap::Args;
use std::process::ExitCode;
use vectora_core::onboard::{DEFAULT_MAX_REQUESTS, DiscoverError, DiscoverOptions, Discovery};

#[derive(Args, Debug)]
pub struct DiscoverArgs {
    /// The site's homepage, or any page of it (a newsroom page is also read as a listing).
    pub url: String,
    /// Config whose extraction defaults and profile names are used. Default: ./config if
    /// present, else the bundled config.
    #[arg(long)]
    pub config: Option<String>,
    /// Print `{"candidates": […], "catalog_entry": {…}}` on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub net: super::NetArgs,
}

/// Exit 0 with a proposed entry, 1 when no candidate lists entries, 2 on bad input or when the
/// page given cannot be read.
pub async fn run(args: DiscoverArgs) -> anyhow::Result<ExitCode> {
    let start = match url::Url::parse(args.url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => {
            eprintln!("error: `{}` is not an http(s) URL", args.url);
            return Ok(ExitCode::from(2));
        }
    };
    let (config, _) =
        crate::ingest::load_config(args.config.as_deref(), &Default::default()).await?;
    let profiles: Vec<String> = config.profiles().keys().cloned().collect();
    let engine = reading_engine(config, &args.net)?;
    let opts = DiscoverOptions {
        max_requests: DEFAULT_MAX_REQUESTS,
        today: chrono::Utc::now().date_naive(),
        deadline: None,
    };
    let found = match engine.discover(&start, &opts).await {
        Ok(f) => f,
        Err(e @ (DiscoverError::Disallowed(_) | DiscoverError::Unreachable { .. })) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if args.json {
        let mut body = serde_json::json!({
            "candidates": found.candidates,
            "catalog_entry": found.catalog_entry,
        });
        if let Some(entry) = &found.extractor_entry {
            body["html_extractors_entry"] = entry.clone().into();
        }
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        print_discovery(&found, &profiles);
    }
    Ok(if found.catalog_entry.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_discovery(found: &Discovery, profiles: &[String]) {
    let url_w = found
        .candidates
        .iter()
        .map(|c| c.url.len())
        .max()
        .unwrap_or(3)
        .clamp(3, 80);
    println!(
        "{:<5} {:<url_w$} {:>7} {:>6} {:<10} {:<11} note",
        "kind", "url", "entries", "dated", "newest", "verdict"
    );
    for c in &found.candidates {
        println!(
            "{:<5} {:<url_w$} {:>7} {:>6} {:<10} {:<11} {}",
            c.kind.as_str(),
            c.url,
            c.stats.entries,
            percent(c.stats.dated, c.stats.entries),
            c.stats
                .newest
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            c.verdict.as_str(),
            c.note.as_deref().unwrap_or("")
        );
    }
    for (url, why) in &found.not_read {
        println!("not read: {url} ({why})");
    }
    println!("{} request(s), robots.txt included", found.requests);
    println!();
    match &found.catalog_entry {
        Some(entry) => {
            println!(
                "catalog entry (paste under `sources:` in canonical/sources/source_catalog.yaml):"
            );
            print!("{}", entry.to_yaml(profiles));
            if let Some(extractor) = &found.extractor_entry {
                println!();
                println!(
                    "html_extractors.yaml entry (paste under `extractors:` in canonical/sources/html_extractors.yaml):"
                );
                print!("{extractor}");
            }
        }
        None => println!("no feed or newsroom listing with entries was found"),
    }
}
