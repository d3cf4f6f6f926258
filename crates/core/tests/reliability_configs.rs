//! Broken configs and malformed requests: each must yield one named, actionable error (file and
//! key for a config, field for a request). A request, an unusable catalog or a broken client
//! file is refused and nothing is written; a mistake that belongs to sources or a profile fails
//! exactly those sources and the run goes on. The config table is
//! shared with the CLI's tests (`crates/cli/tests/support/bad_configs.rs`), which check that
//! `vectora-inbox ingest` exits non-zero on each and leaves the data folder untouched.

#[path = "../../cli/tests/support/bad_configs.rs"]
mod bad_configs;

use bad_configs::{ALL_SOURCES, BadConfig, CLIENT, Effect, bundled, cases};
use std::path::Path;
use std::sync::Arc;
use vectora_core::config::{self, Diagnostic};
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::store::{DataStore, Location};
use vectora_core::{Engine, EngineOptions, NoProgress, RunError, RunRequest, SourceStatus};

fn errors(cfg: &config::Config) -> Vec<&Diagnostic> {
    cfg.diagnostics().iter().filter(|d| d.is_error()).collect()
}

/// What is wrong with a case's diagnostics, `None` when it is exactly the one expected error.
fn check(case: &BadConfig, cfg: &config::Config) -> Option<String> {
    let errs = errors(cfg);
    let shown = || {
        errs.iter()
            .map(|d| format!("    {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if errs.len() != 1 {
        return Some(format!(
            "{}: expected 1 error, got {}:\n{}",
            case.name,
            errs.len(),
            shown()
        ));
    }
    let d = errs[0];
    if d.file != case.file || d.key != case.key {
        return Some(format!(
            "{}: expected an error at {} `{}`, got:\n{}",
            case.name,
            case.file,
            case.key,
            shown()
        ));
    }
    let lower = d.message.to_lowercase();
    let missing: Vec<&str> = case
        .message
        .iter()
        .copied()
        .filter(|w| !lower.contains(&w.to_lowercase()))
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "{}: message lacks {missing:?}:\n{}",
            case.name,
            shown()
        ));
    }
    if d.message.chars().count() > 600 {
        return Some(format!(
            "{}: unbounded message ({} chars)",
            case.name,
            d.message.chars().count()
        ));
    }
    None
}

#[test]
fn the_bundled_config_has_no_error() {
    let cfg = config::parse_files(&bundled());
    assert!(errors(&cfg).is_empty(), "{:#?}", errors(&cfg));
    assert!(cfg.clients().contains_key(CLIENT));
}

