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
