//! Text clean-up shared by every parser: entities, tags, whitespace.
//!
//! Feeds and pages put markup and entities where plain text belongs (titles wrapped in `<a>`,
//! `&nbsp;` inside XML, double-escaped `&amp;#8217;`). Everything the user reads goes through
//! these functions so it comes out as one clean line of text.

mod entity_table;

use std::borrow::Cow;

/// Collapses all runs of whitespace (including non-breaking and zero-width spaces) to one space
/// and trims the ends. Other control characters (NUL, escape, bell, C1 controls) are dropped:
/// they are never text, and they break terminals, logs and downstream renderers.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = Collapsed::with_capacity(s.len());
    out.push_str(s);
    out.finish()
}

/// Text collapsed as it is appended (see [`collapse_whitespace`]): the text of many nodes
/// joined into one line without building the raw concatenation first.
#[derive(Debug, Default)]
pub struct Collapsed {
    out: String,
    pending_space: bool,
}

impl Collapsed {
    pub fn with_capacity(capacity: usize) -> Self {
        Collapsed {
            out: String::with_capacity(capacity),
            pending_space: false,
        }
    }

    /// A word boundary: one space before the next visible character, if any.
    pub fn space(&mut self) {
        self.pending_space = !self.out.is_empty();
    }

    /// The text so far (without a pending space).
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// True when a word boundary is pending (the last text ended with whitespace).
    pub fn at_boundary(&self) -> bool {
        self.pending_space
    }

    pub fn push_str(&mut self, s: &str) {
        let mut rest = s;
        while !rest.is_empty() {
            // A run of visible ASCII is copied whole: most of a page's text. Other characters
            // (spaces, indentation, non-ASCII letters) one at a time.
            let run = rest
                .bytes()
                .position(|b| !b.is_ascii_graphic())
                .unwrap_or(rest.len());
            if run > 0 {
                self.flush_space();
                self.out.push_str(&rest[..run]);
                rest = &rest[run..];
                continue;
            }
            let Some(c) = rest.chars().next() else { break };
            rest = &rest[c.len_utf8()..];
            if c.is_whitespace() || c == '\u{00A0}' {
                self.space();
            } else if !c.is_control()
                && !matches!(
                    c,
                    '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}'
                )
            {
                self.flush_space();
                self.out.push(c);
            }
        }
    }

