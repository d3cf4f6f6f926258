//! Configured extraction: the per-source selectors of `html_extractors.yaml`.
//!
//! Each field is a comma-separated selector list whose alternatives are tried in order. The
//! reference selectors are loose (`item: tr, li, div.news-item`, `title: ..., a`), so the
//! matches are cleaned up the same way the generic extractor cleans its blocks: items without an
//! entry link (header rows, decoration) are skipped, an item that contains other items is a
//! wrapper, not an entry, and attachment links never stand for a release when the entry has a
//! real link. A selector list that matches nothing anywhere is reported (the site was probably
//! redesigned) unless the source allows empty results.

use super::Candidate;
use crate::html::dom::Dom;
use crate::html::fields::{self, DateCandidate};
use crate::html::links::{self, Block, Holdings, Holds, LinkKind};
use crate::html::{ListingRules, SelectorList};
use crate::{DateSource, ParseError, dates};
use scraper::{ElementRef, Html};

/// Which configured fields matched at least once on the page.
#[derive(Default)]
struct Matched {
    title: bool,
    url: bool,
    date: bool,
    description: bool,
}

fn nothing(field: &'static str, list: &SelectorList) -> ParseError {
    ParseError::SelectorMatchedNothing {
        field,
        selector: list.as_str().to_string(),
    }
}

