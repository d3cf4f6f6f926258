//! What the feed parser promises beyond titles, links and dates: malformed-feed reporting,
//! content/author/tags, encodings, format detection and refusal of non-feeds.

use chrono::NaiveDate;
use std::path::Path;
use url::Url;
use vectora_parse::dates::ParseContext;
use vectora_parse::feed::{detect_format, parse_feed, parse_feed_with};
use vectora_parse::{DateSource, DocFormat, ParseError, Parsed};

fn corpus(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/feeds")
            .join(rel),
    )
    .unwrap()
}

fn feed_url() -> Url {
    Url::parse("https://www.tradepress.example/rss/biotech.xml").unwrap()
}

fn parse(rel: &str) -> Parsed {
    parse_feed(&corpus(rel), None, &feed_url()).unwrap()
}

fn day(s: &str) -> Option<NaiveDate> {
    Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

#[test]
fn trade_press_entry_has_clean_text_author_tags_and_publisher_day() {
    let p = parse("edge/trade_press_titles.rss");
    assert!(!p.malformed, "{:?}", p.warnings);
    let e = &p.entries[0];
    assert_eq!(e.title, "MedinCell and Teva report olanzapine LAI data");
    assert_eq!(
        e.url,
        "https://www.tradepress.example/biotech/medincell-teva-olanzapine-lai"
    );
    assert_eq!(e.published, day("2025-12-10"));
    assert_eq!(e.date_source, Some(DateSource::Feed));
    assert_eq!(
        e.content,
        "The long-acting injectable met its primary endpoint."
    );
    assert_eq!(e.author.as_deref(), Some("Jane Doe"));
    assert_eq!(e.tags, ["Drug Delivery", "Psychiatry"]);
    // Relative link resolved against the feed URL; non-permalink guid not used.
    assert_eq!(
        p.entries[1].url,
        "https://www.tradepress.example/biotech/camurus-raises-200m"
    );
    assert_eq!(
        p.entries[1].title,
        "Camurus raises $200M \u{2014} shares up 5%"
    );
    assert_eq!(p.entries[1].published, day("2025-12-09"));
}

#[test]
fn broken_feeds_are_recovered_and_flagged() {
    for (rel, entries) in [
        ("edge/broken_entities.rss", 2),
        ("edge/junk_before_declaration.rss", 2),
        ("edge/truncated.rss", 3),
        ("edge/unclosed_tags.rss", 2),
        ("edge/latin1_declared_utf8.rss", 2),
        ("edge/billion_laughs.rss", 2),
    ] {
        let p = parse(rel);
        assert!(p.malformed, "{rel} should be flagged malformed");
        assert!(!p.warnings.is_empty(), "{rel} should explain why");
        assert_eq!(p.entries.len(), entries, "{rel}: {:?}", p.entries);
    }
    let truncated = parse("edge/truncated.rss");
    assert_eq!(
        truncated.entries[2].title,
        "Third item, cut in its description"
    );
    assert_eq!(truncated.entries[2].published, day("2025-12-01"));
    assert!(
        truncated.warnings[0].contains("truncated"),
        "{:?}",
        truncated.warnings
    );
}

#[test]
fn well_formed_feeds_are_not_flagged() {
    for rel in [
        "edge/atom_nested_xml_base.atom",
        "edge/rdf_dc_date.rdf",
        "edge/windows1251.rss",
        "edge/gb18030.rss",
    ] {
        let p = parse(rel);
        assert!(!p.malformed, "{rel}: {:?}", p.warnings);
    }
}

#[test]
fn entity_expansion_is_bounded() {
    let p = parse("edge/billion_laughs.rss");
    assert_eq!(p.entries[0].title, "&lol9;");
    assert_eq!(
        p.entries[1].title, "Secret: &xxe;",
        "external entities are never fetched"
    );
}

#[test]
fn encodings_from_prolog_bom_and_http() {
    assert_eq!(
        parse("edge/windows1251.rss").entries[0].title,
        "Регистрация препарата продлённого действия"
    );
    assert_eq!(
        parse("edge/gb18030.rss").entries[0].title,
        "长效注射剂获批上市"
    );
    assert_eq!(
        parse("edge/utf16le_bom.atom").entries[0].title,
        "Grüße aus Zürich"
    );
    assert_eq!(
        parse("edge/latin1_declared_utf8.rss").entries[1].title,
        "Café crème « test »"
    );
    assert_eq!(
        parse("edge/windows1252_smart_quotes.rss").entries[0].title,
        "\u{201C}Smart\u{201D} quotes \u{2013} and the \u{20AC} sign\u{2026}"
    );
    // The HTTP charset overrides the prolog when they disagree on a non-UTF-8 document.
    let body = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss><channel><item><title>Новости</title></item></channel></rss>";
    let (bytes, _, _) = encoding_rs::KOI8_R.encode(body);
    let p = parse_feed(
        &bytes,
        Some("application/rss+xml; charset=KOI8-R"),
        &feed_url(),
    )
    .unwrap();
    assert_eq!(p.entries[0].title, "Новости");
}

#[test]
fn xml_base_and_atom_text_types() {
    let p = parse("edge/atom_nested_xml_base.atom");
    assert_eq!(
        p.entries[0].url,
        "https://www.pharma.example/news/2025/11/phase-3-readout.html"
    );
    assert_eq!(p.entries[0].title, "Relative to the entry base");
    assert_eq!(
        p.entries[0].published,
        day("2025-11-30"),
        "published wins over updated"
    );
    assert_eq!(p.entries[1].url, "https://ir.pharma.example/en/press/q3");
    assert_eq!(p.entries[1].title, "XHTML title & more");
    assert_eq!(
        p.entries[2].url,
        "https://www.pharma.example/news/2025/id-only"
    );
}

#[test]
fn json_feed_items() {
    let p = parse("edge/jsonfeed_1_1.json");
    assert_eq!(p.entries.len(), 3);
    assert_eq!(p.entries[0].content, "Hello world");
    assert_eq!(p.entries[0].author.as_deref(), Some("Ann Author"));
    assert_eq!(p.entries[0].tags, ["a", "b"]);
    assert_eq!(
        p.entries[2].published, None,
        "unparseable dates are absent, never today"
    );
    assert_eq!(p.entries[2].date_source, None);
    let broken = parse_feed(
        b"{\"version\": \"https://jsonfeed.org/version/1\", \"items\": [",
        None,
        &feed_url(),
    );
    assert!(matches!(broken, Err(ParseError::Malformed(_))));
}

#[test]
fn non_feeds_are_refused_not_guessed() {
    let url = feed_url();
    let html = b"<!DOCTYPE html><html><head><title>News</title></head><body><a href='/x'>x</a></body></html>";
    assert!(matches!(
        parse_feed(html, Some("text/html"), &url),
        Err(ParseError::NotAFeed(_))
    ));
    assert!(matches!(
        parse_feed(b"", None, &url),
        Err(ParseError::NotAFeed(_))
    ));
    assert!(matches!(
        parse_feed(b"just text", None, &url),
        Err(ParseError::NotAFeed(_))
    ));
    assert!(matches!(
        parse_feed(b"<root><a/></root>", None, &url),
        Err(ParseError::NotAFeed(_))
    ));
}

#[test]
fn format_detection_uses_content_not_names() {
    assert_eq!(
        detect_format(&corpus("edge/rdf_dc_date.rdf")),
        Some(DocFormat::Rss)
    );
    assert_eq!(
        detect_format(&corpus("edge/utf16le_bom.atom")),
        Some(DocFormat::Atom)
    );
    assert_eq!(
        detect_format(&corpus("edge/jsonfeed_1_1.json")),
        Some(DocFormat::JsonFeed)
    );
    assert_eq!(
        detect_format(&corpus("edge/junk_before_declaration.rss")),
        Some(DocFormat::Rss)
    );
    assert_eq!(
        detect_format(&corpus("feed-rs/atom_atom_entry_1.xml")),
        Some(DocFormat::Atom)
    );
    assert_eq!(
        detect_format(&corpus("feed-rs/rss1_rss_1.0_debian.xml")),
        Some(DocFormat::Rss)
    );
}

#[test]
fn json_feed_titles_are_plain_text() {
    let doc = br#"{"version": "https://jsonfeed.org/version/1.1", "title": "Blog",
        "items": [{"id": "1", "url": "https://blog.example/1",
                   "title": "Die R\u00fcckkehr von <i> und <b>  &amp; mehr",
                   "date_published": "2024-05-02T10:00:00+02:00"}]}"#;
    let parsed = parse_feed(doc, None, &feed_url()).unwrap();
    assert_eq!(
        parsed.entries[0].title,
        "Die Rückkehr von <i> und <b> &amp; mehr"
    );
}