    fn flush_space(&mut self) {
        if self.pending_space {
            self.out.push(' ');
            self.pending_space = false;
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Longest title kept, in characters. Real headlines are under 300; a longer "title" is a
/// broken or hostile document (a whole page in `<title>`, a 1 MB field), and it would end up in
/// item ids, logs and newsletters.
pub const MAX_TITLE_CHARS: usize = 500;

/// Cuts a title to [`MAX_TITLE_CHARS`], at a word boundary when there is one in the last
/// fifth, with an ellipsis. Titles within the bound are returned unchanged.
pub fn bound_title(title: String) -> String {
    let Some((cut, _)) = title.char_indices().nth(MAX_TITLE_CHARS) else {
        return title;
    };
    let head = &title[..cut];
    let at_word = head
        .rfind(' ')
        .filter(|&space| head[..space].chars().count() >= MAX_TITLE_CHARS * 4 / 5)
        .unwrap_or(cut);
    let mut out = head[..at_word].trim_end().to_string();
    out.push('…');
    out
}

/// Looks up an HTML5 named character reference (without `&` and `;`), e.g. `nbsp` → U+00A0.
/// The five XML entities are included.
pub fn named_entity(name: &str) -> Option<&'static str> {
    let table = entity_table::ENTITIES;
    table
        .binary_search_by(|(n, _)| n.as_bytes().cmp(name.as_bytes()))
        .ok()
        .and_then(|i| table.get(i))
        .map(|(_, v)| *v)
}

/// Maps a numeric character reference to the character a browser shows: code points 0x80–0x9F
/// are read as Windows-1252 (what the publisher meant by `&#146;`), invalid ones become U+FFFD.
fn numeric_char(code: u32) -> char {
    const CP1252: [u16; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let code = match code {
        0x80..=0x9F => CP1252
            .get((code - 0x80) as usize)
            .map_or(code, |&c| u32::from(c)),
        other => other,
    };
    match char::from_u32(code) {
        Some('\0') | None => '\u{FFFD}',
        Some(c) => c,
    }
}

/// Decodes one character reference starting right after a `&`. Returns the replacement and the
/// number of bytes consumed after the `&` (including the `;`), or `None` when it is not a
/// reference this function knows (the `&` is then literal text).
pub(crate) fn decode_reference(rest: &str) -> Option<(Cow<'static, str>, usize)> {
    let bytes = rest.as_bytes();
    if bytes.first() == Some(&b'#') {
        let (radix, start) = match bytes.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits = bytes
            .get(start..)?
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let digits_str = rest.get(start..start + digits)?;
        if digits == 0 || (radix == 10 && !digits_str.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        let mut end = start + digits;
        if bytes.get(end) == Some(&b';') {
            end += 1;
        }
        // Long digit runs overflow u32: that is an invalid code point, not a panic.
        let code = u32::from_str_radix(digits_str, radix).unwrap_or(u32::MAX);
        return Some((Cow::Owned(numeric_char(code).to_string()), end));
    }
    let name_len = bytes
        .iter()
        .take(40)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name_len == 0 || bytes.get(name_len) != Some(&b';') {
        return None;
    }
    let name = rest.get(..name_len)?;
    named_entity(name).map(|v| (Cow::Borrowed(v), name_len + 1))
}

/// Decodes XML and HTML character references (`&amp;`, `&nbsp;`, `&#8217;`, `&#x24;`). Unknown
/// names and bare `&` stay as they are, so nothing the publisher wrote is lost.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    decode_references(s, false)
}

/// Decodes numeric character references only (`&#8217;`, `&#x24;`): a DOCTYPE entity value,
/// where named references are not expanded.
pub(crate) fn decode_char_refs(s: &str) -> Cow<'_, str> {
    decode_references(s, true)
}

fn decode_references(s: &str, numeric_only: bool) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let decoded = (!numeric_only || after.starts_with('#'))
            .then(|| decode_reference(after))
            .flatten();
        match decoded {
            Some((text, used)) => {
                out.push_str(&text);
                rest = after.get(used..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// True when the text contains something that looks like an HTML tag (`<p>`, `</a>`, `<br/>`,
/// `<!--`) rather than a lone `<` as in "p < 0.05".
pub fn looks_like_html(s: &str) -> bool {
    let b = s.as_bytes();
    // A tag needs a `>` after its `<`: only `<`s before the last `>` can start one.
    let Some(last_gt) = b.iter().rposition(|&c| c == b'>') else {
        return false;
    };
    b[..last_gt].iter().enumerate().any(|(i, &c)| {
        c == b'<'
            && match b.get(i + 1) {
                Some(n) if n.is_ascii_alphabetic() => tag_name_then_delimiter(&b[i + 1..]),
                Some(b'/') => b.get(i + 2).is_some_and(|n| n.is_ascii_alphabetic()),
                Some(b'!') => b.get(i + 2) == Some(&b'-'),
                _ => false,
            }
    })
}

/// `b` starts with a tag name: letters/digits followed by whitespace, `>` or `/`.
fn tag_name_then_delimiter(b: &[u8]) -> bool {
    let n = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    matches!(
        b.get(n),
        Some(b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/') | None
    )
}

/// Elements whose content is never visible text.
const INVISIBLE: [&str; 6] = ["script", "style", "head", "noscript", "template", "iframe"];

/// Elements that separate words when rendered (so `a<br>b` reads "a b", not "ab").
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "br" | "p"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "hr"
            | "dd"
            | "dt"
            | "section"
            | "article"
            | "figure"
            | "figcaption"
            | "img"
    )
}

/// Turns an HTML fragment into readable text: tags removed (block elements become spaces),
/// scripts/styles/comments dropped, entities decoded, whitespace collapsed.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let tail = &rest[lt..];
        let tb = tail.as_bytes();
        if tail.starts_with("<!--") {
            rest = tail.find("-->").map_or("", |e| &tail[e + 3..]);
            continue;
        }
        let is_tag = match tb.get(1) {
            Some(c) if c.is_ascii_alphabetic() => true,
            Some(b'/' | b'!' | b'?') => true,
            _ => false,
        };
        if !is_tag {
            out.push('<');
            rest = &tail[1..];
            continue;
        }
        let Some(gt) = tail.find('>') else {
            // An unterminated tag at the end: drop it (it is markup, not text).
            rest = "";
            break;
        };
        let inner = &tail[1..gt];
        let closing = inner.starts_with('/');
        let name: String = inner
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &tail[gt + 1..];
        if !closing && INVISIBLE.contains(&name.as_str()) && !inner.ends_with('/') {
            let close = format!("</{name}");
            rest = find_ascii_ci(rest, &close).map_or("", |e| {
                let after = &rest[e..];
                after.find('>').map_or("", |g| &after[g + 1..])
            });
            out.push(' ');
            continue;
        }
        if is_block(&name) {
            out.push(' ');
        }
    }
    out.push_str(&decode_entities(rest));
    collapse_whitespace(&out)
}

/// Byte offset of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    if n == 0 {
        return Some(0);
    }
    hay.as_bytes()
        .windows(n)
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// True when text still holds character references after one round of decoding, the mark of
/// a publisher who escaped twice (`&amp;#8217;` arrives as `&#8217;`).
fn has_leftover_reference(s: &str) -> bool {
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        let after = &rest[p + 1..];
        if decode_reference(after)
            .is_some_and(|(_, used)| after.as_bytes().get(used - 1) == Some(&b';'))
        {
            return true;
        }
        rest = after;
    }
    false
}

