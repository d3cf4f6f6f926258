//! HTML listing extraction (generic and configured) and article reading on arbitrary bytes:
//! never panics, never loops.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use url::Url;
use vectora_parse::dates::ParseContext;
use vectora_parse::html::{ListingRules, SelectorList};

static PAGE_URL: LazyLock<Option<Url>> =
    LazyLock::new(|| Url::parse("https://www.example.com/en/news/").ok());

/// Rules shaped like the configured LAI extractors (container, item, fields, formats).
static RULES: LazyLock<Option<ListingRules>> = LazyLock::new(|| {
    let sel = |s: &str| SelectorList::parse(s).ok();
    Some(ListingRules {
        container: sel("div.news-list, main, ul.press"),
        item: sel("article, li, div.item"),
        title: sel("h2 a, h3, .title"),
        url: sel("a[href]"),
        date: sel("time, .date, span.published"),
        description: sel("p, .teaser"),
        date_formats: vec!["%d %B %Y".into(), "%Y-%m-%d".into(), "%d.%m.%Y".into()],
        base_url: None,
        max_items: 20,
        allow_empty: false,
    })
});

fuzz_target!(|data: &[u8]| {
    let (Some(page), Some(rules)) = (PAGE_URL.as_ref(), RULES.as_ref()) else {
        return;
    };
    let (text, _, _) = vectora_parse::encoding::decode(data, None);
    let ctx = ParseContext::new(NaiveDate::from_ymd_opt(2025, 12, 15).unwrap_or_default());
    if let Ok(parsed) = vectora_parse::html::parse_listing_with(&text, page, None, &ctx) {
        for e in &parsed.entries {
            assert!(
                e.published.is_none_or(|d| ctx.is_plausible(d)),
                "implausible date kept: {:?}",
                e.published
            );
        }
    }
    if let Ok(parsed) = vectora_parse::html::parse_listing_with(&text, page, Some(rules), &ctx) {
        assert!(
            parsed.entries.len() <= rules.max_items,
            "max_items not honoured"
        );
    }
    let _ = vectora_parse::html::parse_article_with(&text, page, &ctx);
    let _ = vectora_parse::html::article_main_text(&text);
});
