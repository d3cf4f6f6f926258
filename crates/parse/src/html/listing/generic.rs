//! Generic extraction for newsrooms without configured selectors: find the repeated structure
//! that holds the entries, as a reader sees it, instead of relying on class names.
//!
//! 1. Entry blocks: for each link, the largest element holding links to that URL only (see
//!    [`links`](super::super::links)); a link inside running prose (a link in a paragraph of an
//!    article's text) is never an entry.
//! 2. Groups ([`groups`]): blocks that sit at the same path of element shapes below one common
//!    ancestor. A shape is the tag and the first class that names a component, so striping
//!    (`views-row-odd`/`even`, `row-1`), position (`first`, `item-0`) and per-entry taxonomy
//!    classes (`category-press`) never split a list; a path of several levels puts the releases
//!    of lists grouped under headings into one group, and never takes a group heading for one.
//! 3. Each entry's record is the largest element around its block that holds no other member:
//!    its title, dates and teaser are read there (a card's date outside its title link, a table
//!    row's date cell).
//! 4. Each group is scored by what entries of a newsroom have: many members, a date, a heading
//!    or a long title, a teaser. Short-titled groups (menus, tag clouds) score low.
//! 5. The best group is the listing; another group holding the same releases elsewhere on the
//!    page (a featured grid above the full list) is merged in, each release kept once, in page
//!    order.

use super::Candidate;
use crate::html::dom::Dom;
use crate::html::fields;
use crate::html::links::{self, Block, Holdings, Link};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// The most an entry adds to its group's score (see [`score`]).
const MAX_ENTRY_SCORE: f64 = 6.0;

/// Levels of tags compared between the members of a group, from their title links up.
const MAX_LEVELS: usize = 14;

/// Class tokens, or parts of them, that differ between members of one list (striping,
/// position, state).
const VOLATILE_CLASSES: &[&str] = &[
    "odd", "even", "first", "last", "active", "alt", "current", "selected", "new", "sticky",
    "featured", "hidden", "visible", "open", "closed", "on", "off", "parity",
];

/// Prefixes of classes a CMS derives from one entry's own data (WordPress `post_class`,
/// Drupal node classes): they differ from entry to entry of one list.
const ENTRY_CLASS_PREFIXES: &[&str] = &[
    "category-",
    "tag-",
    "post-",
    "format-",
    "status-",
    "type-",
    "author-",
    "has-",
    "term-",
    "topic-",
    "node-",
    "taxonomy-",
    "lang-",
    "language-",
];

/// The entries of the page's listing, in document order; empty when no repeated structure of at
/// least two entries is found.
pub(crate) fn extract(dom: &Dom<'_>) -> Vec<Candidate> {
    let links = links::collect(dom);
    let holdings = Holdings::compute(dom, &links);
    let blocks: Vec<Block> = links::blocks(dom, &links, &holdings)
        .into_iter()
        .filter(|b| !in_prose(dom, &links, b))
        .collect();
    let mut groups = groups(dom, &blocks, &links);
    // Largest groups first: once a group cannot reach the best score so far (an entry scores at
    // most `MAX_ENTRY_SCORE`), no smaller one can, and they are not read at all.
    groups.sort_by_key(|g| std::cmp::Reverse(g.members.len()));
    let mut cache = FieldsCache::new();
    let mut best: Option<(f64, usize, Vec<Candidate>)> = None;
    for (gi, g) in groups.iter().enumerate() {
        let bound = MAX_ENTRY_SCORE * g.members.len() as f64;
        if best.as_ref().is_some_and(|(s, _, _)| bound < *s) {
            break;
        }
        let Some((score, cands)) = best_reading(dom, &blocks, &links, g, &mut cache) else {
            continue;
        };
        // Equal scores: the group that starts first on the page (the title links of a list come
        // before its "comments" links).
        let better = best.as_ref().is_none_or(|(s, b, _)| {
            score > *s || (score == *s && g.records[0] < groups[*b].records[0])
        });
        if better {
            best = Some((score, gi, cands));
        }
    }
    let Some((best_score, best_gi, best_cands)) = best else {
        return Vec::new();
    };
    let best_group = &groups[best_gi];
    let repeats: Vec<Vec<Candidate>> = groups
        .iter()
        .enumerate()
        .filter(|&(gi, g)| gi != best_gi && repeats_best(&blocks, best_group, &best_cands, g))
        .filter_map(|(_, g)| best_reading(dom, &blocks, &links, g, &mut cache))
        .filter(|(score, _)| *score >= best_score * 0.3)
        .map(|(_, cands)| cands)
        .collect();
    let extra = lookalikes(dom, &blocks, &links, best_group);
    merge_repeats(best_cands, repeats, extra)
}

