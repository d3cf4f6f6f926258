//! A flat, pre-order view of a parsed document: every node once, with its parent, the end of its
//! subtree and what the extractors need to know (visible? boilerplate?). Built in one iterative
//! pass, so any depth of nesting is safe and "is X inside Y" or "text under X" never re-walks the
//! tree from the root.

use scraper::{ElementRef, Html, node::Element};
use std::collections::HashMap;
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
    index: HashMap<ego_tree::NodeId, usize>,
    /// Visible non-whitespace characters before each node (pre-order), for O(1) subtree sizes.
    text_prefix: Vec<u32>,
    /// `<base href>` resolved against the page URL, else the page URL.
    pub base: Url,
    /// `<html lang>`.
    pub lang: Option<&'a str>,
    /// Whether a block-level element lies under each node.
    has_block: Vec<bool>,
}

/// Elements that do not break a line of text.
pub(crate) const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
    "label", "img", "nobr",
];

const DEAD: &[&str] = &[
    "script", "style", "template", "noscript", "head", "svg", "iframe", "object", "canvas",
    "select", "option", "math",
];

/// Words of a class or id that mark page furniture, whatever the CMS.
const BOILER_WORDS: &[&str] = &[
    "nav",
    "navbar",
    "navigation",
    "menu",
    "megamenu",
    "submenu",
    "breadcrumb",
    "breadcrumbs",
    "pagination",
    "pager",
    "paging",
    "sidebar",
    "cookie",
    "cookies",
    "share",
    "sharing",
    "social",
    "related",
    "subscribe",
    "subscription",
    "newsletter",
    "skip",
    "offcanvas",
    "toolbar",
    "topbar",
    "masthead",
    "login",
    "consent",
    "gdpr",
];

/// Class tokens starting like this describe a layout state ("has-sidebar", "no-menu"), not furniture.
const STATE_PREFIXES: &[&str] = &[
    "has-",
    "with-",
    "no-",
    "is-",
    "page-",
    "template-",
    "body-",
    "js-",
];

/// Class words that hide an element from readers.
const HIDDEN_CLASSES: &[&str] = &[
    "screen-reader-text",
    "sr-only",
    "visually-hidden",
    "visuallyhidden",
    "rich-snippet-hidden",
    "hidden",
    "d-none",
    "hide",
    "element-invisible",
    "show-for-sr",
    "assistive-text",
];

