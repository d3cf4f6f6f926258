//! Source health over successive runs, end to end: the bundled LAI config against the local test
//! web (a copy of its fixture sites that the test edits between runs), the real engine writing to
//! a local folder and to S3 (moto). One site starts failing and recovers, one feed goes empty
//! (it still answers 200, with no entry), and after a month without news every source is stale.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vectora_core::config;
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::health::{HealthState, HealthStatus};
use vectora_core::store::health_key;
use vectora_core::store::{DataStore, Location};
use vectora_core::{Engine, EngineOptions, NoProgress, RunReport, RunRequest, SourceStatus};
use vectora_testweb::{Fault, TestWeb, TestWebConfig, fixture_sites_dir, fixture_today};

const CLIENT: &str = "lai_weekly_v3";
const CAMURUS: &str = "press_corporate__camurus";
const FIERCEBIOTECH: &str = "press_sector__fiercebiotech";
const MEDINCELL: &str = "press_corporate__medincell";
const ENDPOINTS: &str = "press_sector__endpoints_news";
/// Camurus's newsroom listing (per-site listener: the site is served at the root).
const CAMURUS_LISTING: &str = "/media/press-releases/";

/// An RSS feed that answers but lists nothing (RSSHub's "this route is empty").
const EMPTY_FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Fierce Biotech</title><link>https://www.fiercebiotech.com</link>
<description>Biotech news</description></channel></rss>"#;

