//! Ingest at scale: a full `vectora-inbox ingest` (config → items in a local data folder) over a
//! simulated web, measured from outside the process, for each run of the benchmark: N sources on N
//! hosts (up to 10,000), the same with a quarter of the sites broken, and many sources on one host.
//!
//! The simulated web runs in this process (the `vectora-testweb` crate: one listener per site, each
//! on its own loopback address 127.0.x.y, so every site is a distinct host for the fetcher's
//! per-host politeness, as on the real web); the CLI runs as a child process, so its peak RSS is its
//! own and its wall time includes start-up and config loading, exactly what an operator waits for.
//! Requests are counted from the test web's request log, items from the files the run wrote, each
//! source's outcome from the run's `--json` body.

mod report;
mod scenario;

pub use report::{memory_growth, met, to_markdown, verdicts};
pub use scenario::{Fetch, Scenario, Timing, expected_outcome, ideal};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use vectora_core::fetch::capacity::{Machine, open_file_limit};
use vectora_testweb::{
    BENCH_CLIENT_ID, SyntheticSite, TestWeb, TestWebConfig, site_source_key,
    write_bench_config_with,
};

use crate::child::run_measured_via;
use crate::stats::{median, min_max};

/// How to run the scale benchmark.
#[derive(Debug, Clone)]
pub struct ScaleOptions {
    /// The `vectora-inbox` binary (a release build).
    pub cli: PathBuf,
    /// The binary whose `measure-child` subcommand starts the CLI (this benchmark's own), so that
    /// the CLI's peak RSS is not raised to this process's (see [`crate::child`]).
    pub measurer: PathBuf,
    /// The runs: a scenario and its number of sources.
    pub runs: Vec<(Scenario, usize)>,
    /// Runs per row (the median is reported) for rows under [`BIG_ROW`] sources.
    pub repeats: usize,
    /// Runs per row from [`BIG_ROW`] sources up.
    pub big_repeats: usize,
    /// Delay before every response of the simulated web.
    pub latency: Duration,
    /// `--concurrency` given to the CLI; `None` leaves it at the CLI's default.
    pub concurrency: Option<usize>,
    /// `--min-host-interval-ms` given to the CLI (its default, 1000) for every scenario but
    /// [`Scenario::OneHost`].
    pub min_host_interval_ms: u64,
    /// `--min-host-interval-ms` of the one-host runs.
    pub one_host_interval_ms: u64,
    /// Seed of the synthetic sites.
    pub seed: u64,
}

/// Rows with at least this many sources are run [`ScaleOptions::big_repeats`] times.
pub const BIG_ROW: usize = 5000;

/// One run of the CLI.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSample {
    pub wall_seconds: f64,
    pub peak_rss_bytes: u64,
    /// Requests the simulated web received during the run.
    pub requests: usize,
    /// The most requests one host had in flight at once (1: politeness held).
    #[serde(default)]
    pub max_in_flight_per_host: usize,
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
    /// Sources per outcome (`ok`, `http_error`, `timeout (first_byte)`, …).
    #[serde(default)]
    pub outcomes: BTreeMap<String, usize>,
    /// Sources whose outcome is not the one their site calls for (0 in a correct run).
    #[serde(default)]
    pub unexpected: usize,
    /// `execution_time_seconds` of the run report (the engine's own clock, without process start-up).
    pub engine_seconds: Option<f64>,
    pub exit_code: Option<i32>,
}

