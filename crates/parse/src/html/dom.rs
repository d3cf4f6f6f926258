//! A flat, pre-order view of a parsed document: every node once, with its parent, the end of its
//! subtree and what the extractors need to know (visible? boilerplate? what its classes say).
//! Built in one iterative pass, so any depth of nesting is safe and "is X inside Y" or "text
//! under X" never re-walks the tree from the root.

use super::classes::{self, BOILER, DEAD, HEADING, HIDDEN, INLINE, SITE_PART};
use scraper::{ElementRef, Html, node::Element};
use url::Url;

/// One node of the flat view.
#[derive(Debug)]
pub(crate) struct DomNode<'a> {
    pub id: ego_tree::NodeId,
    pub parent: Option<usize>,
    /// One past the last node of this subtree: the subtree is `index..end`.
    pub end: usize,
    pub el: Option<&'a Element>,
    /// Text content, for text nodes only.
    pub text: Option<&'a str>,
    /// What the element's own tag, class and id say ([`classes`] flags; 0 for non-elements).
    pub flags: u16,
    /// For text nodes: a block boundary (or `<br>`) precedes this text, so it reads as a new word.
    pub break_before: bool,
    /// Not rendered at all (script, style, template, head...): never a link, never text.
    pub dead: bool,
    /// Not shown to readers (screen-reader text, `display:none`, `hidden`): no visible text.
    pub hidden: bool,
    /// Inside page furniture: navigation, site header/footer, sidebars, share/subscribe boxes.
    pub boiler: bool,
    /// Inside an element that is usually an entry or the content area (article, main, li, td):
    /// a `<header>`/`<footer>` in there belongs to the entry, not to the site.
    in_content: bool,
}

pub(crate) struct Dom<'a> {
    pub nodes: Vec<DomNode<'a>>,
    /// Scraper node ids in tree-storage order (ascending) and the flat index of each, for
    /// mapping selector matches back without hashing every node.
    ids: Vec<(ego_tree::NodeId, usize)>,
    /// Visible non-whitespace characters before each node (pre-order), for O(1) subtree sizes.
    text_prefix: Vec<u32>,
    /// Whether a block-level element lies under each node.
    has_block: Vec<bool>,
    /// `<base href>` resolved against the page URL, else the page URL.
    pub base: Url,
    /// `<html lang>`.
    pub lang: Option<&'a str>,
}

/// Deepest level (counted from the document node) at which a header or footer is the site's;
/// deeper down it is an entry's own (TYPO3 `div.header` around the title).
const SITE_LEVEL_DEPTH: usize = 6;

/// An element whose class says furniture ("content-sidebar-wrap", "sidebar_right" on a layout
/// wrapper) but that holds most of the page's text is the page, not its furniture: furniture is
/// recomputed without it.
fn unmark_page_wrappers(nodes: &mut [DomNode<'_>], own_boiler: &[bool], text_prefix: &[u32]) {
    let total = text_prefix.last().copied().unwrap_or(0);
    let size = |i: usize, n: &DomNode<'_>| text_prefix[n.end] - text_prefix[i];
    // The page's content: a `<main>`, an `<article>` or the `<h1>`. A mega menu may hold much
    // text, never these.
    let content = |i: usize| {
        (i..nodes[i].end).any(|j| {
            nodes[j].el.is_some_and(|e| {
                matches!(e.name(), "main" | "article" | "h1") || attr_of(e, "role") == Some("main")
            })
        })
    };
    let wrappers: Vec<usize> = (0..nodes.len())
        .filter(|&i| {
            own_boiler[i]
                && size(i, &nodes[i]) > 500
                && size(i, &nodes[i]) * 2 > total
                && content(i)
        })
        .collect();
    if wrappers.is_empty() {
        return;
    }
    for i in 0..nodes.len() {
        let inherited = nodes[i].parent.is_some_and(|p| nodes[p].boiler);
        nodes[i].boiler = inherited || (own_boiler[i] && !wrappers.contains(&i));
    }
}

/// An attribute of an element by its local name. Compared as text: scraper's `attr` interns the
/// name on every call, several times the cost of scanning an element's few attributes.
pub(crate) fn attr_of<'e>(el: &'e Element, name: &str) -> Option<&'e str> {
    el.attrs().find(|(n, _)| *n == name).map(|(_, v)| v)
}