/// True when group `g` lists, in other blocks, at least half of the releases of the best group
/// (or of its own): a featured grid and the full list.
fn repeats_best(blocks: &[Block], best: &Group, best_cands: &[Candidate], g: &Group) -> bool {
    if g.members.iter().any(|m| best.members.contains(m)) {
        return false;
    }
    let keys: HashSet<&str> = best_cands.iter().map(|c| c.key.as_str()).collect();
    let shared = g
        .members
        .iter()
        .filter(|&&m| keys.contains(blocks[m].key.as_str()))
        .count();
    shared > 0 && shared * 2 >= g.members.len().min(best_cands.len())
}

/// A link in running text: inside a paragraph (a block with only inline content) that says much
/// more than the link, with text before it (a date or a label before a title is short). Calls to action and attachments are never prose.
fn in_prose(dom: &Dom<'_>, links: &[Link], b: &Block) -> bool {
    let Some(link) = b.links.first().map(|&l| &links[l]) else {
        return false;
    };
    if link.generic || link.kind != links::LinkKind::Entry {
        return false;
    }
    let l = link.node;
    let Some(para) = dom
        .ancestors(l)
        .find(|&a| dom.is_element(a) && !dom.has(a, crate::html::classes::INLINE))
    else {
        return false;
    };
    if !dom.is_leaf_block(para) {
        return false;
    }
    let own = dom.text_len(l);
    let before = dom.text_len_between(para, l);
    let total = dom.text_len(para);
    // In a `<p>`, a link with a sentence around it; elsewhere (a list item, a cell), only with
    // text before it: `<li><a>Title</a> – its summary</li>` is an entry.
    let sentence_around = dom.tag(para) == "p" && total >= own + 40 && own * 5 < total * 3;
    sentence_around || (before > 25 && total > 2 * own + 40)
}

/// Blocks at one path of shapes below one ancestor, and the record of each.
#[derive(Debug)]
pub(crate) struct Group {
    /// The common ancestor the members' paths start from.
    anchor: usize,
    /// Indices into the block list, in document order.
    members: Vec<usize>,
    /// Per member, the element its fields are read from.
    records: Vec<usize>,
}

/// The shape of element `i`: its tag and the first class that names a component.
fn shape(dom: &Dom<'_>, i: usize) -> String {
    let lower = dom.class_lower(i);
    let class = lower.split_whitespace().find(|t| stable_class(t));
    match class {
        Some(c) => format!("{}.{c}", dom.tag(i)),
        None => dom.tag(i).to_string(),
    }
}

fn stable_class(token: &str) -> bool {
    !token.chars().any(|c| c.is_ascii_digit())
        && !ENTRY_CLASS_PREFIXES.iter().any(|p| token.starts_with(p))
        && !token
            .split(['-', '_'])
            .any(|part| VOLATILE_CLASSES.contains(&part))
}

/// Every group of at least two blocks with distinct records, each member set once (the lowest
/// common ancestor that yields it).
///
/// A block is placed by its title link (its own link with the most text): the path of tags from
/// each ancestor down to that link, and the link's class. The title link sits at the same path
/// in every entry of a list even when the entries' blocks differ in depth (a post whose text
/// holds other links has a smaller block than one whose text holds none).
pub(crate) fn groups(dom: &Dom<'_>, blocks: &[Block], links: &[Link]) -> Vec<Group> {
    // Keys are (ancestor, hash of the tag path below it): no path strings built per level.
    let mut by_key: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    let mut order: Vec<(usize, u64)> = Vec::new();
    for (bi, b) in blocks.iter().enumerate() {
        let Some(title_link) = title_link(dom, links, b) else {
            continue;
        };
        let mut node = title_link;
        let mut path = path_hash(0, &shape(dom, title_link));
        for _ in 0..MAX_LEVELS {
            let Some(parent) = dom.nodes[node].parent else {
                break;
            };
            if !dom.is_element(parent) {
                break;
            }
            let key = (parent, path);
            match by_key.get_mut(&key) {
                Some(v) => v.push(bi),
                None => {
                    by_key.insert(key, vec![bi]);
                    order.push(key);
                }
            }
            path = path_hash(path, dom.tag(parent));
            node = parent;
        }
    }
    let mut seen: HashSet<Vec<usize>> = HashSet::new();
    let mut out = Vec::new();
    for key in order {
        let Some(members) = by_key.remove(&key) else {
            continue;
        };
        if members.len() < 2 || !seen.insert(members.clone()) {
            continue;
        }
        let records = records(dom, blocks, &members, key.0);
        out.push(Group {
            anchor: key.0,
            members,
            records,
        });
    }
    out
}