struct Web {
    web: TestWeb,
    sites: tempfile::TempDir,
    config: Arc<config::Config>,
    _config_dir: vectora_testweb::LaiConfigDir,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The test web over a private copy of the fixture sites, and the LAI config pointing at it.
async fn start_web() -> Web {
    start_web_with(|_| {}).await
}

/// The same, with `edit` applied to the config folder before it is loaded.
async fn start_web_with(edit: impl FnOnce(&Path)) -> Web {
    let sites = tempfile::tempdir().unwrap();
    copy_dir(&fixture_sites_dir(), sites.path());
    let web = TestWeb::start(TestWebConfig {
        sites_dir: sites.path().to_path_buf(),
        site_ports: true,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let config_dir = web.lai_config_dir().unwrap();
    edit(config_dir.path());
    let config = config::load(&Location::Local(config_dir.path().to_path_buf()))
        .await
        .unwrap();
    Web {
        web,
        sites,
        config: Arc::new(config),
        _config_dir: config_dir,
    }
}

impl Web {
    fn feed_file(&self) -> PathBuf {
        self.sites.path().join("fiercebiotech/rss/xml/index.xml")
    }

    async fn run(&self, store: &DataStore, at: DateTime<Utc>, dry_run: bool) -> RunReport {
        let fetcher = Fetcher::new(FetchSettings {
            allow_private_networks: true,
            min_host_interval: std::time::Duration::from_millis(5),
            ..FetchSettings::default()
        })
        .unwrap();
        let engine = Engine::new(
            self.config.clone(),
            fetcher,
            store.clone(),
            EngineOptions {
                now: Some(at),
                ..EngineOptions::default()
            },
        );
        let req = RunRequest {
            client_id: Some(CLIENT.into()),
            dry_run,
            ..RunRequest::default()
        };
        let plan = engine.plan(req.validate().unwrap()).unwrap();
        let mut results = engine.run(&plan, None, &NoProgress).await.unwrap();
        results.remove(0).result.unwrap()
    }
}

fn day(n: i64) -> DateTime<Utc> {
    Utc.from_utc_datetime(&fixture_today().and_hms_opt(6, 0, 0).unwrap()) + Duration::days(n)
}

fn health_of(report: &RunReport, key: &str) -> (SourceStatus, Option<HealthStatus>, u32, u32) {
    let o = report
        .sources
        .iter()
        .find(|o| o.source_key == key)
        .unwrap_or_else(|| panic!("{key} not in the report"));
    (
        o.status,
        o.health,
        o.consecutive_failures,
        o.consecutive_empty,
    )
}

/// The whole life: new → failing → recovering; ok → empty; then stale. Returns the final state
/// as read back from the store.
async fn live_through_the_transitions(web: &Web, store: &DataStore) -> HealthState {
    // Day 0: every source answers; first run, so every source is new.
    let r = web.run(store, day(0), false).await;
    for o in &r.sources {
        assert_eq!(o.health, Some(HealthStatus::New), "{o:?}");
        assert_eq!(o.last_success, Some(day(0)), "{o:?}");
    }
    let medincell = r
        .sources
        .iter()
        .find(|o| o.source_key == MEDINCELL)
        .unwrap();
    assert!(
        medincell.newest_item.is_some_and(|d| d <= fixture_today()),
        "{medincell:?}"
    );
    // The filter's reasons are in the report: Endpoints' job ad and event promotion.
    let endpoints = r
        .sources
        .iter()
        .find(|o| o.source_key == ENDPOINTS)
        .unwrap();
    let job_ad = endpoints
        .filtered
        .iter()
        .find(|f| f.title.contains("seeks a senior biopharma reporter"))
        .unwrap_or_else(|| panic!("job ad not recorded: {:?}", endpoints.filtered));
    assert!(
        job_ad
            .reason
            .starts_with("missing signals: entity_signals AND"),
        "{job_ad:?}"
    );
    assert!(job_ad.url.starts_with("http://127.0.0.1:"), "{job_ad:?}");
    let exclusions: Vec<String> = r
        .sources
        .iter()
        .flat_map(|o| &o.filtered)
        .filter(|f| f.reason.starts_with("excluded by"))
        .map(|f| format!("{}: {}", f.title, f.reason))
        .collect();
    assert!(
        exclusions.iter().any(|e| e.starts_with(
            "Medincell is hiring: Senior Formulation Scientist, Long-Acting Injectables (Montpellier): excluded by exclusion_scopes.hr_recruitment_terms: \"hiring\""
        )),
        "{exclusions:#?}"
    );

    // Day 1: Camurus's newsroom answers 404.
    web.web.set_fault(CAMURUS_LISTING, Fault::Status(404));
    let r = web.run(store, day(1), false).await;
    assert_eq!(
        health_of(&r, CAMURUS),
        (SourceStatus::HttpError, Some(HealthStatus::Failing), 1, 0)
    );
    assert_eq!(health_of(&r, MEDINCELL).1, Some(HealthStatus::Ok));
    let camurus = r.sources.iter().find(|o| o.source_key == CAMURUS).unwrap();
    assert_eq!(camurus.last_success, Some(day(0)));

    // Day 2: still failing; Fierce Biotech's feed answers with no entry (one empty run: not yet
    // a problem, a quiet day looks the same).
    std::fs::write(web.feed_file(), EMPTY_FEED).unwrap();
    let r = web.run(store, day(2), false).await;
    assert_eq!(health_of(&r, CAMURUS).2, 2);
    assert_eq!(
        health_of(&r, FIERCEBIOTECH),
        (SourceStatus::Empty, Some(HealthStatus::Ok), 0, 1)
    );

    // A dry run shows what the next run would make of it, and stores nothing.
    let before = store.get(&health_key(CLIENT)).await.unwrap().unwrap();
    let dry = web.run(store, day(3), true).await;
    assert_eq!(health_of(&dry, CAMURUS).2, 3);
    assert_eq!(
        store.get(&health_key(CLIENT)).await.unwrap().unwrap(),
        before
    );

    // Day 3: Camurus recovers; the feed is empty a second time in a row (the server says 304,
    // the same empty feed): `empty`.
    web.web.clear_fault(CAMURUS_LISTING);
    let r = web.run(store, day(3), false).await;
    let (status, health, failures, _) = health_of(&r, CAMURUS);
    assert!(!status.is_failure(), "{status:?}");
    assert_eq!((health, failures), (Some(HealthStatus::Ok), 0));
    assert_eq!(
        health_of(&r, FIERCEBIOTECH),
        (SourceStatus::NotModified, Some(HealthStatus::Empty), 0, 2)
    );

    // Day 40: the feed is back, but no source has published anything for over 30 days.
    std::fs::copy(
        fixture_sites_dir().join("fiercebiotech/rss/xml/index.xml"),
        web.feed_file(),
    )
    .unwrap();
    let r = web.run(store, day(40), false).await;
    for o in &r.sources {
        assert_eq!(o.health, Some(HealthStatus::Stale), "{o:?}");
        assert_eq!(o.items_kept, 0, "{o:?}");
    }

    let state = HealthState::load(store, CLIENT).await.unwrap();
    let camurus = &state.sources[CAMURUS];
    assert_eq!(camurus.runs, 5);
    assert_eq!(camurus.first_seen, day(0));
    assert_eq!(camurus.last_success, Some(day(40)));
    let err = camurus.last_error.as_ref().unwrap();
    assert_eq!(
        (err.at, err.status, err.http_status),
        (day(2), SourceStatus::HttpError, Some(404))
    );
    assert!(camurus.last_new_item.is_some_and(|t| t == day(0)));
    assert!(state.sources[MEDINCELL].consecutive_unchanged >= 4);
    assert_eq!(state.updated_at, Some(day(40)));
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_across_runs_in_a_local_folder() {
    let web = start_web().await;
    let data = tempfile::tempdir().unwrap();
    let store = DataStore::open(&Location::Local(data.path().to_path_buf()), true).unwrap();
    let state = live_through_the_transitions(&web, &store).await;
    assert_eq!(state.sources.len(), 8);
    // The file is plain JSON next to the ingestion index.
    let file = data.path().join("state").join(CLIENT).join("health.json");
    let on_disk: HealthState = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    assert_eq!(on_disk, state);
    assert!(
        data.path()
            .join("state")
            .join(CLIENT)
            .join("index.json")
            .is_file()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_across_runs_on_s3() {
    let moto = support::Moto::start();
    // No other test of this binary reads the environment, so setting it here is sound.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL", &moto.endpoint);
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
    }
    moto.create_bucket("vectora-health");
    let web = start_web().await;
    let store =
        DataStore::open(&Location::parse("s3://vectora-health/data").unwrap(), true).unwrap();
    let state = live_through_the_transitions(&web, &store).await;
    let raw = moto
        .get("vectora-health", &format!("data/{}", health_key(CLIENT)))
        .expect("health.json in the bucket");
    let stored: HealthState = serde_json::from_slice(&raw).unwrap();
    assert_eq!(stored, state);
}

/// A health file that cannot be read is replaced, and the run (its items, its report) goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_health_file_is_started_anew() {
    let web = start_web().await;
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("state").join(CLIENT).join("health.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"{not json").unwrap();
    let store = DataStore::open(&Location::Local(data.path().to_path_buf()), true).unwrap();
    let r = web.run(&store, day(0), false).await;
    assert!(r.items_final > 0);
    assert!(
        r.sources
            .iter()
            .all(|o| o.health == Some(HealthStatus::New))
    );
    let state: HealthState = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(state.sources.len(), 8);
}

/// `pipeline.stale_after_days` of the client file moves the threshold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stale_threshold_is_the_clients() {
    let web = start_web_with(|dir| {
        let file = dir.join("clients").join(format!("{CLIENT}.yaml"));
        let text = std::fs::read_to_string(&file).unwrap();
        let edited = text.replacen("pipeline:\n", "pipeline:\n  stale_after_days: 60\n", 1);
        assert_ne!(edited, text);
        std::fs::write(&file, edited).unwrap();
    })
    .await;
    assert_eq!(web.config.clients()[CLIENT].stale_after_days, 60);
    let data = tempfile::tempdir().unwrap();
    let store = DataStore::open(&Location::Local(data.path().to_path_buf()), true).unwrap();
    web.run(&store, day(0), false).await;
    let r = web.run(&store, day(40), false).await;
    for o in &r.sources {
        assert_eq!(o.health, Some(HealthStatus::Ok), "{o:?}");
    }
    let r = web.run(&store, day(61), false).await;
    for o in &r.sources {
        assert_eq!(o.health, Some(HealthStatus::Stale), "{o:?}");
    }
}