impl<'a> Dom<'a> {
    pub fn build(doc: &'a Html, page_url: &Url) -> Self {
        let mut nodes: Vec<DomNode<'a>> = Vec::new();
        let mut index = HashMap::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut pending_break = false;
        let mut base: Option<Url> = None;
        let mut lang = None;
        for edge in doc.tree.root().traverse() {
            match edge {
                ego_tree::iter::Edge::Open(node) => {
                    let parent = stack.last().copied();
                    let p = parent.map(|p| &nodes[p]);
                    let (p_dead, p_hidden, p_boiler, p_content) = p
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
                        break_before: false,
                        dead: p_dead,
                        hidden: p_hidden || p_dead,
                        boiler: p_boiler,
                        in_content: p_content,
                    };
                    match node.value() {
                        scraper::Node::Element(el) => {
                            let name = el.name();
                            if !INLINE.contains(&name) {
                                pending_break = true;
                            }
                            if name == "br" {
                                pending_break = true;
                            }
                            n.dead |= DEAD.contains(&name);
                            n.hidden |= n.dead || is_hidden(el);
                            // Site headers and footers sit near the top of the tree; a "header" deep
                            // down is an entry's own (TYPO3 `div.header` around the title).
                            let site_level = !p_content && stack.len() <= SITE_LEVEL_DEPTH;
                            n.boiler |= is_boiler(el, site_level);
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
                    index.insert(node.id(), idx);
                    nodes.push(n);
                    stack.push(idx);
                }
                ego_tree::iter::Edge::Close(node) => {
                    if let Some(idx) = stack.pop() {
                        nodes[idx].end = nodes.len();
                        if node
                            .value()
                            .as_element()
                            .is_some_and(|el| !INLINE.contains(&el.name()))
                        {
                            pending_break = true;
                        }
                    }
                }
            }
        }
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
        let mut has_block = vec![false; nodes.len()];
        for i in (1..nodes.len()).rev() {
            if let Some(p) = nodes[i].parent {
                let is_block = nodes[i].el.is_some_and(|e| !INLINE.contains(&e.name()));
                has_block[p] |= is_block || has_block[i];
            }
        }
        Dom {
            has_block,
            nodes,
            index,
            text_prefix,
            base: base.unwrap_or_else(|| page_url.clone()),
            lang,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The flat index of a scraper element (from a selector match).
    pub fn index_of(&self, el: &ElementRef<'_>) -> Option<usize> {
        self.index.get(&el.id()).copied()
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
        self.nodes[i].el.and_then(|e| e.attr(name))
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

    /// Visible text under `i`, whitespace collapsed.
    pub fn text(&self, i: usize) -> String {
        self.text_excluding(i, &[])
    }

    /// Visible text under `i`, skipping the subtrees rooted at `skip` (title, date, links...).
    pub fn text_excluding(&self, i: usize, skip: &[usize]) -> String {
        let mut raw = String::new();
        let mut j = i;
        let end = self.nodes[i].end;
        while j < end {
            if j != i && skip.contains(&j) {
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
                let glued_date = raw.ends_with(|c: char| c.is_ascii_digit())
                    && t.starts_with(char::is_uppercase);
                if n.break_before || glued_date {
                    raw.push(' ');
                }
                raw.push_str(t);
            }
            j += 1;
        }
        crate::text::collapse_whitespace(&raw)
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
        self.nodes[i]
            .el
            .is_some_and(|e| !INLINE.contains(&e.name()))
            && !self.has_block[i]
    }

    /// True for `h1`..`h6`.
    pub fn is_heading(&self, i: usize) -> bool {
        matches!(self.tag(i), "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
    }
}

/// Class and id split into lower-case words ("site-footer" → "site", "footer").
pub(crate) fn words(el: &Element) -> impl Iterator<Item = String> + '_ {
    let class = el.attr("class").unwrap_or("");
    let id = el.attr("id").unwrap_or("");
    class
        .split_whitespace()
        .chain(id.split_whitespace())
        .flat_map(|token| token.split(['-', '_']))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
}

fn is_hidden(el: &Element) -> bool {
    if el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") && el.name() != "a" {
        return true;
    }
    if let Some(style) = el.attr("style") {
        let s: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if s.contains("display:none") || s.contains("visibility:hidden") {
            return true;
        }
    }
    el.attr("class").is_some_and(|c| {
        c.split_whitespace()
            .any(|t| HIDDEN_CLASSES.contains(&t.to_ascii_lowercase().as_str()))
    })
}

/// Deepest level (counted from the document node) at which a header or footer is the site's.
const SITE_LEVEL_DEPTH: usize = 6;

fn is_boiler(el: &Element, site_level: bool) -> bool {
    let name = el.name();
    if matches!(name, "nav" | "aside" | "dialog") {
        return true;
    }
    if matches!(name, "header" | "footer") && site_level {
        return true;
    }
    if let Some(role) = el.attr("role")
        && matches!(
            role,
            "navigation"
                | "banner"
                | "contentinfo"
                | "complementary"
                | "search"
                | "menu"
                | "menubar"
        )
    {
        return true;
    }
    if matches!(name, "html" | "body" | "main" | "form") {
        return false;
    }
    let class = el.attr("class").unwrap_or("");
    let id = el.attr("id").unwrap_or("");
    class
        .split_whitespace()
        .chain(id.split_whitespace())
        .any(|token| {
            let token = token.to_ascii_lowercase();
            let words: Vec<&str> = token.split(['-', '_']).collect();
            // "fusion-blog-no-pagination" says there is none: a negated word does not count.
            !STATE_PREFIXES.iter().any(|p| token.starts_with(p))
                && words.iter().enumerate().any(|(i, w)| {
                    let negated = i > 0 && matches!(words[i - 1], "no" | "without" | "hide");
                    !negated
                        && (BOILER_WORDS.contains(w)
                            || (site_level && matches!(*w, "header" | "footer")))
                })
        })
}
