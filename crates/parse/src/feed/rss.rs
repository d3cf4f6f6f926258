//! RSS 0.9x, 1.0 (RDF) and 2.0 items, with the Dublin Core, content and Atom extensions
//! publishers mix into them.

use super::fields::{
    Draft, clean_author, collect_entries, first_date, html_text, inline_text, is_absolute_web_url,
    push_tag, web_url,
};
use super::xml::{Element, Ns};
use crate::Entry;
use url::Url;

/// Every item of the feed, in document order.
pub(super) fn entries(root: &Element, base: &Url) -> Vec<Entry> {
    let is_item = |e: &Element| e.local == "item" && e.ns.is_rss();
    collect_entries(root, base, &is_item)
        .into_iter()
        .filter_map(|(item, base)| entry(item, &base).finish())
        .collect()
}

fn texts<'a>(
    item: &'a Element,
    local: &'a str,
    ns: impl Fn(Ns) -> bool + 'a,
) -> impl Iterator<Item = String> + 'a {
    item.children_named(local, ns).map(Element::text)
}

fn entry(item: &Element, base: &Url) -> Draft {
    let title = item
        .children_named("title", Ns::is_rss)
        .chain(item.children_named("title", |n| n == Ns::Dc))
        .chain(item.children_named("title", Ns::is_atom))
        .map(inline_text)
        .find(|t| !t.is_empty())
        .unwrap_or_default();

    let published = first_date(
        texts(item, "pubDate", Ns::is_rss)
            .chain(texts(item, "date", |n| n == Ns::Dc))
            .chain(texts(item, "issued", |n| n == Ns::Dcterms))
            .chain(texts(item, "created", |n| n == Ns::Dcterms))
            .chain(texts(item, "published", Ns::is_atom))
            .chain(texts(item, "updated", Ns::is_atom))
            .chain(texts(item, "modified", |n| n == Ns::Dcterms)),
    );

    let content = item
        .children_named("description", Ns::is_rss)
        .chain(item.children_named("description", |n| n == Ns::Dc))
        .chain(item.children_named("encoded", |n| n == Ns::Content))
        .chain(item.children_named("summary", Ns::is_atom))
        .chain(item.children_named("content", Ns::is_atom))
        .map(html_text)
        .find(|t| !t.is_empty())
        .unwrap_or_default();

    let author = texts(item, "author", Ns::is_rss)
        .chain(texts(item, "creator", |n| n == Ns::Dc))
        .chain(item.children_named("author", Ns::is_atom).flat_map(|a| {
            a.children_named("name", |n| n.is_atom() || n == Ns::None)
                .map(Element::text)
        }))
        .find_map(|a| clean_author(&a));

    let mut tags = Vec::new();
    for c in item
        .children_named("category", Ns::is_rss)
        .chain(item.children_named("subject", |n| n == Ns::Dc))
    {
        push_tag(&mut tags, &c.text());
    }
    for c in item.children_named("category", Ns::is_atom) {
        push_tag(&mut tags, c.attr("term").unwrap_or_default());
    }

    Draft {
        title,
        url: link(item, base),
        published,
        content,
        author,
        tags,
    }
}

/// The entry's address: feedburner's original link (the publisher's own URL rather than a
/// tracking redirect), then `<link>`, then an Atom alternate link, then a permalink guid,
/// then RDF's `rdf:about`.
fn link(item: &Element, base: &Url) -> Option<String> {
    let in_base = |e: &Element, href: &str| web_url(&super::fields::base_of(base, e), href);
    let orig = item
        .children_named("origLink", |n| n == Ns::Feedburner)
        .find_map(|e| in_base(e, &e.text()));
    let plain = || {
        item.children_named("link", Ns::is_rss).find_map(|e| {
            let t = e.text();
            let href = if t.trim().is_empty() {
                e.attr("href").unwrap_or_default().to_string()
            } else {
                t
            };
            in_base(e, &href)
        })
    };
    let atom = || {
        item.children_named("link", Ns::is_atom)
            .filter(|e| {
                e.attr("rel")
                    .is_none_or(|r| r.eq_ignore_ascii_case("alternate"))
            })
            .find_map(|e| in_base(e, e.attr("href").unwrap_or_default()))
    };
    let guid = || {
        item.children_named("guid", Ns::is_rss).find_map(|e| {
            let permalink = e
                .attr("isPermaLink")
                .is_none_or(|v| v.trim().eq_ignore_ascii_case("true"));
            let t = e.text();
            (permalink && is_absolute_web_url(&t))
                .then(|| in_base(e, &t))
                .flatten()
        })
    };
    let about = || {
        item.attr("about")
            .filter(|a| is_absolute_web_url(a))
            .and_then(|a| in_base(item, a))
    };
    orig.or_else(plain)
        .or_else(atom)
        .or_else(guid)
        .or_else(about)
}