#[test]
fn rss_items_nested_inside_another_item_are_all_read() {
    // Some generators leave an item open and start the next one inside it.
    let doc = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
        <item><title>First release</title><link>https://news.example/1</link>
          <pubDate>Tue, 03 Mar 2026 09:00:00 GMT</pubDate>
          <item><title>Second release</title><link>https://news.example/2</link>
            <pubDate>Mon, 02 Mar 2026 09:00:00 GMT</pubDate>
            <item><title>Third release</title><link>https://news.example/3</link>
              <pubDate>Sun, 01 Mar 2026 09:00:00 GMT</pubDate></item>
          </item>
        </item>
        <item><title>Fourth release</title><link>https://news.example/4</link></item>
        </channel></rss>"#;
    let parsed = parse_feed(doc, None, &feed_url()).unwrap();
    let got: Vec<(&str, &str, Option<NaiveDate>)> = parsed
        .entries
        .iter()
        .map(|e| (e.title.as_str(), e.url.as_str(), e.published))
        .collect();
    assert_eq!(
        got,
        [
            ("First release", "https://news.example/1", day("2026-03-03")),
            (
                "Second release",
                "https://news.example/2",
                day("2026-03-02")
            ),
            ("Third release", "https://news.example/3", day("2026-03-01")),
            ("Fourth release", "https://news.example/4", None),
        ]
    );
}

