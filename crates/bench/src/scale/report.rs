//! The scale rows as Markdown: one table with the ideal beside every measured figure, the targets
//! of issue 16 checked below it, and how memory grows with sources and items.

use super::{ScaleResult, Scenario};

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

/// The outcomes of a row's first run, e.g. `36 ok, 4 http_error`.
fn outcomes(r: &ScaleResult) -> String {
    r.samples.first().map_or_else(String::new, |s| {
        s.outcomes
            .iter()
            .map(|(name, n)| format!("{n} {name}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The rows as a Markdown table, the verdicts and the memory figures below it.
pub fn to_markdown(results: &[ScaleResult]) -> String {
    let mut out = String::from(
        "| Run | Concurrency | Ideal | Wall, median (min–max) | Wall / ideal | Engine time | Peak RSS, median (max) | Requests (most in flight per host) | Entries served / parsed | Items written (deduplicated) | Outcomes |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in results {
        let wall = r.wall_median().unwrap_or(f64::NAN);
        let (lo, hi) = r.wall_range().unwrap_or((f64::NAN, f64::NAN));
        let concurrency = if r.concurrency_default {
            format!("{} (default)", r.concurrency)
        } else {
            r.concurrency.to_string()
        };
        out.push_str(&format!(
            "| {} | {concurrency} | {:.2} s | {wall:.2} s ({lo:.2}–{hi:.2}) | {:.2}× | {} | {} ({}) | {} ({}) | {} / {} | {} ({}) | {} |\n",
            r.scenario.label(r.sites),
            r.ideal_seconds,
            wall / r.ideal_seconds,
            r.engine_median()
                .map_or_else(|| "n/a".to_string(), |s| format!("{s:.2} s")),
            mb(r.rss_median().unwrap_or(f64::NAN)),
            mb(r.rss_max().unwrap_or(f64::NAN)),
            distinct(r.samples.iter().map(|s| s.requests)),
            distinct(r.samples.iter().map(|s| s.max_in_flight_per_host)),
            r.entries_served
                .map_or_else(|| "–".to_string(), |n| n.to_string()),
            distinct(r.samples.iter().map(|s| or_missing(s.items_parsed))),
            distinct(r.samples.iter().map(|s| s.items_written)),
            distinct(r.samples.iter().map(|s| or_missing(s.items_deduplicated))),
            outcomes(r),
        ));
    }
    out.push('\n');
    for verdict in verdicts(results) {
        out.push_str(&format!("- {verdict}\n"));
    }
    let growth = memory_growth(results);
    if !growth.is_empty() {
        out.push_str("\nHow peak RSS grows (plain web rows, largest run each):\n\n");
        for line in growth {
            out.push_str(&format!("- {line}\n"));
        }
    }
    out
}

fn web(results: &[ScaleResult], n: usize) -> Option<&ScaleResult> {
    results
        .iter()
        .find(|r| r.scenario == Scenario::Web && r.sites == n)
}

/// One line per target of issue 16 these results bear on: the target, the measured figure, met
/// or missed. Incorrect rows are called out, since their speed proves nothing.
pub fn verdicts(results: &[ScaleResult]) -> Vec<String> {
    let mut lines = Vec::new();
    for r in results.iter().filter(|r| !r.all_correct()) {
        lines.push(format!(
            "{}: **not every run was correct** (wanted: exit code 0, every source the outcome its site calls for, one request at a time per host, every served entry parsed, every reported item in the files) — the timings of this row are not valid",
            r.scenario.label(r.sites)
        ));
    }
    if let Some(r) = web(results, 1000)
        && let (Some(wall), Some(rss)) = (r.wall_median(), r.rss_max())
    {
        lines.push(format!(
            "Target 1000 sources on 1000 hosts under 5 s: {wall:.2} s (ideal {:.2} s) — **{}**",
            r.ideal_seconds,
            met(wall < 5.0 && r.all_correct())
        ));
        lines.push(format!(
            "Target 1000 sources peak RSS under 100 MB: {} (largest of the runs) — **{}**",
            mb(rss),
            met(rss < 100e6)
        ));
    }
    if let Some(r) = results.iter().find(|r| r.scenario == Scenario::Faults)
        && let Some(wall) = r.wall_median()
    {
        lines.push(format!(
            "Target faults run ({} sources, a quarter broken, hangs of 60 s) under 25 s: {wall:.2} s (ideal {:.2} s) — **{}**",
            r.sites,
            r.ideal_seconds,
            met(wall < 25.0 && r.all_correct())
        ));
    }
    if let Some(r) = web(results, 10_000)
        && let (Some(wall), Some(rss)) = (r.wall_median(), r.rss_max())
    {
        lines.push(format!(
            "10,000 sources on 10,000 hosts: {wall:.2} s (ideal {:.2} s), {} peak RSS — recorded{}",
            r.ideal_seconds,
            mb(rss),
            if r.all_correct() {
                ""
            } else {
                " (not correct)"
            }
        ));
    }
    if let Some(r) = results.iter().find(|r| r.scenario == Scenario::OneHost)
        && let Some(wall) = r.wall_median()
    {
        let polite = r.samples.iter().all(|s| s.max_in_flight_per_host == 1);
        lines.push(format!(
            "{} sources on one host: {wall:.2} s for an ideal of {:.2} s (one request at a time, each at least the interval after the previous) — politeness **{}**",
            r.sites,
            r.ideal_seconds,
            if polite && wall >= r.ideal_seconds { "held" } else { "broken" }
        ));
    }
    lines
}

/// Between consecutive plain-web rows: extra peak RSS per extra source and per extra item held
/// (entries parsed), and what that means for one invocation.
pub fn memory_growth(results: &[ScaleResult]) -> Vec<String> {
    let mut rows: Vec<(usize, f64, f64)> = results
        .iter()
        .filter(|r| r.scenario == Scenario::Web)
        .filter_map(|r| {
            let parsed = r.samples.iter().filter_map(|s| s.items_parsed).max()? as f64;
            Some((r.sites, r.rss_max()?, parsed))
        })
        .collect();
    rows.sort_by_key(|(n, _, _)| *n);
    let mut lines = Vec::new();
    for pair in rows.windows(2) {
        let ((n0, rss0, items0), (n1, rss1, items1)) = (pair[0], pair[1]);
        let per_source = (rss1 - rss0) / (n1 - n0) as f64;
        let per_item = (rss1 - rss0) / (items1 - items0).max(1.0);
        lines.push(format!(
            "{n0} → {n1} sources: {} → {}: {:.1} KB per source, {:.2} KB per entry parsed",
            mb(rss0),
            mb(rss1),
            per_source / 1e3,
            per_item / 1e3
        ));
    }
    if let (Some(&(n, rss, _)), Some(&(_, base, _))) = (rows.last(), rows.first())
        && rows.len() >= 2
        && n > rows[0].0
    {
        let per_source = (rss - base) / (n - rows[0].0) as f64;
        for budget in [512e6, 1024e6] {
            let fits = ((budget - base) / per_source).max(0.0);
            lines.push(format!(
                "At that rate a {} invocation holds about {:.0} sources like these",
                mb(budget),
                fits
            ));
        }
    }
    lines
}

pub fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "missed" }
}

#[cfg(test)]
mod tests {
    use super::super::RunSample;
    use super::*;

    fn sample(wall: f64, rss_mb: u64, parsed: u64) -> RunSample {
        RunSample {
            wall_seconds: wall,
            peak_rss_bytes: rss_mb * 1_000_000,
            requests: 8,
            max_in_flight_per_host: 1,
            items_written: 100,
            items_parsed: Some(parsed),
            items_final: Some(100),
            items_deduplicated: Some(parsed.saturating_sub(100)),
            sources_processed: Some(8),
            sources_failed: Some(0),
            outcomes: [("ok".to_string(), 8)].into(),
            unexpected: 0,
            engine_seconds: Some(wall - 0.01),
            exit_code: Some(0),
        }
    }

    fn result(scenario: Scenario, sites: usize, samples: Vec<RunSample>) -> ScaleResult {
        ScaleResult {
            scenario,
            sites,
            hosts: sites,
            concurrency: 1024,
            concurrency_default: true,
            latency_ms: 150,
            ideal_seconds: 2.45,
            entries_served: (scenario != Scenario::Faults).then_some(120),
            samples,
        }
    }

    #[test]
    fn verdicts_check_the_issue_targets() {
        let good = vec![
            result(
                Scenario::Web,
                1000,
                vec![
                    sample(3.0, 60, 120),
                    sample(3.2, 70, 120),
                    sample(9.0, 65, 120),
                ],
            ),
            result(Scenario::Faults, 40, vec![sample(18.0, 20, 99)]),
            result(Scenario::Web, 10_000, vec![sample(8.0, 300, 120)]),
        ];
        let lines = verdicts(&good);
        assert!(
            lines[0].contains("3.20 s") && lines[0].contains("**met**"),
            "median of 3 runs: {lines:?}"
        );
        assert!(lines[1].contains("70.0 MB") && lines[1].contains("**met**"));
        assert!(lines[2].contains("18.00 s") && lines[2].contains("**met**"));
        assert!(lines[3].contains("10,000") && lines[3].contains("300.0 MB"));

        let slow = vec![
            result(Scenario::Web, 1000, vec![sample(6.0, 120, 120)]),
            result(Scenario::Faults, 40, vec![sample(30.0, 20, 99)]),
        ];
        let lines = verdicts(&slow);
        assert!(lines.iter().all(|l| l.contains("**missed**")), "{lines:?}");
    }

    #[test]
    fn incorrect_runs_are_flagged() {
        let mut wrong = sample(2.0, 20, 120);
        wrong.unexpected = 2;
        let rows = vec![result(Scenario::Web, 1000, vec![wrong])];
        assert!(!rows[0].all_correct());
        let lines = verdicts(&rows);
        assert!(lines[0].contains("not every run was correct"));
        assert!(
            lines[1].contains("**missed**"),
            "an incorrect row meets nothing"
        );
        // Two requests at once on a host break politeness: incorrect too.
        let mut impolite = sample(2.0, 20, 120);
        impolite.max_in_flight_per_host = 2;
        assert!(!result(Scenario::Web, 8, vec![impolite]).all_correct());
        // Items reported but not in the files are lost items.
        let mut lost = sample(2.0, 20, 120);
        lost.items_written = 99;
        assert!(!result(Scenario::Web, 8, vec![lost]).all_correct());
        assert!(result(Scenario::Web, 8, vec![sample(2.0, 20, 120)]).all_correct());
        let table = to_markdown(&rows);
        assert!(
            table.contains(
                "| 1000 sources, 1000 hosts | 1024 (default) | 2.45 s | 2.00 s (2.00–2.00) |"
            ),
            "{table}"
        );
    }

    #[test]
    fn memory_growth_is_per_source_and_per_entry() {
        let rows = vec![
            result(Scenario::Web, 1000, vec![sample(3.0, 60, 15_000)]),
            result(Scenario::Web, 10_000, vec![sample(8.0, 240, 150_000)]),
            result(Scenario::Faults, 40, vec![sample(18.0, 500, 99)]),
        ];
        let lines = memory_growth(&rows);
        // 180 MB over 9000 sources and 135,000 entries; the faults row is not a plain web row.
        assert!(lines[0].contains("20.0 KB per source"), "{lines:?}");
        assert!(lines[0].contains("1.33 KB per entry"), "{lines:?}");
        assert!(
            lines[1].contains("512.0 MB invocation holds about 22600 sources"),
            "{lines:?}"
        );
    }
}