/// The hash of a tag path extended by one level (`part` above the path hashed as `below`).
fn path_hash(below: u64, part: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    below.hash(&mut h);
    part.hash(&mut h);
    h.finish()
}

/// A block's title link: its own link with the most text (the first of equals).
fn title_link(dom: &Dom<'_>, links: &[Link], b: &Block) -> Option<usize> {
    b.links
        .iter()
        .map(|&l| links[l].node)
        .max_by_key(|&n| (dom.text_len(n), std::cmp::Reverse(n)))
}

/// The shape of a title link and its two parents (`div.page-header>h2>a`): what entries of one
/// list share even when their wrappers differ (a featured first entry, a row wrapper).
fn local_shape(dom: &Dom<'_>, link: usize) -> String {
    std::iter::once(link)
        .chain(dom.ancestors(link))
        .take(3)
        .map(|i| shape(dom, i))
        .collect::<Vec<_>>()
        .join("<")
}

/// Entries of the best group's list that sit in another wrapper (Joomla's leading article above
/// the rows, a sticky post): blocks whose title link has the members' local shape, each alone in
/// a child of the group's anchor.
fn lookalikes(dom: &Dom<'_>, blocks: &[Block], links: &[Link], group: &Group) -> Vec<Candidate> {
    let Some(first) = group.members.first() else {
        return Vec::new();
    };
    let Some(want) = title_link(dom, links, &blocks[*first]).map(|l| local_shape(dom, l)) else {
        return Vec::new();
    };
    let anchor = group.anchor;
    let members: HashSet<usize> = group.members.iter().copied().collect();
    let mut out = Vec::new();
    for (bi, b) in blocks.iter().enumerate() {
        if members.contains(&bi) || !dom.contains(anchor, b.node) || b.node == anchor {
            continue;
        }
        let Some(record) = std::iter::once(b.node)
            .chain(dom.ancestors(b.node))
            .take_while(|&a| a != anchor)
            .last()
        else {
            continue;
        };
        let shares_record = group
            .records
            .iter()
            .any(|&r| dom.contains(record, r) || dom.contains(r, record));
        // Blocks are disjoint and in document order: those inside `record` are one run.
        let from = blocks.partition_point(|o| o.node < record);
        let inside = blocks[from..]
            .iter()
            .take_while(|o| o.node < dom.nodes[record].end)
            .count();
        let alone = inside == 1;
        let same_shape = title_link(dom, links, b).is_some_and(|l| local_shape(dom, l) == want);
        if shares_record || !alone || !same_shape {
            continue;
        }
        let region = Block {
            node: record,
            url: b.url.clone(),
            key: b.key.clone(),
            links: b.links.clone(),
        };
        let fields = fields::read_region(dom, &region, links, &[]);
        if !fields.title.is_empty() {
            out.push(Candidate {
                url: b.url.clone(),
                key: b.key.clone(),
                node: record,
                fields,
            });
        }
    }
    out
}

/// Per member, the largest element between its block and `anchor` that holds no other member.
/// Members are in document order, so only the neighbours can fall inside an ancestor.
fn records(dom: &Dom<'_>, blocks: &[Block], members: &[usize], anchor: usize) -> Vec<usize> {
    (0..members.len())
        .map(|k| {
            let mut node = blocks[members[k]].node;
            let prev = k.checked_sub(1).map(|p| blocks[members[p]].node);
            let next = members.get(k + 1).map(|&n| blocks[n].node);
            while let Some(p) = dom.nodes[node].parent {
                let holds_other = prev.is_some_and(|x| dom.contains(p, x))
                    || next.is_some_and(|x| dom.contains(p, x));
                if p == anchor || holds_other {
                    break;
                }
                node = p;
            }
            node
        })
        .collect()
}

