//! The fields of one entry read from its block: title, candidate dates, teaser.

use super::classes;
use super::dom::Dom;
use super::links::{Block, Link, text_sense};
use crate::DateSource;
use crate::dates::{self, FoundDate, RawDate};

/// A date written somewhere for an entry, not yet resolved to the page's day/month order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateCandidate {
    pub raw: RawDate,
    pub source: DateSource,
}

/// What one block says about its entry.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub title: String,
    pub has_heading: bool,
    /// Best first.
    pub dates: Vec<DateCandidate>,
    pub teaser: String,
}

/// Elements of a block that carry its date: `<time>`, `itemprop=datePublished`, date classes.
pub(crate) fn date_elements(dom: &Dom<'_>, block: usize) -> Vec<usize> {
    date_elements_in(dom, block, false)
}

/// Date elements under `root`; `root` itself counts when `include_root` (a sibling of an entry's
/// heading in a flat listing) or when it is a `<time>`. Found elements are disjoint and in
/// document order, so "inside one already found" is a check against the last one.
fn date_elements_in(dom: &Dom<'_>, root: usize, include_root: bool) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut covered_until = 0;
    for i in std::iter::once(root).chain(dom.descendants(root)) {
        let n = &dom.nodes[i];
        if n.dead || i < covered_until {
            continue;
        }
        let tag = dom.tag(i);
        let modified = dom.has(i, classes::MODIFIED);
        let own = i != root || include_root;
        let dated = (tag == "time" && !modified)
            || dom
                .attr(i, "itemprop")
                .is_some_and(|p| p.eq_ignore_ascii_case("datePublished"))
            || (!n.hidden && own && dom.has(i, classes::DATE));
        if dated && (own || tag == "time") {
            out.push(i);
            covered_until = n.end;
        }
    }
    out
}

/// The dates an element states: its `datetime`/`content` attribute or that of a `<time>` inside
/// it (a modification time is not a publication date), else the dates in its text.
pub(crate) fn dates_of_element(dom: &Dom<'_>, i: usize) -> Vec<RawDate> {
    let stated = std::iter::once(i)
        .chain(dom.descendants(i).filter(|&d| dom.tag(d) == "time"))
        .find_map(|e| {
            if e != i && dom.has(e, classes::MODIFIED) {
                return None;
            }
            ["datetime", "content"]
                .iter()
                .find_map(|a| dom.attr(e, a).and_then(dates::parse_timestamp))
        });
    if let Some(d) = stated {
        return vec![RawDate::Exact(d)];
    }
    dates::find_dates(&dom.text(i))
        .into_iter()
        .map(|f| f.raw)
        .collect()
}

/// Reads the fields of one block. `links` are all page links; the block's own are `block.links`.
pub(crate) fn read(dom: &Dom<'_>, block: &Block, links: &[Link]) -> Fields {
    read_region(dom, block, links, &[])
}

/// Reads the fields of a block together with `extra` sibling elements that belong to the same
/// entry (flat listings: `<h3>` title, then date and teaser paragraphs as its siblings).
pub(crate) fn read_region(dom: &Dom<'_>, block: &Block, links: &[Link], extra: &[usize]) -> Fields {
    let b = block.node;
    let mut date_els = date_elements(dom, b);
    for &r in extra {
        date_els.extend(date_elements_in(dom, r, true));
    }
    let (mut title, title_node, has_heading) = title_of(dom, block, links, &date_els);
    if let Some(full) = uncut_title(dom, block, links, &title) {
        title = full;
    }

    let mut found: Vec<DateCandidate> = Vec::new();
    let mut push = |raw: RawDate, source| {
        if !found.iter().any(|c| c.raw == raw) {
            found.push(DateCandidate { raw, source });
        }
    };
    for &d in &date_els {
        for raw in dates_of_element(dom, d) {
            push(raw, DateSource::Listing);
        }
    }
    let mut skip: Vec<usize> = title_node.into_iter().collect();
    skip.extend(&date_els);
    let mut rest = dom.text_excluding(b, &title_node.into_iter().collect::<Vec<_>>());
    for &r in extra {
        rest.push(' ');
        rest.push_str(&dom.text(r));
    }
    for f in dates::find_dates(&rest) {
        push(f.raw, DateSource::Listing);
    }
    // Only when the entry states no date elsewhere: a date written at either end of the title
    // ("January 15, 2026 – Company announces..."), then removed from the title.
    if found.is_empty()
        && let Some((raw, stripped)) = date_at_title_edge(&title)
    {
        found.push(DateCandidate {
            raw,
            source: DateSource::Listing,
        });
        title = stripped;
    }
    if let Some(raw) = url_date_raw(&block.url)
        && !found.iter().any(|c| c.raw == raw)
    {
        found.push(DateCandidate {
            raw,
            source: DateSource::Url,
        });
    }

    // A block that is its own title (a flat listing's `<h3>`) has no teaser of its own.
    let mut teaser = if title_node == Some(b) {
        String::new()
    } else {
        teaser_text(dom, b, &skip)
    };
    for &r in extra {
        // A sibling that is a label or a byline ("<p class=date>", "Posted on ...") is not text.
        let meta = dom.has(r, classes::META) && !dom.has(r, classes::TEASER);
        if !meta && !is_byline(dom, r) && !date_els.contains(&r) {
            teaser.push(' ');
            teaser.push_str(&teaser_text(dom, r, &skip));
        }
    }
    let teaser = finish_teaser(&teaser);
    Fields {
        title,
        has_heading,
        dates: found,
        teaser,
    }
}

