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
    let Some(containers) = containers(doc, dom, rules, warnings)? else {
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
    let links = links::collect(dom);
    let holdings = Holdings::compute(dom, &links);
    let mut page = Page {
        doc,
        dom,
        rules,
        links,
        holdings,
        warnings,
    };
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

/// A selector that matched nothing: a warning when the source allows empty results, else the
/// source's error.
fn report(
    rules: &ListingRules,
    warnings: &mut Vec<String>,
    err: ParseError,
) -> Result<(), ParseError> {
    if rules.allow_empty {
        warnings.push(err.to_string());
        Ok(())
    } else {
        Err(err)
    }
}

/// The containers the items are looked for in (the outermost of nested matches), the whole page
/// without a container selector; `None` when the selector matched nothing.
fn containers<'a>(
    doc: &'a Html,
    dom: &Dom<'_>,
    rules: &ListingRules,
    warnings: &mut Vec<String>,
) -> Result<Option<Vec<ElementRef<'a>>>, ParseError> {
    let root = doc.root_element();
    let Some(list) = &rules.container else {
        return Ok(Some(vec![root]));
    };
    let containers = first_matching(list, &[root]);
    if containers.is_empty() {
        report(rules, warnings, nothing("container", list))?;
        return Ok(None);
    }
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

/// The elements of `scope` a configured field's selector list matches (`None` when the field
/// is not configured); `hit` records that it matched somewhere on the page.
fn configured<'e>(
    list: Option<&SelectorList>,
    scope: &[ElementRef<'e>],
    hit: &mut bool,
) -> Option<Vec<ElementRef<'e>>> {
    let found = first_matching(list?, scope);
    *hit |= !found.is_empty();
    Some(found)
}

/// One page read with one source's rules: the page's links, computed once, and where the
/// warnings go.
struct Page<'p, 'd> {
    doc: &'p Html,
    dom: &'p Dom<'d>,
    rules: &'p ListingRules,
    links: Vec<links::Link>,
    holdings: Holdings,
    warnings: &'p mut Vec<String>,
}

impl<'p> Page<'p, '_> {
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
            report(self.rules, self.warnings, nothing("item", list))?;
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
        self.holdings.entry[node] != Holds::None || self.holdings.attachment[node] != Holds::None
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
        let found = configured(self.rules.url.as_ref(), scope, &mut matched.url);
        let configured = found.and_then(|found| {
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
        let Some(found) = configured(self.rules.title.as_ref(), scope, &mut matched.title) else {
            return;
        };
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
        let Some(found) = configured(self.rules.date.as_ref(), scope, &mut matched.date) else {
            return;
        };
        let dated: Vec<DateCandidate> = found
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
        if !dated.is_empty() {
            f.dates.retain(|d| !dated.contains(d));
            f.dates.splice(0..0, dated);
        }
    }

    /// A teaser of at least four words that is neither the title nor a bare date.
    fn configured_teaser(
        &self,
        scope: &[ElementRef<'_>],
        f: &mut fields::Fields,
        matched: &mut Matched,
    ) {
        let Some(found) = configured(
            self.rules.description.as_ref(),
            scope,
            &mut matched.description,
        ) else {
            return;
        };
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
                report(rules, self.warnings, nothing(field, list))?;
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
