//! The links of a page and the entry blocks they mark out.
//!
//! Every entry of a listing carries a link to its own page. The largest element that holds links
//! to exactly one entry URL is that entry's block: it ends where a neighbour's link begins, so two
//! press releases can never be glued together, and the image, title and "Read more" links of one
//! entry (same URL) fall in the same block.

use super::dom::Dom;
use foldhash::{HashMap, HashMapExt};
use regex::Regex;
use std::sync::LazyLock;

/// What a link is to the extractors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkKind {
    /// May identify an entry.
    Entry,
    /// "Download attachment", "PDF": part of an entry, an entry only when it stands alone.
    Attachment,
}

#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub node: usize,
    /// Absolute URL as linked.
    pub url: String,
    /// Canonical form, for "same entry" comparisons.
    pub key: String,
    /// "Read more", "→", an image: says nothing about the entry's title.
    pub generic: bool,
    pub kind: LinkKind,
}

/// Link texts that are calls to action, not titles (lower-case, punctuation trimmed).
const GENERIC_TEXTS: &[&str] = &[
    "read more",
    "more",
    "read",
    "learn more",
    "continue reading",
    "continue",
    "read full story",
    "read the full story",
    "read full release",
    "read the release",
    "read press release",
    "view press release",
    "view release",
    "full release",
    "read article",
    "read the article",
    "view",
    "view more",
    "see more",
    "more info",
    "more information",
    "details",
    "detail",
    "find out more",
    "discover",
    "discover more",
    "go",
    "open",
    "en savoir plus",
    "lire la suite",
    "lire plus",
    "voir plus",
    "suite",
    "läs mer",
    "las mer",
    "läs hela",
    "weiterlesen",
    "mehr",
    "mehr lesen",
    "mehr erfahren",
    "leer más",
    "leer mas",
    "ver más",
    "leggi",
    "leggi tutto",
    "leggi di più",
    "scopri di più",
    "자세히",
    "자세히 보기",
    "더보기",
    "click here",
    "here",
    "link",
];

/// Texts of attachment links (matched as substrings of the lower-cased text).
const ATTACHMENT_WORDS: &[&str] = &[
    "download",
    "attachment",
    "ladda ner",
    "bilaga",
    "télécharger",
    "herunterladen",
    "descargar",
    "scarica",
];

/// Texts that are never an entry: listing navigation.
const NAV_TEXTS: &[&str] = &[
    "next",
    "previous",
    "prev",
    "older",
    "newer",
    "older posts",
    "newer posts",
    "older entries",
    "newer entries",
    "next page",
    "previous page",
    "first",
    "last",
    "view all",
    "see all",
    "all news",
    "all press releases",
    "more news",
    "back",
    "back to top",
    "top",
    "suivant",
    "précédent",
    "nästa",
    "föregående",
    "weiter",
    "zurück",
    "siguiente",
    "anterior",
    "nächste",
    "vorherige",
    "suivante",
    "précédente",
    "successiva",
    "successivo",
    "precedente",
    "다음",
    "이전",
    "목록",
];

/// Any of [`ATTACHMENT_WORDS`] (or "(pdf"), found in one pass over a lower-cased link text.
static ATTACHMENT_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    let words: Vec<String> = ATTACHMENT_WORDS
        .iter()
        .chain(&["(pdf"])
        .map(|w| regex::escape(w))
        .collect();
    Regex::new(&words.join("|")).unwrap_or_else(|e| panic!("attachment words regex: {e}"))
});

static PAGINATION_HREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)([?&](page|paged|pg|p|start|offset|pagenum|cpage)=\d+|/page/\d+/?$|/p\d+/?$)")
        .unwrap_or_else(|e| panic!("pagination regex: {e}"))
});

/// Path segments of taxonomy and author pages: links to them are labels on an entry, not entries.
const TAXONOMY_SEGMENTS: &[&str] = &[
    "tag",
    "tags",
    "category",
    "categories",
    "author",
    "authors",
    "topic",
    "topics",
];

/// What a link or title text is, read with one lower-casing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TextSense {
    /// "Read more", "→", empty (an image): a call to action.
    pub generic: bool,
    /// "2", "Next", "View all": listing navigation.
    pub nav: bool,
    /// "Download attachment", "PDF": a file beside an entry.
    pub attachment: bool,
}

pub(crate) fn text_sense(text: &str) -> TextSense {
    let lower = text.to_lowercase();
    let n = lower.trim_matches(|c: char| !c.is_alphanumeric());
    TextSense {
        generic: n.is_empty()
            || GENERIC_TEXTS.contains(&n)
            || n.starts_with("read more")
            || n.starts_with("continue reading"),
        nav: (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c.is_whitespace()))
            || NAV_TEXTS.contains(&n),
        attachment: n == "pdf"
            || n.starts_with("pdf ")
            || n.ends_with(" pdf")
            || ATTACHMENT_TEXT.is_match(&lower),
    }
}