/// The date of a `/YYYY/MM/DD/` URL as a raw date; plausibility is checked when resolved.
fn url_date_raw(url: &str) -> Option<RawDate> {
    // A reference day far in the future: the plausibility check happens later, with the real one.
    let far = chrono::NaiveDate::from_ymd_opt(9999, 1, 1)?;
    dates::date_from_url(url, &dates::ParseContext::new(far)).map(RawDate::Exact)
}

/// True when a text is only a date (and punctuation): not a title, not a teaser.
pub(crate) fn is_date_only(text: &str) -> bool {
    let mut rest = text.to_string();
    for f in dates::find_dates(text).iter().rev() {
        rest.replace_range(f.start..f.end, " ");
    }
    rest.chars().filter(|c| c.is_alphanumeric()).count() < 2 && rest.len() < text.len()
}

pub(crate) fn usable_title(text: &str) -> bool {
    if text.is_empty() || is_date_only(text) {
        return false;
    }
    let sense = text_sense(text);
    !sense.generic && !sense.nav && !sense.attachment
}

/// The entry's title and the node it came from. Preference: a heading (or title-classed
/// element) around the entry's link, any heading, the link's own text, bold text, a `title`
/// attribute or image `alt`.
fn title_of(
    dom: &Dom<'_>,
    block: &Block,
    links: &[Link],
    skip: &[usize],
) -> (String, Option<usize>, bool) {
    let b = block.node;
    let own_links: Vec<usize> = block.links.iter().map(|&l| links[l].node).collect();
    let titled = |i: usize| dom.has(i, classes::HEADING | classes::TITLE);
    let foreign = |i: usize| is_foreign(dom, block, links, i);
    let candidates: Vec<usize> = std::iter::once(b)
        .chain(dom.descendants(b))
        .filter(|&i| !dom.nodes[i].hidden && titled(i) && !foreign(i))
        .collect();
    let holds_link = |i: usize| {
        own_links
            .iter()
            .any(|&l| dom.contains(i, l) || dom.contains(l, i))
    };
    // Headings around the entry's link, title-classed elements around it, then any heading,
    // then any title-classed element.
    for pass in 0..4 {
        for &i in &candidates {
            if i == b && !dom.is_heading(i) {
                continue;
            }
            if (pass % 2 == 0) != dom.is_heading(i) || (pass < 2 && !holds_link(i)) {
                continue;
            }
            let t = dom.text_excluding(i, skip);
            if usable_title(&t) {
                return (t, Some(i), dom.is_heading(i));
            }
        }
    }
    // A link that wraps the whole card (title, teaser and byline as blocks inside it): its
    // first block of text is the title, not all of its text.
    let link_title = |l: usize| -> (usize, String) {
        if dom.has_block_inside(l) {
            let first = dom
                .descendants(l)
                .filter(|&i| dom.is_leaf_block(i) && !dom.nodes[i].hidden)
                .map(|i| (i, dom.text_excluding(i, skip)))
                .find(|(_, t)| usable_title(t));
            if let Some(found) = first {
                return found;
            }
        }
        (l, dom.text_excluding(l, skip))
    };
    let best_link = own_links
        .iter()
        .map(|&l| link_title(l))
        .filter(|(_, t)| usable_title(t))
        .max_by_key(|(_, t)| t.chars().count());
    if let Some((l, t)) = best_link {
        return (t, Some(l), false);
    }
    for i in dom.descendants(b) {
        if matches!(dom.tag(i), "strong" | "b") && !dom.nodes[i].hidden && !foreign(i) {
            let t = dom.text_excluding(i, skip);
            if usable_title(&t) {
                return (t, Some(i), false);
            }
        }
    }
    // Div soup: the first leaf block (no block element inside) that reads like a title.
    for i in dom.descendants(b).take(400) {
        if dom.is_leaf_block(i) && !dom.nodes[i].hidden && !foreign(i) {
            let t = dom.text_excluding(i, skip);
            if usable_title(&t) && (3..=40).contains(&t.split_whitespace().count()) {
                return (t, Some(i), false);
            }
        }
    }
    for &l in &own_links {
        let attr = dom.attr(l, "title").map(str::to_string).or_else(|| {
            dom.descendants(l)
                .find(|&i| dom.tag(i) == "img")
                .and_then(|i| dom.attr(i, "alt"))
                .map(str::to_string)
        });
        if let Some(t) = attr
            .map(|t| crate::text::collapse_whitespace(&t))
            .filter(|t| usable_title(t))
        {
            return (t, None, false);
        }
    }
    (String::new(), None, false)
}

