//! Behaviour of `parse_listing` beyond the fixture suite: configured-selector errors, limits,
//! the defects of the old system, hostile input.

use chrono::NaiveDate;
use url::Url;
use vectora_parse::dates::ParseContext;
use vectora_parse::html::{ListingRules, SelectorList, parse_listing, parse_listing_with};
use vectora_parse::{DateSource, ParseError, Parsed};

fn ctx() -> ParseContext {
    ParseContext::new(NaiveDate::from_ymd_opt(2026, 2, 20).unwrap())
}

fn page() -> Url {
    Url::parse("https://example.com/news/").unwrap()
}

fn sel(s: &str) -> Option<SelectorList> {
    Some(SelectorList::parse(s).unwrap())
}

fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, day)
}

/// `html` read as a listing of the example page by the generic extraction.
fn listing(html: &str) -> Parsed {
    parse_listing_with(html, &page(), None, &ctx()).unwrap()
}

/// `html` read as a listing of the example page with `rules`.
fn listing_by(html: &str, rules: &ListingRules) -> Result<Parsed, ParseError> {
    parse_listing_with(html, &page(), Some(rules), &ctx())
}

/// A plain list of `n` dated releases.
fn list_page(n: usize) -> String {
    let mut s = String::from(
        "<html><body><nav><a href='/about'>About</a><a href='/news/'>News</a></nav><ul class='releases'>",
    );
    for i in 0..n {
        let day = i % 28 + 1;
        s.push_str(&format!(
            "<li><span class='date'>January {day}, 2026</span> <a href='/news/release-{i}'>Company announces milestone number {i} in its program</a></li>"
        ));
    }
    s.push_str("</ul></body></html>");
    s
}

/// One `#[test]` per configured selector that matches nothing on `list_page(3)`: the error names
/// the field and the selector as configured.
macro_rules! selector_matches_nothing {
    ($($name:ident { $($field:ident: $value:expr),* } => $named:literal, $selector:literal;)*) => {$(
        #[test]
        fn $name() {
            let rules = ListingRules { $($field: $value,)* ..Default::default() };
            let err = listing_by(&list_page(3), &rules).unwrap_err();
            let expected = ParseError::SelectorMatchedNothing {
                field: $named,
                selector: $selector.into(),
            };
            assert_eq!(err, expected, "{}", stringify!($name));
        }
    )*};
}

selector_matches_nothing! {
    a_container_that_matches_nothing_is_an_error {
        container: sel("div.press-releases, div.news-list"), item: sel("li")
    } => "container", "div.press-releases, div.news-list";
    an_item_that_matches_nothing_is_an_error {
        item: sel("div.news-item")
    } => "item", "div.news-item";
    a_title_that_matches_nothing_is_an_error {
        item: sel("li"), title: sel("h3 a")
    } => "title", "h3 a";
    a_date_that_matches_nothing_is_an_error {
        item: sel("li"), date: sel("time")
    } => "date", "time";
}

#[test]
fn allow_empty_turns_the_error_into_a_warning() {
    let rules = ListingRules {
        container: sel("div.gone"),
        item: sel("li"),
        allow_empty: true,
        ..Default::default()
    };
    let parsed = listing_by(&list_page(3), &rules).unwrap();
    assert!(parsed.entries.is_empty());
    assert_eq!(parsed.warnings.len(), 1);
    let warnings = &parsed.warnings;
    assert!(warnings[0].contains("div.gone"), "{warnings:?}");
}

#[test]
fn a_missing_teaser_is_a_warning_not_a_failure() {
    let rules = ListingRules {
        item: sel("li"),
        description: sel("p.summary"),
        ..Default::default()
    };
    let parsed = listing_by(&list_page(3), &rules).unwrap();
    assert_eq!(parsed.entries.len(), 3);
    let warnings = &parsed.warnings;
    let found = warnings.iter().any(|w| w.contains("p.summary"));
    assert!(found, "{warnings:?}");
}

#[test]
fn max_items_caps_and_zero_means_twenty() {
    let html = list_page(30);
    let capped = |max_items, item| ListingRules {
        item,
        max_items,
        ..Default::default()
    };
    let cases = [
        ("cap 5", Some(capped(5, sel("ul.releases li"))), 5),
        ("cap 0 means 20", Some(capped(0, sel("ul.releases li"))), 20),
        // Generic extraction with rules (no selectors) honours the cap too; without rules, all.
        ("generic, cap 7", Some(capped(7, None)), 7),
        ("generic, no rules", None, 30),
    ];
    for (name, rules, expected) in cases {
        let parsed = parse_listing_with(&html, &page(), rules.as_ref(), &ctx()).unwrap();
        assert_eq!(parsed.entries.len(), expected, "{name}");
    }
}

