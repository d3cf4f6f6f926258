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
    let mut page = Page {
        doc,
        dom,
        rules,
        links: Vec::new(),
        holdings: None,
        warnings,
    };
    let Some(containers) = page.containers()? else {
        return Ok(Vec::new());
    };
    let Some(list) = &rules.item else {
        // No item selector: the generic extractor inside the containers.
        let cidx: Vec<usize> = containers.iter().filter_map(|c| dom.index_of(c)).collect();
        return Ok(super::generic::extract(dom)
            .into_iter()
            .filter(|c| cidx.iter().any(|&ci| dom.contains(ci, c.node)))
            .collect());
    };
    page.links = links::collect(dom);
    page.holdings = Some(Holdings::compute(dom, &page.links));
    let Some(items) = page.items(list, &containers)? else {
        return Ok(Vec::new());
    };
    let mut matched = Matched::default();
    let out = items
        .into_iter()
        .filter_map(|item| page.candidate(item, &mut matched))
        .collect();
    page.report_unmatched(&matched)?;
    Ok(out)
}

/// One page read with one source's rules: the page's links, computed once, and where the
/// warnings go.
struct Page<'p, 'd> {
    doc: &'p Html,
    dom: &'p Dom<'d>,
    rules: &'p ListingRules,
    links: Vec<links::Link>,
    holdings: Option<Holdings>,
    warnings: &'p mut Vec<String>,
}