/// True for links to an image file (a lightbox or a thumbnail's full size): never an entry.
fn is_image_url(path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    [
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".tif", ".tiff",
    ]
    .iter()
    .any(|e| path.ends_with(e))
}

/// True for links to a document file rather than a page.
fn is_document_url(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    [
        ".pdf", ".doc", ".docx", ".ppt", ".pptx", ".xls", ".xlsx", ".zip",
    ]
    .iter()
    .any(|e| path.ends_with(e))
}

/// The identity of a linked entry within one page: the URL without fragment or trailing slash
/// (the parsed URL already has a lower-case scheme and host). Tracking parameters are rare
/// inside one page; when present, the full canonical form of [`crate::urls::canonicalize`].
fn entry_key(url: &url::Url) -> String {
    if url
        .query()
        .is_some_and(|q| q.contains("utm_") || q.contains("clid=") || q.contains("mc_"))
    {
        return crate::urls::canonicalize(url.as_str());
    }
    let s = url.as_str();
    let s = s.split('#').next().unwrap_or(s);
    s.trim_end_matches('/').to_string()
}

/// All links of the page that can belong to an entry, with page furniture, self links,
/// pagination, taxonomy labels and links repeated across entries left out.
pub(crate) fn collect(dom: &Dom<'_>) -> Vec<Link> {
    let page_key = entry_key(&dom.base);
    let mut links = Vec::new();
    for i in 0..dom.len() {
        let n = &dom.nodes[i];
        if n.dead || n.boiler || dom.tag(i) != "a" {
            continue;
        }
        let Some(href) = dom.attr(i, "href") else {
            continue;
        };
        let href_t = href.trim();
        if href_t.is_empty() || href_t.starts_with('#') {
            continue;
        }
        let Some(url) = crate::urls::resolve(&dom.base, href_t) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        let path = url.path();
        // The site's own homepage is chrome; another site's homepage may be what an entry links.
        let own_home = path == "/" && url.query().is_none() && url.host() == dom.base.host();
        if own_home || is_image_url(path) {
            continue;
        }
        if path.split('/').any(|seg| {
            TAXONOMY_SEGMENTS
                .iter()
                .any(|t| seg.eq_ignore_ascii_case(t))
        }) {
            continue;
        }
        let text = dom.text(i);
        let sense = text_sense(&text);
        // A page parameter alone does not make a pagination link (board entries carry `&page=1`):
        // only with a text that cannot be a title ("2", "›", "").
        if sense.nav
            || (text.split_whitespace().count() < 3 && PAGINATION_HREF.is_match(url.as_str()))
        {
            continue;
        }
        let key = entry_key(&url);
        if key == page_key {
            continue;
        }
        let kind = if sense.attachment {
            LinkKind::Attachment
        } else {
            LinkKind::Entry
        };
        let generic = sense.generic;
        links.push(Link {
            node: i,
            url: url.to_string(),
            key,
            generic,
            kind,
        });
    }
    drop_labels(dom, links)
}

/// Removes label links: a URL that sits, in different places, inside the blocks of different
/// entries (a category label, "Contact us" in every teaser). Each occurrence's smallest enclosing
/// element that holds another URL is examined: for a label it holds exactly the label and one
/// entry URL, a different entry each time. An entry linked twice (a featured carousel and the
/// list) is kept: around each of its occurrences there are several other entries.
fn drop_labels(dom: &Dom<'_>, mut links: Vec<Link>) -> Vec<Link> {
    let holdings = Holdings::compute(dom, &links);
    // A document link next to exactly one page link is that entry's attachment, whatever its
    // text ("Annual report 2025 (PDF)"); a document link alone is the release itself.
    let doc_ids: Vec<u32> = links
        .iter()
        .filter(|l| is_document_url(&l.url))
        .filter_map(|l| holdings.id(&l.key))
        .collect();
    for l in links
        .iter_mut()
        .filter(|l| l.kind == LinkKind::Entry && is_document_url(&l.url))
    {
        if let Some((_, partner)) = holdings.partner(dom, l)
            && !doc_ids.contains(&partner)
        {
            l.kind = LinkKind::Attachment;
        }
    }
    let mut partners: HashMap<u32, (u32, bool)> = HashMap::new();
    let mut labels: Vec<u32> = Vec::new();
    for l in links.iter().filter(|l| l.kind == LinkKind::Entry) {
        let Some((id, partner)) = holdings.partner(dom, l) else {
            continue;
        };
        match partners.get_mut(&id) {
            None => {
                partners.insert(id, (partner, false));
            }
            Some((first, many)) => {
                if *first != partner && !*many {
                    *many = true;
                    labels.push(id);
                }
            }
        }
    }
    if labels.is_empty() {
        return links;
    }
    links
        .into_iter()
        .filter(|l| holdings.id(&l.key).is_none_or(|id| !labels.contains(&id)))
        .collect()
}

/// How many distinct entry URLs a subtree holds: none, exactly one (which), or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holds {
    None,
    One(u32),
    /// Exactly two URLs (lower id first): an entry and a label inside it, typically.
    Two(u32, u32),
    Many,
}

