//! Rules shared by every feed format: base URLs, link resolution, dates, text, authors, tags.

use super::date::parse_feed_date;
use super::xml::Element;
use crate::text::{clean_inline, collapse_whitespace, html_to_text};
use crate::{DateSource, Entry};
use chrono::NaiveDate;
use url::Url;

/// The base URL in force inside `el`: its `xml:base` resolved against the parent's base.
pub(super) fn base_of(parent: &Url, el: &Element) -> Url {
    el.xml_base()
        .and_then(|b| crate::urls::resolve(parent, b))
        .unwrap_or_else(|| parent.clone())
}

/// Resolves a link candidate to an absolute http(s) URL, or `None` when it is empty or not a
/// web address (`javascript:`, `mailto:`, a bare id...).
pub(super) fn web_url(base: &Url, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let u = crate::urls::resolve(base, href)?;
    matches!(u.scheme(), "http" | "https").then(|| u.to_string())
}

/// True when `s` is already an absolute http(s) URL (a guid or id that can serve as a link).
pub(super) fn is_absolute_web_url(s: &str) -> bool {
    Url::parse(s.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// The first candidate that parses as a date.
pub(super) fn first_date(candidates: impl IntoIterator<Item = String>) -> Option<NaiveDate> {
    candidates.into_iter().find_map(|raw| parse_feed_date(&raw))
}

/// Text of a plain-or-HTML-ish field (RSS titles, JSON titles): unescaped markup is read as
/// text, escaped markup stripped, whitespace collapsed.
pub(super) fn inline_text(el: &Element) -> String {
    if el.has_element_children() {
        collapse_whitespace(&el.text())
    } else {
        clean_inline(&el.text())
    }
}

/// Text of an HTML field (descriptions, `content:encoded`) as clean text.
pub(super) fn html_text(el: &Element) -> String {
    if el.has_element_children() {
        collapse_whitespace(&el.text())
    } else {
        html_to_text(&el.text())
    }
}

/// A person as feeds write them: `jdoe@example.com (Jane Doe)` → `Jane Doe`, `mailto:` and
/// bare addresses kept only when nothing better is there.
pub(super) fn clean_author(raw: &str) -> Option<String> {
    let s = collapse_whitespace(&clean_inline(raw));
    let s = s.trim_start_matches("mailto:");
    if let (Some(open), true) = (s.find('('), s.ends_with(')'))
        && s[..open].contains('@')
    {
        let name = s[open + 1..s.len() - 1].trim();
        if !name.is_empty() {
            return Some(name.to_string());
        }
    }
    (!s.is_empty()).then(|| s.to_string())
}

/// Adds a category to `tags` once (case-insensitive), cleaned.
pub(super) fn push_tag(tags: &mut Vec<String>, raw: &str) {
    let t = clean_inline(raw);
    if !t.is_empty() && !tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
        tags.push(t);
    }
}

/// What a format module found for one entry, before the final assembly.
#[derive(Default)]
pub(super) struct Draft {
    pub title: String,
    pub url: Option<String>,
    pub published: Option<NaiveDate>,
    pub content: String,
    pub author: Option<String>,
    pub tags: Vec<String>,
}

impl Draft {
    /// The entry, or `None` for an item with nothing in it (no title, link, date or text).
    pub(super) fn finish(self) -> Option<Entry> {
        if self.title.is_empty()
            && self.url.is_none()
            && self.content.is_empty()
            && self.published.is_none()
        {
            return None;
        }
        Some(Entry {
            title: crate::text::bound_title(self.title),
            url: self.url.unwrap_or_default(),
            date_source: self.published.map(|_| DateSource::Feed),
            published: self.published,
            content: self.content,
            author: self.author,
            tags: self.tags,
        })
    }
}

/// Collects the elements named `local` (per `is_entry`) anywhere under `root`, with the base
/// URL in force at each. Items nested inside other items (a feed with an unclosed tag) are
/// found too, so one broken item does not hide the rest.
pub(super) fn collect_entries<'a>(
    root: &'a Element,
    base: &Url,
    is_entry: &dyn Fn(&Element) -> bool,
) -> Vec<(&'a Element, Url)> {
    fn walk<'a>(
        e: &'a Element,
        base: &Url,
        is_entry: &dyn Fn(&Element) -> bool,
        out: &mut Vec<(&'a Element, Url)>,
    ) {
        for c in e.elements() {
            let b = base_of(base, c);
            if is_entry(c) {
                out.push((c, b.clone()));
            }
            walk(c, &b, is_entry, out);
        }
    }
    let mut out = Vec::new();
    walk(root, base, is_entry, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_are_names_not_addresses() {
        assert_eq!(
            clean_author("jdoe@example.com (Jane Doe)").as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(clean_author("  Jane   Doe ").as_deref(), Some("Jane Doe"));
        assert_eq!(
            clean_author("mailto:jdoe@example.com").as_deref(),
            Some("jdoe@example.com")
        );
        assert_eq!(clean_author(" "), None);
    }

    #[test]
    fn links_must_be_web_addresses() {
        let base = Url::parse("https://example.com/feeds/rss.xml").unwrap();
        assert_eq!(
            web_url(&base, " /news/1 ").as_deref(),
            Some("https://example.com/news/1")
        );
        assert_eq!(web_url(&base, "javascript:alert(1)"), None);
        assert_eq!(web_url(&base, ""), None);
        assert!(is_absolute_web_url("http://example.com/a"));
        assert!(!is_absolute_web_url("tag:example.com,2020:1"));
        assert!(!is_absolute_web_url("12345"));
    }
}
