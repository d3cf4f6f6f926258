//! Ingest at scale: a full `vectora-inbox ingest` (config → items in a local data folder) over N
//! simulated sites, each answering after a fixed latency, measured from outside the process.
//!
//! The simulated web runs in this process (the `vectora-testweb` crate: one listener per site, so
//! every site is a distinct host:port for the fetcher's per-host politeness); the CLI runs as a child
//! process, so its peak RSS is its own and its wall time includes start-up and config loading, exactly
//! what an operator waits for. Requests are counted from the test web's request log, items from the
//! files the run wrote.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use vectora_testweb::{
    BENCH_CLIENT_ID, TestWeb, TestWebConfig, expected_items, write_bench_config,
};

use crate::child::run_measured;
use crate::stats::{ideal_time, median, min_max};

/// How to run the scale benchmark.
#[derive(Debug, Clone)]
pub struct ScaleOptions {
    /// The `vectora-inbox` binary (a release build).
    pub cli: PathBuf,
    /// Site counts to measure, e.g. 8, 100, 1000.
    pub sites: Vec<usize>,
    /// Runs per site count (the median is reported).
    pub runs: usize,
    /// Delay before every response of the simulated web.
    pub latency: Duration,
    /// `--concurrency` given to the CLI.
    pub concurrency: usize,
    /// `--min-host-interval-ms` given to the CLI (irrelevant here: one request per host).
    pub min_host_interval_ms: u64,
    /// Seed of the synthetic sites.
    pub seed: u64,
}

/// One run of the CLI over N sites.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSample {
    pub wall_seconds: f64,
    pub peak_rss_bytes: u64,
    /// Requests the simulated web received during the run.
    pub requests: usize,
    /// Items found in the data folder after the run.
    pub items_written: usize,
    /// `items_ingested` of the run report: entries parsed from the fetched documents.
    pub items_parsed: Option<u64>,
    /// `items_final` of the run report: items the run says it wrote.
    pub items_final: Option<u64>,
    /// `items_deduplicated` of the run report (same URL or same substantial content).
    pub items_deduplicated: Option<u64>,
    pub sources_processed: Option<u64>,
    pub sources_failed: Option<u64>,
    /// `execution_time_seconds` of the run report (the engine's own clock, without process start-up).
    pub engine_seconds: Option<f64>,
    pub exit_code: Option<i32>,
}

/// Every run over one site count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScaleResult {
    pub sites: usize,
    pub concurrency: usize,
    pub latency_ms: u64,
    pub ideal_seconds: f64,
    /// Entries the simulated web serves in the run's window: a correct run parses every one of them.
    pub entries_served: usize,
    pub samples: Vec<RunSample>,
}

impl ScaleResult {
    fn values(&self, f: impl Fn(&RunSample) -> f64) -> Vec<f64> {
        self.samples.iter().map(f).collect()
    }
    pub fn wall_median(&self) -> Option<f64> {
        median(&self.values(|s| s.wall_seconds))
    }
    pub fn wall_range(&self) -> Option<(f64, f64)> {
        min_max(&self.values(|s| s.wall_seconds))
    }
    pub fn rss_median(&self) -> Option<f64> {
        median(&self.values(|s| s.peak_rss_bytes as f64))
    }
    pub fn rss_max(&self) -> Option<f64> {
        min_max(&self.values(|s| s.peak_rss_bytes as f64)).map(|(_, hi)| hi)
    }
    pub fn engine_median(&self) -> Option<f64> {
        median(
            &self
                .samples
                .iter()
                .filter_map(|s| s.engine_seconds)
                .collect::<Vec<_>>(),
        )
    }
    /// Whether every run succeeded, parsed every served entry and wrote the items it reported.
    ///
    /// Items written are fewer than entries served: the engine drops an entry whose URL or substantial
    /// content it has already seen in the run, and synthetic teasers repeat (a site's job ads share one
    /// text; LAI teasers do not name the company, so they recur across sites). What must hold is that
    /// nothing is lost between parsing and the files.
    pub fn all_correct(&self) -> bool {
        !self.samples.is_empty()
            && self.samples.iter().all(|s| {
                s.exit_code == Some(0)
                    && s.sources_failed == Some(0)
                    && s.items_parsed == Some(self.entries_served as u64)
                    && s.items_final == Some(s.items_written as u64)
            })
    }
}

