//! Throughput of the listing parser over the fixture suite. Ignored by default (timing belongs
//! in an optimised build): `cargo test --release -p vectora-parse --test html_perf -- --ignored --nocapture`.

#[path = "html/support.rs"]
mod html_support;

#[test]
#[ignore = "benchmark: run in release with --ignored"]
fn listing_throughput_over_the_fixture_suite() {
    let fixtures = html_support::load_all();
    let bytes: usize = fixtures.iter().map(|f| f.html.len()).sum();
    let rounds = 50;
    let start = std::time::Instant::now();
    let mut entries = 0;
    for _ in 0..rounds {
        for f in &fixtures {
            entries += html_support::run(f, "generic").entries.len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let pages = rounds * fixtures.len();
    println!(
        "{pages} pages, {:.1} MB in {secs:.3} s: {:.2} ms/page, {:.1} MB/s ({entries} entries)",
        (bytes * rounds) as f64 / 1e6,
        secs * 1e3 / pages as f64,
        (bytes * rounds) as f64 / 1e6 / secs
    );
    assert!(entries > 0);
}

/// The hostile pages of issue 15: 100,000 nested `<div>`s around a list, and 1 MB of unclosed
/// tags. Both must cost time proportional to their size (the nesting is bounded before tree
/// building); the figures are printed, not asserted.
#[test]
#[ignore = "benchmark: run in release with --ignored"]
fn hostile_nesting_costs_time_proportional_to_size() {
    let list = "<ul><li><a href='/a'>Company announces first result</a> <time>2026-01-15</time></li>\
                <li><a href='/b'>Company announces second result</a> <time>2026-01-10</time></li></ul>";
    let nested = format!(
        "{}{list}{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let unclosed = "<div><span><b><i><p><a href=\"/a\">text</a>".repeat(25_000);
    let url = url::Url::parse("https://example.com/news/").expect("url");
    for (name, html) in [
        ("100,000 nested divs", nested),
        ("1 MB of unclosed tags", unclosed),
    ] {
        let start = std::time::Instant::now();
        let parsed = vectora_parse::html::parse_listing(&html, &url, None).expect("parses");
        println!(
            "{name}: {:.1} KB in {:.3} s, {} entries",
            html.len() as f64 / 1e3,
            start.elapsed().as_secs_f64(),
            parsed.entries.len()
        );
    }
}
