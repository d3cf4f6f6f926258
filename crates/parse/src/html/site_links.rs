//! What a page says about where a site's news lives: the feeds it announces
//! (`<link rel="alternate">`), its links with their text and whether they sit in the site's
//! navigation, header or footer, and whether it is an empty shell filled in by JavaScript.
//!
//! Source discovery (`vectora-inbox sources discover`) reads pages through this; deciding which
//! links are news is the caller's business.

use scraper::{ElementRef, Html, Selector};
use std::sync::LazyLock;
use url::Url;

/// A feed announced by `<link rel="alternate" type="…" href="…">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncedFeed {
    pub url: Url,
    /// The declared media type, lower-cased (`application/rss+xml`, `application/feed+json`…).
    pub media_type: String,
    pub title: String,
}

/// A link of the page (`<a href>`), resolved to an absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub url: Url,
    /// Visible text (whitespace collapsed), else its `title` or `aria-label`.
    pub text: String,
    /// Inside `<nav>`, `<header>`, `<footer>` or an element whose class or id says menu,
    /// navigation, header or footer: the site's own chrome, where newsrooms are linked from.
    pub in_chrome: bool,
}

/// The discovery view of one HTML page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteLinks {
    pub title: String,
    pub feeds: Vec<AnnouncedFeed>,
    pub links: Vec<PageLink>,
    /// The body has almost no text but scripts (or a `<noscript>` notice): its content is
    /// rendered in the browser, so a fetch sees nothing to extract.
    pub script_shell: bool,
}

/// Media types of `<link rel="alternate">` that announce a feed.
const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "text/xml",
    "application/xml",
];

/// Body text below this length, with scripts present, marks a JavaScript shell.
const SHELL_TEXT_CHARS: usize = 200;

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

static ALTERNATE: LazyLock<Option<Selector>> = LazyLock::new(|| selector("link[href]"));
static ANCHOR: LazyLock<Option<Selector>> = LazyLock::new(|| selector("a[href]"));
static BASE: LazyLock<Option<Selector>> = LazyLock::new(|| selector("base[href]"));
static TITLE: LazyLock<Option<Selector>> = LazyLock::new(|| selector("title"));
static BODY: LazyLock<Option<Selector>> = LazyLock::new(|| selector("body"));
static SCRIPT: LazyLock<Option<Selector>> = LazyLock::new(|| selector("script, noscript"));

