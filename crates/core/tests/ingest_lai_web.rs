//! End to end against real HTTP: the bundled LAI config, its sources rewritten to a local test
//! web (fixture sites shaped like the 8 LAI sources, on 127.0.0.1), the real engine writing to a
//! local data folder. Asserts the exact items each site must yield (hand-checked expectations in
//! `crates/testweb/sites/*/expected.json`), dry run, same-day rerun and next-day incrementality.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use vectora_core::config;
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::store::{DataStore, Location, items_key};
use vectora_core::{Engine, EngineOptions, Item, NoProgress, RunReport, RunRequest, SourceStatus};
use vectora_testweb::{TestWeb, TestWebConfig, fixture_sites_dir, fixture_today};

#[derive(Deserialize)]
struct Expected {
    source_key: String,
    entries: Vec<ExpectedEntry>,
}

#[derive(Deserialize)]
struct ExpectedEntry {
    title: String,
    path: String,
    published: Option<NaiveDate>,
    lai_keep: bool,
}

fn expectations() -> Vec<Expected> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(fixture_sites_dir()).unwrap() {
        let p = e.unwrap().path().join("expected.json");
        if p.is_file() {
            out.push(serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap());
        }
    }
    assert!(
        out.len() >= 5,
        "expected fixture sites for the LAI sources, found {}",
        out.len()
    );
    out
}

struct Harness {
    web: TestWeb,
    _config_dir: vectora_testweb::LaiConfigDir,
    engine_config: Arc<config::Config>,
}

fn now() -> DateTime<Utc> {
    let d = fixture_today();
    Utc.from_utc_datetime(&d.and_hms_opt(10, 0, 0).unwrap())
}

async fn harness() -> Harness {
    harness_with(|_| {}).await
}