impl<'p> Page<'p, '_> {
    /// A selector that matched nothing: a warning when the source allows empty results, else the
    /// source's error.
    fn report(&mut self, err: ParseError) -> Result<(), ParseError> {
        if self.rules.allow_empty {
            self.warnings.push(err.to_string());
            Ok(())
        } else {
            Err(err)
        }
    }

    /// The containers the items are looked for in (the outermost of nested matches), the whole
    /// page without a container selector; `None` when the selector matched nothing.
    fn containers(&mut self) -> Result<Option<Vec<ElementRef<'p>>>, ParseError> {
        let root = self.doc.root_element();
        let Some(list) = &self.rules.container else {
            return Ok(Some(vec![root]));
        };
        let containers = first_matching(list, &[root]);
        if containers.is_empty() {
            self.report(nothing("container", list))?;
            return Ok(None);
        }
        let dom = self.dom;
        let idx: Vec<Option<usize>> = containers.iter().map(|c| dom.index_of(c)).collect();
        let outermost = |i: &Option<usize>| {
            i.is_some_and(|i| !idx.iter().flatten().any(|&o| o != i && dom.contains(o, i)))
        };
        let keep: Vec<bool> = idx.iter().map(outermost).collect();
        Ok(Some(
            containers
                .into_iter()
                .zip(keep)
                .filter_map(|(c, keep)| keep.then_some(c))
                .collect(),
        ))
    }

    /// The configured items that hold a link and no other item (an item around several items is
    /// a wrapper); `None` when the selector matched nothing.
    fn items(
        &mut self,
        list: &SelectorList,
        containers: &[ElementRef<'p>],
    ) -> Result<Option<Vec<usize>>, ParseError> {
        let dom = self.dom;
        let matched: Vec<usize> = first_matching(list, containers)
            .iter()
            .filter_map(|e| dom.index_of(e))
            .collect();
        if matched.is_empty() {
            self.report(nothing("item", list))?;
            return Ok(None);
        }
        let mut with_links: Vec<usize> = matched
            .into_iter()
            .filter(|&i| self.holds_link(i))
            .collect();
        with_links.sort_unstable();
        with_links.dedup();
        let inner: Vec<usize> = with_links
            .iter()
            .copied()
            .filter(|&i| !with_links.iter().any(|&o| o != i && dom.contains(i, o)))
            .collect();
        if inner.is_empty() {
            self.warnings
                .push(format!("configured items `{}` hold no link", list.as_str()));
        }
        Ok(Some(inner))
    }

    fn holds_link(&self, node: usize) -> bool {
        self.holdings
            .as_ref()
            .is_some_and(|h| h.entry[node] != Holds::None || h.attachment[node] != Holds::None)
    }

    /// One item's candidate: its link, the fields read as the generic extractor reads them, then
    /// the configured title, date and description where they match.
    fn candidate(&self, item: usize, matched: &mut Matched) -> Option<Candidate> {
        let item_ref = self.dom.element_ref(self.doc, item)?;
        let scope = [item_ref];
        let link = self.entry_link(item, &scope, matched)?;
        let (url, key) = (self.links[link].url.clone(), self.links[link].key.clone());
        let own: Vec<usize> = links_in(self.dom, &self.links, item)
            .filter(|&l| self.links[l].key == key)
            .collect();
        let block = Block {
            node: item,
            url: url.clone(),
            key: key.clone(),
            links: own,
        };
        let mut f = fields::read(self.dom, &block, &self.links);
        self.configured_title(&scope, &mut f, matched);
        self.configured_dates(&scope, &mut f, matched);
        self.configured_teaser(&scope, &mut f, matched);
        Some(Candidate {
            url,
            key,
            node: item,
            fields: f,
        })
    }

    /// The item's link: the configured one (an entry link before an attachment), else the item's
    /// own first non-generic entry link, else its attachment.
    fn entry_link(
        &self,
        item: usize,
        scope: &[ElementRef<'_>],
        matched: &mut Matched,
    ) -> Option<usize> {
        let (dom, links) = (self.dom, &self.links);
        let configured = self.rules.url.as_ref().and_then(|list| {
            let found = first_matching(list, scope);
            matched.url |= !found.is_empty();
            let as_link = |n: usize| {
                let first = links.partition_point(|l| l.node < n);
                (first < links.len() && dom.contains(n, links[first].node)).then_some(first)
            };
            found
                .iter()
                .filter_map(|e| dom.index_of(e))
                .filter_map(as_link)
                .min_by_key(|&l| (links[l].kind != LinkKind::Entry, links[l].generic))
        });
        configured.or_else(|| {
            links_in(dom, links, item).min_by_key(|&l| {
                (
                    links[l].kind != LinkKind::Entry,
                    links[l].generic,
                    links[l].node,
                )
            })
        })
    }

    fn configured_title(
        &self,
        scope: &[ElementRef<'_>],
        f: &mut fields::Fields,
        matched: &mut Matched,
    ) {
        let Some(list) = &self.rules.title else {
            return;
        };
        let found = first_matching(list, scope);
        matched.title |= !found.is_empty();
        if let Some(t) = found
            .iter()
            .map(|e| self.dom.text_of_ref(e))
            .find(|t| fields::usable_title(t))
        {
            f.title = t;
        }
    }

    /// Dates the configured selector finds come first (read with the source's formats, else as
    /// any element's date), ahead of the ones found generically.
    fn configured_dates(
        &self,
        scope: &[ElementRef<'_>],
        f: &mut fields::Fields,
        matched: &mut Matched,
    ) {
        let Some(list) = &self.rules.date else { return };
        let found = first_matching(list, scope);
        matched.date |= !found.is_empty();
        let configured: Vec<DateCandidate> = found
            .iter()
            .filter_map(|e| {
                let i = self.dom.index_of(e)?;
                let text = self.dom.text(i);
                let raw = dates::parse_with_formats(&text, &self.rules.date_formats)
                    .map(dates::RawDate::Exact)
                    .or_else(|| fields::dates_of_element(self.dom, i).into_iter().next())?;
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

    /// A teaser of at least four words that is neither the title nor a bare date.
    fn configured_teaser(
        &self,
        scope: &[ElementRef<'_>],
        f: &mut fields::Fields,
        matched: &mut Matched,
    ) {
        let Some(list) = &self.rules.description else {
            return;
        };
        let found = first_matching(list, scope);
        matched.description |= !found.is_empty();
        if let Some(t) = found.iter().map(|e| self.dom.text_of_ref(e)).find(|t| {
            t.split_whitespace().count() >= 4 && *t != f.title && !fields::is_date_only(t)
        }) {
            f.teaser = t;
        }
    }

    /// Configured title, url and date selectors that matched in no item fail the source (the
    /// site was probably redesigned); a description that never matched is only a note.
    fn report_unmatched(&mut self, matched: &Matched) -> Result<(), ParseError> {
        let rules = self.rules;
        for (field, list, hit) in [
            ("title", &rules.title, matched.title),
            ("url", &rules.url, matched.url),
            ("date", &rules.date, matched.date),
        ] {
            if let Some(list) = list
                && !hit
            {
                self.report(nothing(field, list))?;
            }
        }
        if let Some(list) = &rules.description
            && !matched.description
        {
            self.warnings.push(nothing("description", list).to_string());
        }
        Ok(())
    }
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
