//! Bounded nesting before tree building.
//!
//! html5ever's tree builder checks "is an element in scope" by walking the stack of open
//! elements, so each start tag costs time proportional to the current depth: a page of 100,000
//! nested `<div>`s (or 1 MB of unclosed tags) costs minutes, quadratic in its size. Browsers cap
//! the tree depth for the same reason (Chromium at 512). This pass does the same on the markup:
//! below [`MAX_DEPTH`], wrapper tags (`div`, `span`, `font`...) are left out with their end tags,
//! while the elements an entry is made of (links, lists, headings, tables, `time`) are kept for
//! [`MAX_OVERFLOW`] more levels; every text is kept. One linear scan; a page within the bound is
//! returned untouched.

use std::borrow::Cow;
use std::collections::HashMap;

/// Deepest nesting kept, as in Chromium's HTML parser.
pub(crate) const MAX_DEPTH: usize = 512;

/// Levels of entry elements kept below [`MAX_DEPTH`] (wrappers there are left out).
pub(crate) const MAX_OVERFLOW: usize = 64;

/// Elements an entry is made of: kept below the bound while wrappers are left out.
const ENTRY_PARTS: &[&str] = &[
    "a", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "time", "table", "article",
];

/// Elements without content: never on the stack.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "command", "basefont", "bgsound", "frame",
];

/// Elements whose end tag may be left out (closed by their next sibling): counting them would
/// make a long list of unclosed `<li>` or `<p>` look deep.
const OPTIONAL_END: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot",
    "colgroup", "rp", "rt", "rb", "rtc", "caption", "html", "head", "body",
];

/// Elements whose content is raw text up to their end tag: markup inside is not markup.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];

/// The markup with nesting bounded to [`MAX_DEPTH`]; borrowed when nothing had to go.
pub(crate) fn bound_nesting(html: &str) -> Cow<'_, str> {
    // Every level of nesting opens with a `<`: a page with fewer of them than the bound (most
    // listings of a few kilobytes) cannot be too deep, and is not scanned.
    if html.bytes().filter(|&b| b == b'<').count() <= MAX_DEPTH {
        return Cow::Borrowed(html);
    }
    let mut scan = Scanner {
        html,
        depth: 0,
        overflow: 0,
        dropped: HashMap::new(),
        cuts: Vec::new(),
    };
    scan.run();
    if scan.cuts.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut from = 0;
    for (start, end) in scan.cuts {
        out.push_str(&html[from..start]);
        from = end;
    }
    out.push_str(&html[from..]);
    Cow::Owned(out)
}

struct Scanner<'a> {
    html: &'a str,
    depth: usize,
    /// Entry elements kept open below the bound.
    overflow: usize,
    /// Per tag name, start tags left out whose end tags are still to come.
    dropped: HashMap<String, usize>,
    /// Byte ranges of tags to leave out, in order.
    cuts: Vec<(usize, usize)>,
}

