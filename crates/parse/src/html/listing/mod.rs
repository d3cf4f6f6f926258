//! Listing pages: one entry per press release, by configured selectors or by the generic
//! extractor, then one shared finishing step (dates resolved page-wide, duplicates dropped).

pub(crate) mod configured;
pub(crate) mod generic;

use super::dom::Dom;
use super::fields::Fields;
use crate::dates::{self, DateOrder, ParseContext};
use crate::{DateSource, Entry};
use foldhash::{HashSet, HashSetExt};

/// An entry found on a listing page, dates not yet resolved.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub url: String,
    pub key: String,
    /// The block or item the entry was read from.
    pub node: usize,
    pub fields: Fields,
}

/// Turns candidates into entries: the page's day/month order is decided from every unambiguous
/// numeric date of the page (then the configured format, then the page language), each entry
/// takes its first plausible date, entries without title or already seen are dropped.
pub(crate) fn finish(
    candidates: Vec<Candidate>,
    dom: &Dom<'_>,
    ctx: &ParseContext,
    format_hint: Option<DateOrder>,
    max_items: Option<usize>,
) -> Vec<Entry> {
    let lang_hint = dom.lang.and_then(dates::order_from_lang);
    let page_order = dates::infer_order(candidates.iter().flat_map(|c| {
        c.fields
            .dates
            .iter()
            .filter(|d| d.source == DateSource::Listing)
            .map(|d| &d.raw)
    }))
    .or(format_hint);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in candidates {
        if c.fields.title.is_empty() || !seen.insert(c.key.clone()) {
            continue;
        }
        let dated = c.fields.dates.iter().find_map(|d| {
            let order = page_order.unwrap_or_else(|| d.raw.default_order(lang_hint));
            d.raw
                .resolve(order)
                .filter(|date| ctx.is_plausible(*date))
                .map(|date| (date, d.source))
        });
        out.push(Entry {
            title: crate::text::bound_title(c.fields.title),
            url: c.url,
            published: dated.map(|d| d.0),
            date_source: dated.map(|d| d.1),
            content: c.fields.teaser,
            author: None,
            tags: Vec::new(),
        });
        if max_items.is_some_and(|m| out.len() >= m) {
            break;
        }
    }
    out
}