/// The harness, with `edit` applied to the config folder before it is loaded.
async fn harness_with(edit: impl FnOnce(&Path)) -> Harness {
    let web = TestWeb::start(TestWebConfig {
        site_ports: true,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let config_dir = web.lai_config_dir().unwrap();
    edit(config_dir.path());
    let cfg = config::load(&Location::Local(config_dir.path().to_path_buf()))
        .await
        .unwrap();
    assert!(
        cfg.diagnostics().iter().all(|d| !d.is_problem()),
        "{:#?}",
        cfg.diagnostics()
    );
    Harness {
        web,
        _config_dir: config_dir,
        engine_config: Arc::new(cfg),
    }
}

fn engine(h: &Harness, data: &Path, at: DateTime<Utc>, create: bool) -> Engine {
    let fetcher = Fetcher::new(FetchSettings {
        allow_private_networks: true,
        min_host_interval: std::time::Duration::from_millis(5),
        ..FetchSettings::default()
    })
    .unwrap();
    let store = DataStore::open(&Location::Local(data.to_path_buf()), create).unwrap();
    Engine::new(
        h.engine_config.clone(),
        fetcher,
        store,
        EngineOptions {
            now: Some(at),
            ..EngineOptions::default()
        },
    )
}

async fn run(engine: &Engine, req: RunRequest) -> RunReport {
    let plan = engine.plan(req.validate().unwrap()).unwrap();
    let mut results = engine.run(&plan, None, &NoProgress).await.unwrap();
    assert_eq!(results.len(), 1);
    results.remove(0).result.unwrap()
}

fn lai_request() -> RunRequest {
    RunRequest {
        client_id: Some("lai_weekly_v3".into()),
        ..RunRequest::default()
    }
}

fn stored(data: &Path, day: NaiveDate) -> Vec<Item> {
    let p = data.join(items_key("lai_weekly_v3", day));
    serde_json::from_str(
        &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingests_exactly_the_expected_items_of_every_lai_site() {
    let h = harness().await;
    let data = tempfile::tempdir().unwrap();
    let e = engine(&h, data.path(), now(), true);
    let report = run(&e, lai_request()).await;
    // The client's own default window: 30 days up to "today".
    let window_from = fixture_today() - Duration::days(29);
    assert_eq!(
        (report.window_from, report.window_to),
        (window_from, fixture_today())
    );
    let items = stored(data.path(), fixture_today());

    let mut failures = Vec::new();
    for exp in expectations() {
        let outcome = report
            .sources
            .iter()
            .find(|o| o.source_key == exp.source_key)
            .unwrap();
        if outcome.status != SourceStatus::Ok {
            failures.push(format!(
                "{}: status {:?} {:?}",
                exp.source_key, outcome.status, outcome.error
            ));
        }
        let want: BTreeSet<(String, String, Option<NaiveDate>)> = exp
            .entries
            .iter()
            .filter(|x| {
                x.lai_keep
                    && x.published
                        .is_none_or(|d| d >= window_from && d <= fixture_today())
            })
            .map(|x| (x.title.clone(), x.path.clone(), x.published))
            .collect();
        let got: BTreeSet<(String, String, Option<NaiveDate>)> = items
            .iter()
            .filter(|i| i.source_key == exp.source_key)
            .map(|i| {
                let path = url::Url::parse(&i.url)
                    .map(|u| match u.query() {
                        Some(q) => format!("{}?{q}", u.path()),
                        None => u.path().to_string(),
                    })
                    .unwrap_or_default();
                (i.title.clone(), path, i.published_at)
            })
            .collect();
        if want != got {
            failures.push(format!(
                "{}:\n  missing: {:#?}\n  unexpected: {:#?}",
                exp.source_key,
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>()
            ));
        }
        assert_eq!(
            outcome.items_kept,
            got.len(),
            "{}: items_kept",
            exp.source_key
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(report.items_final, items.len());
    assert_eq!(
        report.items_ingested,
        report.items_filtered_out + report.items_deduplicated + report.items_final,
        "every parsed entry is accounted for"
    );
    // Every item has a real date or none (never the day of ingestion by default).
    for i in &items {
        assert!(i.item_id.starts_with(&i.source_key));
        assert!(i.content_hash.starts_with("sha256:"));
        if let Some(d) = i.published_at {
            assert!(
                d >= window_from && d <= fixture_today(),
                "{} dated {d}",
                i.title
            );
        }
    }
    // The run report is stored next to the items.
    let runs = data.path().join("runs/lai_weekly_v3/2025/12/15");
    assert_eq!(std::fs::read_dir(runs).unwrap().count(), 1);
    drop(h.web);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_writes_nothing() {
    let h = harness().await;
    let data = tempfile::tempdir().unwrap();
    let target = data.path().join("data");
    let e = engine(&h, &target, now(), false);
    let report = run(
        &e,
        RunRequest {
            dry_run: true,
            ..lai_request()
        },
    )
    .await;
    assert!(
        report.items_final > 0,
        "a dry run still reports what it would write"
    );
    assert!(report.s3_output_path.is_none());
    assert!(!target.exists(), "dry run created {}", target.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reruns_merge_and_later_runs_only_add_what_is_new() {
    let h = harness().await;
    let data = tempfile::tempdir().unwrap();
    let first = run(&engine(&h, data.path(), now(), true), lai_request()).await;
    assert!(first.items_final > 0);
    let before = stored(data.path(), fixture_today());

    // Same day, again: the servers answer 304 to the stored validators; nothing new, nothing
    // lost, nothing duplicated.
    let again = run(
        &engine(&h, data.path(), now() + Duration::hours(2), true),
        lai_request(),
    )
    .await;
    assert_eq!(again.items_final, 0);
    for o in again.sources.iter().filter(|o| o.status.was_attempted()) {
        assert_eq!(o.status, SourceStatus::NotModified, "{}", o.source_key);
    }
    assert_eq!(again.sources_failed, 0, "not_modified is not a failure");
    assert_eq!(stored(data.path(), fixture_today()), before);
    let conditional = h
        .web
        .request_log()
        .iter()
        .filter(|r| r.header("if-none-match").is_some())
        .count();
    assert!(
        conditional >= 5,
        "validators were sent ({conditional} conditional requests)"
    );

    // Next day, with validators too old to be sent: full fetches, but the index knows everything
    // already ingested, so nothing is written again.
    let tomorrow = now() + Duration::days(1);
    let mut e = engine(&h, data.path(), tomorrow, true);
    e = e.with_options(EngineOptions {
        now: Some(tomorrow),
        validator_max_age: Duration::zero(),
        ..EngineOptions::default()
    });
    let next = run(&e, lai_request()).await;
    assert!(next.items_ingested > 0);
    assert_eq!(next.items_final, 0, "{:#?}", next.sources);
    assert_eq!(
        next.items_ingested,
        next.items_filtered_out + next.items_deduplicated
    );
    assert!(
        !data
            .path()
            .join(items_key("lai_weekly_v3", tomorrow.date_naive()))
            .exists()
    );

    // force_refresh ignores the index: everything in the window is written again.
    let forced = run(
        &e,
        RunRequest {
            force_refresh: true,
            ..lai_request()
        },
    )
    .await;
    assert!(
        forced.items_final > 0 && forced.items_final <= first.items_final,
        "{} vs {}",
        forced.items_final,
        first.items_final
    );
    assert_eq!(
        stored(data.path(), fixture_today()),
        before,
        "earlier days are never rewritten"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_subset_and_unknown_sources_are_reported() {
    let h = harness().await;
    let data = tempfile::tempdir().unwrap();
    let req = RunRequest {
        sources: Some(vec![
            "press_corporate__camurus".into(),
            "press_corporate__nope".into(),
        ]),
        ..lai_request()
    };
    let report = run(&engine(&h, data.path(), now(), true), req).await;
    let keys: Vec<(&str, SourceStatus)> = report
        .sources
        .iter()
        .map(|o| (o.source_key.as_str(), o.status))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("press_corporate__camurus", SourceStatus::Ok),
            ("press_corporate__nope", SourceStatus::UnknownSource)
        ]
    );
    assert_eq!(report.sources_processed, 1);
    assert!(
        stored(data.path(), fixture_today())
            .iter()
            .all(|i| i.source_key == "press_corporate__camurus")
    );
}

/// Profiles are checked at load and built on first use; a pattern that passes the check but is
/// too large to build fails the sources of the profiles that use it (named, as a config error),
/// and only those, while `build_all_profiles` (what `validate` runs) reports it up front.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_that_cannot_be_built_fails_only_its_sources() {
    // Loading does not build the matchers: the harness checks that it reports no problem.
    let h = harness_with(|dir| {
        let scopes = dir.join("canonical/scopes/exclusion_scopes.yaml");
        let text = std::fs::read_to_string(&scopes).unwrap();
        assert!(text.contains("\nanti_lai_routes:\n"));
        let text = text.replace(
            "\nanti_lai_routes:\n",
            "\nanti_lai_routes:\n- '\\w{5000}\\w{5000}'\n",
        );
        std::fs::write(&scopes, text).unwrap();
    })
    .await;
    let mut thorough = (*h.engine_config).clone();
    thorough.build_all_profiles();
    let errors: Vec<String> = thorough
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}: {}", d.file, d.key, d.message))
        .collect();
    assert!(
        errors.iter().any(|e| e.starts_with(
            "canonical/ingestion/ingestion_profiles.yaml: profiles.corporate_pure_player_broad.signal_requirements.exclusion_scopes[3]: scope exclusion_scopes.anti_lai_routes: invalid pattern"
        )),
        "{errors:#?}"
    );

    let data = tempfile::tempdir().unwrap();
    let report = run(&engine(&h, data.path(), now(), true), lai_request()).await;
    let mut broken = 0;
    for o in &report.sources {
        let profile = h.engine_config.sources()[&o.source_key].profile.as_deref();
        if profile == Some("corporate_pure_player_broad") {
            broken += 1;
            assert_eq!(o.status, SourceStatus::ConfigError, "{}", o.source_key);
            let error = o.error.as_deref().unwrap_or_default();
            assert!(
                error.starts_with("ingestion profile `corporate_pure_player_broad` cannot be used: exclusion_scopes[3]: scope exclusion_scopes.anti_lai_routes: invalid pattern"),
                "{error}"
            );
            assert_eq!(o.items_kept, 0);
        } else {
            assert_eq!(
                o.status,
                SourceStatus::Ok,
                "{}: {:?}",
                o.source_key,
                o.error
            );
        }
    }
    assert_eq!(
        broken, 5,
        "the five corporate sources use the broken profile"
    );
    assert!(report.items_final > 0, "the press sources still deliver");
    let items = stored(data.path(), fixture_today());
    assert!(items.iter().all(
        |i| h.engine_config.sources()[&i.source_key].profile.as_deref()
            == Some("press_technology_focused")
    ));
}
