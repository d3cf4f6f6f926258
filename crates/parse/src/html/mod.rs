//! HTML newsroom listing pages and article pages.
//!
//! The document is parsed once into a flat pre-order view (`dom`); everything after that is
//! linear passes over it, without recursion, so a page of any size or nesting depth is safe.
//! - `classes`: what tags, classes and ids say (furniture, hidden, date, title...), read once;
//! - `links`: the links of a page and the entry blocks they mark out;
//! - `fields`: title, dates and teaser of one block;
//! - `listing`: configured (per-source selectors) and generic (repeated structure) extraction;
//! - `article`: a single article page (date fallback, main text);
//! - `site_links`: announced feeds and chrome links of a page (source discovery).

mod article;
mod classes;
mod depth;
mod dom;
mod fields;
mod links;
mod listing;
mod site_links;

pub use article::{article_main_text, parse_article, parse_article_with};
pub use site_links::{AnnouncedFeed, PageLink, SiteLinks, site_links};

use crate::dates::{self, ParseContext};
use crate::{ParseError, Parsed};
use url::Url;

/// Parses a page into a tree, its nesting bounded first (see [`depth`]): the time spent is
/// proportional to the page's size whatever its markup.
pub(crate) fn parse_html(html: &str) -> scraper::Html {
    scraper::Html::parse_document(&depth::bound_nesting(html))
}

/// Items kept from one listing when the rules do not say (`max_items: 0`).
pub const DEFAULT_MAX_ITEMS: usize = 20;

/// A comma-separated CSS selector list from `html_extractors.yaml`, parsed once.
#[derive(Debug, Clone)]
pub struct SelectorList {
    raw: String,
    selectors: Vec<scraper::Selector>,
}

impl SelectorList {
    /// Parses each comma-separated alternative; the alternatives are tried in order.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut selectors = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let sel = scraper::Selector::parse(part)
                .map_err(|e| format!("invalid selector `{part}`: {e}"))?;
            selectors.push(sel);
        }
        if selectors.is_empty() {
            return Err("empty selector list".into());
        }
        Ok(Self {
            raw: raw.to_string(),
            selectors,
        })
    }
    pub fn as_str(&self) -> &str {
        &self.raw
    }
    pub fn alternatives(&self) -> &[scraper::Selector] {
        &self.selectors
    }
}

/// Per-source extraction rules, resolved from `html_extractors.yaml`.
#[derive(Debug, Clone, Default)]
pub struct ListingRules {
    pub container: Option<SelectorList>,
    pub item: Option<SelectorList>,
    pub title: Option<SelectorList>,
    pub url: Option<SelectorList>,
    pub date: Option<SelectorList>,
    pub description: Option<SelectorList>,
    /// strftime-style formats tried in order (the source's own first, then the global defaults).
    pub date_formats: Vec<String>,
    pub base_url: Option<Url>,
    pub max_items: usize,
    /// Do not report a configured selector that matches nothing.
    pub allow_empty: bool,
}

/// Extracts one entry per listed item of a newsroom listing page, with today's date as the
/// plausibility reference. See [`parse_listing_with`].
pub fn parse_listing(
    html: &str,
    page_url: &Url,
    rules: Option<&ListingRules>,
) -> Result<Parsed, ParseError> {
    parse_listing_with(html, page_url, rules, &ParseContext::from_clock())
}

/// Extracts one entry per listed item of a newsroom listing page.
///
/// With `rules` that have a container or item selector, the configured selectors are used
/// (errors when one matches nothing, unless `allow_empty`); otherwise the generic extractor finds
/// the repeated structure itself. With `rules`, at most `max_items` entries (0:
/// [`DEFAULT_MAX_ITEMS`]) are returned; without, all. Relative links resolve against
/// `<base href>`, else `page_url` (`rules.base_url` is used only when `page_url` is not http(s),
/// e.g. a saved file).
pub fn parse_listing_with(
    html: &str,
    page_url: &Url,
    rules: Option<&ListingRules>,
    ctx: &ParseContext,
) -> Result<Parsed, ParseError> {
    let base_for_file = rules
        .and_then(|r| r.base_url.as_ref())
        .filter(|_| !matches!(page_url.scheme(), "http" | "https"));
    let page_url = base_for_file.unwrap_or(page_url);
    let doc = parse_html(html);
    let dom = dom::Dom::build(&doc, page_url);
    let mut warnings = Vec::new();
    let configured = rules.filter(|r| r.container.is_some() || r.item.is_some());
    let candidates = match configured {
        Some(r) => listing::configured::extract(&doc, &dom, r, &mut warnings)?,
        None => listing::generic::extract(&dom),
    };
    if candidates.is_empty() && configured.is_none() {
        warnings.push("no repeated structure of entries found on the page: its list may be filled in by JavaScript (use the site's feed or configure selectors)".to_string());
    }
    let format_hint = rules
        .and_then(|r| r.date_formats.first())
        .and_then(|f| dates::order_hint_from_format(f));
    let max_items = rules.map(|r| {
        if r.max_items == 0 {
            DEFAULT_MAX_ITEMS
        } else {
            r.max_items
        }
    });
    let entries = listing::finish(candidates, &dom, ctx, format_hint, max_items);
    Ok(Parsed {
        entries,
        malformed: false,
        warnings,
    })
}
