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

use crate::synthetic::SyntheticSite;

/// Client id of the generated client file.
pub const BENCH_CLIENT_ID: &str = "bench_synthetic";

/// Whether synthetic site `index` is read as an HTML listing (even) rather than an RSS feed (odd).
pub fn is_html_source(index: usize) -> bool {
    index.is_multiple_of(2)
}

/// The source key of synthetic site `index`.
pub fn bench_source_key(index: usize) -> String {
    if is_html_source(index) {
        format!("press_corporate__synth_{index:04}")
    } else {
        format!("press_sector__synth_{index:04}")
    }
}

/// Writes `dest/clients/bench_synthetic.yaml` and `dest/canonical/sources/source_catalog.yaml` (one
/// source per base URL), nothing else: the old system's bucket layout, so that every benchmark
/// also runs the engine's bundled profiles, term lists and extraction defaults standing in for
/// the missing canonical files.
pub fn write_bench_config(dest: &Path, base_urls: &[String]) -> Result<()> {
    for sub in ["canonical/sources", "clients"] {
        std::fs::create_dir_all(dest.join(sub))
            .with_context(|| format!("creating {}", dest.join(sub).display()))?;
    }

    let mut catalog = String::from("sources:\n");
    let mut keys = String::new();
    for (index, base) in base_urls.iter().enumerate() {
        let base = base.trim_end_matches('/');
        let key = bench_source_key(index);
        let (mode, rss, html, source_type) = if is_html_source(index) {
            (
                "html",
                String::new(),
                format!("{base}/news/"),
                "press_corporate",
            )
        } else {
            (
                "rss",
                format!("{base}/feed/"),
                String::new(),
                "press_sector",
            )
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
    std::fs::write(dest.join("canonical/sources/source_catalog.yaml"), catalog)?;
    std::fs::write(
        dest.join(format!("clients/{BENCH_CLIENT_ID}.yaml")),
        format!(
            "client_profile:\n  name: Benchmark over {} synthetic sites\n  client_id: {BENCH_CLIENT_ID}\n  active: true\n  language: en\npipeline:\n  default_period_days: 30\nsource_config:\n  source_bouquets_enabled:\n  - bench_synthetic\n  sources_extra_enabled: []\n",
            base_urls.len()
        ),
    )?;
    Ok(())
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
