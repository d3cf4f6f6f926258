//! Politeness through the engine, judged on the server's request log: the sources of one host are
//! spaced by the host's interval (from the catalog) and never overlap, while other hosts proceed in
//! parallel; a run over many hosts is as parallel as the configured concurrency.

mod fetch_support;

use fetch_support::*;
use std::time::{Duration, Instant};
use vectora_core::fetch::FetchSettings;
use vectora_core::{EngineOptions, RunStatus, SourceStatus};
use vectora_testweb::{TestWeb, TestWebConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_sources_on_one_host_respect_its_interval() {
    const INTERVAL_MS: u64 = 60;
    let web = TestWeb::start_many(TestWebConfig::default(), 5)
        .await
        .unwrap();
    let urls = web.base_urls().to_vec();
    // Four other hosts first (so the concurrency slots are not all queued on the busy host), then
    // twenty sources of host 0, each with the catalog's interval override.
    let mut sources: Vec<TestSource> = (1..5)
        .map(|h| {
            TestSource::rss(
                &format!("other_{h}"),
                format!("{}/synthetic/{h}/feed/", urls[h]),
            )
        })
        .collect();
    for i in 0..20 {
        let path = if i % 2 == 0 { "feed/" } else { "news/" };
        let mut s = TestSource::rss(
            &format!("busy_{i:02}"),
            format!("{}/synthetic/{}/{path}", urls[0], 10 + i),
        );
        if i % 2 == 1 {
            s.mode = "html";
        }
        sources.push(s.interval_ms(INTERVAL_MS));
    }
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    // The default interval is tiny: the 60 ms must come from the catalog.
    let settings = FetchSettings {
        min_host_interval: Duration::from_millis(1),
        ..fast_settings(&web)
    };
    let e = engine(
        &cfg,
        settings,
        data.path(),
        EngineOptions {
            concurrency: 16,
            ..EngineOptions::default()
        },
    );
    let report = run(&e, &request(), None).await;
    assert_eq!(report.status, RunStatus::Success, "{:#?}", report.sources);

    let log = web.request_log();
    let busy_port = addr_of(&urls[0]).port();
    let busy: Vec<_> = log.iter().filter(|r| r.port() == busy_port).collect();
    assert_eq!(busy.len(), 20, "one request per source");
    for pair in busy.windows(2) {
        let gap = pair[1].since_start.saturating_sub(pair[0].since_start);
        // The client spaces its sends by the interval; arrival times at the server jitter by a
        // few ms on a loaded machine (without politeness these gaps would be ~0).
        assert!(
            gap >= Duration::from_millis(INTERVAL_MS - 15),
            "requests {gap:?} apart: {:?} then {:?}",
            pair[0].path,
            pair[1].path
        );
    }
    assert!(
        busy.iter().all(|r| r.in_flight_on_listener == 1),
        "never two requests at once on one host"
    );
    let span = busy[19].since_start - busy[0].since_start;
    assert!(
        span >= Duration::from_millis(19 * INTERVAL_MS - 20),
        "{span:?}"
    );

    // The other hosts were not held up behind the busy one.
    let others: Vec<_> = log.iter().filter(|r| r.port() != busy_port).collect();
    assert_eq!(others.len(), 4);
    assert!(
        others.iter().all(|r| r.since_start < busy[3].since_start),
        "other hosts proceeded at once"
    );

    // And every source's items are stored, once.
    let items = stored(data.path());
    let sites: Vec<usize> = (1..5).chain(10..30).collect();
    let prefixes: Vec<String> = sites.iter().map(|i| format!("/synthetic/{i}")).collect();
    let order: Vec<(usize, &str)> = sites
        .iter()
        .zip(&prefixes)
        .map(|(i, p)| (*i, p.as_str()))
        .collect();
    let keys: Vec<String> = (1..5)
        .map(|h| format!("other_{h}"))
        .chain((0..20).map(|i| format!("busy_{i:02}")))
        .collect();
    for (key, want) in keys.iter().zip(expected_paths(&web, &order)) {
        assert_eq!(&stored_paths(&items, key), &want, "{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_hosts_are_fetched_in_parallel() {
    const HOSTS: usize = 96;
    // Every response takes 150 ms, like a real newsroom; the default 1 s per-host interval applies.
    let web = TestWeb::start_many(
        TestWebConfig {
            latency: Duration::from_millis(150),
            ..TestWebConfig::default()
        },
        HOSTS,
    )
    .await
    .unwrap();
    let sources: Vec<TestSource> = web
        .base_urls()
        .iter()
        .enumerate()
        .map(|(i, b)| TestSource::rss(&format!("host_{i:03}"), format!("{b}/feed/")))
        .collect();
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    let settings = FetchSettings {
        min_host_interval: FetchSettings::default().min_host_interval,
        request_timeout: Duration::from_secs(5),
        ..fast_settings(&web)
    };
    let e = engine(
        &cfg,
        settings,
        data.path(),
        EngineOptions {
            concurrency: 16,
            ..EngineOptions::default()
        },
    );
    let started = Instant::now();
    let report = run(&e, &request(), None).await;
    let took = started.elapsed();
    assert!(
        report.sources.iter().all(|o| o.status == SourceStatus::Ok),
        "{:#?}",
        report.sources
    );
    // Sequentially this is 96 × 150 ms = 14.4 s; 16 at a time, about 1 s.
    assert!(took < Duration::from_secs(4), "{took:?}");
    let peak = web
        .request_log()
        .iter()
        .map(|r| r.since_start)
        .collect::<Vec<_>>();
    let concurrent_at_peak = peak
        .iter()
        .map(|t| {
            peak.iter()
                .filter(|u| **u >= *t && **u < *t + Duration::from_millis(150))
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(
        concurrent_at_peak >= 8,
        "requests overlapped: {concurrent_at_peak} within one latency"
    );
    let expected: usize = expected_paths(&web, &(0..HOSTS).map(|i| (i, "")).collect::<Vec<_>>())
        .iter()
        .map(Vec::len)
        .sum();
    assert_eq!(stored(data.path()).len(), expected);
}

/// Sources listed host by host must not starve other hosts: with 4 concurrency slots and a busy
/// host's 12 sources listed first, the other hosts' sources still go out at once. Needs the
/// pipeline to feed sources in [`vectora_core::fetch::spread_by_host`] order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_host_listed_first_does_not_hold_up_the_others() {
    const INTERVAL_MS: u64 = 100;
    let web = TestWeb::start_many(TestWebConfig::default(), 5)
        .await
        .unwrap();
    let urls = web.base_urls().to_vec();
    let mut sources: Vec<TestSource> = (0..12)
        .map(|i| {
            TestSource::rss(
                &format!("busy_{i:02}"),
                format!("{}/synthetic/{}/feed/", urls[0], 10 + i),
            )
            .interval_ms(INTERVAL_MS)
        })
        .collect();
    sources.extend(
        (1..5).map(|h| TestSource::rss(&format!("other_{h}"), format!("{}/feed/", urls[h]))),
    );
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    let e = engine(
        &cfg,
        fast_settings(&web),
        data.path(),
        EngineOptions {
            concurrency: 4,
            ..EngineOptions::default()
        },
    );
    let report = run(&e, &request(), None).await;
    assert_eq!(report.status, RunStatus::Success, "{:#?}", report.sources);
    // The report keeps the catalog's order whatever the fetch order.
    let keys: Vec<&str> = report
        .sources
        .iter()
        .map(|o| o.source_key.as_str())
        .collect();
    let want: Vec<&str> = sources.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, want);

    let log = web.request_log();
    let busy_port = addr_of(&urls[0]).port();
    let busy: Vec<_> = log.iter().filter(|r| r.port() == busy_port).collect();
    let others: Vec<_> = log.iter().filter(|r| r.port() != busy_port).collect();
    assert_eq!((busy.len(), others.len()), (12, 4));
    assert!(
        others.iter().all(|r| r.since_start < busy[2].since_start),
        "other hosts went out among the busy host's first requests: {:?} vs {:?}",
        others.iter().map(|r| r.since_start).collect::<Vec<_>>(),
        busy.iter().map(|r| r.since_start).collect::<Vec<_>>()
    );
}

/// A hundred sources of one host at the engine's default (machine-sized) concurrency: still one
/// request at a time on that host, each at least the host's interval after the previous one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_sources_on_one_host_go_one_at_a_time_at_the_default_concurrency() {
    const INTERVAL_MS: u64 = 20;
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let sources: Vec<TestSource> = (0..100)
        .map(|i| {
            TestSource::rss(
                &format!("one_host_{i:03}"),
                web.url(&format!("/synthetic/{i}/feed/")),
            )
            .interval_ms(INTERVAL_MS)
        })
        .collect();
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    let options = EngineOptions::default();
    assert!(options.concurrency >= 100, "{}", options.concurrency);
    let e = engine(&cfg, fast_settings(&web), data.path(), options);
    let report = run(&e, &request(), None).await;
    assert_eq!(report.status, RunStatus::Success, "{:#?}", report.sources);
    let log = web.request_log();
    assert_eq!(log.len(), 100);
    assert!(
        log.iter().all(|r| r.in_flight_on_listener == 1),
        "never two requests at once on the host"
    );
    for pair in log.windows(2) {
        let gap = pair[1].since_start.saturating_sub(pair[0].since_start);
        assert!(
            gap >= Duration::from_millis(INTERVAL_MS - 5),
            "{gap:?} between {} and {}",
            pair[0].path,
            pair[1].path
        );
    }
    // The sources of the host ran in catalog order, and the report keeps that order.
    let paths: Vec<String> = log.iter().map(|r| r.path.clone()).collect();
    let want: Vec<String> = (0..100).map(|i| format!("/synthetic/{i}/feed/")).collect();
    assert_eq!(paths, want);
    let keys: Vec<&str> = report
        .sources
        .iter()
        .map(|o| o.source_key.as_str())
        .collect();
    let want_keys: Vec<&str> = sources.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, want_keys);
}

/// The connection is kept only for a request known to follow on the same host: the next source
/// of the host, or the next article page. The last request to a host asks to close it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_kept_only_for_the_next_request_to_the_same_host() {
    let web = TestWeb::start_many(TestWebConfig::default(), 3)
        .await
        .unwrap();
    let urls = web.base_urls().to_vec();
    // Host 0: two feeds. Host 1: a listing whose two newest entries are undated (two article
    // pages follow it). Host 2: one feed.
    let sources = vec![
        TestSource::rss("first_of_two", format!("{}/synthetic/5/feed/", urls[0])),
        TestSource::html("undated", format!("{}/news-undated/", urls[1])),
        TestSource::rss("second_of_two", format!("{}/synthetic/6/feed/", urls[0])),
        TestSource::rss("alone", format!("{}/feed/", urls[2])),
    ];
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    let e = engine(
        &cfg,
        fast_settings(&web),
        data.path(),
        EngineOptions::default(),
    );
    let report = run(&e, &request(), None).await;
    assert_eq!(report.status, RunStatus::Success, "{:#?}", report.sources);
    assert_eq!(outcome(&report, "undated").articles_fetched, 2);
    let closes = |port: u16| -> Vec<(String, bool)> {
        web.request_log()
            .iter()
            .filter(|r| r.port() == port)
            .map(|r| (r.path.clone(), r.header("connection") == Some("close")))
            .collect()
    };
    let port = |i: usize| addr_of(&urls[i]).port();
    assert_eq!(
        closes(port(0)),
        vec![
            ("/synthetic/5/feed/".to_string(), false),
            ("/synthetic/6/feed/".to_string(), true)
        ]
    );
    let site = web.synthetic_site(1);
    let articles: Vec<String> = site.entries()[..2].iter().map(|e| e.path()).collect();
    assert_eq!(
        closes(port(1)),
        vec![
            ("/news-undated/".to_string(), true),
            (articles[0].clone(), false),
            (articles[1].clone(), true)
        ]
    );
    assert_eq!(closes(port(2)), vec![("/feed/".to_string(), true)]);
}