#[test]
fn configured_loose_selectors_give_one_item_per_release() {
    // The old system's defect: an outer wrapper matched by a loose item selector glued every
    // release into one item. Wrappers and header rows must not become items.
    let html = r#"<html><body><main><div class="news-wrapper">
      <div class="news-item"><h3><a href="/n/1">First release of the quarter</a></h3><span class="date">January 5, 2026</span></div>
      <div class="news-item"><h3><a href="/n/2">Second release of the quarter</a></h3><span class="date">January 9, 2026</span>
        <a href="/files/n2.pdf">Download attachment</a></div>
    </div></main></body></html>"#;
    let rules = ListingRules {
        container: sel("main"),
        item: sel("div[class*='news']"),
        title: sel("h3 a, a"),
        url: sel("h3 a, a"),
        date: sel(".date"),
        date_formats: vec!["%B %d, %Y".into()],
        ..Default::default()
    };
    let parsed = listing_by(html, &rules).unwrap();
    let got: Vec<(&str, &str, Option<NaiveDate>)> = parsed
        .entries
        .iter()
        .map(|e| (e.title.as_str(), e.url.as_str(), e.published))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "First release of the quarter",
                "https://example.com/n/1",
                d(2026, 1, 5)
            ),
            (
                "Second release of the quarter",
                "https://example.com/n/2",
                d(2026, 1, 9)
            ),
        ]
    );
}

#[test]
fn attachments_and_read_more_never_become_releases() {
    let html = r#"<html><body><div class="list">
      <div class="item"><div class="d">10 December, 2025</div><div class="t">Company and partner enter into license agreement</div>
        <p>The agreement covers up to five compounds and milestone payments.</p><a href="/mfn/license">READ MORE</a></div>
      <div class="item"><div class="d">6 November, 2025</div><div class="t">Company publishes interim report for January-September</div>
        <a href="/mfn/interim">READ MORE</a><a href="https://storage.example/interim.pdf">Download attachment</a></div>
    </div></body></html>"#;
    let parsed = listing(html);
    let titles: Vec<&str> = parsed.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Company and partner enter into license agreement",
            "Company publishes interim report for January-September"
        ]
    );
    assert_eq!(
        parsed.entries[0].content,
        "The agreement covers up to five compounds and milestone payments."
    );
    assert_eq!(parsed.entries[1].url, "https://example.com/mfn/interim");
    assert!(
        parsed
            .entries
            .iter()
            .all(|e| e.date_source == Some(DateSource::Listing))
    );
}

#[test]
fn dates_in_the_future_or_before_1995_are_not_dates() {
    let html = r#"<ul>
      <li><span>March 3, 2026</span> <a href="/a">A release dated after the reference day</a></li>
      <li><span>June 1, 1990</span> <a href="/b">A release dated long before the web</a></li>
      <li><span>February 21, 2026</span> <a href="/c">A release dated one day ahead</a></li>
    </ul>"#;
    let parsed = listing(html);
    let dates: Vec<Option<NaiveDate>> = parsed.entries.iter().map(|e| e.published).collect();
    assert_eq!(dates, vec![None, None, d(2026, 2, 21)]);
    assert_eq!(parsed.entries[0].date_source, None);
}

#[test]
fn day_month_order_is_decided_by_the_page() {
    let make = |dates: [&str; 3]| {
        format!(
            "<ul>{}</ul>",
            dates
                .iter()
                .enumerate()
                .map(|(i, dt)| format!("<li><span>{dt}</span> <a href='/r{i}'>Release number {i} of this company</a></li>"))
                .collect::<String>()
        )
    };
    let cases = [
        // 25/01 proves day-first: 03/02 is 3 February.
        ("day first", ["03/02/2026", "25/01/2026", "04/01/2026"]),
        // 12/25 proves month-first: 02/03 is 3 February.
        ("month first", ["02/03/2026", "12/25/2025", "01/04/2026"]),
    ];
    for (name, dates) in cases {
        let parsed = listing(&make(dates));
        assert_eq!(parsed.entries[0].published, d(2026, 2, 3), "{name}");
        assert_eq!(parsed.entries[2].published, d(2026, 1, 4), "{name}");
    }
}

#[test]
fn urls_resolve_against_base_and_survive_stray_whitespace() {
    let html = "<html><head><base href='https://cdn.example.org/press/'></head><body><ul>\
        <li><a href='\n  2026/one.html  '>First release title of the list</a></li>\
        <li><a href='/abs/two.html'>Second release title of the list</a></li></ul></body></html>";
    let parsed = listing(html);
    let urls: Vec<&str> = parsed.entries.iter().map(|e| e.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://cdn.example.org/press/2026/one.html",
            "https://cdn.example.org/abs/two.html"
        ]
    );
}

#[test]
fn titles_lose_soft_hyphens_and_zero_width_characters() {
    let html = "<ul><li><a href='/a'>Long\u{00AD}acting in\u{200B}jectable  approved\n today</a></li>\
        <li><a href='/b'>Another release with a plain title</a></li></ul>";
    let parsed = listing(html);
    assert_eq!(
        parsed.entries[0].title,
        "Longacting injectable approved today"
    );
}

fn nested(depth: usize) -> String {
    let mut html = "<div>".repeat(depth);
    html.push_str(&list_page(3));
    html.push_str(&"</div>".repeat(depth));
    html
}

