//! Document parsing for vectora-inbox: feeds and HTML newsroom pages in, clean dated [`Entry`]s out.
//!
//! Everything here is pure (bytes in, values out, no I/O), so it can be fuzzed, benchmarked and
//! used by `vectora-inbox parse` on a saved file exactly as the pipeline uses it on a fetched one.

pub mod dates;
pub mod encoding;
pub mod feed;
pub mod html;
pub mod text;
pub mod urls;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where an entry's published date was read from. `None` on the entry means no date was found
/// (dates are never invented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    /// The feed entry's own date field (published, else updated).
    Feed,
    /// Text or markup of the entry on the listing page.
    Listing,
    /// The entry's own article page (meta tags, JSON-LD, `<time>`, text).
    Article,
    /// A `/YYYY/MM/DD/` pattern in the entry URL (lowest confidence).
    Url,
    /// A provider API's own date field (a trial's last update, a paper's entry date, an approval).
    Api,
}

/// One entry of a source: a press release, a feed item, an article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Visible title, tags stripped, entities decoded, whitespace collapsed.
    pub title: String,
    /// Absolute URL of the entry.
    pub url: String,
    /// The publisher's calendar date, as written (never shifted to UTC, never "today").
    pub published: Option<NaiveDate>,
    pub date_source: Option<DateSource>,
    /// The entry's own text (teaser, summary or content) as clean text; may be empty.
    pub content: String,
    pub author: Option<String>,
    pub tags: Vec<String>,
}

/// What kind of document was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocFormat {
    Rss,
    Atom,
    JsonFeed,
    Html,
}

/// The result of parsing one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    /// True when the document was broken and only part of it could be recovered.
    pub malformed: bool,
    /// Human-readable notes for the per-source report (recovered errors, empty selectors...).
    pub warnings: Vec<String>,
}

/// A document that could not be parsed at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("malformed document: {0}")]
    Malformed(String),
    /// A configured selector matched nothing: the site was probably redesigned.
    #[error("configured selector `{selector}` ({field}) matched nothing")]
    SelectorMatchedNothing {
        field: &'static str,
        selector: String,
    },
}
