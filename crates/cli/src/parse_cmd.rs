//! `vectora-inbox parse`: the tool users reach for when a source looks wrong — parses one saved
//! document (a feed, a page, or a provider API's answer) exactly as ingestion would and prints its
//! items.

use crate::ingest::load_config;
use anyhow::Context;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use vectora_core::parse::{Document, DocumentKind};
use vectora_parse::{DateSource, Entry};

#[derive(Args)]
pub struct ParseArgs {
    /// The document's original URL (relative links are resolved against it). Required except
    /// for the API formats (clinicaltrials, pubmed, openfda).
    #[arg(long)]
    pub url: Option<url::Url>,
    #[arg(long, value_enum, default_value = "auto")]
    pub format: Format,
    /// Read the file as this source's documents are read in a run: its mode, its configured
    /// extraction rules (html_extractors.yaml), else the global defaults.
    #[arg(long)]
    pub source_key: Option<String>,
    /// Config root (default: ./config, else the bundled config): its extraction rules, global
    /// max_items and date formats apply.
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
    // The config ingestion would use (./config, else the bundled one): its extraction rules,
    // global max_items and date formats apply here exactly as in a run.
    let (cfg, origin) = load_config(args.config.as_deref(), &Default::default()).await?;
    let source = match &args.source_key {
        None => None,
        Some(k) => Some(
            cfg.source(k)
                .with_context(|| format!("unknown source `{k}` in {origin}"))?,
        ),
    };
    let kind = match args.format {
        Format::Rss | Format::Atom | Format::Json => DocumentKind::Feed,
        Format::Html => DocumentKind::Listing,
        Format::Article => DocumentKind::Article,
        // Only API formats return early above.
        Format::Clinicaltrials | Format::Pubmed | Format::Openfda => DocumentKind::Listing,
        // A source's documents are read by its mode, as in a run; a file of no source by what
        // it looks like.
        Format::Auto => match source {
            Some(s) => DocumentKind::of_source(s),
            None if vectora_parse::feed::detect_format(&body).is_some_and(|f| {
                matches!(
                    f,
                    vectora_parse::DocFormat::Rss
                        | vectora_parse::DocFormat::Atom
                        | vectora_parse::DocFormat::JsonFeed
                )
            }) =>
            {
                DocumentKind::Feed
            }
            None => DocumentKind::Listing,
        },
    };
    let doc = Document {
        body: &body,
        content_type: None,
        url: &url,
    };
    let today = chrono::Utc::now().date_naive();
    let parsed = vectora_core::parse::parse_as(&cfg, source, kind, doc, today);
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
