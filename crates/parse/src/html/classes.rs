//! What an element's tag, class and id say about it, read once per element while the flat view
//! is built (one lower-casing per element, no allocation per question asked later).

use foldhash::HashMap;
use scraper::node::Element;

/// Does not break a line of text.
pub(crate) const INLINE: u16 = 1;
/// Not rendered at all (script, style, template, head...).
pub(crate) const DEAD: u16 = 1 << 1;
/// Hidden from readers by attribute or class (screen-reader text, `display:none`).
pub(crate) const HIDDEN: u16 = 1 << 2;
/// Page furniture wherever it is: navigation, sidebars, share and subscribe boxes.
pub(crate) const BOILER: u16 = 1 << 3;
/// A header or footer: the site's near the top of the tree, an entry's deeper down.
pub(crate) const SITE_PART: u16 = 1 << 4;
/// Holds a date ("date", "datum", "posted", "published"...).
pub(crate) const DATE: u16 = 1 << 5;
/// Holds a modification date ("updated", "modified"): never a publication date.
pub(crate) const MODIFIED: u16 = 1 << 6;
/// Holds a title ("title", "headline", "subject", "titre"...).
pub(crate) const TITLE: u16 = 1 << 7;
/// Holds labels around an entry (category, author, button, counters).
pub(crate) const META: u16 = 1 << 8;
/// Holds an entry's own text ("summary", "excerpt", "teaser"...).
pub(crate) const TEASER: u16 = 1 << 9;
/// `h1`..`h6`.
pub(crate) const HEADING: u16 = 1 << 10;

/// Words of a class or id that mark page furniture, whatever the CMS.
/// Words that name a listing of entries (its container or its items).
fn is_listing_word(w: &str) -> bool {
    matches!(
        w,
        "blog"
            | "posts"
            | "post"
            | "news"
            | "archive"
            | "articles"
            | "entries"
            | "releases"
            | "loop"
            | "list"
    )
}

fn is_boiler_word(w: &str) -> bool {
    matches!(
        w,
        "nav"
            | "navbar"
            | "navigation"
            | "menu"
            | "megamenu"
            | "submenu"
            | "breadcrumb"
            | "breadcrumbs"
            | "pagination"
            | "pager"
            | "paging"
            | "sidebar"
            | "cookie"
            | "cookies"
            | "share"
            | "sharing"
            | "social"
            | "related"
            | "subscribe"
            | "subscription"
            | "newsletter"
            | "skip"
            | "offcanvas"
            | "toolbar"
            | "topbar"
            | "masthead"
            | "login"
            | "consent"
            | "gdpr"
            | "ticker"
            | "marquee"
            | "breaking"
    )
}

/// Words after a furniture word that make the token a layout state ("sidebar_right").
fn is_layout_position(w: &str) -> bool {
    matches!(
        w,
        "left"
            | "right"
            | "top"
            | "bottom"
            | "both"
            | "none"
            | "open"
            | "closed"
            | "active"
            | "collapsed"
            | "visible"
            | "enabled"
            | "disabled"
            | "on"
            | "off"
    )
}

/// Class tokens starting like this describe a layout state ("has-sidebar", "no-menu").
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

/// Class tokens that hide an element from readers.
fn is_hidden_class(w: &str) -> bool {
    matches!(
        w,
        "screen-reader-text"
            | "sr-only"
            | "visually-hidden"
            | "visuallyhidden"
            | "rich-snippet-hidden"
            | "hidden"
            | "d-none"
            | "hide"
            | "element-invisible"
            | "show-for-sr"
            | "assistive-text"
    )
}

fn is_title_word(w: &str) -> bool {
    matches!(
        w,
        "title"
            | "headline"
            | "heading"
            | "subject"
            | "tit"
            | "titre"
            | "titel"
            | "titulo"
            | "titolo"
            | "rubrik"
            | "overskrift"
    )
}

fn is_meta_word(w: &str) -> bool {
    matches!(
        w,
        "meta"
            | "byline"
            | "author"
            | "category"
            | "categories"
            | "cat"
            | "tags"
            | "tag"
            | "label"
            | "badge"
            | "posted"
            | "date"
            | "time"
            | "datetime"
            | "published"
            | "updated"
            | "readmore"
            | "more"
            | "button"
            | "btn"
            | "eyebrow"
            | "kicker"
            | "source"
            | "type"
            | "num"
            | "no"
            | "number"
            | "views"
            | "hit"
            | "hits"
            | "count"
    )
}

fn is_teaser_word(w: &str) -> bool {
    matches!(
        w,
        "summary"
            | "excerpt"
            | "teaser"
            | "description"
            | "desc"
            | "intro"
            | "lead"
            | "abstract"
            | "preamble"
            | "ingress"
            | "content"
            | "text"
            | "body"
    )
}

fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "abbr"
            | "b"
            | "bdi"
            | "bdo"
            | "cite"
            | "code"
            | "data"
            | "dfn"
            | "em"
            | "font"
            | "i"
            | "kbd"
            | "mark"
            | "q"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strong"
            | "sub"
            | "sup"
            | "time"
            | "u"
            | "var"
            | "wbr"
            | "label"
            | "img"
            | "nobr"
    )
}

fn is_dead(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "template"
            | "noscript"
            | "head"
            | "svg"
            | "iframe"
            | "object"
            | "canvas"
            | "select"
            | "option"
            | "math"
    )
}