/// Sockets open in this process (Linux: the `socket:[…]` entries of /proc/self/fd).
#[cfg(target_os = "linux")]
fn open_sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

/// A run over many hosts leaves no connection behind: each host's last request closed its
/// connection, so the sockets open afterwards are the test web's listeners (and a few of the
/// runtime's), not one per host reached.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_over_many_hosts_leaves_no_idle_connection_behind() {
    const HOSTS: usize = 150;
    let web = TestWeb::start_many(TestWebConfig::default(), HOSTS)
        .await
        .unwrap();
    let sources: Vec<TestSource> = web
        .base_urls()
        .iter()
        .enumerate()
        .map(|(i, b)| TestSource::rss(&format!("host_{i:03}"), format!("{b}/feed/")))
        .collect();
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    let e = engine(
        &cfg,
        fast_settings(&web),
        data.path(),
        EngineOptions::default(),
    );
    let before = open_sockets();
    let report = run(&e, &request(), None).await;
    assert_eq!(report.status, RunStatus::Success, "{:#?}", report.sources);
    // Closing is asynchronous on the server's side: give it a moment, then count.
    let mut after = open_sockets();
    for _ in 0..50 {
        if after <= before + 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = open_sockets();
    }
    assert!(
        after <= before + 10,
        "{before} sockets before the run, {after} after it: connections were left open"
    );
}