#[test]
fn deeply_nested_html_does_not_overflow_the_stack() {
    // 100,000 levels: every walk over the tree is iterative, and the nesting is bounded before
    // html5ever builds the tree (its tree building is quadratic in depth): the list inside is
    // kept whole.
    let parsed = listing(&nested(100_000));
    assert_eq!(parsed.entries.len(), 3);
    // The configured path and the article reader walk the same flat view.
    let html = nested(2_000);
    let rules = ListingRules {
        item: sel("li"),
        ..Default::default()
    };
    assert_eq!(listing_by(&html, &rules).unwrap().entries.len(), 3);
    let article = format!(
        "{}<h1>Deep article</h1><p>A paragraph long enough to be the main text of the page.</p>{}",
        "<div>".repeat(2_000),
        "</div>".repeat(2_000)
    );
    let entry = vectora_parse::html::parse_article_with(&article, &page(), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(entry.title, "Deep article");
    assert_eq!(
        entry.content,
        "A paragraph long enough to be the main text of the page."
    );
}

#[test]
fn garbage_and_empty_input_give_no_entries_and_no_panic() {
    for html in [
        "",
        "<",
        "<<<>>>",
        "\u{0}\u{1}binary",
        "<a href=>",
        "<ul><li><a href='javascript:void(0)'>x</a></li></ul>",
    ] {
        let parsed = listing(html);
        assert!(parsed.entries.is_empty(), "{html:?}");
    }
}

#[test]
fn the_clock_entry_point_agrees_with_the_explicit_one_on_past_dates() {
    let html = list_page(4);
    let a = parse_listing(&html, &page(), None).unwrap();
    let b = listing(&html);
    assert_eq!(a, b);
}

#[test]
fn large_listing_is_parsed_whole() {
    let html = list_page(3000);
    assert!(html.len() > 300_000);
    let start = std::time::Instant::now();
    let parsed = listing(&html);
    assert_eq!(parsed.entries.len(), 3000);
    println!(
        "3000-entry listing ({} bytes) in {:?}",
        html.len(),
        start.elapsed()
    );
}

/// Avada (WordPress) marks the whole blog container with `fusion-blog-pagination`: a listing
/// that has pagination, not the pager itself. Its entries must not be taken for boilerplate.
#[test]
fn a_listing_container_named_after_its_pagination_is_not_boilerplate() {
    let mut html = String::from(
        "<html><body><main><div class='fusion-blog-shortcode fusion-blog-archive fusion-blog-pagination'>\
         <div class='fusion-posts-container fusion-posts-container-pagination'>",
    );
    for i in 1..=4 {
        html.push_str(&format!(
            "<div class='fusion-post-medium post'><h2 class='entry-title'><a href='/release-{i}/'>Release number {i} of the company</a></h2>\
             <p class='fusion-single-line-meta'><span>December {i}th, 2025</span></p><p>Teaser {i}.</p>\
             <a class='fusion-read-more' href='/release-{i}/'>Read More</a></div>"
        ));
    }
    html.push_str("</div><div class='pagination'><a href='/news/page/2/'>2</a><a href='/news/page/2/'>Next</a></div></div></main></body></html>");
    let parsed = listing(&html);
    let titles: Vec<&str> = parsed.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles.len(), 4, "{titles:?}");
    assert_eq!(parsed.entries[0].url, "https://example.com/release-1/");
    assert_eq!(parsed.entries[0].published, d(2025, 12, 1));
    assert!(parsed.entries.iter().all(|e| !e.url.contains("/page/")));
}

/// A 1 MB title is bounded (500 characters and `…`), as feed titles are.
#[test]
fn a_huge_title_is_bounded() {
    let huge = "Release ".repeat(130_000);
    let mut html = String::from("<html><body><main><ul class='news'>");
    for i in 0..3 {
        let title = if i == 0 {
            huge.clone()
        } else {
            format!("Ordinary release number {i}")
        };
        html.push_str(&format!(
            "<li><h3><a href='/news/{i}/'>{title}</a></h3><span class='date'>2026-01-1{i}</span></li>"
        ));
    }
    html.push_str("</ul></main></body></html>");
    let parsed = listing(&html);
    assert_eq!(parsed.entries.len(), 3);
    let first = &parsed.entries[0];
    assert!(
        first.title.chars().count() <= 501,
        "{} chars",
        first.title.chars().count()
    );
    assert!(first.title.ends_with('…'));
    assert_eq!(parsed.entries[1].title, "Ordinary release number 1");
}

#[test]
fn a_cut_title_is_completed_from_the_link_title_attribute() {
    let html = "<ul>\
        <li><a href='/a' title='Company reports positive Phase 3 results for its monthly depot'>\
            Company reports positive Phase 3 res\u{2026}</a> <span class='date'>2026-02-10</span></li>\
        <li><a href='/b' title='Archive'>Company appoints a new Chief Medical Officer...</a> \
            <span class='date'>2026-02-01</span></li></ul>";
    let parsed = listing(html);
    assert_eq!(
        parsed.entries[0].title,
        "Company reports positive Phase 3 results for its monthly depot"
    );
    // A title attribute that is not the same headline leaves the visible text alone.
    assert_eq!(
        parsed.entries[1].title,
        "Company appoints a new Chief Medical Officer..."
    );
}
