//! The article reader: the date fallback for listings without dates and `parse` on one page.

use chrono::NaiveDate;
use url::Url;
use vectora_parse::DateSource;
use vectora_parse::dates::ParseContext;
use vectora_parse::html::{article_main_text, parse_article_with};

fn ctx() -> ParseContext {
    ParseContext::new(NaiveDate::from_ymd_opt(2026, 2, 20).unwrap())
}

fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, day)
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

const CHROME: &str = r#"<header class="site-header"><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>"#;
const FOOTER: &str = r#"<footer class="site-footer"><p>© 2026 Example Pharma. All rights reserved. Registered office in Lund, Sweden.</p></footer>"#;

fn page(head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head>{head}</head><body>{CHROME}<main>{body}</main>{FOOTER}</body></html>"
    )
}

const BODY: &str = "<h1>Example Pharma receives approval for monthly depot</h1>\
    <p>LUND — Example Pharma today announced that the regulator approved its monthly depot formulation.</p>\
    <p>The approval is based on two Phase 3 studies that enrolled more than 900 patients.</p>";

#[test]
fn published_time_meta_wins() {
    let html = page(
        r#"<meta property="article:published_time" content="2026-01-15T08:00:00+01:00"><meta property="article:modified_time" content="2026-02-01T10:00:00+01:00">"#,
        BODY,
    );
    let e = parse_article_with(&html, &url("https://example.com/news/approval"), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(
        e.title,
        "Example Pharma receives approval for monthly depot"
    );
    assert_eq!(e.url, "https://example.com/news/approval");
    assert_eq!(
        (e.published, e.date_source),
        (d(2026, 1, 15), Some(DateSource::Article))
    );
    assert_eq!(
        e.content,
        "LUND — Example Pharma today announced that the regulator approved its monthly depot formulation.\n\n\
         The approval is based on two Phase 3 studies that enrolled more than 900 patients."
    );
}

#[test]
fn json_ld_date_published_is_found_inside_a_graph() {
    let html = page(
        r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage","name":"x"},{"@type":"NewsArticle","headline":"h","datePublished":"2025-12-09T07:30:00Z","dateModified":"2026-01-02T00:00:00Z"}]}</script>"#,
        BODY,
    );
    let e = parse_article_with(&html, &url("https://example.com/a"), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(e.published, d(2025, 12, 9));
}

#[test]
fn time_element_then_text_near_the_title() {
    let with_time = page(
        "",
        &format!("{BODY}<p class=\"meta\"><time datetime=\"2025-11-24\">24 Nov 2025</time></p>"),
    );
    let e = parse_article_with(&with_time, &url("https://example.com/a"), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(e.published, d(2025, 11, 24));

    let in_text = page(
        "",
        "<h1>Résultats annuels 2025</h1><p>Publié le 12 février 2026 à 18h00</p><p>Le chiffre d’affaires progresse de 18 % sur l’exercice.</p>",
    );
    let e = parse_article_with(&in_text, &url("https://example.com/fr/resultats"), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.published, e.date_source),
        (d(2026, 2, 12), Some(DateSource::Article))
    );
}

#[test]
fn implausible_meta_dates_fall_through_to_the_next_source() {
    let html = page(
        r#"<meta name="date" content="2031-01-01">"#,
        &format!("{BODY}<time datetime=\"2026-01-07\">7 January 2026</time>"),
    );
    let e = parse_article_with(&html, &url("https://example.com/a"), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(e.published, d(2026, 1, 7));
}

#[test]
fn url_date_is_the_last_resort_and_says_so() {
    let html = page("", BODY);
    let e = parse_article_with(
        &html,
        &url("https://example.com/2025/10/10/approval/"),
        &ctx(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        (e.published, e.date_source),
        (d(2025, 10, 10), Some(DateSource::Url))
    );
    let e = parse_article_with(&html, &url("https://example.com/news/approval/"), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.published, e.date_source),
        (None, None),
        "no date is invented"
    );
}

#[test]
fn title_falls_back_to_og_title_then_document_title() {
    let html = "<html><head><meta property=\"og:title\" content=\"OG title of the release\"><title>Doc title | Example</title></head><body><p>No heading here at all, only a paragraph of text.</p></body></html>";
    let e = parse_article_with(html, &url("https://example.com/a"), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(e.title, "OG title of the release");
    let html = "<html><head><title>Doc title of the release | Example</title></head><body><p>Body.</p></body></html>";
    let e = parse_article_with(html, &url("https://example.com/a"), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(e.title, "Doc title of the release");
    assert!(
        parse_article_with(
            "<html><body><p>x</p></body></html>",
            &url("https://example.com/a"),
            &ctx()
        )
        .unwrap()
        .is_none()
    );
}

#[test]
fn main_text_skips_navigation_and_footer() {
    let html = page("", BODY);
    let text = article_main_text(&html).unwrap();
    assert!(text.starts_with("LUND — Example Pharma"), "{text}");
    assert!(!text.contains("All rights reserved"), "{text}");
    assert_eq!(
        article_main_text(
            "<html><body><nav><p>Menu entry that is long enough</p></nav></body></html>"
        ),
        None
    );
}

#[test]
fn visible_word_dates_in_european_languages_are_the_publication_date() {
    // The only date of the article is the visible one under the headline; a sidebar teaser
    // dated 2018 and a "last modified" line must not win over it.
    let cases = [
        ("de", "Dienstag, 29. Januar 2019", d(2019, 1, 29)),
        ("de", "Veröffentlicht am 3. Juli 2018", d(2018, 7, 3)),
        ("fr", "Publié le 9 juin 2019", d(2019, 6, 9)),
        ("es", "Madrid, 12 de marzo de 2019", d(2019, 3, 12)),
        ("it", "Milano, 5 febbraio 2019", d(2019, 2, 5)),
        ("sv", "Stockholm den 14 maj 2019", d(2019, 5, 14)),
        ("nl", "Leiden, 21 oktober 2019", d(2019, 10, 21)),
    ];
    for (lang, line, want) in cases {
        let html = format!(
            "<!doctype html><html lang=\"{lang}\"><head><title>Release</title></head><body>{CHROME}\
             <main><article><h1>Studienergebnisse für das Depot LB-207 vorgestellt</h1>\
             <p class=\"dateline\">{line}</p>\
             <p>Die Ergebnisse der Phase-2-Studie zeigen eine stabile Wirkstofffreisetzung über \
             vier Wochen bei allen Patientinnen und Patienten der Studie.</p>\
             <p class=\"modified\">Zuletzt geändert: 4. Februar 2019</p></article>\
             <aside class=\"related\"><h2>Weitere Meldungen</h2><p><a href=\"/a\">Jahresbericht</a> \
             12.11.2018</p></aside></main>{FOOTER}</body></html>"
        );
        let entry = parse_article_with(&html, &url("https://example.de/presse/lb-207"), &ctx())
            .unwrap()
            .unwrap();
        assert_eq!(entry.published, want, "{lang}: {line}");
    }
}

#[test]
fn the_only_date_of_the_text_is_the_last_resort_and_two_dates_are_none() {
    let body = |tail: &str| {
        page(
            "<title>CHP closely monitors cluster of pneumonia cases</title>",
            &format!(
                "<h1>CHP closely monitors cluster of pneumonia cases on Mainland</h1>\
                 <p>The Centre for Health Protection is today closely monitoring a cluster of \
                 pneumonia cases and will maintain close liaison with the health authorities.</p>\
                 <p>{}</p><p>{tail}</p>",
                "Members of the public should maintain good personal and environmental hygiene. "
                    .repeat(8)
            ),
        )
    };
    let read = |html: &str| {
        parse_article_with(
            html,
            &url("https://www.info.example/gia/general/P01.htm"),
            &ctx(),
        )
        .unwrap()
        .unwrap()
    };
    let one = read(&body("Ends/Tuesday, December 31, 2019 Issued at HKT 19:06"));
    assert_eq!(one.published, d(2019, 12, 31));
    assert_eq!(one.date_source, Some(DateSource::Article));
    let two = read(&body(
        "Ends/Tuesday, December 31, 2019. Updated on January 3, 2020.",
    ));
    assert_eq!(
        two.published, None,
        "two dates in the text: neither is the publication date"
    );
}