/// The window given to every run: the 30 days up to `today`, which holds every synthetic entry.
pub fn window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (
        today.checked_sub_days(Days::new(30)).unwrap_or(today),
        today,
    )
}

/// Measures every site count of `options`, printing progress on stderr.
pub fn run_scale(options: &ScaleOptions) -> Result<Vec<ScaleResult>> {
    if !options.cli.is_file() {
        bail!(
            "CLI binary {} not found (build it with `cargo build --release -p vectora-inbox`)",
            options.cli.display()
        );
    }
    options
        .sites
        .iter()
        .map(|&n| run_one_size(options, n))
        .collect()
}

fn run_one_size(options: &ScaleOptions, sites: usize) -> Result<ScaleResult> {
    let today = chrono::Utc::now().date_naive();
    let (from, to) = window(today);
    let web = TestWeb::start_blocking(TestWebConfig {
        listeners: sites,
        latency: options.latency,
        seed: options.seed,
        today,
        ..TestWebConfig::default()
    })
    .with_context(|| format!("starting a simulated web of {sites} sites"))?;
    let config_dir = tempfile::tempdir()?;
    write_bench_config(config_dir.path(), web.base_urls())?;
    let served = expected_items(options.seed, today, sites, from, to);

    let mut samples = Vec::with_capacity(options.runs);
    for run in 0..options.runs.max(1) {
        // A fresh data folder each time: no earlier items, no stored validators (no 304s).
        let data_dir = tempfile::tempdir()?;
        web.clear_request_log();
        let mut command = Command::new(&options.cli);
        command
            .env_remove("LOG_LEVEL")
            .env_remove("VECTORA_ALLOW_PRIVATE_NETWORKS")
            .arg("--log-level")
            .arg("error")
            .arg("ingest")
            .arg("--config")
            .arg(config_dir.path())
            .arg("--data")
            .arg(data_dir.path())
            .args(["--client", BENCH_CLIENT_ID, "--allow-private-networks"])
            .args(["--concurrency", &options.concurrency.to_string()])
            .args([
                "--min-host-interval-ms",
                &options.min_host_interval_ms.to_string(),
            ])
            .args([
                "--from-date",
                &from.to_string(),
                "--to-date",
                &to.to_string(),
            ])
            .arg("--json");
        let measured = run_measured(&mut command)?;
        let requests = web.request_log().len();
        let items_written = count_items(data_dir.path())?;
        let report: serde_json::Value =
            serde_json::from_str(&measured.stdout).unwrap_or(serde_json::Value::Null);
        let sample = RunSample {
            wall_seconds: measured.wall.as_secs_f64(),
            peak_rss_bytes: measured.peak_rss_bytes,
            requests,
            items_written,
            items_parsed: report["items_ingested"].as_u64(),
            items_final: report["items_final"].as_u64(),
            items_deduplicated: report["items_deduplicated"].as_u64(),
            sources_processed: report["sources_processed"].as_u64(),
            sources_failed: report["sources_failed"].as_u64(),
            engine_seconds: report["execution_time_seconds"].as_f64(),
            exit_code: measured.exit_code,
        };
        eprintln!(
            "  N={sites} run {}: {:.2} s wall, {:.1} MB peak RSS, {} requests, {served} entries served, {:?} parsed, {} items written, exit {:?}",
            run + 1,
            sample.wall_seconds,
            sample.peak_rss_bytes as f64 / 1e6,
            sample.requests,
            sample.items_parsed,
            sample.items_written,
            sample.exit_code
        );
        if !measured.success() {
            let tail: String = measured
                .stderr
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .join(" | ");
            eprintln!("    stderr (last lines): {tail}");
        }
        samples.push(sample);
    }
    drop(web);
    Ok(ScaleResult {
        sites,
        concurrency: options.concurrency,
        latency_ms: u64::try_from(options.latency.as_millis()).unwrap_or(u64::MAX),
        ideal_seconds: ideal_time(sites, options.concurrency, options.latency).as_secs_f64(),
        entries_served: served,
        samples,
    })
}