impl<'a> Dom<'a> {
    pub fn build(doc: &'a Html, page_url: &Url) -> Self {
        let mut nodes: Vec<DomNode<'a>> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut pending_break = false;
        let mut base: Option<Url> = None;
        let mut lang = None;
        let mut classifier = classes::Classifier::default();
        // Per node: furniture by its own tag, class or role (not inherited).
        let mut own_boiler: Vec<bool> = Vec::new();
        for edge in doc.tree.root().traverse() {
            match edge {
                ego_tree::iter::Edge::Open(node) => {
                    let parent = stack.last().copied();
                    let (p_dead, p_hidden, p_boiler, p_content) = parent
                        .map(|p| &nodes[p])
                        .map_or((false, false, false, false), |p| {
                            (p.dead, p.hidden, p.boiler, p.in_content)
                        });
                    let idx = nodes.len();
                    let mut n = DomNode {
                        id: node.id(),
                        parent,
                        end: idx + 1,
                        el: None,
                        text: None,
                        flags: 0,
                        break_before: false,
                        dead: p_dead,
                        hidden: p_hidden || p_dead,
                        boiler: p_boiler,
                        in_content: p_content,
                    };
                    match node.value() {
                        scraper::Node::Element(el) => {
                            let name = el.name();
                            let f = classifier.classify(el);
                            if f & INLINE == 0 || name == "br" {
                                pending_break = true;
                            }
                            n.dead |= f & DEAD != 0;
                            n.hidden |= n.dead || f & HIDDEN != 0;
                            let site_level = !p_content && stack.len() <= SITE_LEVEL_DEPTH;
                            let own = f & BOILER != 0 || (site_level && f & SITE_PART != 0);
                            n.boiler |= own;
                            own_boiler.resize(idx + 1, false);
                            own_boiler[idx] = own;
                            n.in_content |=
                                matches!(name, "article" | "main" | "li" | "td" | "tr" | "dd");
                            if name == "base" && base.is_none() {
                                base = el
                                    .attr("href")
                                    .and_then(|h| crate::urls::resolve(page_url, h));
                            }
                            if name == "html" {
                                lang = el.attr("lang").or_else(|| el.attr("xml:lang"));
                            }
                            n.flags = f;
                            n.el = Some(el);
                        }
                        scraper::Node::Text(t) => {
                            n.text = Some(&t.text);
                            n.break_before = pending_break;
                            if !t.text.trim().is_empty() {
                                pending_break = false;
                            }
                        }
                        _ => {}
                    }
                    nodes.push(n);
                    stack.push(idx);
                }
                ego_tree::iter::Edge::Close(_) => {
                    if let Some(idx) = stack.pop() {
                        nodes[idx].end = nodes.len();
                        if nodes[idx].el.is_some() && nodes[idx].flags & INLINE == 0 {
                            pending_break = true;
                        }
                    }
                }
            }
        }
        let mut ids: Vec<(ego_tree::NodeId, usize)> =
            nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
        ids.sort_unstable();
        let mut text_prefix = Vec::with_capacity(nodes.len() + 1);
        let mut acc = 0u32;
        for n in &nodes {
            text_prefix.push(acc);
            if !n.hidden
                && let Some(t) = n.text
            {
                acc = acc.saturating_add(t.chars().filter(|c| !c.is_whitespace()).count() as u32);
            }
        }
        text_prefix.push(acc);
        own_boiler.resize(nodes.len(), false);
        unmark_page_wrappers(&mut nodes, &own_boiler, &text_prefix);
        let mut has_block = vec![false; nodes.len()];
        for i in (1..nodes.len()).rev() {
            if let Some(p) = nodes[i].parent {
                let is_block = nodes[i].el.is_some() && nodes[i].flags & INLINE == 0;
                has_block[p] |= is_block || has_block[i];
            }
        }
        Dom {
            nodes,
            ids,
            text_prefix,
            has_block,
            base: base.unwrap_or_else(|| page_url.clone()),
            lang,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The flat index of a scraper element (from a selector match).
    pub fn index_of(&self, el: &ElementRef<'_>) -> Option<usize> {
        let id = el.id();
        self.ids
            .binary_search_by(|(k, _)| k.cmp(&id))
            .ok()
            .map(|pos| self.ids[pos].1)
    }

    /// The scraper element of flat node `i` (for selector matching inside it).
    pub fn element_ref<'d>(&self, doc: &'d Html, i: usize) -> Option<ElementRef<'d>> {
        doc.tree
            .get(self.nodes.get(i)?.id)
            .and_then(ElementRef::wrap)
    }