#[test]
fn every_broken_config_yields_one_named_error() {
    let table = cases();
    assert!(
        table.len() >= 30,
        "the table must cover at least 30 broken configs, has {}",
        table.len()
    );
    let mut failures = Vec::new();
    for case in &table {
        let mut files = bundled();
        (case.mutate)(&mut files);
        let cfg = config::parse_files(&files);
        failures.extend(check(case, &cfg));
        failures.extend(check_effect(case, &cfg));
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

/// What is wrong with what the case's error stops: the client's run, or exactly its sources.
fn check_effect(case: &BadConfig, cfg: &config::Config) -> Option<String> {
    let blocking = cfg.blocking_errors(Some(CLIENT));
    match case.effect {
        Effect::Refused if blocking.is_empty() => Some(format!(
            "{}: the error does not refuse client {CLIENT}",
            case.name
        )),
        Effect::Refused => None,
        Effect::FailsSources(_) if !blocking.is_empty() => Some(format!(
            "{}: the error refuses the whole client, not only its sources: {blocking:?}",
            case.name
        )),
        Effect::FailsSources(expected) => {
            let failing: Vec<&str> = ALL_SOURCES
                .iter()
                .copied()
                .filter(|k| !cfg.source_errors(k).is_empty())
                .collect();
            let unnamed: Vec<&str> = failing
                .iter()
                .copied()
                .filter(|k| !cfg.source_errors(k).iter().any(|d| d.file == case.file))
                .collect();
            (failing != expected || !unnamed.is_empty()).then(|| {
                format!(
                    "{}: sources stopped {failing:?}, expected {expected:?}; errors not naming {}: {unnamed:?}",
                    case.name, case.file
                )
            })
        }
    }
}

/// Lists every file under `dir` (empty when it does not exist).
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

fn engine(cfg: config::Config, data: &Path) -> Engine {
    // Every source's host resolves to 127.0.0.1, where nothing listens on the https port: a
    // source that is run fails to connect at once, without any lookup outside the machine.
    let resolve = cfg
        .sources()
        .values()
        .filter_map(|s| s.url.as_ref()?.host_str().map(str::to_string))
        .map(|host| (host, std::net::IpAddr::from([127, 0, 0, 1])))
        .collect();
    let fetcher = Fetcher::new(FetchSettings {
        request_timeout: std::time::Duration::from_secs(1),
        allow_private_networks: true,
        max_attempts: 1,
        resolve,
        ..FetchSettings::default()
    })
    .unwrap();
    let store = DataStore::open(&Location::Local(data.to_path_buf()), true).unwrap();
    Engine::new(Arc::new(cfg), fetcher, store, EngineOptions::default())
}

/// Runs the engine on every broken config; returns the failures: a refused case that ran, or
/// was refused without naming the file, or wrote anything; a case that fails sources where
/// other sources were not run, or the failing ones are not exactly those of the case.
async fn engine_effects() -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases() {
        let mut files = bundled();
        (case.mutate)(&mut files);
        let data = tempfile::tempdir().unwrap();
        let e = engine(config::parse_files(&files), data.path());
        let req = RunRequest {
            client_id: Some(CLIENT.into()),
            ..RunRequest::default()
        };
        let result = match e.plan(req.validate().unwrap()) {
            Ok(plan) => e.run(&plan, None, &NoProgress).await,
            Err(refused) => Err(refused),
        };
        let written = files_under(data.path());
        match (case.effect, result) {
            (Effect::Refused, Err(RunError::Config(errs))) => {
                let text = errs.to_string();
                if !text.contains(case.file) {
                    failures.push(format!(
                        "{}: the refusal does not name {}: {text}",
                        case.name, case.file
                    ));
                }
                if !written.is_empty() {
                    failures.push(format!("{}: wrote {written:?}", case.name));
                }
            }
            (Effect::FailsSources(expected), Ok(results)) => {
                let report = match results.into_iter().next().map(|r| r.result) {
                    Some(Ok(report)) => report,
                    other => {
                        failures.push(format!("{}: no report: {other:?}", case.name));
                        continue;
                    }
                };
                failures.extend(check_outcomes(case.name, case.file, expected, &report));
                // Nothing reachable: no items, only the run report.
                if written.iter().any(|p| p.contains("ingested")) {
                    failures.push(format!("{}: wrote items {written:?}", case.name));
                }
            }
            (_, Err(other)) => failures.push(format!(
                "{}: refused for the wrong reason: {other}",
                case.name
            )),
            (_, Ok(r)) => failures.push(format!("{}: ran ({} result(s))", case.name, r.len())),
        }
    }
    failures
}

/// The report's `config_error` sources are exactly `expected`, each naming `file`; every other
/// source of the client was run (fetched: here it fails to connect, which is not a config error).
fn check_outcomes(
    name: &str,
    file: &str,
    expected: &[&str],
    report: &vectora_core::RunReport,
) -> Vec<String> {
    let mut failures = Vec::new();
    let config_errors: Vec<&str> = report
        .sources
        .iter()
        .filter(|o| o.status == SourceStatus::ConfigError)
        .map(|o| o.source_key.as_str())
        .collect();
    let mut sorted_expected = expected.to_vec();
    sorted_expected.sort();
    let mut sorted = config_errors.clone();
    sorted.sort();
    if sorted != sorted_expected {
        failures.push(format!(
            "{name}: config_error for {config_errors:?}, expected {expected:?}"
        ));
    }
    for o in &report.sources {
        let error = o.error.as_deref().unwrap_or("");
        if o.status == SourceStatus::ConfigError && !error.contains(file) {
            failures.push(format!(
                "{name}: {}'s error does not name {file}: {error}",
                o.source_key
            ));
        }
    }
    let ran = report
        .sources
        .iter()
        .filter(|o| ALL_SOURCES.contains(&o.source_key.as_str()))
        .filter(|o| o.status != SourceStatus::ConfigError && o.status.was_attempted())
        .count();
    let stopped_or_gone = ALL_SOURCES.len() - ran;
    if ran == 0 && expected.len() < ALL_SOURCES.len() {
        failures.push(format!("{name}: no other source ran: {:?}", report.sources));
    }
    if stopped_or_gone < expected.len() {
        failures.push(format!("{name}: sources ran that should not have"));
    }
    failures
}

/// Each broken config is refused with the config error itself (naming the file), not with a
/// consequence of it such as "unknown client" when the client's own file is the broken one —
/// or, when the mistake belongs to sources or a profile, fails exactly those sources and runs
/// the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_config_stops_exactly_what_it_belongs_to() {
    let failures = engine_effects().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Malformed run requests (the Lambda event and the CLI flags decode to the same type): each is
/// refused before anything runs or is written. Decoding errors say what was wrong with the value
/// (the Lambda adds the field's path with serde_path_to_error, see crates/lambda); validation
/// errors name the field themselves. The second column is a word the message must contain.
const BAD_REQUESTS: &[(&str, &str)] = &[
    (r#"{"client_id": 42}"#, "expected a string"),
    (r#"{"client_id": "../x"}"#, "client_id"),
    (r#"{"client_id": "a/b"}"#, "client_id"),
    (r#"{"client_id": ""}"#, "client_id"),
    (r#"{"client_id": "lai weekly"}"#, "client_id"),
    (r#"{"client_id": "x\u0000y"}"#, "client_id"),
    (r#"{"sources": ["../../etc/passwd"]}"#, "source"),
    (
        r#"{"sources": "press_corporate__medincell"}"#,
        "expected a sequence",
    ),
    (r#"{"period_days": 0}"#, "period_days"),
    (r#"{"period_days": -1}"#, "u32"),
    (r#"{"period_days": "7"}"#, "u32"),
    (r#"{"period_days": 100000}"#, "period_days"),
    (r#"{"from_date": "2025-12-01"}"#, "from_date"),
    (r#"{"to_date": "2025-12-01"}"#, "to_date"),
    (
        r#"{"from_date": "2025-12-31", "to_date": "2025-12-01"}"#,
        "from_date",
    ),
    (
        r#"{"from_date": "2025-13-01", "to_date": "2025-12-01"}"#,
        "out of range",
    ),
    (
        r#"{"from_date": "yesterday", "to_date": "2025-12-01"}"#,
        "input",
    ),
    (r#"{"ingestion_mode": "wild"}"#, "wild"),
    (r#"{"temporal_mode": 1}"#, "expected"),
    (r#"{"dry_run": "yes"}"#, "boolean"),
    (r#""lai_weekly_v3""#, "struct RunRequest"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_refused_by_name_and_write_nothing() {
    let mut failures = Vec::new();
    for (json, field) in BAD_REQUESTS {
        let message = match serde_json::from_str::<RunRequest>(json) {
            Err(e) => e.to_string(),
            // A request that decodes but is refused never reaches the engine, which runs only a
            // `ValidRequest`: it cannot write anything.
            Ok(req) => match req.validate() {
                Err(m) => m.to_string(),
                Ok(_) => {
                    failures.push(format!("{json}: accepted"));
                    continue;
                }
            },
        };
        if !message.to_lowercase().contains(&field.to_lowercase()) {
            failures.push(format!(
                "{json}: message does not name `{field}`: {message}"
            ));
        }
        if message.chars().count() > 300 {
            failures.push(format!("{json}: unbounded message"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