impl Scanner<'_> {
    fn run(&mut self) {
        let bytes = self.html.as_bytes();
        let mut i = 0;
        while let Some(off) = memchr(b'<', &bytes[i..]) {
            let lt = i + off;
            i = self.tag_at(lt).unwrap_or(lt + 1);
        }
    }

    /// Handles the markup at `<` (byte `lt`); returns where scanning goes on, `None` when it is
    /// not markup (a lone `<` in text).
    fn tag_at(&mut self, lt: usize) -> Option<usize> {
        let bytes = self.html.as_bytes();
        let rest = &bytes[lt..];
        if rest.starts_with(b"<!--") {
            return Some(find(bytes, lt + 4, b"-->").map_or(bytes.len(), |e| e + 3));
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            return Some(memchr(b'>', &bytes[lt..]).map_or(bytes.len(), |e| lt + e + 1));
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            return None;
        }
        // Lower-cased into a stack buffer: no allocation per tag. Longer names (custom elements)
        // are none of the special ones and nest like any element.
        let mut buf = [0u8; 16];
        let raw = &bytes[name_start..name_start + name_len];
        let name_bytes = &mut buf[..name_len.min(16)];
        name_bytes.copy_from_slice(&raw[..name_len.min(16)]);
        name_bytes.make_ascii_lowercase();
        let name = if name_len <= 16 {
            std::str::from_utf8(name_bytes).unwrap_or("-")
        } else {
            "-"
        };
        let end = tag_end(bytes, name_start + name_len);
        let self_closing = end >= 2 && bytes[end - 2] == b'/';
        if closing {
            self.end_tag(name, lt, end);
            return Some(end);
        }
        if RAW_TEXT.contains(&name) {
            // Raw text up to `</name`: the element closes itself.
            let close = format!("</{name}");
            return Some(find_ci(bytes, end, close.as_bytes()).unwrap_or(bytes.len()));
        }
        self.start_tag(name, self_closing, lt, end);
        Some(end)
    }

    fn start_tag(&mut self, name: &str, self_closing: bool, lt: usize, end: usize) {
        if VOID.contains(&name) || OPTIONAL_END.contains(&name) || self_closing {
            return;
        }
        if self.depth < MAX_DEPTH {
            self.depth += 1;
        } else if ENTRY_PARTS.contains(&name) && self.overflow < MAX_OVERFLOW {
            self.overflow += 1;
        } else {
            *self.dropped.entry(name.to_string()).or_insert(0) += 1;
            self.cuts.push((lt, end));
        }
    }

    fn end_tag(&mut self, name: &str, lt: usize, end: usize) {
        if VOID.contains(&name) || OPTIONAL_END.contains(&name) {
            return;
        }
        if let Some(n) = self.dropped.get_mut(name).filter(|n| **n > 0) {
            *n -= 1;
            self.cuts.push((lt, end));
        } else if self.overflow > 0 && ENTRY_PARTS.contains(&name) {
            self.overflow -= 1;
        } else {
            self.depth = self.depth.saturating_sub(1);
        }
    }
}

/// One past the `>` that ends the tag whose name ends at `from` (quoted attribute values may
/// hold `>`).
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    for (k, &b) in bytes[from..].iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return from + k + 1,
            None => {}
        }
    }
    bytes.len()
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn find_ci(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_within_the_bound_is_untouched() {
        let html = "<html><body><div><p>one<p>two<ul><li>a<li>b</ul></div>\
                    <script>if (a < b) { x = '<div>'; }</script></body></html>";
        assert!(matches!(bound_nesting(html), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_cut_at_the_bound_and_text_is_kept() {
        let n = 2000;
        let html = format!("{}deep text{}after", "<div>".repeat(n), "</div>".repeat(n));
        let out = bound_nesting(&html);
        assert_eq!(out.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
        assert!(out.contains("deep text") && out.ends_with("after"));
    }

    #[test]
    fn links_and_lists_below_the_bound_are_kept() {
        let n = 5000;
        let list = "<ul><li><a href='/a'>A</a></li><li><a href='/b'>B</a></li></ul>";
        let html = format!("{}{list}{}", "<div>".repeat(n), "</div>".repeat(n));
        let out = bound_nesting(&html);
        assert!(out.contains(list), "the list is kept whole");
        assert_eq!(out.matches("<div>").count(), MAX_DEPTH);
        let deep_links = "<a href='/x'>".repeat(1000);
        let html = format!("{}{deep_links}", "<div>".repeat(MAX_DEPTH));
        let out = bound_nesting(&html);
        assert_eq!(
            out.matches("<a ").count(),
            MAX_OVERFLOW,
            "entry parts are bounded too"
        );
    }

    #[test]
    fn unclosed_list_items_and_paragraphs_do_not_count_as_depth() {
        let html = format!("<ul>{}</ul>", "<li><p>item".repeat(5000));
        assert!(matches!(bound_nesting(&html), Cow::Borrowed(_)));
    }

    #[test]
    fn markup_in_comments_scripts_and_attributes_is_not_counted() {
        let inner = "<div>".repeat(MAX_DEPTH + 10);
        let html = format!(
            "<!-- {inner} --><script>var s = '{inner}';</script>\
             <a title='{inner}' href=/x>link</a>"
        );
        assert!(matches!(bound_nesting(&html), Cow::Borrowed(_)));
    }
}