/// Counts the items of every `items.json` under `data_dir` (the store's
/// `ingested/{client}/{YYYY}/{MM}/{DD}/items.json` layout; any depth is accepted).
pub fn count_items(data_dir: &Path) -> Result<usize> {
    let mut total = 0;
    let mut pending = vec![data_dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == "items.json") {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let items: Vec<serde_json::Value> = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a JSON array", path.display()))?;
                total += items.len();
            }
        }
    }
    Ok(total)
}

fn mb(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}

/// The distinct values of one figure over the runs, e.g. "100" or "99, 100".
fn distinct<T: ToString>(values: impl Iterator<Item = T>) -> String {
    let mut v: Vec<String> = values.map(|x| x.to_string()).collect();
    v.sort();
    v.dedup();
    v.join(", ")
}

fn or_missing(v: Option<u64>) -> String {
    v.map_or_else(|| "no report".to_string(), |x| x.to_string())
}

/// The results as a Markdown table with the targets of issue 8 checked below it.
pub fn to_markdown(results: &[ScaleResult]) -> String {
    let mut out = String::from(
        "| Sites (N) | Ideal | Wall, median | Wall, min–max | Wall / ideal | Engine time | Peak RSS, median (max) | Requests | Entries served / parsed | Items written (deduplicated) | Failed sources |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        let wall = r.wall_median().unwrap_or(f64::NAN);
        let (lo, hi) = r.wall_range().unwrap_or((f64::NAN, f64::NAN));
        out.push_str(&format!(
            "| {} | {:.2} s | {:.2} s | {:.2}–{:.2} s | {:.2}× | {} | {} ({}) | {} | {} / {} | {} ({}) | {} |\n",
            r.sites,
            r.ideal_seconds,
            wall,
            lo,
            hi,
            wall / r.ideal_seconds,
            r.engine_median()
                .map_or_else(|| "n/a".to_string(), |s| format!("{s:.2} s")),
            mb(r.rss_median().unwrap_or(f64::NAN)),
            mb(r.rss_max().unwrap_or(f64::NAN)),
            distinct(r.samples.iter().map(|s| s.requests)),
            r.entries_served,
            distinct(r.samples.iter().map(|s| or_missing(s.items_parsed))),
            distinct(r.samples.iter().map(|s| s.items_written)),
            distinct(r.samples.iter().map(|s| or_missing(s.items_deduplicated))),
            distinct(r.samples.iter().map(|s| or_missing(s.sources_failed))),
        ));
    }
    out.push('\n');
    for verdict in verdicts(results) {
        out.push_str(&format!("- {verdict}\n"));
    }
    out
}

/// One line per target of issue 8 that these results bear on: the target, the measured figure, met or
/// missed. Incorrect runs (wrong item count, failures) are called out, since their speed proves nothing.
pub fn verdicts(results: &[ScaleResult]) -> Vec<String> {
    let mut lines = Vec::new();
    for r in results {
        if !r.all_correct() {
            lines.push(format!(
                "N={}: **not every run was correct** (wanted: exit code 0, no failed source, all {} served entries parsed, every reported item in the files) — the timings of this row are not valid",
                r.sites, r.entries_served
            ));
        }
    }
    if let Some(r) = results.iter().find(|r| r.sites == 8)
        && let Some(wall) = r.wall_median()
    {
        let ratio = wall / r.ideal_seconds;
        lines.push(format!(
            "Target N=8 within 2× of the ideal ({:.2} s): {:.2} s = {ratio:.2}× — **{}**",
            r.ideal_seconds,
            wall,
            met(ratio <= 2.0)
        ));
    }
    if let Some(r) = results.iter().find(|r| r.sites == 1000)
        && let (Some(wall), Some(rss)) = (r.wall_median(), r.rss_max())
    {
        lines.push(format!(
            "Target N=1000 under 15 s: {wall:.2} s — **{}**",
            met(wall < 15.0)
        ));
        lines.push(format!(
            "Target N=1000 peak RSS under 150 MB: {} (largest of the runs) — **{}**",
            mb(rss),
            met(rss < 150e6)
        ));
    }
    lines
}

