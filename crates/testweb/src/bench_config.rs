//! A config folder for benchmarks: one source per synthetic site, one active client using them all.
//!
//! Synthetic site *i* is listener *i* of a test web started with `listeners: N` (or `--ports N`). Even
//! sites are read as HTML listings, odd sites as RSS feeds, so both fetch-and-parse paths are measured.
//! Every source uses the bundled `default_broad` profile (ingest everything), so the number of items a run must
//! produce is known in advance: [`expected_items`].

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use vectora_core::config::paths;

use crate::synthetic::SyntheticSite;

/// Client id of the generated client file.
pub const BENCH_CLIENT_ID: &str = "bench_synthetic";

/// Whether synthetic site `index` is read as an HTML listing (even) rather than an RSS feed (odd).
pub fn is_html_source(index: usize) -> bool {
    index.is_multiple_of(2)
}

/// The source key of synthetic site `index` in the standard layout.
pub fn bench_source_key(index: usize) -> String {
    site_source_key(index, BenchSite::standard(index))
}

/// What a benchmark source reads from its synthetic site, and how the site behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchSite {
    /// The RSS feed (`/feed/`).
    Feed,
    /// The HTML listing (`/news/`), every entry dated.
    Listing,
    /// The listing with its two newest entries undated (`/news-undated/`): their article pages are
    /// fetched to date them, the article fallback at work.
    UndatedListing,
    /// `500 Internal Server Error` on every request.
    ServerError,
    /// The feed cut off in its third item (`/feed-truncated/`): a malformed feed.
    TruncatedFeed,
    /// Takes the request and answers only after this many seconds.
    Hang(u64),
}

impl BenchSite {
    /// The standard layout: even sites read as HTML listings, odd sites as RSS feeds.
    pub fn standard(index: usize) -> BenchSite {
        if is_html_source(index) {
            BenchSite::Listing
        } else {
            BenchSite::Feed
        }
    }

    /// Whether the source is an HTML one (else RSS).
    pub fn is_html(self) -> bool {
        matches!(self, BenchSite::Listing | BenchSite::UndatedListing)
    }

    /// The path the source is configured with, on its site's listener.
    pub fn path(self) -> String {
        match self {
            BenchSite::Feed => "/feed/".into(),
            BenchSite::Listing => "/news/".into(),
            BenchSite::UndatedListing => "/news-undated/".into(),
            BenchSite::ServerError => "/fault/status/500/feed/".into(),
            BenchSite::TruncatedFeed => "/feed-truncated/".into(),
            BenchSite::Hang(seconds) => format!("/fault/hang/{seconds}/feed/"),
        }
    }
}

/// Writes `dest/clients/bench_synthetic.yaml` and `dest/canonical/sources/source_catalog.yaml` (one
/// source per base URL, [`BenchSite::standard`] layout), nothing else: the old system's bucket
/// layout, so that every benchmark also runs the engine's bundled profiles, term lists and
/// extraction defaults standing in for the missing canonical files.
pub fn write_bench_config(dest: &Path, base_urls: &[String]) -> Result<()> {
    write_bench_config_with(dest, base_urls, BenchSite::standard)
}

/// [`write_bench_config`] with the site of each index chosen by `site`. Source keys are
/// `press_corporate__synth_NNNN` for HTML sources, `press_sector__synth_NNNN` for the others.
pub fn write_bench_config_with(
    dest: &Path,
    base_urls: &[String],
    site: impl Fn(usize) -> BenchSite,
) -> Result<()> {
    let catalog_path = dest.join(paths::CATALOG_FILE);
    let client_path = dest.join(paths::client_file(BENCH_CLIENT_ID));
    for file in [&catalog_path, &client_path] {
        let dir = file.parent().unwrap_or(dest);
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }

    let mut catalog = String::from("sources:\n");
    let mut keys = String::new();
    for (index, base) in base_urls.iter().enumerate() {
        let base = base.trim_end_matches('/');
        let kind = site(index);
        let key = site_source_key(index, kind);
        let url = format!("{base}{}", kind.path());
        let (mode, rss, html, source_type) = if kind.is_html() {
            ("html", String::new(), url, "press_corporate")
        } else {
            ("rss", url, String::new(), "press_sector")
        };
        let _ = write!(
            catalog,
            "- source_key: {key}\n  company_id: synth_{index:04}\n  homepage_url: {base}/\n  rss_url: '{rss}'\n  html_url: '{html}'\n  ingestion_mode: {mode}\n  enabled: true\n  source_type: {source_type}\n  default_language: en\n  tags:\n  - benchmark\n  ingestion_profile: default_broad\n  notes: synthetic site {index}\n"
        );
        let _ = writeln!(keys, "  - {key}");
    }
    let _ = write!(
        catalog,
        "bouquets:\n- bouquet_id: bench_synthetic\n  description: every synthetic site of the benchmark test web\n  source_keys:\n{keys}"
    );
    std::fs::write(&catalog_path, catalog)?;
    std::fs::write(
        &client_path,
        format!(
            "client_profile:\n  name: Benchmark over {} synthetic sites\n  client_id: {BENCH_CLIENT_ID}\n  active: true\n  language: en\npipeline:\n  default_period_days: 30\nsource_config:\n  source_bouquets_enabled:\n  - bench_synthetic\n  sources_extra_enabled: []\n",
            base_urls.len()
        ),
    )?;
    Ok(())
}

/// The source key of site `index` read as `kind`.
pub fn site_source_key(index: usize, kind: BenchSite) -> String {
    if kind.is_html() {
        format!("press_corporate__synth_{index:04}")
    } else {
        format!("press_sector__synth_{index:04}")
    }
}

/// Items a correct run over the first `sites` synthetic sites must produce for the window
/// `from..=to` (every entry is kept by `default_broad`; entries are unique per site).
pub fn expected_items(
    seed: u64,
    today: NaiveDate,
    sites: usize,
    from: NaiveDate,
    to: NaiveDate,
) -> usize {
    (0..sites)
        .map(|index| {
            SyntheticSite::new(seed, index, today)
                .entries()
                .iter()
                .filter(|e| e.published >= from && e.published <= to)
                .count()
        })
        .sum()
}