/// Cleans an already entity-decoded title or short text: markup stripped when present,
/// double-escaped references decoded, whitespace (non-breaking, hair spaces...) collapsed.
pub fn clean_inline(decoded: &str) -> String {
    if looks_like_html(decoded) {
        return html_to_text(decoded);
    }
    if has_leftover_reference(decoded) {
        return collapse_whitespace(&decode_entities(decoded));
    }
    collapse_whitespace(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_bounded_at_a_word() {
        let short = "Camurus announces results".to_string();
        assert_eq!(bound_title(short.clone()), short);
        let long = "word ".repeat(1000);
        let bounded = bound_title(long);
        assert!(bounded.chars().count() <= MAX_TITLE_CHARS + 1);
        assert!(bounded.ends_with("word…"), "{bounded}");
        let unbroken = "é".repeat(2 * MAX_TITLE_CHARS);
        assert_eq!(bound_title(unbroken).chars().count(), MAX_TITLE_CHARS + 1);
    }

    #[test]
    fn control_characters_are_dropped_whitespace_collapsed() {
        assert_eq!(
            collapse_whitespace("Nul\u{0}in\u{1}the\u{7} title\u{1b}[31m\u{9c} \t\n end"),
            "Nulinthe title[31m end"
        );
        assert_eq!(collapse_whitespace("a\u{85}b"), "a b");
        assert_eq!(
            collapse_whitespace("  Hello,\u{a0}\u{a0}wörld\u{200B}!\u{ad}  \n\tnext "),
            "Hello, wörld! next"
        );
        assert_eq!(
            collapse_whitespace("\u{3000}全角\u{3000}\u{3000}space"),
            "全角 space"
        );
    }

    #[test]
    fn entity_table_is_sorted_for_binary_search() {
        let t = entity_table::ENTITIES;
        assert!(t.windows(2).all(|w| w[0].0.as_bytes() < w[1].0.as_bytes()));
        assert_eq!(named_entity("nbsp"), Some("\u{a0}"));
        assert_eq!(named_entity("amp"), Some("&"));
        assert_eq!(named_entity("rsquo"), Some("\u{2019}"));
        assert_eq!(named_entity("nosuch"), None);
    }

    #[test]
    fn decodes_named_numeric_and_keeps_unknown() {
        assert_eq!(
            decode_entities("AT&amp;T &#x0024;5 &#36; &nbsp;x"),
            "AT&T $5 $ \u{a0}x"
        );
        assert_eq!(decode_entities("R&D &bogus; &"), "R&D &bogus; &");
        assert_eq!(decode_entities("it&#146;s"), "it\u{2019}s");
        assert_eq!(decode_entities("&#0; &#99999999999;"), "\u{FFFD} \u{FFFD}");
        assert_eq!(decode_entities("&#xD800;"), "\u{FFFD}");
    }

    #[test]
    fn strips_markup_and_scripts() {
        assert_eq!(
            html_to_text("<p>Hello<br/>world</p><script>alert(1)</script>!"),
            "Hello world !"
        );
        assert_eq!(
            html_to_text("a &lt; b <!-- hidden --> &amp; c"),
            "a < b & c"
        );
        assert_eq!(
            html_to_text("p < 0.05 is <b>significant</b>"),
            "p < 0.05 is significant"
        );
        assert_eq!(html_to_text("cut <a href=\"x"), "cut");
    }

    #[test]
    fn cleans_titles_like_trade_press_writes_them() {
        assert_eq!(
            clean_inline("<a href=\"https://x/y\">FDA  approves\u{200A}drug</a>"),
            "FDA approves drug"
        );
        assert_eq!(clean_inline("Pfizer&#8217;s deal"), "Pfizer\u{2019}s deal");
        assert_eq!(clean_inline("p < 0.05 & more\u{a0}"), "p < 0.05 & more");
        assert!(!looks_like_html("x<5 and y>3"));
        assert!(looks_like_html("x <em>y</em>"));
    }
}
