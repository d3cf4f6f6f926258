//! The engine's per-source report and stored items when sources misbehave, with the guard ON (only
//! the test web's listeners allowed): one run over a catalog of faulty sources, conditional GET on a
//! rerun, validators past their age, deadlines that a hanging source must not overrun, and two runs
//! of the same client at the same time.

mod fetch_support;

use fetch_support::*;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use vectora_core::fetch::FetchSettings;
use vectora_core::model::content_hash;
use vectora_core::{EngineOptions, RunRequest, RunStatus, SourceStatus};
use vectora_testweb::{Fault, FaultRule, TestWeb, TestWebConfig};

fn encode(u: &str) -> String {
    url::form_urlencoded::byte_serialize(u.as_bytes()).collect()
}

/// Titles of the French newsroom page below, with letters where Windows-1252, Latin-1 and UTF-8
/// all differ (€, curly quotes, dashes).
const FRENCH_TITLES: [&str; 3] = [
    "Société Exemple signe un accord de licence de 12 M€ pour son injectable à action prolongée",
    "Résultats positifs de l’étude de phase 3 – « une avancée majeure »",
    "Société Exemple lève 40 M€ pour développer sa plateforme à libération prolongée",
];

/// A sites folder with one French newsroom (no `<meta charset>`), served as UTF-8 normally and as
/// Windows-1252 without a charset through `/fault/windows-1252/sites/french/`.
fn french_sites() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("french")).unwrap();
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head><title>Communiqués de presse – Société Exemple</title></head>\n<body>\n<main>\n<h1>Communiqués de presse</h1>\n<div class=\"news-list\">\n",
    );
    for (n, title) in FRENCH_TITLES.iter().enumerate() {
        page.push_str(&format!(
            "<article class=\"news-item\">\n<h3><a href=\"{{{{site}}}}/communiques/{n}/\">{title}</a></h3>\n<time datetime=\"2025-12-1{n}\">1{n} décembre 2025</time>\n<p>« Un jalon clé », déclare le directeur général – communiqué numéro {n} de la société.</p>\n</article>\n"
        ));
    }
    page.push_str("</div>\n</main>\n</body>\n</html>\n");
    std::fs::write(dir.path().join("french/index.html"), page).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_gets_its_status_and_only_good_sources_store_items() {
    let sites = french_sites();
    let web = TestWeb::start(TestWebConfig {
        sites_dir: sites.path().to_path_buf(),
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let base = web.base_url().to_string();
    web.set_fault(
        "/synthetic/1/feed/",
        FaultRule::new(Fault::Status(500)).times(1),
    );
    let mut insecure = TestSource::rss("insecure", format!("{base}/synthetic/7/feed/"));
    insecure.ssl_verify = Some(false);
    let sources = vec![
        TestSource::rss("plain", format!("{base}/synthetic/0/feed/")),
        TestSource::rss("flaky", format!("{base}/synthetic/1/feed/")),
        TestSource::rss(
            "throttled",
            format!("{base}/fault/retry-after/1/synthetic/2/feed/"),
        ),
        TestSource::rss("gzipped", format!("{base}/fault/gzip/synthetic/3/feed/")),
        TestSource::html("listing", format!("{base}/synthetic/4/news/")),
        TestSource::html("cp1252", format!("{base}/fault/windows-1252/sites/french/")),
        TestSource::rss("hanging", format!("{base}/fault/hang")),
        TestSource::rss("huge", format!("{base}/fault/large/4")),
        TestSource::rss("looping", format!("{base}/fault/redirect-loop")),
        TestSource::rss("missing", format!("{base}/no/such/feed/")),
        TestSource::rss("down", format!("{base}/fault/status/503")),
        TestSource::rss("metadata", "http://169.254.169.254/latest/meta-data/"),
        TestSource::rss(
            "runtime_api",
            format!(
                "{base}/fault/redirect-to?url={}",
                encode("http://127.0.0.1:9001/2018-06-01/runtime/invocation/next")
            ),
        ),
        TestSource::rss("not_a_feed", format!("{base}/synthetic/5/")),
        insecure,
    ];
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    let settings = FetchSettings {
        request_timeout: Duration::from_millis(300),
        max_attempts: 2,
        ..fast_settings(&web)
    };
    let e = engine(&cfg, settings, data.path(), EngineOptions::default());
    let started = Instant::now();
    let report = run(&e, &request(), None).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let items = stored(data.path());

    // (source, status, http_status, attempts)
    let expected: &[(&str, SourceStatus, Option<u16>, u32)] = &[
        ("plain", SourceStatus::Ok, Some(200), 1),
        ("flaky", SourceStatus::Ok, Some(200), 2),
        ("throttled", SourceStatus::Ok, Some(200), 2),
        ("gzipped", SourceStatus::Ok, Some(200), 1),
        ("listing", SourceStatus::Ok, Some(200), 1),
        ("cp1252", SourceStatus::Ok, Some(200), 1),
        ("hanging", SourceStatus::Timeout, None, 2),
        ("huge", SourceStatus::TooLarge, Some(200), 1),
        ("looping", SourceStatus::HttpError, Some(302), 1),
        ("missing", SourceStatus::HttpError, Some(404), 1),
        ("down", SourceStatus::HttpError, Some(503), 2),
        ("metadata", SourceStatus::Blocked, None, 0),
        ("runtime_api", SourceStatus::Blocked, Some(302), 1),
        ("insecure", SourceStatus::Ok, Some(200), 1),
    ];
    for (key, status, http, attempts) in expected {
        let o = outcome(&report, key);
        assert_eq!(
            (o.status, o.http_status, o.attempts),
            (*status, *http, *attempts),
            "{key}: {o:#?}"
        );
        assert_eq!(
            o.status.is_failure(),
            o.error.is_some(),
            "{key}: an error message exactly on failures: {o:#?}"
        );
        if o.status == SourceStatus::Ok {
            assert!(
                o.bytes > 0 && o.items_kept > 0 && o.items_kept <= o.items_parsed,
                "{key}: {o:#?}"
            );
        } else {
            assert_eq!(o.items_kept, 0, "{key}");
            assert!(stored_paths(&items, key).is_empty(), "{key} stored nothing");
        }
    }
    // A page that is not a feed fails to parse (not a fetch failure).
    assert!(matches!(
        outcome(&report, "not_a_feed").status,
        SourceStatus::ParseError | SourceStatus::Malformed | SourceStatus::Empty
    ));
    assert!(
        outcome(&report, "looping")
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("redirect")
    );
    assert!(
        outcome(&report, "runtime_api")
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("127.0.0.1:9001")
    );
    assert!(
        outcome(&report, "insecure")
            .warnings
            .iter()
            .any(|w| w.contains("ssl_verify"))
    );

    // The stored items are exactly the good sources' entries, each once.
    let good = [
        ("plain", 0),
        ("flaky", 1),
        ("throttled", 2),
        ("gzipped", 3),
        ("listing", 4),
        ("insecure", 7),
    ];
    let prefixes: Vec<String> = good
        .iter()
        .map(|(_, i)| format!("/synthetic/{i}"))
        .collect();
    let order: Vec<(usize, &str)> = good
        .iter()
        .zip(&prefixes)
        .map(|((_, i), p)| (*i, p.as_str()))
        .collect();
    for ((key, _), want) in good.iter().zip(expected_paths(&web, &order)) {
        assert_eq!(stored_paths(&items, key), want, "{key}");
    }
    let mut cp1252: Vec<&str> = items
        .iter()
        .filter(|i| i.source_key == "cp1252")
        .map(|i| i.title.as_str())
        .collect();
    cp1252.sort();
    let mut want = FRENCH_TITLES.to_vec();
    want.sort();
    assert_eq!(cp1252, want, "Windows-1252 without a charset is decoded");
    let sent = web.requests_for("/fault/windows-1252/sites/french/");
    assert_eq!(sent.len(), 1);
    let urls: BTreeSet<&str> = items.iter().map(|i| i.url.as_str()).collect();
    assert_eq!(urls.len(), items.len(), "no duplicates");
    assert_eq!(report.items_final, items.len());
    assert_eq!(report.status, RunStatus::Partial);
    // Nothing was sent to a refused address: every request went to the test web's listener.
    assert!(
        web.request_log()
            .iter()
            .all(|r| r.path != "/latest/meta-data/")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_gets_304s_and_old_validators_are_dropped() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let base = web.base_url().to_string();
    let sources: Vec<TestSource> = (0..3)
        .map(|i| TestSource::rss(&format!("feed_{i}"), format!("{base}/synthetic/{i}/feed/")))
        .collect();
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();

    let first = run(
        &engine(
            &cfg,
            fast_settings(&web),
            data.path(),
            EngineOptions::default(),
        ),
        &request(),
        None,
    )
    .await;
    assert_eq!(first.status, RunStatus::Success);
    let before = stored(data.path());
    assert_eq!(before.len(), first.items_final);
    assert!(!before.is_empty());

    // Same day: validators are sent, every source is not_modified, nothing changes.
    web.clear_request_log();
    let again = run(
        &engine(
            &cfg,
            fast_settings(&web),
            data.path(),
            EngineOptions::default(),
        ),
        &request(),
        None,
    )
    .await;
    for s in &sources {
        let o = outcome(&again, &s.key);
        assert_eq!(
            (
                o.status,
                o.http_status,
                o.items_parsed,
                o.items_kept,
                o.bytes
            ),
            (SourceStatus::NotModified, Some(304), 0, 0, 0)
        );
        assert!(o.error.is_none());
    }
    assert_eq!(
        (again.sources_failed, again.items_final, again.status),
        (0, 0, RunStatus::Success)
    );
    assert!(
        web.request_log()
            .iter()
            .all(|r| r.header("if-none-match").is_some()),
        "validators sent"
    );
    assert_eq!(stored(data.path()), before);

    // Validators older than the configured age are not sent: a full response comes back, and the
    // index keeps the already-ingested items from being written again.
    web.clear_request_log();
    let options = EngineOptions {
        now: Some(now() + chrono::Duration::hours(1)),
        validator_max_age: chrono::Duration::minutes(30),
        ..EngineOptions::default()
    };
    let e = engine(&cfg, fast_settings(&web), data.path(), options);
    let aged = run(&e, &request(), None).await;
    assert!(
        web.request_log()
            .iter()
            .all(|r| r.header("if-none-match").is_none()),
        "{:?}",
        web.request_log()
    );
    for s in &sources {
        assert_eq!(outcome(&aged, &s.key).status, SourceStatus::Ok);
    }
    assert_eq!(aged.items_final, 0, "{:#?}", aged.sources);
    assert_eq!(stored(data.path()), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_source_does_not_keep_the_run_past_its_deadline() {
    let web = TestWeb::start_many(TestWebConfig::default(), 3)
        .await
        .unwrap();
    let urls = web.base_urls().to_vec();
    let sources = vec![
        TestSource::rss("hanging", format!("{}/fault/hang", urls[0])),
        TestSource::rss(
            "slow_body",
            format!("{}/fault/drip?bytes=8&interval_ms=200", urls[1]),
        ),
        TestSource::rss("good", format!("{}/feed/", urls[2])),
    ];
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    // Long request timeouts and source deadlines: only the run's deadline can stop the hang.
    let settings = FetchSettings {
        request_timeout: Duration::from_secs(60),
        source_deadline: Duration::from_secs(60),
        ..fast_settings(&web)
    };

    let data = tempfile::tempdir().unwrap();
    let e = engine(
        &cfg,
        settings.clone(),
        data.path(),
        EngineOptions::default(),
    );
    let started = Instant::now();
    let report = run(
        &e,
        &request(),
        Some(tokio::time::Instant::now() + Duration::from_millis(800)),
    )
    .await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(2000),
        "the run ended at its deadline: {took:?}"
    );
    let hanging = outcome(&report, "hanging");
    assert_eq!(
        (hanging.status, hanging.attempts, hanging.http_status),
        (SourceStatus::Timeout, 1, None)
    );
    assert!(
        hanging
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("run's deadline"),
        "{hanging:?}"
    );
    let slow = outcome(&report, "slow_body");
    assert_eq!(
        (slow.status, slow.http_status),
        (SourceStatus::Timeout, Some(200))
    );
    assert_eq!(outcome(&report, "good").status, SourceStatus::Ok);
    assert_eq!(
        stored_paths(&stored(data.path()), "good"),
        synthetic_paths(&web, 2, "")
    );

    // Without a run deadline, the source deadline does the same.
    let data = tempfile::tempdir().unwrap();
    let settings = FetchSettings {
        source_deadline: Duration::from_millis(600),
        ..settings
    };
    let e = engine(&cfg, settings, data.path(), EngineOptions::default());
    let started = Instant::now();
    let report = run(&e, &request(), None).await;
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "{:?}",
        started.elapsed()
    );
    let hanging = outcome(&report, "hanging");
    assert_eq!(hanging.status, SourceStatus::Timeout);
    assert!(
        hanging
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("source's deadline"),
        "{hanging:?}"
    );
    assert!(
        hanging.duration_ms >= 550 && hanging.duration_ms < 1500,
        "{}",
        hanging.duration_ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_runs_of_a_client_store_every_item_once() {
    // Latency makes the two runs overlap for real.
    let web = TestWeb::start_many(
        TestWebConfig {
            latency: Duration::from_millis(60),
            ..TestWebConfig::default()
        },
        8,
    )
    .await
    .unwrap();
    let sources: Vec<TestSource> = web
        .base_urls()
        .iter()
        .enumerate()
        .map(|(i, b)| TestSource::rss(&format!("site_{i}"), format!("{b}/feed/")))
        .collect();
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    // Two engines (two processes' worth: separate fetchers, separate store handles), overlapping
    // source sets: 0..5 and 3..8.
    let a = engine(
        &cfg,
        fast_settings(&web),
        data.path(),
        EngineOptions::default(),
    );
    let b = engine(
        &cfg,
        fast_settings(&web),
        data.path(),
        EngineOptions::default(),
    );
    let req_a = RunRequest {
        sources: Some((0..5).map(|i| format!("site_{i}")).collect()),
        ..request()
    };
    let req_b = RunRequest {
        sources: Some((3..8).map(|i| format!("site_{i}")).collect()),
        ..request()
    };
    let (ra, rb) = tokio::join!(run(&a, &req_a, None), run(&b, &req_b, None));
    assert_eq!(
        (ra.status, rb.status),
        (RunStatus::Success, RunStatus::Success)
    );

    // What each run keeps on its own; together, the union, each release once: a release the two
    // runs kept under two addresses (one summary on site_1 and on site_4, say) is stored by the
    // run that wrote first, as a single run or two runs one after the other would keep it once.
    let run_a = expected_paths(&web, &(0..5).map(|i| (i, "")).collect::<Vec<_>>());
    let run_b = expected_paths(&web, &(3..8).map(|i| (i, "")).collect::<Vec<_>>());
    let items = stored(data.path());
    // The content hashes that identify a stored item (substantial texts: a short teaser is no
    // identity, so an item with one must be stored at its own address).
    let identified: Vec<&str> = items.iter().filter_map(|i| i.hash_identity()).collect();
    let distinct: BTreeSet<&str> = identified.iter().copied().collect();
    assert_eq!(distinct.len(), identified.len(), "no release stored twice");
    for i in 0..8 {
        let mut want: BTreeSet<String> = BTreeSet::new();
        if i < 5 {
            want.extend(run_a[i].iter().cloned());
        }
        if i >= 3 {
            want.extend(run_b[i - 3].iter().cloned());
        }
        let here: BTreeSet<String> = stored_paths(&items, &format!("site_{i}"))
            .into_iter()
            .collect();
        assert!(
            here.is_subset(&want),
            "site_{i}: {here:?} not within {want:?}"
        );
        for entry in web.synthetic_site(i).entries() {
            if want.contains(&entry.path()) && !here.contains(&entry.path()) {
                assert!(
                    distinct.contains(content_hash(&entry.summary).as_str()),
                    "site_{i}: {} is stored under no address",
                    entry.path()
                );
            }
        }
    }
    let urls: BTreeSet<&str> = items.iter().map(|i| i.url.as_str()).collect();
    assert_eq!(urls.len(), items.len(), "no item stored twice");
    let expected = items.len();
    assert_eq!(
        ra.items_final + rb.items_final,
        expected,
        "each item counted once, by the run that added it"
    );

    // A third run (validators dropped, full fetches) finds everything already ingested.
    let options = EngineOptions {
        now: Some(now() + chrono::Duration::hours(1)),
        validator_max_age: chrono::Duration::minutes(30),
        ..EngineOptions::default()
    };
    let c = engine(&cfg, fast_settings(&web), data.path(), options);
    let rc = run(&c, &request(), None).await;
    assert_eq!(rc.items_final, 0, "{:#?}", rc.sources);
    assert_eq!(stored(data.path()).len(), expected);
}

/// Bytes received are reported on failures too (a body past the cap, an error page, a body cut by
/// the deadline). Needs the pipeline to copy `FetchError::bytes` into the outcome (one line in
/// `fetch_and_parse`: `outcome.bytes = e.bytes;`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sources_report_the_bytes_received() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let base = web.base_url().to_string();
    let sources = vec![
        TestSource::rss("huge", format!("{base}/fault/large/4")),
        TestSource::rss("down", format!("{base}/fault/status/503")),
        TestSource::rss(
            "slow_body",
            format!("{base}/fault/drip?bytes=8&interval_ms=100"),
        ),
    ];
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    let settings = FetchSettings {
        max_attempts: 1,
        ..fast_settings(&web)
    };
    let report = run(
        &engine(&cfg, settings, data.path(), EngineOptions::default()),
        &request(),
        None,
    )
    .await;
    let huge = outcome(&report, "huge");
    assert_eq!(
        (huge.status, huge.http_status),
        (SourceStatus::TooLarge, Some(200))
    );
    assert!(
        huge.bytes > 256 * 1024 && huge.bytes < 4 * 1024 * 1024,
        "{huge:?}"
    );
    let down = outcome(&report, "down");
    assert_eq!(
        (down.status, down.http_status),
        (SourceStatus::HttpError, Some(503))
    );
    assert!(down.bytes > 50, "the error page was counted: {down:?}");
    let slow = outcome(&report, "slow_body");
    assert_eq!(
        (slow.status, slow.http_status),
        (SourceStatus::Timeout, Some(200))
    );
    assert!(slow.bytes >= 8, "{slow:?}");
}