/// The full title when the visible one is cut ("Company reports positive Phase 3 re…") and one
/// of the entry's links carries it whole in its `title` attribute.
fn uncut_title(dom: &Dom<'_>, block: &Block, links: &[Link], title: &str) -> Option<String> {
    let stem = title
        .strip_suffix('\u{2026}')
        .or_else(|| title.strip_suffix("..."))?
        .trim_end();
    if stem.is_empty() {
        return None;
    }
    block
        .links
        .iter()
        .filter_map(|&l| dom.attr(links[l].node, "title"))
        .map(crate::text::collapse_whitespace)
        .find(|full| full.len() > stem.len() && full.starts_with(stem))
}

/// True when element `i` is, holds or sits inside a link to another URL than the entry's: the
/// title of a neighbour in the same row or card, not this entry's. `links` are in document order.
fn is_foreign(dom: &Dom<'_>, block: &Block, links: &[Link], i: usize) -> bool {
    let end = dom.nodes[i].end;
    let from = links.partition_point(|l| l.node < i);
    if links[from..]
        .iter()
        .take_while(|l| l.node < end)
        .any(|l| l.key != block.key)
    {
        return true;
    }
    dom.ancestors(i)
        .take_while(|&a| a >= block.node)
        .filter(|&a| dom.tag(a) == "a")
        .any(|a| {
            let at = links.partition_point(|l| l.node < a);
            links
                .get(at)
                .is_some_and(|l| l.node == a && l.key != block.key)
        })
}

/// A date at the very start or end of a title, and the title without it.
fn date_at_title_edge(title: &str) -> Option<(RawDate, String)> {
    let found: Vec<FoundDate> = dates::find_dates(title);
    let is_sep =
        |c: char| c.is_whitespace() || matches!(c, '-' | '–' | '—' | '|' | ':' | '·' | ',');
    let first = found.first()?;
    if title[..first.start].chars().all(is_sep) {
        let rest = title[first.end..].trim_matches(is_sep).to_string();
        return (!rest.is_empty()).then_some((first.raw, rest));
    }
    let last = found.last()?;
    if title[last.end..].chars().all(is_sep) {
        let rest = title[..last.start].trim_matches(is_sep).to_string();
        return (!rest.is_empty()).then_some((last.raw, rest));
    }
    None
}

/// The entry's own text: the block without its title, date, labels and calls to action.
fn teaser_text(dom: &Dom<'_>, b: usize, skip: &[usize]) -> String {
    let in_row = dom.tag(b) == "tr";
    let mut skip: Vec<usize> = skip.to_vec();
    for i in dom.descendants(b) {
        if !dom.is_element(i) {
            continue;
        }
        let is_link = dom.tag(i) == "a";
        if is_link {
            let t = dom.text(i);
            // Calls to action, attachments, labels and "Leave a comment": short link texts.
            let sense = text_sense(&t);
            if sense.generic || sense.attachment || t.split_whitespace().count() < 4 {
                skip.push(i);
            }
            continue;
        }
        let meta_class = dom.has(i, classes::META) && !dom.has(i, classes::TEASER);
        if meta_class || is_byline(dom, i) || dom.tag(i) == "dt" {
            skip.push(i);
        }
    }
    if in_row {
        // Table rows: only a cell that says it is a summary (the others are numbers, views...).
        dom.descendants(b)
            .filter(|&i| dom.has(i, classes::TEASER))
            .map(|i| dom.text_excluding(i, &skip))
            .find(|t| !t.is_empty())
            .unwrap_or_default()
    } else {
        dom.text_excluding(b, &skip)
    }
}

/// A short line that carries a date: a byline ("Posted in News on May 2, 2025").
fn is_byline(dom: &Dom<'_>, i: usize) -> bool {
    dom.is_leaf_block(i) && dom.has_digit(i) && {
        let t = dom.text(i);
        t.split_whitespace().count() <= 10 && !dates::find_dates(&t).is_empty()
    }
}

/// Cleans a teaser: no dates or separators at its ends, nothing under four words.
fn finish_teaser(text: &str) -> String {
    let text = strip_edge_dates(&crate::text::collapse_whitespace(text));
    if text.split_whitespace().count() < 4 {
        String::new()
    } else {
        text
    }
}

/// Removes dates and separators left at either end of a teaser ("10 December, 2025 | ...").
fn strip_edge_dates(text: &str) -> String {
    let is_sep = |c: char| {
        c.is_whitespace() || matches!(c, '-' | '–' | '—' | '|' | ':' | '·' | ',' | '/' | '•')
    };
    let mut t = text.trim_matches(is_sep).to_string();
    loop {
        let found = dates::find_dates(&t);
        let Some(first) = found.first() else { break };
        if first.start == 0 {
            t = t[first.end..].trim_matches(is_sep).to_string();
            continue;
        }
        let Some(last) = found.last() else { break };
        if last.end == t.len() {
            t = t[..last.start].trim_matches(is_sep).to_string();
            continue;
        }
        break;
    }
    t
}