/// Elements of `scopes` matched by the first alternative of `list` that matches anything.
fn first_matching<'a>(list: &SelectorList, scopes: &[ElementRef<'a>]) -> Vec<ElementRef<'a>> {
    for sel in list.alternatives() {
        let found: Vec<ElementRef<'a>> = scopes.iter().flat_map(|s| s.select(sel)).collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// Extracts the candidates; `Err` when a configured selector matched nothing and the source does
/// not allow it. Warnings (for the per-source report) are appended to `warnings`.
pub(crate) fn extract(
    doc: &Html,
    dom: &Dom<'_>,
    rules: &ListingRules,
    warnings: &mut Vec<String>,
) -> Result<Vec<Candidate>, ParseError> {
    let report = |err: ParseError, warnings: &mut Vec<String>| -> Result<(), ParseError> {
        if rules.allow_empty {
            warnings.push(err.to_string());
            Ok(())
        } else {
            Err(err)
        }
    };
    let root = doc.root_element();
    let mut containers = vec![root];
    if let Some(list) = &rules.container {
        containers = first_matching(list, &[root]);
        if containers.is_empty() {
            report(nothing("container", list), warnings)?;
            return Ok(Vec::new());
        }
        // Nested matches: keep the outermost.
        let idx: Vec<Option<usize>> = containers.iter().map(|c| dom.index_of(c)).collect();
        let outer: Vec<bool> = idx
            .iter()
            .map(|i| {
                i.is_some_and(|i| !idx.iter().flatten().any(|&o| o != i && dom.contains(o, i)))
            })
            .collect();
        containers = containers
            .into_iter()
            .zip(outer)
            .filter(|(_, keep)| *keep)
            .map(|(c, _)| c)
            .collect();
    }

    let links = links::collect(dom);
    let holdings = Holdings::compute(dom, &links);
    let links_in = |node: usize| links_in(dom, &links, node);
    let holds_link =
        |i: usize| holdings.entry[i] != Holds::None || holdings.attachment[i] != Holds::None;

    let items: Vec<usize> = match &rules.item {
        Some(list) => {
            let matched: Vec<usize> = first_matching(list, &containers)
                .iter()
                .filter_map(|e| dom.index_of(e))
                .collect();
            if matched.is_empty() {
                report(nothing("item", list), warnings)?;
                return Ok(Vec::new());
            }
            let mut with_links: Vec<usize> =
                matched.into_iter().filter(|&i| holds_link(i)).collect();
            with_links.sort_unstable();
            with_links.dedup();
            // An item that contains another item is a wrapper around several entries.
            let inner: Vec<usize> = with_links
                .iter()
                .copied()
                .filter(|&i| !with_links.iter().any(|&o| o != i && dom.contains(i, o)))
                .collect();
            if inner.is_empty() {
                warnings.push(format!("configured items `{}` hold no link", list.as_str()));
            }
            inner
        }
        None => {
            // No item selector: the generic extractor inside the containers.
            let cidx: Vec<usize> = containers.iter().filter_map(|c| dom.index_of(c)).collect();
            let found = super::generic::extract(dom);
            return Ok(found
                .into_iter()
                .filter(|c| cidx.iter().any(|&ci| dom.contains(ci, c.node)))
                .collect());
        }
    };

    let mut matched = Matched::default();
    let mut out = Vec::new();
    for item in items {
        let Some(item_ref) = dom.element_ref(doc, item) else {
            continue;
        };
        let scope = [item_ref];
        // URL: the configured link, an entry link before an attachment.
        let url_link = rules.url.as_ref().and_then(|list| {
            let found = first_matching(list, &scope);
            matched.url |= !found.is_empty();
            let nodes: Vec<usize> = found.iter().filter_map(|e| dom.index_of(e)).collect();
            let as_link = |n: usize| {
                let first = links.partition_point(|l| l.node < n);
                (first < links.len() && dom.contains(n, links[first].node)).then_some(first)
            };
            nodes
                .iter()
                .filter_map(|&n| as_link(n))
                .min_by_key(|&l| (links[l].kind != LinkKind::Entry, links[l].generic))
        });
        let link = url_link.or_else(|| {
            // The item's own entry link (the first non-generic one), else its attachment.
            links_in(item).min_by_key(|&l| {
                (
                    links[l].kind != LinkKind::Entry,
                    links[l].generic,
                    links[l].node,
                )
            })
        });
        let Some(link) = link else { continue };
        let (url, key) = (links[link].url.clone(), links[link].key.clone());
        let own: Vec<usize> = links_in(item).filter(|&l| links[l].key == key).collect();
        let block = Block {
            node: item,
            url: url.clone(),
            key: key.clone(),
            links: own,
        };
        let mut f = fields::read(dom, &block, &links);

        if let Some(list) = &rules.title {
            let found = first_matching(list, &scope);
            matched.title |= !found.is_empty();
            if let Some(t) = found
                .iter()
                .map(|e| dom.text_of_ref(e))
                .find(|t| fields::usable_title(t))
            {
                f.title = t;
            }
        }
        if let Some(list) = &rules.date {
            let found = first_matching(list, &scope);
            matched.date |= !found.is_empty();
            let configured: Vec<DateCandidate> = found
                .iter()
                .filter_map(|e| {
                    let i = dom.index_of(e)?;
                    let text = dom.text(i);
                    let raw = dates::parse_with_formats(&text, &rules.date_formats)
                        .map(dates::RawDate::Exact)
                        .or_else(|| fields::dates_of_element(dom, i).into_iter().next())?;
                    Some(DateCandidate {
                        raw,
                        source: DateSource::Listing,
                    })
                })
                .collect();
            if !configured.is_empty() {
                f.dates.retain(|d| !configured.contains(d));
                f.dates.splice(0..0, configured);
            }
        }
        if let Some(list) = &rules.description {
            let found = first_matching(list, &scope);
            matched.description |= !found.is_empty();
            if let Some(t) = found.iter().map(|e| dom.text_of_ref(e)).find(|t| {
                t.split_whitespace().count() >= 4 && *t != f.title && !fields::is_date_only(t)
            }) {
                f.teaser = t;
            }
        }
        out.push(Candidate {
            url,
            key,
            node: item,
            fields: f,
        });
    }
    for (field, list, hit) in [
        ("title", &rules.title, matched.title),
        ("url", &rules.url, matched.url),
        ("date", &rules.date, matched.date),
    ] {
        if let Some(list) = list
            && !hit
        {
            report(nothing(field, list), warnings)?;
        }
    }
    // A teaser is optional: a description selector that never matches is worth a note, not a
    // failed source.
    if let Some(list) = &rules.description
        && !matched.description
    {
        warnings.push(nothing("description", list).to_string());
    }
    Ok(out)
}

/// Indices of the links inside `node`. Links are in document order, so they form one run.
fn links_in<'l>(
    dom: &'l Dom<'_>,
    links: &'l [links::Link],
    node: usize,
) -> impl Iterator<Item = usize> + 'l {
    let first = links.partition_point(|l| l.node < node);
    (first..links.len()).take_while(move |&l| dom.contains(node, links[l].node))
}
