//! The one parse dispatcher: what a document is read as (feed, listing page, article page), with
//! which extraction rules and which date plausibility. The pipeline, onboarding and
//! `vectora-inbox parse` all come through here, so `parse` shows exactly what ingestion reads
//! from the same document for the same source.

use crate::config::{Config, SourceDef, SourceKind};
use crate::fetch::Fetched;
use chrono::NaiveDate;
use std::borrow::Cow;
use url::Url;
use vectora_parse::dates::ParseContext;
use vectora_parse::html::ListingRules;
use vectora_parse::{ParseError, Parsed};

/// What a document is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// A newsroom listing page: one entry per release.
    Listing,
    /// One article page: one entry.
    Article,
}

impl DocumentKind {
    /// How ingestion reads a source's documents: by its mode, never by sniffing.
    pub fn of_source(source: &SourceDef) -> Self {
        match source.kind {
            SourceKind::Rss => DocumentKind::Feed,
            _ => DocumentKind::Listing,
        }
    }
}

/// One document to parse: its bytes as fetched or saved, and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
    /// The document's URL: relative links resolve against it.
    pub url: &'a Url,
}

/// Parses a fetched document of a source as ingestion does. `today` bounds plausible dates (a
/// date more than a day in the future is rejected, never kept).
pub fn parse_document(
    config: &Config,
    source: &SourceDef,
    fetched: &Fetched,
    today: NaiveDate,
) -> Result<Parsed, ParseError> {
    let doc = Document {
        body: &fetched.body,
        content_type: fetched.content_type.as_deref(),
        url: &fetched.final_url,
    };
    parse_as(
        config,
        Some(source),
        DocumentKind::of_source(source),
        doc,
        today,
    )
}

/// Parses `doc` as `kind`, with the rules of `source` (or, for a document of no source, the
/// config's global extraction defaults).
pub fn parse_as(
    config: &Config,
    source: Option<&SourceDef>,
    kind: DocumentKind,
    doc: Document<'_>,
    today: NaiveDate,
) -> Result<Parsed, ParseError> {
    let ctx = ParseContext::new(today);
    match kind {
        DocumentKind::Feed => {
            vectora_parse::feed::parse_feed_with(doc.body, doc.content_type, doc.url, &ctx)
        }
        DocumentKind::Listing => {
            let (text, _, _) = vectora_parse::encoding::decode(doc.body, doc.content_type);
            let rules = listing_rules(config, source);
            vectora_parse::html::parse_listing_with(&text, doc.url, Some(&rules), &ctx)
        }
        DocumentKind::Article => {
            let (text, _, _) = vectora_parse::encoding::decode(doc.body, doc.content_type);
            let entry = vectora_parse::html::parse_article_with(&text, doc.url, &ctx)?;
            Ok(Parsed {
                entries: entry.into_iter().collect(),
                ..Parsed::default()
            })
        }
    }
}

/// The listing rules ingestion applies: the source's configured extractor, else the generic
/// extractor, still capped at the global `max_items` and helped by the global date formats.
pub fn listing_rules<'c>(config: &'c Config, source: Option<&SourceDef>) -> Cow<'c, ListingRules> {
    if let Some(rules) = source.and_then(|s| config.extractors.get(&s.key)) {
        return Cow::Borrowed(rules.as_ref());
    }
    Cow::Owned(ListingRules {
        max_items: config.extraction.max_items,
        date_formats: config.extraction.date_formats.clone(),
        allow_empty: source.is_some_and(|s| s.allow_empty),
        ..ListingRules::default()
    })
}