/// Every run of one row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScaleResult {
    pub scenario: Scenario,
    /// Sources (and sites) of the row.
    pub sites: usize,
    /// Hosts they are on.
    pub hosts: usize,
    /// The CLI's `--concurrency` (its default when `concurrency_default`).
    pub concurrency: usize,
    pub concurrency_default: bool,
    pub latency_ms: u64,
    pub ideal_seconds: f64,
    /// Entries the good sites serve in the run's window: a correct run parses every one of them
    /// (`None` when broken sites make the count moot: their outcomes are checked instead).
    pub entries_served: Option<usize>,
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
    /// Whether every run exited 0, gave every source the outcome its site calls for, kept one
    /// request at a time per host, parsed every served entry (when known) and wrote the items it
    /// reported.
    ///
    /// Items written are fewer than entries served: the engine drops an entry whose URL or
    /// substantial content it has already seen in the run, and synthetic teasers repeat (a site's
    /// job ads share one text; LAI teasers do not name the company, so they recur across sites).
    /// What must hold is that nothing is lost between parsing and the files.
    pub fn all_correct(&self) -> bool {
        !self.samples.is_empty()
            && self.samples.iter().all(|s| {
                s.exit_code == Some(0)
                    && s.unexpected == 0
                    && s.max_in_flight_per_host <= 1
                    && self
                        .entries_served
                        .is_none_or(|n| s.items_parsed == Some(n as u64))
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

/// The CLI's default `--concurrency` on this machine: it raises its open-file limit to the hard
/// limit, then sizes the bound from that and the memory.
pub fn cli_default_concurrency() -> usize {
    let hard = open_file_limit().ok().map(|(_, hard)| hard);
    Machine {
        open_files: hard,
        ..Machine::detect()
    }
    .default_concurrency()
}

/// Measures every row of `options`, printing progress on stderr.
pub fn run_scale(options: &ScaleOptions) -> Result<Vec<ScaleResult>> {
    if !options.cli.is_file() {
        bail!(
            "CLI binary {} not found (build it with `cargo build --release -p vectora-inbox`)",
            options.cli.display()
        );
    }
    options
        .runs
        .iter()
        .map(|&(scenario, n)| run_row(options, scenario, n))
        .collect()
}

/// The simulated web of a row, the config pointing at it, and what a correct run reports.
struct Row {
    web: TestWeb,
    config_dir: tempfile::TempDir,
    /// Each source's key and the outcome its site calls for.
    expected: BTreeMap<String, (&'static str, Option<&'static str>)>,
    entries_served: Option<usize>,
    host_times: Vec<Duration>,
    interval_ms: u64,
}

fn prepare(options: &ScaleOptions, scenario: Scenario, n: usize, today: NaiveDate) -> Result<Row> {
    let (from, to) = window(today);
    let one_host = scenario == Scenario::OneHost;
    let web = TestWeb::start_blocking(TestWebConfig {
        listeners: if one_host { 1 } else { n },
        latency: options.latency,
        seed: options.seed,
        today,
        distinct_addresses: true,
        ..TestWebConfig::default()
    })
    .with_context(|| format!("starting a simulated web of {n} sites"))?;
    let bases: Vec<String> = if one_host {
        (0..n)
            .map(|i| format!("{}/synthetic/{i}", web.base_url()))
            .collect()
    } else {
        web.base_urls().to_vec()
    };
    let config_dir = tempfile::tempdir()?;
    write_bench_config_with(config_dir.path(), &bases, |i| scenario.site(i))?;
    let interval_ms = if one_host {
        options.one_host_interval_ms
    } else {
        options.min_host_interval_ms
    };
    let timing = Timing {
        latency: options.latency,
        interval: Duration::from_millis(interval_ms),
        fetch: Fetch::defaults(),
    };
    let times: Vec<Duration> = (0..n)
        .map(|i| timing.source_time(scenario.site(i)))
        .collect();
    let host_times = if one_host {
        let gaps = timing.interval * u32::try_from(n.saturating_sub(1)).unwrap_or(u32::MAX);
        vec![times.iter().sum::<Duration>() + gaps]
    } else {
        times
    };
    let expected = (0..n)
        .map(|i| {
            let site = scenario.site(i);
            (site_source_key(i, site), expected_outcome(site))
        })
        .collect();
    let entries_served = (scenario != Scenario::Faults).then(|| {
        (0..n)
            .map(|i| {
                SyntheticSite::new(options.seed, i, today)
                    .entries()
                    .iter()
                    .filter(|e| e.published >= from && e.published <= to)
                    .count()
            })
            .sum()
    });
    Ok(Row {
        web,
        config_dir,
        expected,
        entries_served,
        host_times,
        interval_ms,
    })
}

fn run_row(options: &ScaleOptions, scenario: Scenario, n: usize) -> Result<ScaleResult> {
    let today = chrono::Utc::now().date_naive();
    let row = prepare(options, scenario, n, today)?;
    let concurrency = options.concurrency.unwrap_or_else(cli_default_concurrency);
    let repeats = if n >= BIG_ROW {
        options.big_repeats
    } else {
        options.repeats
    };
    let mut samples = Vec::with_capacity(repeats.max(1));
    for run in 0..repeats.max(1) {
        let sample = run_once(options, &row, today)?;
        eprintln!(
            "  {} run {}: {:.2} s wall, {:.1} MB peak RSS, {} requests (at most {} in flight per host), {:?} entries parsed, {} items written, outcomes {:?}, {} unexpected, exit {:?}",
            scenario.label(n),
            run + 1,
            sample.wall_seconds,
            sample.peak_rss_bytes as f64 / 1e6,
            sample.requests,
            sample.max_in_flight_per_host,
            sample.items_parsed,
            sample.items_written,
            sample.outcomes,
            sample.unexpected,
            sample.exit_code
        );
        samples.push(sample);
    }
    Ok(ScaleResult {
        scenario,
        sites: n,
        hosts: if scenario == Scenario::OneHost { 1 } else { n },
        concurrency,
        concurrency_default: options.concurrency.is_none(),
        latency_ms: u64::try_from(options.latency.as_millis()).unwrap_or(u64::MAX),
        ideal_seconds: ideal(&row.host_times, concurrency).as_secs_f64(),
        entries_served: row.entries_served,
        samples,
    })
}

fn run_once(options: &ScaleOptions, row: &Row, today: NaiveDate) -> Result<RunSample> {
    let (from, to) = window(today);
    // A fresh data folder each time: no earlier items, no stored validators (no 304s).
    let data_dir = tempfile::tempdir()?;
    row.web.clear_request_log();
    let mut command = Command::new(&options.cli);
    command
        .env_remove("LOG_LEVEL")
        .env_remove("VECTORA_ALLOW_PRIVATE_NETWORKS")
        .args(["--log-level", "error", "ingest", "--config"])
        .arg(row.config_dir.path())
        .arg("--data")
        .arg(data_dir.path())
        .args(["--client", BENCH_CLIENT_ID, "--allow-private-networks"])
        .args(["--min-host-interval-ms", &row.interval_ms.to_string()])
        .args([
            "--from-date",
            &from.to_string(),
            "--to-date",
            &to.to_string(),
        ])
        .arg("--json");
    if let Some(c) = options.concurrency {
        command.args(["--concurrency", &c.to_string()]);
    }
    let measured = run_measured_via(&options.measurer, &command)?;
    let log = row.web.request_log();
    let report: serde_json::Value =
        serde_json::from_str(&measured.stdout).unwrap_or(serde_json::Value::Null);
    let (outcomes, unexpected) = outcomes(&report, &row.expected);
    if !measured.success() {
        let tail: Vec<&str> = measured.stderr.lines().rev().take(5).collect();
        eprintln!("    stderr (last lines): {}", tail.join(" | "));
    }
    Ok(RunSample {
        wall_seconds: measured.wall.as_secs_f64(),
        peak_rss_bytes: measured.peak_rss_bytes,
        requests: log.len(),
        max_in_flight_per_host: log
            .iter()
            .map(|r| r.in_flight_on_listener)
            .max()
            .unwrap_or(0),
        items_written: count_items(data_dir.path())?,
        items_parsed: report["items_ingested"].as_u64(),
        items_final: report["items_final"].as_u64(),
        items_deduplicated: report["items_deduplicated"].as_u64(),
        sources_processed: report["sources_processed"].as_u64(),
        sources_failed: report["sources_failed"].as_u64(),
        outcomes,
        unexpected,
        engine_seconds: report["execution_time_seconds"].as_f64(),
        exit_code: measured.exit_code,
    })
}

/// Sources per outcome in a `--json` body, and how many differ from what their site calls for
/// (a source missing from the body counts as unexpected).
pub fn outcomes(
    body: &serde_json::Value,
    expected: &BTreeMap<String, (&'static str, Option<&'static str>)>,
) -> (BTreeMap<String, usize>, usize) {
    let mut counts = BTreeMap::new();
    let mut matched = 0;
    for source in body["sources"].as_array().into_iter().flatten() {
        let status = source["status"].as_str().unwrap_or("?");
        let deadline = source["deadline"].as_str();
        let name = match deadline {
            Some(d) => format!("{status} ({d})"),
            None => status.to_string(),
        };
        *counts.entry(name).or_insert(0) += 1;
        let key = source["source_key"].as_str().unwrap_or_default();
        if expected.get(key) == Some(&(status, deadline)) {
            matched += 1;
        }
    }
    (counts, expected.len().saturating_sub(matched))
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let all = vectora_testweb::expected_items(1, today, 5, from, to);
        let by_site: usize = (0..5)
            .map(|i| SyntheticSite::new(1, i, today).entries().len())
            .sum();
        assert_eq!(all, by_site);
    }

    #[test]
    fn outcomes_are_counted_and_checked_against_the_sites() {
        let expected: BTreeMap<String, (&'static str, Option<&'static str>)> = [
            ("a".to_string(), ("ok", None)),
            ("b".to_string(), ("timeout", Some("first_byte"))),
            ("c".to_string(), ("http_error", None)),
        ]
        .into();
        let body = serde_json::json!({"sources": [
            {"source_key": "a", "status": "ok"},
            {"source_key": "b", "status": "timeout", "deadline": "first_byte"},
            {"source_key": "c", "status": "timeout", "deadline": "idle"},
        ]});
        let (counts, unexpected) = outcomes(&body, &expected);
        assert_eq!(unexpected, 1, "c timed out instead of answering 500");
        assert_eq!(counts["ok"], 1);
        assert_eq!(counts["timeout (first_byte)"], 1);
        assert_eq!(counts["timeout (idle)"], 1);
        // A body without sources (a crashed run): every source is unexpected.
        assert_eq!(outcomes(&serde_json::Value::Null, &expected).1, 3);
    }
}
