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
        let cands: Vec<Candidate> = members
            .iter()
            .map(|&bi| {
                let b = &blocks[bi];
                Candidate {
                    url: b.url.clone(),
                    key: b.key.clone(),
                    node: b.node,
                    fields: fields::read(dom, b, &links),
                }
            })
            .filter(|c| !c.fields.title.is_empty())
            .collect();
        let score = score(&cands);
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, cands));
        }
    }
    best.map(|(_, c)| c).unwrap_or_default()
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