impl Holds {
    fn merge(self, other: Holds) -> Holds {
        match (self, other) {
            (Holds::None, x) | (x, Holds::None) => x,
            (Holds::One(a), Holds::One(b)) if a == b => Holds::One(a),
            (Holds::One(a), Holds::One(b)) => Holds::Two(a.min(b), a.max(b)),
            (Holds::Two(a, b), Holds::One(c)) | (Holds::One(c), Holds::Two(a, b))
                if c == a || c == b =>
            {
                Holds::Two(a, b)
            }
            (Holds::Two(a, b), Holds::Two(c, d)) if (a, b) == (c, d) => Holds::Two(a, b),
            _ => Holds::Many,
        }
    }
}

/// An entry's block: the element that holds it and the URL it is about.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub node: usize,
    pub url: String,
    pub key: String,
    /// Indices into the link list of the links of this block pointing to its URL.
    pub links: Vec<usize>,
}

/// The URL holdings of every node, computed bottom-up in one reverse pre-order sweep.
pub(crate) struct Holdings {
    pub entry: Vec<Holds>,
    pub attachment: Vec<Holds>,
    ids: HashMap<String, u32>,
}

impl Holdings {
    pub fn compute(dom: &Dom<'_>, links: &[Link]) -> Self {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut entry = vec![Holds::None; dom.len()];
        let mut attachment = vec![Holds::None; dom.len()];
        for l in links {
            let next = ids.len() as u32;
            let id = *ids.entry(l.key.clone()).or_insert(next);
            let slot = match l.kind {
                LinkKind::Entry => &mut entry[l.node],
                LinkKind::Attachment => &mut attachment[l.node],
            };
            *slot = slot.merge(Holds::One(id));
        }
        for i in (1..dom.len()).rev() {
            if let Some(p) = dom.nodes[i].parent {
                entry[p] = entry[p].merge(entry[i]);
                attachment[p] = attachment[p].merge(attachment[i]);
            }
        }
        Holdings {
            entry,
            attachment,
            ids,
        }
    }

    pub fn id(&self, key: &str) -> Option<u32> {
        self.ids.get(key).copied()
    }

    /// `(id, partner)` when the smallest element around `link` that holds another entry URL holds
    /// exactly one other: that URL's id (a label or an attachment next to an entry, typically).
    fn partner(&self, dom: &Dom<'_>, link: &Link) -> Option<(u32, u32)> {
        let id = self.id(&link.key)?;
        let around = dom
            .ancestors(link.node)
            .map(|a| self.entry[a])
            .find(|h| *h != Holds::One(id));
        match around {
            Some(Holds::Two(a, b)) => Some((id, if a == id { b } else { a })),
            _ => None,
        }
    }
}

/// One block per entry URL occurrence region: climbs from each link to the largest ancestor
/// that holds only that URL. Attachments become entries only when no entry link is around them
/// (a release published as a bare "Download PDF").
pub(crate) fn blocks(dom: &Dom<'_>, links: &[Link], holdings: &Holdings) -> Vec<Block> {
    let mut by_node: HashMap<usize, usize> = HashMap::new();
    let mut out: Vec<Block> = Vec::new();
    for (li, l) in links.iter().enumerate() {
        let Some(id) = holdings.id(&l.key) else {
            continue;
        };
        let mut node = l.node;
        match l.kind {
            LinkKind::Entry => {
                while let Some(p) = dom.nodes[node].parent {
                    if holdings.entry[p] != Holds::One(id) || is_root_like(dom, p) {
                        break;
                    }
                    node = p;
                }
            }
            LinkKind::Attachment => {
                // Part of an entry when the nearest ancestor holding entry links holds one.
                let owner = dom
                    .ancestors(l.node)
                    .find(|&a| holdings.entry[a] != Holds::None);
                if owner.is_some_and(|a| matches!(holdings.entry[a], Holds::One(_))) {
                    continue;
                }
                while let Some(p) = dom.nodes[node].parent {
                    if holdings.entry[p] != Holds::None
                        || holdings.attachment[p] != Holds::One(id)
                        || is_root_like(dom, p)
                    {
                        break;
                    }
                    node = p;
                }
            }
        }
        match by_node.get(&node) {
            Some(&b) => out[b].links.push(li),
            None => {
                by_node.insert(node, out.len());
                out.push(Block {
                    node,
                    url: l.url.clone(),
                    key: l.key.clone(),
                    links: vec![li],
                });
            }
        }
    }
    out
}

/// Where a climb must stop: the document skeleton, and list containers of several items (a list
/// with one link-bearing item must not pass for that item's block).
fn is_root_like(dom: &Dom<'_>, i: usize) -> bool {
    dom.nodes[i].el.is_none()
        || matches!(dom.tag(i), "html" | "body" | "main" | "form")
        || (matches!(dom.tag(i), "table" | "tbody" | "thead" | "ul" | "ol" | "dl")
            && dom.children(i).nth(1).is_some())
}