pub(crate) fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "missed" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(wall: f64, rss_mb: u64, parsed: u64) -> RunSample {
        RunSample {
            wall_seconds: wall,
            peak_rss_bytes: rss_mb * 1_000_000,
            requests: 8,
            items_written: 100,
            items_parsed: Some(parsed),
            items_final: Some(100),
            items_deduplicated: Some(parsed.saturating_sub(100)),
            sources_processed: Some(8),
            sources_failed: Some(0),
            engine_seconds: Some(wall - 0.01),
            exit_code: Some(0),
        }
    }

    fn result(sites: usize, samples: Vec<RunSample>) -> ScaleResult {
        ScaleResult {
            sites,
            concurrency: 16,
            latency_ms: 150,
            ideal_seconds: ideal_time(sites, 16, Duration::from_millis(150)).as_secs_f64(),
            entries_served: 120,
            samples,
        }
    }

    #[test]
    fn counts_items_in_every_items_file() {
        let dir = tempfile::tempdir().unwrap();
        let day = dir.path().join("ingested/c/2026/11/25");
        std::fs::create_dir_all(&day).unwrap();
        std::fs::write(day.join("items.json"), r#"[{"a":1},{"a":2},{"a":3}]"#).unwrap();
        let other = dir.path().join("ingested/c/2026/11/24");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("items.json"), "[{}]").unwrap();
        std::fs::write(other.join("run-report.json"), "[{}, {}]").unwrap();
        assert_eq!(count_items(dir.path()).unwrap(), 4);
        assert_eq!(count_items(&dir.path().join("absent")).unwrap(), 0);
        std::fs::write(day.join("items.json"), "{not json").unwrap();
        assert!(count_items(dir.path()).is_err());
    }

    #[test]
    fn window_covers_the_30_days_of_synthetic_entries() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let (from, to) = window(today);
        assert_eq!(from, NaiveDate::from_ymd_opt(2026, 1, 30).unwrap());
        assert_eq!(to, today);
        // Every entry of a synthetic site is at most 29 days old, so the window keeps them all.
        let all = expected_items(1, today, 5, from, to);
        let by_site: usize = (0..5)
            .map(|i| {
                vectora_testweb::SyntheticSite::new(1, i, today)
                    .entries()
                    .len()
            })
            .sum();
        assert_eq!(all, by_site);
    }

    #[test]
    fn verdicts_check_the_issue_targets() {
        let good = vec![
            result(
                8,
                vec![
                    sample(0.20, 20, 120),
                    sample(0.25, 21, 120),
                    sample(0.9, 22, 120),
                ],
            ),
            result(1000, vec![sample(10.0, 100, 120), sample(11.0, 140, 120)]),
        ];
        let lines = verdicts(&good);
        assert!(
            lines[0].contains("N=8") && lines[0].contains("**met**"),
            "{lines:?}"
        );
        assert!(lines[0].contains("0.25 s"), "median of 3 runs: {lines:?}");
        assert!(lines[1].contains("10.50 s") && lines[1].contains("**met**"));
        assert!(lines[2].contains("140.0 MB") && lines[2].contains("**met**"));

        let slow = vec![result(1000, vec![sample(16.0, 160, 120)])];
        let lines = verdicts(&slow);
        assert!(lines.iter().all(|l| l.contains("**missed**")), "{lines:?}");
    }

    #[test]
    fn incorrect_runs_are_flagged() {
        let wrong = vec![result(8, vec![sample(0.2, 20, 119)])];
        assert!(!wrong[0].all_correct());
        let lines = verdicts(&wrong);
        assert!(lines[0].contains("not every run was correct"));
        let table = to_markdown(&wrong);
        assert!(table.contains("| 8 | 0.15 s | 0.20 s |"), "{table}");
        assert!(table.contains("| 120 / 119 | 100 (19) | 0 |"), "{table}");

        // Items reported but not in the files are lost items: also incorrect.
        let mut lost = sample(0.2, 20, 120);
        lost.items_written = 99;
        assert!(!result(8, vec![lost]).all_correct());
        assert!(result(8, vec![sample(0.2, 20, 120)]).all_correct());
    }
}
