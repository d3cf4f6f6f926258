//! Atom 1.0 and 0.3 entries.

use super::fields::{
    Draft, base_of, clean_author, collect_entries, first_date, is_absolute_web_url, push_tag,
    web_url,
};
use super::xml::{Element, Ns};
use crate::Entry;
use crate::text::{collapse_whitespace, html_to_text, looks_like_html};
use url::Url;

/// Atom elements carry the Atom namespace; a few 0.3 feeds forgot to declare it.
fn is_atom(ns: Ns) -> bool {
    ns.is_atom() || ns == Ns::None
}

/// Every entry of the feed, in document order.
pub(super) fn entries(root: &Element, base: &Url) -> Vec<Entry> {
    let is_entry = |e: &Element| e.local == "entry" && is_atom(e.ns);
    collect_entries(root, base, &is_entry)
        .into_iter()
        .filter_map(|(entry, base)| draft(entry, &base).finish())
        .collect()
}

/// An Atom entry document (RFC 4287 §4.1.2: an `<entry>` as the root element).
pub(super) fn entry_document(entry: &Element, base: &Url) -> Vec<Entry> {
    draft(entry, base).finish().into_iter().collect()
}

/// Text of an Atom text construct according to its `type` (and 0.3 `mode`): `text` as is,
/// `html` (or escaped) with markup stripped, `xhtml` from the inline elements.
fn text_construct(el: &Element) -> String {
    let ty = el
        .attr("type")
        .unwrap_or("text")
        .trim()
        .to_ascii_lowercase();
    let escaped = el
        .attr("mode")
        .is_some_and(|m| m.eq_ignore_ascii_case("escaped"));
    let base64 = el
        .attr("mode")
        .is_some_and(|m| m.eq_ignore_ascii_case("base64"))
        || (ty.contains('/') && !ty.starts_with("text/") && !ty.contains("xml"));
    if base64 && let Some(decoded) = decode_base64(&el.text()) {
        let decoded = String::from_utf8_lossy(&decoded).into_owned();
        return if ty.contains("html") || ty.contains("xml") || looks_like_html(&decoded) {
            html_to_text(&decoded)
        } else {
            collapse_whitespace(&decoded)
        };
    }
    if el.has_element_children() || ty.contains("xhtml") {
        collapse_whitespace(&el.text())
    } else if ty == "html" || ty == "text/html" || escaped {
        html_to_text(&el.text())
    } else {
        collapse_whitespace(&el.text())
    }
}

fn draft(entry: &Element, base: &Url) -> Draft {
    let title = entry
        .children_named("title", is_atom)
        .chain(entry.children_named("title", |n| n == Ns::Dc))
        .map(text_construct)
        .find(|t| !t.is_empty())
        .unwrap_or_default();

    let dates = |local: &'static str| entry.children_named(local, is_atom).map(|e| e.text());
    let published = first_date(
        dates("published")
            .chain(dates("issued"))
            .chain(dates("created"))
            .chain(
                entry
                    .children_named("date", |n| n == Ns::Dc)
                    .map(|e| e.text()),
            )
            .chain(dates("updated"))
            .chain(dates("modified")),
    );

    let content = entry
        .children_named("summary", is_atom)
        .chain(entry.children_named("content", is_atom))
        .map(text_construct)
        .find(|t| !t.is_empty())
        .unwrap_or_default();

    let author = entry
        .children_named("author", is_atom)
        .flat_map(|a| a.children_named("name", is_atom).map(|n| n.text()))
        .chain(
            entry
                .children_named("creator", |n| n == Ns::Dc)
                .map(|e| e.text()),
        )
        .find_map(|a| clean_author(&a));

    let mut tags = Vec::new();
    for c in entry.children_named("category", is_atom) {
        push_tag(
            &mut tags,
            c.attr("label").or(c.attr("term")).unwrap_or_default(),
        );
    }
    for c in entry.children_named("subject", |n| n == Ns::Dc) {
        push_tag(&mut tags, &c.text());
    }

    Draft {
        title,
        url: link(entry, base),
        published,
        content,
        author,
        tags,
    }
}

/// The alternate link (an HTML one first), else the first link without a `rel`-ation that
/// rules it out, else an `id` that is itself a web address.
fn link(entry: &Element, base: &Url) -> Option<String> {
    let href = |e: &Element| web_url(&base_of(base, e), e.attr("href").unwrap_or_default());
    let alternates: Vec<&Element> = entry
        .children_named("link", is_atom)
        .filter(|e| {
            e.attr("rel")
                .map(|r| r.trim().to_ascii_lowercase())
                .is_none_or(|r| r == "alternate" || r.ends_with("/alternate"))
        })
        .collect();
    alternates
        .iter()
        .filter(|e| e.attr("type").is_none_or(|t| t.contains("html")))
        .find_map(|e| href(e))
        .or_else(|| alternates.iter().find_map(|e| href(e)))
        .or_else(|| {
            entry
                .children_named("id", is_atom)
                .map(|e| e.text())
                .find(|id| is_absolute_web_url(id))
                .and_then(|id| web_url(base, &id))
        })
}

/// Standard base64 (Atom 0.3 `mode="base64"`, Atom 1.0 binary types); whitespace ignored.
/// `None` when the text is not base64.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes().filter(|b| !b.is_ascii_whitespace()) {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_and_rejects_non_base64() {
        assert_eq!(
            decode_base64("RXhhbXBsZSA8Yj5BdG9tPC9iPg==").unwrap(),
            b"Example <b>Atom</b>"
        );
        assert_eq!(decode_base64(" SGk=\n").unwrap(), b"Hi");
        assert_eq!(decode_base64("not base64!"), None);
    }
}