    /// Visible text of a selector match.
    pub fn text_of_ref(&self, el: &ElementRef<'_>) -> String {
        self.index_of(el).map(|i| self.text(i)).unwrap_or_default()
    }

    pub fn tag(&self, i: usize) -> &'a str {
        self.nodes[i].el.map_or("", |e| e.name())
    }

    pub fn attr(&self, i: usize, name: &str) -> Option<&'a str> {
        self.nodes[i].el.and_then(|e| attr_of(e, name))
    }

    /// True when element `i` has any of the [`classes`] `flags`.
    pub fn has(&self, i: usize, flags: u16) -> bool {
        self.nodes[i].flags & flags != 0
    }

    /// Lower-cased class attribute (empty when none).
    pub fn class_lower(&self, i: usize) -> String {
        self.attr(i, "class").unwrap_or("").to_ascii_lowercase()
    }

    pub fn is_element(&self, i: usize) -> bool {
        self.nodes[i].el.is_some()
    }

    pub fn contains(&self, ancestor: usize, node: usize) -> bool {
        ancestor <= node && node < self.nodes[ancestor].end
    }

    /// Visible non-whitespace characters under node `i`.
    pub fn text_len(&self, i: usize) -> usize {
        (self.text_prefix[self.nodes[i].end] - self.text_prefix[i]) as usize
    }

    /// Visible non-whitespace characters of `ancestor`'s subtree that come before `node`.
    pub fn text_len_between(&self, ancestor: usize, node: usize) -> usize {
        self.text_prefix[node].saturating_sub(self.text_prefix[ancestor]) as usize
    }

    /// Visible text under `i`, whitespace collapsed.
    pub fn text(&self, i: usize) -> String {
        self.text_excluding(i, &[])
    }

    /// Visible text under `i`, skipping the subtrees rooted at `skip` (title, date, links...).
    pub fn text_excluding(&self, i: usize, skip: &[usize]) -> String {
        let end = self.nodes[i].end;
        // Visible characters plus a space between words, as a first guess of the length.
        let visible = (self.text_prefix[end] - self.text_prefix[i]) as usize;
        let mut text = crate::text::Collapsed::with_capacity(visible + visible / 4);
        let mut j = i;
        // Walk the skipped roots in order alongside the pre-order walk: linear in both.
        let mut roots = skip.to_vec();
        roots.sort_unstable();
        let mut r = 0;
        while j < end {
            while r < roots.len() && roots[r] < j {
                r += 1;
            }
            if j != i && roots.get(r) == Some(&j) {
                j = self.nodes[j].end;
                continue;
            }
            let n = &self.nodes[j];
            if n.hidden {
                j = n.end;
                continue;
            }
            if let Some(t) = n.text {
                // Adjacent inline elements: "2026" + "February 3" must not read "2026February".
                let glued_date = !text.at_boundary()
                    && text.as_str().ends_with(|c: char| c.is_ascii_digit())
                    && t.starts_with(char::is_uppercase);
                if n.break_before || glued_date {
                    text.space();
                }
                text.push_str(t);
            }
            j += 1;
        }
        text.finish()
    }

    /// True when some visible text under `i` has an ASCII digit (a date is possible).
    pub fn has_digit(&self, i: usize) -> bool {
        (i..self.nodes[i].end).any(|j| {
            let n = &self.nodes[j];
            !n.hidden
                && n.text
                    .is_some_and(|t| t.bytes().any(|b| b.is_ascii_digit()))
        })
    }

    /// Element children of `i`.
    pub fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes[i].end;
        let mut j = i + 1;
        std::iter::from_fn(move || {
            while j < end {
                let c = j;
                j = self.nodes[c].end;
                if self.is_element(c) {
                    return Some(c);
                }
            }
            None
        })
    }

    /// Element descendants of `i` (not `i` itself), pre-order.
    pub fn descendants(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        (i + 1..self.nodes[i].end).filter(move |&j| self.is_element(j))
    }

    pub fn ancestors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.nodes[i].parent, move |&p| self.nodes[p].parent)
    }

    /// A block element with only text and inline elements inside (a paragraph, a title div).
    pub fn is_leaf_block(&self, i: usize) -> bool {
        self.is_element(i) && !self.has(i, INLINE) && !self.has_block[i]
    }

    /// True when a block-level element lies under `i` (a card wrapped in one link).
    pub fn has_block_inside(&self, i: usize) -> bool {
        self.has_block[i]
    }

    /// True for `h1`..`h6`.
    pub fn is_heading(&self, i: usize) -> bool {
        self.has(i, HEADING)
    }
}
