//! Generic extraction for newsrooms without configured selectors: find the repeated structure
//! that holds the entries instead of relying on class names.
//!
//! 1. Entry blocks: for each link, the largest element holding links to that URL only
//!    (see [`links`](super::super::links)).
//! 2. Blocks are grouped by shape and position: same tag, parent of the same tag and classes,
//!    same grandparent (siblings in a list, cards across the rows of a grid, rows of a table).
//! 3. Each group is scored by what entries of a newsroom have: many members, a date, a heading
//!    or a long title, a teaser. Short-titled groups (menus, tag clouds) score low.
//! 4. The best group is the listing.

use super::Candidate;
use crate::html::dom::Dom;
use crate::html::fields;
use crate::html::links::{self, Holdings};
use std::collections::HashMap;

/// Class tokens that differ between members of one list (striping, position, state).
const VOLATILE_CLASSES: &[&str] = &[
    "odd", "even", "first", "last", "active", "alt", "current", "selected", "new", "sticky",
];

fn class_shape(dom: &Dom<'_>, i: usize) -> String {
    let lower = dom.class_lower(i);
    let mut tokens: Vec<&str> = lower
        .split_whitespace()
        .filter(|t| !t.chars().any(|c| c.is_ascii_digit()) && !VOLATILE_CLASSES.contains(t))
        .collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens.join(" ")
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct GroupKey {
    tag: String,
    parent_tag: String,
    parent_class: String,
    grandparent: Option<usize>,
}

/// The entries of the page's listing, in document order; empty when no repeated structure of at
/// least two entries is found.
pub(crate) fn extract(dom: &Dom<'_>) -> Vec<Candidate> {
    let links = links::collect(dom);
    let holdings = Holdings::compute(dom, &links);
    let blocks = links::blocks(dom, &links, &holdings);
    let mut groups: HashMap<GroupKey, Vec<usize>> = HashMap::new();
    let mut order: Vec<GroupKey> = Vec::new();
    for (bi, b) in blocks.iter().enumerate() {
        let parent = dom.nodes[b.node].parent;
        let key = GroupKey {
            tag: dom.tag(b.node).to_string(),
            parent_tag: parent.map(|p| dom.tag(p).to_string()).unwrap_or_default(),
            parent_class: parent.map(|p| class_shape(dom, p)).unwrap_or_default(),
            grandparent: parent.and_then(|p| dom.nodes[p].parent),
        };
        match groups.get_mut(&key) {
            Some(members) => members.push(bi),
            None => {
                groups.insert(key.clone(), vec![bi]);
                order.push(key);
            }
        }
    }
    let mut best: Option<(f64, Vec<Candidate>)> = None;
    for key in &order {
        let Some(members) = groups.get(key) else {
            continue;
        };
        if members.len() < 2 {
            continue;
        }
        let read = |regions: Option<&Regions>| -> Vec<Candidate> {
            members
                .iter()
                .enumerate()
                .map(|(k, &bi)| {
                    let b = &blocks[bi];
                    let extra = regions.map_or(&[][..], |r| r[k].as_slice());
                    Candidate {
                        url: b.url.clone(),
                        key: b.key.clone(),
                        node: b.node,
                        fields: fields::read_region(dom, b, &links, extra),
                    }
                })
                .filter(|c| !c.fields.title.is_empty())
                .collect()
        };
        let mut variants = vec![read(None)];
        if let Some((after, before)) = flat_regions(dom, members.iter().map(|&bi| blocks[bi].node))
        {
            variants.push(read(Some(&after)));
            variants.push(read(Some(&before)));
        }
        for cands in variants {
            let score = score(&cands);
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, cands));
            }
        }
    }
    best.map(|(_, c)| c).unwrap_or_default()
}

/// Per member of a group, the sibling elements that belong to its entry.
type Regions = Vec<Vec<usize>>;

/// Flat listings: the members are siblings with other elements between them (`<h3>` title,
/// then date and teaser paragraphs, then the next `<h3>`). Returns, per member, the siblings
/// that follow it up to the next member, and those that precede it from the previous one (the
/// first and last members take as many as the first gap). `None` when the members are not
/// siblings or nothing lies between them.
fn flat_regions(dom: &Dom<'_>, members: impl Iterator<Item = usize>) -> Option<(Regions, Regions)> {
    let members: Vec<usize> = members.collect();
    let parent = dom.nodes[*members.first()?].parent?;
    if members.iter().any(|&m| dom.nodes[m].parent != Some(parent)) {
        return None;
    }
    let siblings: Vec<usize> = dom.children(parent).collect();
    // Both lists are in document order: one merge walk finds every member's position.
    let mut pos = Vec::with_capacity(members.len());
    let mut next = members.iter().peekable();
    for (i, s) in siblings.iter().enumerate() {
        if next.peek() == Some(&s) {
            pos.push(i);
            next.next();
        }
    }
    if pos.len() != members.len() || pos.len() < 2 {
        return None;
    }
    let gap = pos[1] - pos[0] - 1;
    if gap == 0 {
        return None;
    }
    let n = pos.len();
    let after = (0..n)
        .map(|k| {
            let end = if k + 1 < n {
                pos[k + 1]
            } else {
                (pos[k] + 1 + gap).min(siblings.len())
            };
            siblings[pos[k] + 1..end].to_vec()
        })
        .collect();
    let before = (0..n)
        .map(|k| {
            let start = if k > 0 {
                pos[k - 1] + 1
            } else {
                pos[0].saturating_sub(gap)
            };
            siblings[start..pos[k]].to_vec()
        })
        .collect();
    Some((after, before))
}

/// How much a group looks like a newsroom listing.
fn score(cands: &[Candidate]) -> f64 {
    let distinct: std::collections::HashSet<&str> = cands.iter().map(|c| c.key.as_str()).collect();
    if distinct.len() < 2 {
        return 0.0;
    }
    let mut total = 0.0;
    let mut words = 0usize;
    for c in cands {
        let f = &c.fields;
        let title_words = f.title.split_whitespace().count();
        words += title_words;
        total += 1.0;
        if f.dates
            .iter()
            .any(|d| d.source == crate::DateSource::Listing)
        {
            total += 2.0;
        }
        if title_words >= 4 {
            total += 1.0;
        }
        if f.has_heading {
            total += 0.5;
        }
        if !f.teaser.is_empty() {
            total += 0.5;
        }
    }
    let mean_words = words as f64 / cands.len() as f64;
    if mean_words < 3.0 { total * 0.3 } else { total }
}
