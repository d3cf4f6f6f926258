//! Hostile inputs, end to end: one client whose sources are each a hostile document or server
//! (billion laughs, external entities, a 100 MB body, 10,000-level nesting, 100,000 links,
//! invalid UTF-8, NUL and control characters, a 1 MB title, a feed that never ends, headers then
//! silence), plus one well-behaved feed. The run must complete, report each hostile source with a
//! clear status, and store clean items from the good one. Memory is measured separately
//! (scripts/bench-hostile.sh), not in a timed test.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vectora_core::config;
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::store::{DataStore, Location, items_key};
use vectora_core::{
    Engine, EngineOptions, Item, NoProgress, RunReport, RunRequest, RunStatus, SourceOutcome,
    SourceStatus,
};
use vectora_testweb::{TestWeb, TestWebConfig};

const CLIENT: &str = "hostile_client";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 12, 15).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.from_utc_datetime(&today().and_hms_opt(10, 0, 0).unwrap())
}

fn rss(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Hostile</title><link>https://h.example.com/</link>\n{items}\n</channel></rss>\n"
    )
}

fn rss_item(title: &str, link: &str, description: &str) -> String {
    format!(
        "<item><title>{title}</title><link>{link}</link><description>{description}</description><pubDate>Wed, 10 Dec 2025 09:00:00 GMT</pubDate></item>"
    )
}

/// The hostile documents, as files of one fixture site (`hostile`).
fn write_site(dir: &Path) {
    let site = dir.join("hostile");
    std::fs::create_dir_all(&site).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(site.join(name), bytes).unwrap();

    write(
        "good.xml",
        rss(&[
            rss_item(
                "Peptron signs a long-acting injectable licence",
                "https://h.example.com/news/good-1",
                "A well-formed item.",
            ),
            rss_item(
                "MedinCell reports phase 3 results",
                "https://h.example.com/news/good-2",
                "Another well-formed item.",
            ),
        ]
        .concat())
        .as_bytes(),
    );

    // Entity expansion: ten levels of ten, a billion "lol"s if expanded.
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n <!ENTITY lol \"lol\">\n");
    for level in 1..=9 {
        let prev = if level == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", level - 1)
        };
        laughs.push_str(&format!(
            " <!ENTITY lol{level} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    laughs.push_str("]>\n");
    laughs.push_str(
        &rss(&rss_item(
            "&lol9;",
            "https://h.example.com/news/laughs",
            "&lol9;&lol9;",
        ))
        .replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", ""),
    );
    write("laughs.xml", laughs.as_bytes());

    // External entities: a local file and a URL, in the title, the link and the text.
    let xxe = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n <!ENTITY remote SYSTEM \"http://169.254.169.254/latest/meta-data/\">\n <!ENTITY % param SYSTEM \"file:///etc/hostname\"> %param;\n]>\n{}",
        rss(&rss_item(
            "Secret: &xxe;",
            "https://h.example.com/news/&remote;",
            "&xxe; &remote;"
        ))
        .replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", "")
    );
    write("xxe.xml", xxe.as_bytes());

    // Invalid UTF-8 in every field, declared as UTF-8.
    let mut bad = Vec::new();
    bad.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>\xff\xfe Bad</title>\n");
    bad.extend_from_slice(b"<item><title>Caf\xe9 \xc3\x28 news \xf0\x28\x8c\xbc</title><link>https://h.example.com/news/\xff\xfeutf8</link>");
    bad.extend_from_slice(b"<description>\xed\xa0\x80 surrogate \xc0\xaf overlong</description><pubDate>Wed, 10 Dec 2025 \xff 09:00:00 GMT</pubDate></item>\n");
    bad.extend_from_slice(b"</channel></rss>\n");
    write("badutf8.xml", &bad);
    let mut bad_html = b"<!doctype html><html><body><ul>".to_vec();
    for i in 0..5 {
        bad_html.extend_from_slice(
            format!("<li><a href=\"/news/bad-{i}\">Release \u{fffd}").as_bytes(),
        );
        bad_html.extend_from_slice(b" \xff\xfe\x80 number ");
        bad_html
            .extend_from_slice(format!("{i}</a> <span>10 December 2025</span></li>").as_bytes());
    }
    bad_html.extend_from_slice(b"</ul></body></html>");
    write("badutf8.html", &bad_html);

    // NUL and control characters in titles (raw, and as character references).
    let controls = rss(&[
        rss_item(
            "Nul\u{0}in\u{1}the\u{7}title\u{1b}[31m red",
            "https://h.example.com/news/ctl-1",
            "bell\u{7} text",
        ),
        rss_item(
            "Refs &#0;&#1;&#x7;&#x1b; and C1 \u{85}\u{9c} chars",
            "https://h.example.com/news/ctl-2",
            "x",
        ),
    ]
    .concat());
    write("controls.xml", controls.as_bytes());

    // A 1 MB title.
    let huge_title = format!("Huge {}", "title ".repeat(1024 * 1024 / 6));
    write(
        "hugetitle.xml",
        rss(&rss_item(
            &huge_title,
            "https://h.example.com/news/huge",
            "short",
        ))
        .as_bytes(),
    );

    // 10,000 levels of nesting with a listing at the bottom.
    let depth = 10_000;
    let mut deep = String::from("<!doctype html><html><body>");
    deep.push_str(&"<div>".repeat(depth));
    for i in 0..3 {
        deep.push_str(&format!("<article><h2><a href=\"/news/deep-{i}\">Deep release {i}</a></h2><time datetime=\"2025-12-0{}\">x</time></article>", i + 1));
    }
    deep.push_str(&"</div>".repeat(depth));
    deep.push_str("</body></html>");
    write("deep.html", deep.as_bytes());

    // 100,000 links.
    let mut links = String::from("<!doctype html><html><body><ul class=\"news\">");
    for i in 0..100_000 {
        links.push_str(&format!("<li><a href=\"/news/item-{i}\">Press release number {i}</a> <span>12 December 2025</span></li>"));
    }
    links.push_str("</ul></body></html>");
    write("links.html", links.as_bytes());
}

