//! `vectora-inbox parse`: the tool users reach for when a source looks wrong — parses one saved
//! document (a feed, a page, or a provider API's answer) exactly as ingestion would and prints its
//! items.

use crate::ingest::load_config;
use anyhow::Context;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use vectora_parse::{DateSource, Entry};

#[derive(Args)]
pub struct ParseArgs {
    /// The document's original URL (relative links are resolved against it). Required except
    /// for the API formats (clinicaltrials, pubmed, openfda).
    #[arg(long)]
    pub url: Option<url::Url>,
    #[arg(long, value_enum, default_value = "auto")]
    pub format: Format,
    /// Use this source's configured extraction rules (html_extractors.yaml).
    #[arg(long)]
    pub source_key: Option<String>,
    /// Config root for --source-key (default: ./config, else the bundled config).
    #[arg(long)]
    pub config: Option<String>,
    /// The saved document.
    pub file: PathBuf,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Auto,
    Rss,
    Atom,
    Json,
    Html,
    Article,
    /// A ClinicalTrials.gov v2 `/studies` page or single study.
    Clinicaltrials,
    /// An E-utilities efetch `PubmedArticleSet`.
    Pubmed,
    /// An openFDA `drugsfda.json` or `label.json` answer.
    Openfda,
}

#[derive(Serialize)]
struct Printed<'a> {
    title: &'a str,
    url: &'a str,
    published_at: Option<chrono::NaiveDate>,
    date_source: Option<DateSource>,
    content: &'a str,
    /// Provider fields (API formats only).
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

pub async fn run(args: ParseArgs) -> anyhow::Result<ExitCode> {
    let body = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    if let Some(format) = saved_api_format(args.format) {
        return print_api_records(format, &body, &args.file);
    }
    let Some(url) = args.url.clone() else {
        anyhow::bail!("--url is required for --format {:?}", args.format);
    };
    let rules = match &args.source_key {
        None => None,
        Some(k) => {
            let (cfg, origin) = load_config(args.config.as_deref()).await?;
            if !cfg.sources.contains_key(k) {
                anyhow::bail!("unknown source `{k}` in {origin}");
            }
            cfg.extractors.get(k).cloned()
        }
    };
    let is_feed = match args.format {
        Format::Rss | Format::Atom | Format::Json => true,
        Format::Html | Format::Article => false,
        Format::Clinicaltrials | Format::Pubmed | Format::Openfda => false,
        Format::Auto => matches!(
            vectora_parse::feed::detect_format(&body),
            Some(
                vectora_parse::DocFormat::Rss
                    | vectora_parse::DocFormat::Atom
                    | vectora_parse::DocFormat::JsonFeed
            )
        ),
    };
    let parsed = if is_feed {
        vectora_parse::feed::parse_feed(&body, None, &url)
    } else if args.format == Format::Article {
        // One article page: a one-element array (empty when the page has no title).
        let (text, _, _) = vectora_parse::encoding::decode(&body, None);
        vectora_parse::html::parse_article(&text, &url).map(|entry| vectora_parse::Parsed {
            entries: entry.into_iter().collect(),
            ..vectora_parse::Parsed::default()
        })
    } else {
        let (text, _, _) = vectora_parse::encoding::decode(&body, None);
        vectora_parse::html::parse_listing(&text, &url, rules.as_deref())
    };
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return Ok(ExitCode::from(1));
        }
    };
    for w in &parsed.warnings {
        eprintln!("warning: {w}");
    }
    let printed: Vec<Printed> = parsed.entries.iter().map(printed).collect();
    println!("{}", serde_json::to_string_pretty(&printed)?);
    Ok(ExitCode::SUCCESS)
}

fn printed(e: &Entry) -> Printed<'_> {
    Printed {
        title: &e.title,
        url: &e.url,
        published_at: e.published,
        date_source: e.date_source,
        content: &e.content,
        metadata: None,
    }
}

fn saved_api_format(format: Format) -> Option<vectora_core::api::SavedFormat> {
    use vectora_core::api::SavedFormat;
    match format {
        Format::Clinicaltrials => Some(SavedFormat::Clinicaltrials),
        Format::Pubmed => Some(SavedFormat::Pubmed),
        Format::Openfda => Some(SavedFormat::Openfda),
        _ => None,
    }
}

/// A saved provider answer: its records as a run would read them, metadata included.
fn print_api_records(
    format: vectora_core::api::SavedFormat,
    body: &[u8],
    file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let records = match vectora_core::api::parse_saved(format, body) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return Ok(ExitCode::from(1));
        }
    };
    let printed: Vec<Printed> = records
        .iter()
        .map(|r| Printed {
            metadata: Some(&r.metadata),
            ..printed(&r.entry)
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&printed)?);
    Ok(ExitCode::SUCCESS)
}
