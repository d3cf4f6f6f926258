//! Feed parsing (RSS 0.9x/1.0/2.0, Atom, JSON Feed) on arbitrary bytes: never panics, never
//! loops, and whatever it returns is usable (absolute links, one-line titles).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use url::Url;

/// Content types a server may send; which one is used depends on the input length, so that
/// seed files (real feeds) need no prefix.
const CONTENT_TYPES: [Option<&str>; 6] = [
    None,
    Some("application/rss+xml; charset=utf-8"),
    Some("text/xml; charset=windows-1252"),
    Some("application/xml; charset=utf-16le"),
    Some("application/atom+xml; charset=no-such-charset"),
    Some("application/feed+json"),
];

static FEED_URL: LazyLock<Option<Url>> =
    LazyLock::new(|| Url::parse("https://news.example.com/feed/rss.xml").ok());

fuzz_target!(|data: &[u8]| {
    let Some(feed_url) = FEED_URL.as_ref() else {
        return;
    };
    let content_type = CONTENT_TYPES[data.len() % CONTENT_TYPES.len()];
    let _ = vectora_parse::feed::detect_format(data);
    let Ok(parsed) = vectora_parse::feed::parse_feed(data, content_type, feed_url) else {
        return;
    };
    for entry in &parsed.entries {
        assert!(
            entry.url.is_empty() || Url::parse(&entry.url).is_ok(),
            "entry link is neither empty nor absolute: {:?}",
            entry.url
        );
        assert_eq!(entry.title, entry.title.trim(), "title not trimmed");
        assert!(
            !entry.title.contains('\n'),
            "title spans lines: {:?}",
            entry.title
        );
    }
});