/// The best way to read a group's entries (records alone, or with the siblings that follow or
/// precede each in a flat listing) and its score.
fn best_reading(
    dom: &Dom<'_>,
    blocks: &[Block],
    links: &[Link],
    g: &Group,
    cache: &mut FieldsCache,
) -> Option<(f64, Vec<Candidate>)> {
    let mut read = |regions: Option<&Regions>| -> Vec<Candidate> {
        g.members
            .iter()
            .zip(&g.records)
            .enumerate()
            .filter_map(|(k, (&bi, &record))| {
                let b = &blocks[bi];
                let read_fields = || {
                    let region = Block {
                        node: record,
                        url: b.url.clone(),
                        key: b.key.clone(),
                        links: b.links.clone(),
                    };
                    let extra = regions.map_or(&[][..], |r| r[k].as_slice());
                    fields::read_region(dom, &region, links, extra)
                };
                // A record read alone reads the same in every group it belongs to.
                let fields = match regions {
                    Some(_) => read_fields(),
                    None => cache
                        .entry((record, bi))
                        .or_insert_with(read_fields)
                        .clone(),
                };
                (!fields.title.is_empty()).then(|| Candidate {
                    url: b.url.clone(),
                    key: b.key.clone(),
                    node: record,
                    fields,
                })
            })
            .collect()
    };
    let mut variants = vec![read(None)];
    if let Some((after, before)) = flat_regions(dom, &g.records) {
        variants.push(read(Some(&after)));
        variants.push(read(Some(&before)));
    }
    variants
        .into_iter()
        .map(|c| (score(&c), c))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(s, _)| *s > 0.0)
}

/// The best group's entries, with those of groups that list the same releases in other blocks
/// (a featured grid and the full list): each release once, where it first appears.
fn merge_repeats(
    best_cands: Vec<Candidate>,
    repeats: Vec<Vec<Candidate>>,
    lookalikes: Vec<Candidate>,
) -> Vec<Candidate> {
    if repeats.is_empty() && lookalikes.is_empty() {
        return best_cands;
    }
    let mut out = best_cands;
    out.extend(lookalikes);
    out.extend(repeats.into_iter().flatten());
    out.sort_by_key(|c| c.node);
    let mut firsts: HashMap<String, usize> = HashMap::new();
    let mut merged: Vec<Candidate> = Vec::new();
    for c in out {
        match firsts.get(&c.key) {
            Some(&at) => {
                let kept = &mut merged[at];
                if kept.fields.dates.is_empty() {
                    kept.fields.dates = c.fields.dates;
                }
                if kept.fields.teaser.is_empty() {
                    kept.fields.teaser = c.fields.teaser;
                }
            }
            None => {
                firsts.insert(c.key.clone(), merged.len());
                merged.push(c);
            }
        }
    }
    merged
}

/// The fields of a record read alone, by (record, block): groups at neighbouring levels share
/// most of their records.
type FieldsCache = HashMap<(usize, usize), fields::Fields>;

/// Per member of a group, the sibling elements that belong to its entry.
type Regions = Vec<Vec<usize>>;

/// Flat listings: the records are siblings with other elements between them (`<h3>` title,
/// then date and teaser paragraphs, then the next `<h3>`; `<dt>` date, then `<dd>` link).
/// Returns, per record, the siblings that follow it up to the next record, and those that
/// precede it from the previous one (the first and last take as many as the first gap). `None`
/// when the records are not siblings or nothing lies between them.
fn flat_regions(dom: &Dom<'_>, members: &[usize]) -> Option<(Regions, Regions)> {
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
    let distinct: HashSet<&str> = cands.iter().map(|c| c.key.as_str()).collect();
    if distinct.len() < 2 {
        return 0.0;
    }
    let mut total = 0.0;
    let mut words = 0usize;
    for c in cands {
        let f = &c.fields;
        let title_words = f.title.split_whitespace().count();
        words += title_words;
        // A short title with nothing else of an entry (a menu, a tag cloud) counts against.
        total += if title_words >= 3 { 1.0 } else { -0.5 };
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
            total += 1.0;
        }
        if !f.teaser.is_empty() {
            total += 1.0;
        }
    }
    let mean_words = words as f64 / cands.len() as f64;
    if mean_words < 3.0 { total * 0.3 } else { total }
}