/// A config with one source per hostile URL, all enabled for one client, no filtering profile.
/// Each source is on its own listener (its own host:port): politeness allows one request at a
/// time per host, so sources sharing a host with a stalling one would wait for it, which is
/// not what this test is about.
fn write_config(dir: &Path, web: &TestWeb) -> BTreeMap<&'static str, String> {
    let specs: [(&'static str, &str, &'static str); 12] = [
        ("good_feed", "/sites/hostile/good.xml", "rss"),
        ("laughs_feed", "/sites/hostile/laughs.xml", "rss"),
        ("xxe_feed", "/sites/hostile/xxe.xml", "rss"),
        ("badutf8_feed", "/sites/hostile/badutf8.xml", "rss"),
        ("badutf8_page", "/sites/hostile/badutf8.html", "html"),
        ("controls_feed", "/sites/hostile/controls.xml", "rss"),
        ("hugetitle_feed", "/sites/hostile/hugetitle.xml", "rss"),
        ("deep_page", "/sites/hostile/deep.html", "html"),
        ("links_page", "/sites/hostile/links.html", "html"),
        ("huge_body", "/fault/large/100", "html"),
        ("drip_feed", "/fault/drip?bytes=8&interval_ms=300", "rss"),
        ("stall_feed", "/fault/stall", "rss"),
    ];
    let bases = web.base_urls();
    assert!(bases.len() >= specs.len());
    let sources: BTreeMap<&'static str, (String, &'static str)> = specs
        .iter()
        .zip(bases)
        .map(|((key, path, mode), base)| (*key, (format!("{base}{path}"), *mode)))
        .collect();
    let mut catalog = String::from("sources:\n");
    for (key, (url, mode)) in &sources {
        catalog.push_str(&format!(
            "  - source_key: {key}\n    ingestion_mode: {mode}\n    {mode}_url: \"{url}\"\n    enabled: true\n    source_type: press_sector\n"
        ));
    }
    catalog.push_str("bouquets: []\n");
    let client = format!(
        "client_profile:\n  client_id: {CLIENT}\n  active: true\n  name: Hostile\nsource_config:\n  sources_extra_enabled: [{}]\n",
        sources.keys().copied().collect::<Vec<_>>().join(", ")
    );
    std::fs::create_dir_all(dir.join("canonical/sources")).unwrap();
    std::fs::create_dir_all(dir.join("clients")).unwrap();
    std::fs::write(dir.join(config::CATALOG_FILE), catalog).unwrap();
    std::fs::write(dir.join(format!("clients/{CLIENT}.yaml")), client).unwrap();
    sources.into_iter().map(|(k, (u, _))| (k, u)).collect()
}

