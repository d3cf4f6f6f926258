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
