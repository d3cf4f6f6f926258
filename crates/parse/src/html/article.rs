//! Article pages: one entry's title, date and main text, read from its own page. Serves the
//! date fallback of listings (the engine fetches an entry's page when the listing gives no date)
//! and `parse` on a single saved article.

use super::dom::Dom;
use super::fields;
use crate::dates::{self, ParseContext};
use crate::{DateSource, Entry, ParseError};
use chrono::NaiveDate;
use url::Url;

/// Meta tags that state a publication date (`property`, `name` or `itemprop`), best first.
const DATE_META: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "article.published",
    "published_time",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "dc.date.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "sailthru.date",
    "parsely-pub-date",
    "originalpublicationdate",
    "date",
];

/// Reads an article page; `Ok(None)` when the page has no title at all. Uses today's date as
/// the reference for plausibility; see [`parse_article_with`].
pub fn parse_article(html: &str, page_url: &Url) -> Result<Option<Entry>, ParseError> {
    parse_article_with(html, page_url, &ParseContext::from_clock())
}

/// Reads an article page: title (`<h1>`, `og:title`, `<title>`), the page URL, the publication
/// date (meta tags, JSON-LD `datePublished`, `<time>`, text near the title, the URL — the first
/// that gives a plausible date) and the main text (else the meta description).
pub fn parse_article_with(
    html: &str,
    page_url: &Url,
    ctx: &ParseContext,
) -> Result<Option<Entry>, ParseError> {
    let doc = super::parse_html(html);
    let dom = Dom::build(&doc, page_url);
    let Some(title) = title(&dom) else {
        return Ok(None);
    };
    let date = article_date(&dom, page_url, ctx);
    let content = main_text(&dom)
        .or_else(|| meta_content(&dom, &["description", "og:description"]))
        .unwrap_or_default();
    Ok(Some(Entry {
        title,
        url: page_url.to_string(),
        published: date.map(|d| d.0),
        date_source: date.map(|d| d.1),
        content,
        author: meta_content(&dom, &["author", "article:author"])
            .filter(|a| !a.starts_with("http")),
        tags: Vec::new(),
    }))
}

/// The main text of an article page (paragraphs of the densest content block, blank-line
/// separated), `None` when the page has no paragraph text.
pub fn article_main_text(html: &str) -> Option<String> {
    let doc = super::parse_html(html);
    let base = Url::parse("http://localhost/").ok()?;
    main_text(&Dom::build(&doc, &base))
}

/// The `content` of the page's `<meta>` tags named (by `property`, `name` or `itemprop`, any
/// case) one of `names`, in the order of `names`, then of the page.
fn meta_contents<'a>(dom: &'a Dom<'_>, names: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    names.iter().flat_map(move |want| {
        (0..dom.len()).filter_map(move |i| {
            if dom.tag(i) != "meta" {
                return None;
            }
            let key = ["property", "name", "itemprop"]
                .iter()
                .find_map(|a| dom.attr(i, a))?;
            if key.eq_ignore_ascii_case(want) {
                dom.attr(i, "content")
            } else {
                None
            }
        })
    })
}

/// The first non-empty meta content of `names`, whitespace collapsed.
fn meta_content(dom: &Dom<'_>, names: &[&str]) -> Option<String> {
    meta_contents(dom, names)
        .map(crate::text::collapse_whitespace)
        .find(|c| !c.is_empty())
}

fn title(dom: &Dom<'_>) -> Option<String> {
    let h1 = (0..dom.len())
        .filter(|&i| dom.tag(i) == "h1" && !dom.nodes[i].hidden && !dom.nodes[i].boiler)
        .map(|i| dom.text(i))
        .find(|t| !t.is_empty());
    h1.or_else(|| meta_content(dom, &["og:title", "twitter:title"]))
        .or_else(|| {
            let i = (0..dom.len()).find(|&i| dom.tag(i) == "title")?;
            // The <title> sits in <head> (dead for visible text): read its text nodes directly.
            let raw: String = (i + 1..dom.nodes[i].end)
                .filter_map(|j| dom.nodes[j].text)
                .collect();
            let t = crate::text::collapse_whitespace(&raw);
            // "Release title | Company" → the longest part.
            t.split(" | ")
                .max_by_key(|p| p.len())
                .map(str::to_string)
                .filter(|p| !p.is_empty())
        })
}

