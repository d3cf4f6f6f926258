//! Many listeners (distinct host:port pairs), synthetic sites, latency across hosts, the blocking
//! start-up, the benchmark config.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::StreamExt;
use vectora_testweb::{
    BenchSite, TestWeb, TestWebConfig, bench_source_key, expected_items, fixture_today,
    loopback_address, site_source_key, write_bench_config, write_bench_config_with,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_listeners_each_serve_their_own_synthetic_site() {
    let web = TestWeb::start_many(TestWebConfig::default(), 1000)
        .await
        .unwrap();
    let bases = web.base_urls().to_vec();
    assert_eq!(bases.len(), 1000);
    let ports: BTreeSet<&str> = bases
        .iter()
        .map(|b| b.rsplit(':').next().unwrap())
        .collect();
    assert_eq!(ports.len(), 1000, "distinct ports");
    assert!(bases.iter().all(|b| b.starts_with("http://127.0.0.1:")));

    let http = common::client();
    let results: Vec<(usize, String)> = futures::stream::iter(bases.iter().enumerate())
        .map(|(index, base)| {
            let http = http.clone();
            async move {
                let body = http
                    .get(format!("{base}/feed/"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                (index, body)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    for (index, body) in results {
        let site = web.synthetic_site(index);
        assert_eq!(body, site.feed(&bases[index]), "site {index}");
        let items = body.matches("<item>").count();
        assert!((10..=20).contains(&items), "site {index}: {items} items");
    }
    let log = web.request_log();
    assert_eq!(log.len(), 1000);
    assert_eq!(
        log.iter().map(|r| r.port()).collect::<BTreeSet<_>>().len(),
        1000
    );
}

/// Listeners on distinct loopback addresses (127.0.x.y), one port for all: each serves its own site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_on_distinct_loopback_addresses_each_serve_their_own_site() {
    let web = TestWeb::start(TestWebConfig {
        listeners: 300,
        distinct_addresses: true,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let bases = web.base_urls().to_vec();
    let port = bases[0].rsplit(':').next().unwrap().to_string();
    assert!(
        bases.iter().all(|b| b.ends_with(&format!(":{port}"))),
        "one port"
    );
    assert_eq!(bases[0], format!("http://127.0.0.1:{port}"));
    assert_eq!(bases[253], format!("http://127.0.0.254:{port}"));
    assert_eq!(bases[254], format!("http://127.0.1.1:{port}"));
    assert_eq!(loopback_address(299).to_string(), "127.0.1.46");
    let http = common::client();
    for index in [0, 253, 254, 299] {
        let body = http
            .get(format!("{}/feed/", bases[index]))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            body,
            web.synthetic_site(index).feed(&bases[index]),
            "site {index}"
        );
    }
    let addrs: BTreeSet<String> = web
        .request_log()
        .iter()
        .map(|r| r.local_addr.ip().to_string())
        .collect();
    assert_eq!(
        addrs.len(),
        4,
        "each request reached its own address: {addrs:?}"
    );
}

#[tokio::test]
async fn synthetic_pages_are_linked_and_reachable_at_root_and_under_prefix() {
    let web = TestWeb::start_many(TestWebConfig::default(), 3)
        .await
        .unwrap();
    let http = common::client();
    for (index, base) in web.base_urls().iter().enumerate() {
        let site = web.synthetic_site(index);
        let page = http
            .get(format!("{base}/news/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(page, site.news_page(base));
        let entry = &site.entries()[0];
        let article = http
            .get(format!("{base}{}", entry.path()))
            .send()
            .await
            .unwrap();
        assert_eq!(article.status(), 200);
        assert!(article.text().await.unwrap().contains(&entry.title));
        assert_eq!(
            http.get(format!("{base}/news/no-such-entry/"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
    }
    // Any listener also serves any synthetic site under /synthetic/<i>/.
    let prefixed = web.url("/synthetic/2/feed/");
    let body = http
        .get(&prefixed)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, web.synthetic_site(2).feed(&web.url("/synthetic/2")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_applies_per_request_and_hosts_answer_in_parallel() {
    let web = TestWeb::start_many(
        TestWebConfig {
            latency: Duration::from_millis(150),
            ..TestWebConfig::default()
        },
        8,
    )
    .await
    .unwrap();
    let http = common::client();
    let started = Instant::now();
    let statuses: Vec<u16> = futures::future::join_all(web.base_urls().iter().map(|base| {
        let http = http.clone();
        async move {
            http.get(format!("{base}/news/"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    }))
    .await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 200));
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(8 * 150),
        "in parallel across hosts: {elapsed:?}"
    );

    // Two overlapping requests to one host are visible in the log.
    let base = web.base_urls()[0].clone();
    web.clear_request_log();
    let (a, b) = tokio::join!(
        http.get(format!("{base}/news/")).send(),
        http.get(format!("{base}/feed/")).send()
    );
    assert_eq!(a.unwrap().status(), 200);
    assert_eq!(b.unwrap().status(), 200);
    let overlaps: Vec<usize> = web
        .request_log()
        .iter()
        .map(|r| r.in_flight_on_listener)
        .collect();
    assert_eq!(overlaps.iter().max(), Some(&2), "{overlaps:?}");
}

#[test]
fn blocking_start_serves_from_its_own_runtime_and_stops_on_drop() {
    use std::io::{Read, Write};
    let web = TestWeb::start_blocking(TestWebConfig::default()).unwrap();
    let addr = web.base_url().strip_prefix("http://").unwrap().to_string();
    let get = |path: &str| -> std::io::Result<String> {
        let mut stream = std::net::TcpStream::connect(&addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response)
    };
    let response = get("/sites/camurus/media/press-releases/").unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("press-release-item"));
    drop(web);
    std::thread::sleep(Duration::from_millis(300));
    assert!(get("/").is_err(), "the listener is closed after drop");
}

#[tokio::test]
async fn bench_config_lists_one_source_per_listener_and_expected_items_count_the_window() {
    let web = TestWeb::start_many(TestWebConfig::default(), 4)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_bench_config(dir.path(), web.base_urls()).unwrap();
    let catalog =
        std::fs::read_to_string(dir.path().join("canonical/sources/source_catalog.yaml")).unwrap();
    let parsed: serde_json::Value = serde_saphyr::from_str(&catalog).unwrap();
    let sources = parsed["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 4);
    let http = common::client();
    for (index, source) in sources.iter().enumerate() {
        assert_eq!(source["source_key"], bench_source_key(index));
        let url = source["html_url"]
            .as_str()
            .filter(|u| !u.is_empty())
            .or(source["rss_url"].as_str())
            .unwrap();
        assert!(url.starts_with(&web.base_urls()[index]));
        assert_eq!(http.get(url).send().await.unwrap().status(), 200, "{url}");
    }
    // The old system's bucket layout: the client and the catalog, nothing else.
    let mut files: Vec<String> = walk(dir.path());
    files.sort();
    assert_eq!(
        files,
        [
            "canonical/sources/source_catalog.yaml",
            "clients/bench_synthetic.yaml"
        ]
    );

    let today = fixture_today();
    let all = expected_items(0x5EED, today, 4, today - chrono::Days::new(40), today);
    let manual: usize = (0..4).map(|i| web.synthetic_site(i).entries().len()).sum();
    assert_eq!(all, manual, "a 40-day window holds every entry");
    let last_week = expected_items(0x5EED, today, 4, today - chrono::Days::new(6), today);
    assert!(last_week < all);
}

/// A layout with every kind of site: each source's URL answers as its kind says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_config_layouts_point_each_source_at_its_kind_of_site() {
    let kinds = [
        BenchSite::Feed,
        BenchSite::Listing,
        BenchSite::UndatedListing,
        BenchSite::ServerError,
        BenchSite::TruncatedFeed,
        BenchSite::Hang(1),
    ];
    let web = TestWeb::start_many(TestWebConfig::default(), kinds.len())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_bench_config_with(dir.path(), web.base_urls(), |i| kinds[i]).unwrap();
    let catalog =
        std::fs::read_to_string(dir.path().join("canonical/sources/source_catalog.yaml")).unwrap();
    let parsed: serde_json::Value = serde_saphyr::from_str(&catalog).unwrap();
    let http = common::client();
    for (index, source) in parsed["sources"].as_array().unwrap().iter().enumerate() {
        let kind = kinds[index];
        assert_eq!(source["source_key"], site_source_key(index, kind));
        assert_eq!(
            source["ingestion_mode"],
            if kind.is_html() { "html" } else { "rss" }
        );
        let url = source[if kind.is_html() {
            "html_url"
        } else {
            "rss_url"
        }]
        .as_str()
        .unwrap();
        assert_eq!(url, format!("{}{}", web.base_urls()[index], kind.path()));
        let response = http.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        let site = web.synthetic_site(index);
        match kind {
            BenchSite::ServerError => assert_eq!(status, 500),
            BenchSite::TruncatedFeed => {
                assert_eq!(body.matches("</item>").count(), 2);
                assert!(!body.contains("</rss>"));
            }
            BenchSite::UndatedListing => {
                assert_eq!(body.matches("<time").count(), site.entries().len() - 2)
            }
            BenchSite::Hang(_) => assert_eq!(body, site.feed(&web.base_urls()[index])),
            _ => assert_eq!(status, 200),
        }
    }
}

/// Every file under `root`, relative, with `/` separators.
fn walk(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}