/// Classifies the elements of one page. What an element's class and id say is worked out once
/// per distinct (class, id) pair: the entries of a list repeat the same attributes, and reading
/// the words of a class list is most of the cost of classifying.
#[derive(Default)]
pub(crate) struct Classifier<'a> {
    buf: String,
    by_names: HashMap<(&'a str, &'a str, bool), u16>,
}

impl<'a> Classifier<'a> {
    /// The flags of one element.
    pub(crate) fn classify(&mut self, el: &'a Element) -> u16 {
        let attrs = Attrs::of(el);
        let f = tag_flags(el.name(), &attrs);
        let (class, id) = (attrs.class, attrs.id);
        if class.is_empty() && id.is_empty() {
            return f;
        }
        let skeleton = matches!(el.name(), "html" | "body" | "main" | "form");
        let buf = &mut self.buf;
        f | *self
            .by_names
            .entry((class, id, skeleton))
            .or_insert_with(|| name_flags(class, id, skeleton, buf))
    }
}

/// The attributes classifying reads, found in one pass over the element's attributes (a lookup
/// by name interns the name first: several times the cost for the few attributes of an element).
#[derive(Default)]
struct Attrs<'a> {
    class: &'a str,
    id: &'a str,
    role: Option<&'a str>,
    style: Option<&'a str>,
    hidden: bool,
    aria_hidden: bool,
}

impl<'a> Attrs<'a> {
    fn of(el: &'a Element) -> Self {
        let mut a = Attrs::default();
        for (name, value) in el.attrs() {
            match name {
                "class" => a.class = value,
                "id" => a.id = value,
                "role" => a.role = Some(value),
                "style" => a.style = Some(value),
                "hidden" => a.hidden = true,
                "aria-hidden" => a.aria_hidden = value == "true",
                _ => {}
            }
        }
        a
    }
}

/// What the tag, role, `hidden` and inline style of an element say.
fn tag_flags(name: &str, attrs: &Attrs<'_>) -> u16 {
    let mut f = 0;
    if is_inline(name) {
        f |= INLINE;
    }
    if is_dead(name) {
        f |= DEAD;
    }
    if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
        f |= HEADING;
    }
    if matches!(name, "nav" | "aside" | "dialog") {
        f |= BOILER;
    }
    if matches!(name, "header" | "footer") {
        f |= SITE_PART;
    }
    if let Some(role) = attrs.role
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
        f |= BOILER;
    }
    if attrs.hidden || (attrs.aria_hidden && name != "a") {
        f |= HIDDEN;
    }
    if let Some(style) = attrs.style {
        let s: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if s.contains("display:none") || s.contains("visibility:hidden") {
            f |= HIDDEN;
        }
    }
    f
}

/// What the words of a class list and an id say (`skeleton`: on `html`, `body`, `main` or a
/// form, where furniture words describe the page, not the element).
fn name_flags(class: &str, id: &str, skeleton: bool, buf: &mut String) -> u16 {
    let mut f = 0;
    buf.clear();
    buf.push_str(class);
    buf.make_ascii_lowercase();
    let class_lower = buf.as_str();
    if class_lower.contains("update") || class_lower.contains("modif") {
        f |= MODIFIED;
    } else if ["date", "datum", "fecha", "published", "posted", "pubtime"]
        .iter()
        .any(|w| class_lower.contains(w))
    {
        f |= DATE;
    }
    for (is_class, token) in class_lower
        .split_whitespace()
        .map(|t| (true, t))
        .chain(id.split_whitespace().map(|t| (false, t)))
    {
        let lower_id;
        let token = if is_class {
            token
        } else {
            lower_id = token.to_ascii_lowercase();
            lower_id.as_str()
        };
        if is_class && is_hidden_class(token) {
            f |= HIDDEN;
        }
        let state = STATE_PREFIXES.iter().any(|p| token.starts_with(p));
        let mut prev = "";
        let mut after_listing_word = false;
        let words: Vec<&str> = token.split(['-', '_']).collect();
        for (k, &w) in words.iter().enumerate() {
            // "sidebar_right", "menu-open": where the layout puts furniture, on the wrapper of
            // the whole page, not the furniture itself.
            let layout_state = words.get(k + 1).is_some_and(|n| is_layout_position(n))
                || words.iter().any(|w| matches!(*w, "content" | "main"));
            // "fusion-blog-no-pagination" says there is none: a negated word does not count.
            let negated = matches!(prev, "no" | "without" | "hide");
            // "fusion-blog-pagination", "posts-container-pagination": a listing that *has*
            // pagination (a modifier of the listing), not the pager itself.
            let listing_modifier =
                after_listing_word && matches!(w, "pagination" | "pager" | "paging");
            after_listing_word |= is_listing_word(w);
            if !state && !negated && !skeleton && !listing_modifier && !layout_state {
                if is_boiler_word(w) {
                    f |= BOILER;
                }
                if matches!(w, "header" | "footer") {
                    f |= SITE_PART;
                }
            }
            if is_class {
                if w == "time" && f & MODIFIED == 0 {
                    f |= DATE;
                }
                if is_title_word(w) {
                    f |= TITLE;
                }
                if is_meta_word(w) {
                    f |= META;
                }
                if is_teaser_word(w) {
                    f |= TEASER;
                }
            }
            prev = w;
        }
    }
    f
}
