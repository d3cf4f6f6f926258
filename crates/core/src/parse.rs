//! Glue between a fetched document and the parsers: picks the parser for the source's mode and
//! the extraction rules configured for it.

use crate::config::{Config, SourceDef, SourceKind};
use crate::fetch::Fetched;
use chrono::NaiveDate;
use vectora_parse::dates::ParseContext;
use vectora_parse::html::ListingRules;
use vectora_parse::{ParseError, Parsed};

/// Parses a fetched document of a source. `today` bounds plausible dates (a date more than a day
/// in the future is rejected, never kept).
pub fn parse_document(
    config: &Config,
    source: &SourceDef,
    fetched: &Fetched,
    today: NaiveDate,
) -> Result<Parsed, ParseError> {
    match source.kind {
        SourceKind::Rss => vectora_parse::feed::parse_feed(
            &fetched.body,
            fetched.content_type.as_deref(),
            &fetched.final_url,
        ),
        _ => {
            let (text, _, _) =
                vectora_parse::encoding::decode(&fetched.body, fetched.content_type.as_deref());
            // Sources without configured selectors use the generic extractor, still capped at
            // the global max_items and helped by the global date patterns.
            let generic;
            let rules = match config.extractors.get(&source.key) {
                Some(r) => r.as_ref(),
                None => {
                    generic = ListingRules {
                        max_items: config.extraction.max_items,
                        date_formats: config.extraction.date_formats.clone(),
                        allow_empty: source.allow_empty,
                        ..ListingRules::default()
                    };
                    &generic
                }
            };
            vectora_parse::html::parse_listing_with(
                &text,
                &fetched.final_url,
                Some(rules),
                &ParseContext::new(today),
            )
        }
    }
}