struct Run {
    report: RunReport,
    items: Vec<Item>,
    elapsed: Duration,
}

async fn run_hostile(concurrency: usize) -> Run {
    let sites = tempfile::tempdir().unwrap();
    write_site(sites.path());
    // On its own runtime: the engine under test must not be able to starve the server.
    let web = TestWeb::start_blocking(TestWebConfig {
        sites_dir: sites.path().to_path_buf(),
        listeners: 12,
        compression: false,
        ..TestWebConfig::default()
    })
    .unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    write_config(config_dir.path(), &web);
    let cfg = config::load(&Location::Local(config_dir.path().to_path_buf()))
        .await
        .unwrap();
    assert!(
        cfg.blocking_errors(Some(CLIENT)).is_empty(),
        "{:#?}",
        cfg.diagnostics()
    );
    let fetcher = Fetcher::new(FetchSettings {
        allow_private_networks: true,
        min_host_interval: Duration::from_millis(1),
        request_timeout: Duration::from_secs(5),
        source_deadline: Duration::from_secs(8),
        max_attempts: 1,
        ..FetchSettings::default()
    })
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let store = DataStore::open(&Location::Local(data.path().to_path_buf()), true).unwrap();
    let engine = Engine::new(
        Arc::new(cfg),
        fetcher,
        store,
        EngineOptions {
            now: Some(now()),
            concurrency,
            ..EngineOptions::default()
        },
    );
    let req = RunRequest {
        client_id: Some(CLIENT.into()),
        from_date: NaiveDate::from_ymd_opt(2025, 11, 15),
        to_date: Some(today()),
        ..RunRequest::default()
    };
    let started = Instant::now();
    // The run's own deadline is far above what the sources need: it must end on its own.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let plan = engine.plan(req.validate().unwrap()).unwrap();
    let mut results = engine
        .run(&plan, Some(deadline), &NoProgress)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    let report = results.remove(0).result.unwrap();
    let path = data.path().join(items_key(CLIENT, today()));
    // No file when nothing was kept.
    let items: Vec<Item> = std::fs::read_to_string(&path)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_default();
    drop(web);
    Run {
        report,
        items,
        elapsed,
    }
}

fn outcome<'a>(run: &'a Run, key: &str) -> &'a SourceOutcome {
    run.report
        .sources
        .iter()
        .find(|o| o.source_key == key)
        .unwrap_or_else(|| panic!("no outcome for {key}"))
}

fn items_of<'a>(run: &'a Run, key: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
    run.items.iter().filter(move |i| i.source_key == key)
}