/// Feed dates follow the same plausibility rule as HTML pages: the day before 1995 or after
/// tomorrow is a placeholder or an announcement, so the entry is left undated and the feed says so.
#[test]
fn implausible_feed_dates_leave_the_entry_undated() {
    let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Placeholder</title><link>https://x.example/a</link><pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate></item>
<item><title>Tomorrow</title><link>https://x.example/b</link><pubDate>Fri, 16 Jan 2026 09:00:00 +0100</pubDate></item>
<item><title>Announced ahead</title><link>https://x.example/c</link><pubDate>Mon, 02 Mar 2026 09:00:00 GMT</pubDate></item>
<item><title>Ordinary</title><link>https://x.example/d</link><pubDate>Wed, 14 Jan 2026 09:00:00 GMT</pubDate></item>
</channel></rss>"#;
    let ctx = ParseContext::new(NaiveDate::from_ymd_opt(2026, 1, 15).expect("a day"));
    let parsed = parse_feed_with(rss, None, &feed_url(), &ctx).expect("an RSS feed");
    let dates: Vec<(&str, Option<NaiveDate>)> = parsed
        .entries
        .iter()
        .map(|e| (e.title.as_str(), e.published))
        .collect();
    assert_eq!(
        dates,
        [
            ("Placeholder", None),
            ("Tomorrow", day("2026-01-16")),
            ("Announced ahead", None),
            ("Ordinary", day("2026-01-14")),
        ]
    );
    assert!(parsed.entries[0].date_source.is_none());
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.starts_with("2 entries have a date before 1995 or in the future")),
        "{:?}",
        parsed.warnings
    );
}