/// Reads the feeds, links and shape of an HTML page. Relative URLs resolve against
/// `<base href>`, else `page_url`; links that are not http(s) (mailto:, javascript:, #) are left
/// out, and each URL is listed once (in the chrome if any occurrence is, with the first
/// non-empty text).
pub fn site_links(html: &str, page_url: &Url) -> SiteLinks {
    let doc = super::parse_html(html);
    let base = first(&doc, &BASE)
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.join(h.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let resolve = |href: &str| {
        base.join(href.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|mut u| {
                u.set_fragment(None);
                u
            })
    };
    let mut out = SiteLinks {
        title: first(&doc, &TITLE)
            .map(|t| collapse(&text_of(t)))
            .unwrap_or_default(),
        ..SiteLinks::default()
    };
    for link in select(&doc, &ALTERNATE) {
        let el = link.value();
        let rel = el.attr("rel").unwrap_or_default().to_ascii_lowercase();
        let media_type = el
            .attr("type")
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let is_feed = rel.split_ascii_whitespace().any(|r| r == "alternate")
            && FEED_TYPES.contains(&media_type.as_str());
        if let (true, Some(url)) = (is_feed, el.attr("href").and_then(&resolve))
            && !out.feeds.iter().any(|f| f.url == url)
        {
            let title = collapse(el.attr("title").unwrap_or_default());
            out.feeds.push(AnnouncedFeed {
                url,
                media_type,
                title,
            });
        }
    }
    for a in select(&doc, &ANCHOR) {
        let Some(url) = a.value().attr("href").and_then(&resolve) else {
            continue;
        };
        let mut text = collapse(&text_of(a));
        if text.is_empty() {
            text = collapse(
                a.value()
                    .attr("title")
                    .or_else(|| a.value().attr("aria-label"))
                    .unwrap_or_default(),
            );
        }
        let in_chrome = in_chrome(a);
        match out.links.iter_mut().find(|l| l.url == url) {
            Some(seen) => {
                seen.in_chrome |= in_chrome;
                if seen.text.is_empty() {
                    seen.text = text;
                }
            }
            None => out.links.push(PageLink {
                url,
                text,
                in_chrome,
            }),
        }
    }
    out.script_shell = is_script_shell(&doc);
    out
}

fn select<'a>(doc: &'a Html, sel: &'a LazyLock<Option<Selector>>) -> Vec<ElementRef<'a>> {
    match sel.as_ref() {
        Some(s) => doc.select(s).collect(),
        None => Vec::new(),
    }
}

fn first<'a>(doc: &'a Html, sel: &'a LazyLock<Option<Selector>>) -> Option<ElementRef<'a>> {
    sel.as_ref().and_then(|s| doc.select(s).next())
}

fn text_of(el: ElementRef<'_>) -> String {
    el.text().collect::<Vec<_>>().join(" ")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Class or id words that name the site's chrome.
const CHROME_WORDS: &[&str] = &[
    "nav",
    "navbar",
    "navigation",
    "menu",
    "main-menu",
    "header",
    "site-header",
    "masthead",
    "footer",
    "site-footer",
];

fn in_chrome(el: ElementRef<'_>) -> bool {
    el.ancestors().filter_map(ElementRef::wrap).any(|anc| {
        let v = anc.value();
        if matches!(v.name(), "nav" | "header" | "footer") {
            return true;
        }
        let words = format!(
            "{} {}",
            v.attr("class").unwrap_or_default(),
            v.attr("id").unwrap_or_default()
        )
        .to_ascii_lowercase();
        words
            .split(|c: char| c.is_whitespace() || c == '_')
            .any(|w| CHROME_WORDS.contains(&w))
    })
}

fn is_script_shell(doc: &Html) -> bool {
    let Some(body) = first(doc, &BODY) else {
        return false;
    };
    let scripts = select(doc, &SCRIPT);
    if scripts.is_empty() {
        return false;
    }
    // Visible text: the body's, minus what scripts and noscript notices hold.
    let script_text: usize = scripts
        .iter()
        .filter(|s| s.ancestors().any(|a| a.id() == body.id()))
        .map(|s| collapse(&text_of(*s)).chars().count())
        .sum();
    let body_text = collapse(&text_of(body)).chars().count();
    body_text.saturating_sub(script_text) < SHELL_TEXT_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(html: &str) -> SiteLinks {
        site_links(html, &Url::parse("https://www.example.com/en/").unwrap())
    }

    #[test]
    fn announced_feeds_resolve_against_base_href_and_keep_their_type() {
        let l = read(
            r#"<html><head><base href="https://cdn.example.com/site/">
            <link rel="alternate" type="application/rss+xml" title=" News  feed " href="feed/">
            <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
            <link rel="stylesheet" type="text/css" href="a.css">
            <link rel="Alternate Feed" type="application/feed+json" href="/feed.json"></head><body></body></html>"#,
        );
        let feeds: Vec<(&str, &str, &str)> = l
            .feeds
            .iter()
            .map(|f| (f.url.as_str(), f.media_type.as_str(), f.title.as_str()))
            .collect();
        assert_eq!(
            feeds,
            [
                (
                    "https://cdn.example.com/site/feed/",
                    "application/rss+xml",
                    "News feed"
                ),
                (
                    "https://cdn.example.com/feed.json",
                    "application/feed+json",
                    ""
                ),
            ]
        );
    }

    #[test]
    fn links_say_whether_they_sit_in_the_chrome_and_are_listed_once() {
        let l = read(
            r#"<html><body><div class="top-menu"><a href="/about">About</a></div>
            <main><a href="/media#top">Media</a><a href="mailto:x@example.com">Mail</a>
            <a href="/pr"><img alt=""></a><a href="/pr" title="Press releases"></a></main>
            <footer><a href="/media">Media centre</a></footer></body></html>"#,
        );
        let links: Vec<(&str, &str, bool)> = l
            .links
            .iter()
            .map(|k| (k.url.path(), k.text.as_str(), k.in_chrome))
            .collect();
        // `top-menu` is not a chrome word; the footer marks /media as chrome although it was
        // first seen in the body; an image link takes its twin's title; mailto is left out.
        assert_eq!(
            links,
            [
                ("/about", "About", false),
                ("/media", "Media", true),
                ("/pr", "Press releases", false)
            ]
        );
        assert!(!l.script_shell);
    }

    #[test]
    fn a_page_of_scripts_and_a_noscript_notice_is_a_shell() {
        let shell = read(
            r#"<html><body><noscript>You need to enable JavaScript to run this app.</noscript>
            <div id="root"></div><script>window.__STATE__={"a":"a long blob of state that is not text people read, repeated to pass two hundred characters of script content so that only the subtraction keeps it from counting as visible text on the page at all"}</script></body></html>"#,
        );
        assert!(shell.script_shell);
        let text = "Press releases and news of the company. ".repeat(8);
        let page = read(&format!(
            "<html><body><p>{text}</p><script>1</script></body></html>"
        ));
        assert!(!page.script_shell);
    }
}