/// One run serves every assertion (the hostile documents are slow to build and parse); each
/// hostile input is checked in its own block with a message naming it. Sources run at the
/// engine's default concurrency, so the good feed is fetched while the heavy pages parse: a
/// parse that held an async worker (seconds for these pages in a debug build) would make the
/// other sources miss their timers and be reported as timeouts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sources_are_reported_and_the_run_completes() {
    let run = run_hostile(EngineOptions::default().concurrency).await;
    let summary: Vec<String> = run
        .report
        .sources
        .iter()
        .map(|o| {
            format!(
                "{}: {:?} parsed={} kept={} err={:?}",
                o.source_key, o.status, o.items_parsed, o.items_kept, o.error
            )
        })
        .collect();
    let summary = summary.join("\n");

    // The run completes, on its own, with every source reported.
    assert_eq!(run.report.sources.len(), 12, "{summary}");
    assert_eq!(run.report.status, RunStatus::Partial, "{summary}");
    assert!(
        run.elapsed < Duration::from_secs(240),
        "run took {:?}\n{summary}",
        run.elapsed
    );

    // The good feed is untouched by its neighbours.
    let good = outcome(&run, "good_feed");
    assert_eq!(
        (good.status, good.items_kept),
        (SourceStatus::Ok, 2),
        "{summary}"
    );

    // Every stored item is sane: bounded, one-line, free of control characters, a real URL.
    for it in &run.items {
        assert!(
            it.title.chars().count() <= 2_000,
            "{}: unbounded title ({} chars)",
            it.source_key,
            it.title.chars().count()
        );
        assert!(
            it.content.len() <= 1_000_000,
            "{}: unbounded content",
            it.source_key
        );
        assert!(
            !it.title.chars().any(char::is_control),
            "{}: control character in title {:?}",
            it.source_key,
            it.title
        );
        assert!(
            url::Url::parse(&it.url).is_ok(),
            "{}: bad url {:?}",
            it.source_key,
            it.url
        );
        for field in [&it.title, &it.content, &it.url] {
            assert!(
                !field.contains("root:"),
                "{}: external entity resolved: {field:.200}",
                it.source_key
            );
            assert!(
                !field.contains("lollollol"),
                "{}: entities expanded: {field:.200}",
                it.source_key
            );
        }
    }

    // Billion laughs and external entities: parsed without expansion or resolution.
    for key in ["laughs_feed", "xxe_feed"] {
        let o = outcome(&run, key);
        assert!(
            !o.status.is_failure() || o.status == SourceStatus::ParseError,
            "{key}: {:?}\n{summary}",
            o.status
        );
    }
    assert!(
        items_of(&run, "xxe_feed").all(|i| !i.title.contains("/bin/")),
        "{summary}"
    );

    // 100 MB body: refused at the body cap, nothing parsed.
    let huge = outcome(&run, "huge_body");
    assert_eq!(huge.status, SourceStatus::TooLarge, "{summary}");
    assert!(
        huge.error.as_deref().unwrap_or("").contains("larger than"),
        "{summary}"
    );

    // A feed that never ends and a server that stalls after its headers: timed out, reported.
    for key in ["drip_feed", "stall_feed"] {
        let o = outcome(&run, key);
        assert_eq!(o.status, SourceStatus::Timeout, "{key}\n{summary}");
        assert!(
            o.duration_ms <= 10_000,
            "{key} held the run for {} ms",
            o.duration_ms
        );
    }

    // Invalid UTF-8: decoded with replacement characters, reported as malformed, items kept.
    let bad = outcome(&run, "badutf8_feed");
    assert_eq!(bad.status, SourceStatus::Malformed, "{summary}");
    assert_eq!(items_of(&run, "badutf8_feed").count(), 1, "{summary}");
    let bad_page = outcome(&run, "badutf8_page");
    assert!(!bad_page.status.is_failure(), "{summary}");
    assert_eq!(items_of(&run, "badutf8_page").count(), 5, "{summary}");

    // NUL and control characters: gone from titles (checked above), the words kept.
    let ctl: Vec<&Item> = items_of(&run, "controls_feed").collect();
    assert_eq!(ctl.len(), 2, "{summary}");
    assert!(
        ctl.iter()
            .any(|i| i.title.contains("Nul") && i.title.contains("title")),
        "{:?}",
        ctl.iter().map(|i| &i.title).collect::<Vec<_>>()
    );

    // A 1 MB title: the item is kept with its title cut to a bounded length (checked above).
    assert_eq!(items_of(&run, "hugetitle_feed").count(), 1, "{summary}");

    // 10,000 levels of nesting: the listing at the bottom is found.
    let deep = outcome(&run, "deep_page");
    assert_eq!(deep.status, SourceStatus::Ok, "{summary}");
    assert_eq!(items_of(&run, "deep_page").count(), 3, "{summary}");

    // 100,000 links: parsed, and what one listing page contributes is bounded (the generic
    // extractor is capped like a configured one, `global_settings.default_max_items`).
    let links = outcome(&run, "links_page");
    assert!(!links.status.is_failure(), "{summary}");
    assert!(
        links.items_kept <= 1_000,
        "a single listing page contributed {} items\n{summary}",
        links.items_kept
    );
}
