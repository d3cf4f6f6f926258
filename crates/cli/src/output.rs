//! Terminal output: a progress bar over sources while running, then a table per source.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use vectora_core::{RunObserver, RunReport, SourceOutcome};

/// A progress bar on stderr when it is a terminal; silent otherwise.
pub struct Progress {
    bar: Mutex<Option<ProgressBar>>,
    enabled: bool,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Progress {
            bar: Mutex::new(None),
            enabled: enabled && std::io::stderr().is_terminal(),
        }
    }

    pub fn finish(&self) {
        if let Ok(mut g) = self.bar.lock()
            && let Some(b) = g.take()
        {
            b.finish_and_clear();
        }
    }
}

impl RunObserver for Progress {
    fn client_started(&self, client_id: &str, sources: usize) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::new(sources as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {pos}/{len} sources {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(client_id.to_string());
        if let Ok(mut g) = self.bar.lock()
            && let Some(old) = g.replace(bar)
        {
            old.finish_and_clear();
        }
    }

    fn source_finished(&self, _client_id: &str, outcome: &SourceOutcome) {
        if let Ok(g) = self.bar.lock()
            && let Some(b) = g.as_ref()
            && outcome.status.was_attempted()
        {
            b.inc(1);
            b.set_message(outcome.source_key.clone());
        }
    }
}

/// Prints a client's report as a table on stdout.
pub fn print_table(r: &RunReport) {
    println!(
        "client {}  window {}..{}  status {:?}  {:.1}s",
        r.client_id, r.window_from, r.window_to, r.status, r.execution_time_seconds
    );
    for w in &r.warnings {
        println!("  {w}");
    }
    let key_w = r
        .sources
        .iter()
        .map(|s| s.source_key.len())
        .max()
        .unwrap_or(10)
        .max(10);
    println!(
        "{:<key_w$}  {:<14} {:>4} {:>6} {:>5} {:>7}  {:<7}  error",
        "source", "status", "http", "parsed", "kept", "ms", "health"
    );
    for s in &r.sources {
        let status = serde_json::to_value(s.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        println!(
            "{:<key_w$}  {:<14} {:>4} {:>6} {:>5} {:>7}  {:<7}  {}",
            s.source_key,
            status,
            s.http_status
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            s.items_parsed,
            s.items_kept,
            s.duration_ms,
            s.health.map_or("-", |h| h.as_str()),
            s.error.as_deref().unwrap_or("")
        );
    }
    for s in &r.sources {
        if let Some(api) = &s.api {
            println!(
                "{}: {} requests to {}, {} answered 429",
                s.source_key, api.requests, api.provider, api.throttled
            );
        }
    }
    println!(
        "items: {} parsed, {} filtered out, {} duplicates, {} written{}",
        r.items_ingested,
        r.items_filtered_out,
        r.items_deduplicated,
        r.items_final,
        match (&r.s3_output_path, r.dry_run) {
            (_, true) => " (dry run: nothing written)".to_string(),
            (Some(p), false) => format!(" → {p}"),
            (None, false) => String::new(),
        }
    );
}