/// The article's publication date and where it was read.
fn article_date(
    dom: &Dom<'_>,
    page_url: &Url,
    ctx: &ParseContext,
) -> Option<(NaiveDate, DateSource)> {
    let ok = |d: NaiveDate| ctx.is_plausible(d).then_some((d, DateSource::Article));
    // 1. Meta tags.
    if let Some(d) =
        meta_contents(dom, DATE_META).find_map(|c| dates::parse_timestamp(c).and_then(ok))
    {
        return Some(d);
    }
    // 2. JSON-LD.
    for i in 0..dom.len() {
        if dom.tag(i) == "script"
            && dom
                .attr(i, "type")
                .is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json"))
        {
            let raw: String = (i + 1..dom.nodes[i].end)
                .filter_map(|j| dom.nodes[j].text)
                .collect();
            if let Some(d) = json_ld_date(&raw).and_then(ok) {
                return Some(d);
            }
        }
    }
    // 3. Microdata and <time> outside page furniture.
    let lang_hint = dom.lang.and_then(dates::order_from_lang);
    let content_nodes =
        (0..dom.len()).filter(|&i| dom.is_element(i) && !dom.nodes[i].boiler && !dom.nodes[i].dead);
    for i in content_nodes.clone() {
        let stated = dom.tag(i) == "time"
            || dom
                .attr(i, "itemprop")
                .is_some_and(|p| p.eq_ignore_ascii_case("datePublished"));
        if stated
            && let Some(d) = fields::dates_of_element(dom, i)
                .first()
                .and_then(|r| r.resolve(r.default_order(lang_hint)))
                .and_then(ok)
        {
            return Some(d);
        }
    }
    // 4. Text: a date-classed element, else the text just after the title.
    let body = fields::date_elements(dom, 0)
        .into_iter()
        .filter(|&i| !dom.nodes[i].boiler);
    for i in body {
        if let Some(d) = fields::dates_of_element(dom, i)
            .first()
            .and_then(|r| r.resolve(r.default_order(lang_hint)))
            .and_then(ok)
        {
            return Some(d);
        }
    }
    if let Some(h1) = (0..dom.len()).find(|&i| dom.tag(i) == "h1" && !dom.nodes[i].boiler) {
        // The first 400 visible characters from the title on.
        let mut near = String::new();
        let mut j = h1;
        while j < dom.len() && near.len() < 400 {
            let n = &dom.nodes[j];
            if !n.hidden
                && !n.boiler
                && let Some(t) = n.text
            {
                near.push(' ');
                near.push_str(t);
            }
            j += 1;
        }
        if let Some(d) = dates::parse_date_text_with(&near, lang_hint, ctx) {
            return Some((d, DateSource::Article));
        }
    }
    // 5. The URL.
    if let Some(d) = dates::date_from_url(page_url.as_str(), ctx) {
        return Some((d, DateSource::Url));
    }
    // 6. The one date the article's text holds, wherever it is ("Ends/Tuesday, December 31,
    // 2019" under a government release). Two different dates say nothing: none is kept.
    only_date_in_text(dom, lang_hint, ctx).map(|d| (d, DateSource::Article))
}

/// The single distinct plausible date written in the page's visible text outside its furniture.
fn only_date_in_text(
    dom: &Dom<'_>,
    lang_hint: Option<dates::DateOrder>,
    ctx: &ParseContext,
) -> Option<NaiveDate> {
    let mut text = String::new();
    for n in &dom.nodes {
        if !n.hidden
            && !n.boiler
            && let Some(t) = n.text
        {
            text.push(' ');
            text.push_str(t);
        }
    }
    let mut found = dates::find_dates(&text)
        .into_iter()
        .filter_map(|f| f.raw.resolve(f.raw.default_order(lang_hint)))
        .filter(|d| ctx.is_plausible(*d));
    let first = found.next()?;
    found.all(|d| d == first).then_some(first)
}

/// `datePublished` (else `dateCreated`) anywhere in a JSON-LD document, walked without recursion.
fn json_ld_date(raw: &str) -> Option<NaiveDate> {
    let value: serde_json::Value = serde_json::from_str(raw.trim()).ok()?;
    for key in ["datePublished", "dateCreated"] {
        let mut stack = vec![&value];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(map) => {
                    if let Some(d) = map
                        .get(key)
                        .and_then(|d| d.as_str())
                        .and_then(dates::parse_timestamp)
                    {
                        return Some(d);
                    }
                    stack.extend(map.values());
                }
                serde_json::Value::Array(items) => stack.extend(items.iter().rev()),
                _ => {}
            }
        }
    }
    None
}

/// The paragraphs of the element whose direct `<p>` children hold the most text.
fn main_text(dom: &Dom<'_>) -> Option<String> {
    let mut score: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for i in 0..dom.len() {
        let n = &dom.nodes[i];
        if dom.tag(i) == "p" && !n.boiler && !n.hidden {
            let len = dom.text_len(i);
            if len >= 20
                && let Some(p) = n.parent
            {
                *score.entry(p).or_default() += len;
            }
        }
    }
    let (&best, _) = score
        .iter()
        .max_by_key(|(i, s)| (**s, std::cmp::Reverse(**i)))?;
    let parts: Vec<String> = dom
        .children(best)
        .filter(|&c| {
            matches!(
                dom.tag(c),
                "p" | "h2" | "h3" | "h4" | "ul" | "ol" | "blockquote"
            ) && !dom.nodes[c].hidden
        })
        .map(|c| dom.text(c))
        .filter(|t| !t.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}
