//! Source onboarding against the local test web: discovery from every onboarding fixture
//! site's homepage (`crates/testweb/sites/onboard-*`, each on its own port so that robots.txt
//! sits at its root), and `check` over a catalog with one source of each verdict.

use chrono::{TimeZone, Utc};
use std::sync::Arc;
use vectora_core::config::{self, Config};
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::onboard::{
    CandidateKind, CheckTarget, DEFAULT_MAX_REQUESTS, DiscoverError, DiscoverOptions, Discovery,
    Verdict, candidate_targets, catalog_targets,
};
use vectora_core::store::DataStore;
use vectora_core::{Engine, EngineOptions};
use vectora_testweb::{TestWeb, TestWebConfig, fixture_today};

async fn web() -> TestWeb {
    TestWeb::start(TestWebConfig {
        site_ports: true,
        ..TestWebConfig::default()
    })
    .await
    .unwrap()
}

fn engine(config: Config) -> Engine {
    let fetcher = Fetcher::new(FetchSettings {
        allow_private_networks: true,
        min_host_interval: std::time::Duration::from_millis(5),
        ..FetchSettings::default()
    })
    .unwrap();
    Engine::new(
        Arc::new(config),
        fetcher,
        DataStore::memory(),
        EngineOptions::default(),
    )
}

fn options() -> DiscoverOptions {
    DiscoverOptions {
        max_requests: DEFAULT_MAX_REQUESTS,
        today: fixture_today(),
        deadline: None,
    }
}

async fn discover(web: &TestWeb, site: &str) -> Discovery {
    let start = url::Url::parse(&web.site_url(site, "/")).unwrap();
    let found = engine(Config::default())
        .discover(&start, &options())
        .await
        .unwrap_or_else(|e| panic!("{site}: {e}"));
    assert!(
        found.requests <= DEFAULT_MAX_REQUESTS,
        "{site}: {} requests",
        found.requests
    );
    found
}

fn best(found: &Discovery) -> (&str, CandidateKind, usize, usize) {
    let c = &found.candidates[0];
    (c.url.as_str(), c.kind, c.stats.entries, c.stats.dated)
}

#[tokio::test]
async fn a_newsroom_linked_only_from_the_footer_is_found_and_proposed() {
    let web = web().await;
    let found = discover(&web, "onboard-footer").await;
    let listing = web.site_url("onboard-footer", "/company/media-centre/");
    assert_eq!(best(&found), (listing.as_str(), CandidateKind::Html, 5, 5));
    assert_eq!(found.candidates[0].verdict, Verdict::Ok);
    assert_eq!(
        found.candidates[0].stats.newest,
        Some("2025-12-09".parse().unwrap())
    );
    let entry = found.catalog_entry.as_ref().unwrap();
    assert_eq!(entry.ingestion_mode, "html");
    assert_eq!(entry.html_url.as_deref(), Some(listing.as_str()));
    assert_eq!(entry.rss_url, None);
    assert_eq!(entry.source_type, "press_corporate");
    assert!(
        entry
            .source_key
            .starts_with("press_corporate__site_127_0_0_1_")
    );
    assert_eq!(entry.homepage_url, web.site_url("onboard-footer", "/"));
    // Every well-known feed path was tried (none exists), robots.txt first.
    let log = web.request_log();
    assert!(log[0].path.ends_with("/robots.txt"), "{:?}", log[0].path);
    assert_eq!(web.requests_for("/feed").len(), 1);
}

#[tokio::test]
async fn a_feed_beats_the_html_newsroom_that_lists_the_same_releases() {
    let web = web().await;
    let found = discover(&web, "onboard-both").await;
    let feed = web.site_url("onboard-both", "/news/feed/");
    let listing = web.site_url("onboard-both", "/news/");
    // The feed lists 5 of the page's 7 releases: fewer entries, same releases, feed first.
    assert_eq!(best(&found), (feed.as_str(), CandidateKind::Rss, 5, 5));
    let html = found.candidates.iter().find(|c| c.url == listing).unwrap();
    assert_eq!((html.stats.entries, html.stats.dated), (7, 7));
    let entry = found.catalog_entry.as_ref().unwrap();
    assert_eq!(
        (entry.ingestion_mode.as_str(), entry.rss_url.as_deref()),
        ("rss", Some(feed.as_str()))
    );
    // A feed was announced, so no well-known path was probed.
    assert!(web.requests_for("/feed").is_empty());
}

#[tokio::test]
async fn a_site_without_news_proposes_nothing() {
    let web = web().await;
    let found = discover(&web, "onboard-nonews").await;
    assert!(found.candidates.is_empty(), "{:?}", found.candidates);
    assert!(found.catalog_entry.is_none());
}

#[tokio::test]
async fn a_javascript_newsroom_shell_is_reported_empty_with_the_reason() {
    let web = web().await;
    let found = discover(&web, "onboard-jsshell").await;
    let shell = web.site_url("onboard-jsshell", "/newsroom/");
    let c = found.candidates.iter().find(|c| c.url == shell).unwrap();
    assert_eq!((c.verdict, c.stats.entries), (Verdict::Empty, 0));
    assert!(
        c.note.as_deref().unwrap_or("").contains("JavaScript"),
        "{:?}",
        c.note
    );
    assert!(found.catalog_entry.is_none());
}

#[tokio::test]
async fn a_feed_at_a_well_known_path_is_found_by_its_content() {
    let web = web().await;
    let found = discover(&web, "onboard-wellknown").await;
    let atom = web.site_url("onboard-wellknown", "/atom.xml");
    assert_eq!(best(&found), (atom.as_str(), CandidateKind::Atom, 3, 3));
    // Probing stops at the first feed found.
    assert!(web.requests_for("/feed.json").is_empty());
    assert_eq!(
        found.catalog_entry.unwrap().rss_url.as_deref(),
        Some(atom.as_str())
    );
}

#[tokio::test]
async fn a_feed_behind_a_plain_link_is_found_and_robots_txt_is_obeyed() {
    let web = web().await;
    let found = discover(&web, "onboard-feedlink").await;
    let feed = web.site_url("onboard-feedlink", "/subscribe/latest");
    assert_eq!(best(&found), (feed.as_str(), CandidateKind::Rss, 4, 4));
    // /internal/ is disallowed: the archive page is listed, never requested.
    let archive = web.site_url("onboard-feedlink", "/internal/news/");
    let c = found.candidates.iter().find(|c| c.url == archive).unwrap();
    assert_eq!(c.verdict, Verdict::Disallowed);
    assert!(web.requests_for("/internal/news/").is_empty());
}

#[tokio::test]
async fn a_disallowed_start_page_is_not_read() {
    let web = web().await;
    let start = url::Url::parse(&web.site_url("onboard-feedlink", "/internal/news/")).unwrap();
    let err = engine(Config::default())
        .discover(&start, &options())
        .await
        .unwrap_err();
    assert!(matches!(err, DiscoverError::Disallowed(_)), "{err}");
    assert!(web.requests_for("/internal/news/").is_empty());
}

/// A candidate file with one source of each verdict, plus a homepage-only entry.
fn candidate_file(web: &TestWeb) -> String {
    let check = |p: &str| web.site_url("onboard-check", p);
    format!(
        r#"sources:
- source_key: ok_listing
  ingestion_mode: html
  html_url: '{ok}'
- source_key: empty_shell
  ingestion_mode: html
  html_url: '{shell}'
- source_key: undated_feed
  ingestion_mode: rss
  rss_url: '{undated}'
- source_key: broken_feed
  ingestion_mode: rss
  rss_url: '{broken}'
- source_key: broken_selector
  ingestion_mode: html
  html_url: '{selector}'
- source_key: gone
  ingestion_mode: html
  html_url: '{gone}'
- source_key: refused
  ingestion_mode: rss
  rss_url: 'http://127.0.0.1:{closed}/feed'
- source_key: homepage_only
  homepage_url: '{home}'
- source_key: no_url
  ingestion_mode: html
  html_url: 'ftp://example.com/'
"#,
        ok = web.site_url("onboard-footer", "/company/media-centre/"),
        shell = web.site_url("onboard-jsshell", "/newsroom/"),
        undated = check("/undated/"),
        broken = check("/broken.xml"),
        selector = check("/selector/"),
        gone = check("/no-such-page/"),
        closed = closed_port(),
        home = web.site_url("onboard-both", "/"),
    )
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A base config whose extractors give `broken_selector` a container that no longer exists.
fn base_config() -> Config {
    let extractors = "extractors:\n  broken_selector:\n    selectors:\n      container: '.press-list'\n      item: '.press-item'\n";
    let catalog = "sources:\n- source_key: broken_selector\n  ingestion_mode: html\n  html_url: 'https://example.com/'\n";
    config::parse_files(&std::collections::BTreeMap::from([
        (config::EXTRACTORS_FILE.to_string(), extractors.to_string()),
        (config::CATALOG_FILE.to_string(), catalog.to_string()),
    ]))
}

#[tokio::test]
async fn check_gives_each_failure_kind_its_verdict() {
    let web = web().await;
    let (config, targets) =
        candidate_targets(&candidate_file(&web), "candidates.yaml", &base_config()).unwrap();
    assert!(matches!(&targets[7], CheckTarget::Discover { .. }));
    assert!(matches!(&targets[8], CheckTarget::Invalid { .. }));
    let now = Utc.from_utc_datetime(&fixture_today().and_hms_opt(10, 0, 0).unwrap());
    let checks = engine(config)
        .check_sources(targets, 8, &options(), now)
        .await;
    let got: Vec<(&str, Verdict, usize, usize)> = checks
        .iter()
        .map(|c| (c.source_key.as_str(), c.verdict, c.entries, c.dated))
        .collect();
    assert_eq!(
        got,
        vec![
            ("ok_listing", Verdict::Ok, 5, 5),
            ("empty_shell", Verdict::Empty, 0, 0),
            ("undated_feed", Verdict::Undated, 4, 0),
            ("broken_feed", Verdict::Broken, 0, 0),
            ("broken_selector", Verdict::Broken, 0, 0),
            ("gone", Verdict::Unreachable, 0, 0),
            ("refused", Verdict::Unreachable, 0, 0),
            ("homepage_only", Verdict::Ok, 5, 5),
            ("no_url", Verdict::Broken, 0, 0),
        ]
    );
    let message = |k: &str| {
        checks
            .iter()
            .find(|c| c.source_key == k)
            .and_then(|c| c.message.clone())
            .unwrap_or_default()
    };
    assert!(message("gone").contains("404"), "{}", message("gone"));
    assert!(
        message("broken_selector").contains(".press-list"),
        "{}",
        message("broken_selector")
    );
    assert!(
        message("homepage_only").contains("/news/feed/"),
        "{}",
        message("homepage_only")
    );
    assert!(
        message("no_url").contains("candidates.yaml: sources[8].html_url"),
        "{}",
        message("no_url")
    );
    assert_eq!(checks[0].newest, Some("2025-12-09".parse().unwrap()));
}

#[tokio::test]
async fn check_over_a_config_catalog_reads_every_source_or_the_ones_named() {
    let web = web().await;
    let dir = web.lai_config_dir().unwrap();
    let cfg = config::load(&vectora_core::store::Location::Local(
        dir.path().to_path_buf(),
    ))
    .await
    .unwrap();
    let all = catalog_targets(&cfg, None).unwrap();
    assert_eq!(all.len(), cfg.sources().len());
    let wanted = vec!["press_sector__fiercebiotech".to_string()];
    let one = catalog_targets(&cfg, Some(&wanted)).unwrap();
    let err = catalog_targets(&cfg, Some(&["nope".to_string()])).unwrap_err();
    assert!(err.contains("`nope`"), "{err}");
    let now = Utc::now();
    let checks = engine(cfg).check_sources(one, 4, &options(), now).await;
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].verdict, Verdict::Ok, "{:?}", checks[0]);
    assert!(checks[0].entries >= 5 && checks[0].dated == checks[0].entries);
}

#[tokio::test]
async fn check_queries_an_api_source_for_its_last_days_and_judges_an_unusable_block() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let file = format!(
        "sources:\n- source_key: trials\n  ingestion_mode: api\n  api_url: '{url}'\n  api:\n    provider: clinicaltrials_gov\n    query: 'depot'\n- source_key: no_provider\n  ingestion_mode: api\n  api_url: '{url}'\n  api:\n    query: 'depot'\n",
        url = web.url("/api/v2/studies")
    );
    let (config, targets) =
        candidate_targets(&file, "candidates.yaml", &Config::default()).unwrap();
    // The saved studies were last updated up to 2025-02-14: a check on the 15th sees them.
    let now = Utc.with_ymd_and_hms(2025, 2, 15, 10, 0, 0).unwrap();
    let checks = engine(config)
        .check_sources(targets, 4, &options(), now)
        .await;
    let trials = &checks[0];
    assert_eq!(trials.verdict, Verdict::Ok, "{trials:?}");
    assert!(
        trials.entries > 0 && trials.dated == trials.entries,
        "{trials:?}"
    );
    assert_eq!(trials.newest, Some("2025-02-14".parse().unwrap()));
    let term = web.requests_for("/api/v2/studies")[0]
        .query
        .clone()
        .unwrap_or_default();
    assert!(
        term.contains("2025-01-17"),
        "queried the last 30 days: {term}"
    );
    assert_eq!(checks[1].verdict, Verdict::Broken, "{:?}", checks[1]);
}

/// A config with one extractor for a sister site whose releases table reads `yy/mm/dd` dates.
fn sister_config(extra_catalog: &str, extra_extractors: &str) -> Config {
    let catalog = format!(
        "sources:\n- source_key: press_corporate__sister\n  ingestion_mode: html\n  html_url: 'https://sister.example.com/releases/'\n{extra_catalog}"
    );
    let extractors = format!(
        "extractors:\n  press_corporate__sister:\n    selectors:\n      container: 'table.releases'\n      item: 'tr.release'\n      title: 'td.title a'\n      url: 'td.title a'\n      date: 'td.date'\n    date_format: '%y/%m/%d'\n{extra_extractors}"
    );
    config::parse_files(&std::collections::BTreeMap::from([
        (config::CATALOG_FILE.to_string(), catalog),
        (config::EXTRACTORS_FILE.to_string(), extractors),
    ]))
}

#[tokio::test]
async fn configured_selectors_that_beat_the_generic_extractor_are_proposed_and_validate() {
    let web = web().await;
    let start = url::Url::parse(&web.site_url("onboard-selectors", "/")).unwrap();
    let found = engine(sister_config("", ""))
        .discover(&start, &options())
        .await
        .unwrap();
    let listing = web.site_url("onboard-selectors", "/investors/releases/");
    // The generic extractor misreads `25/10/30`-style dates (4 of 5, wrongly); the sister
    // site's selectors and date format read all 5.
    assert_eq!(best(&found), (listing.as_str(), CandidateKind::Html, 5, 5));
    let c = &found.candidates[0];
    assert_eq!(
        c.selectors.as_ref().unwrap().from,
        "press_corporate__sister"
    );
    assert_eq!(c.stats.newest, Some("2025-12-09".parse().unwrap()));
    let entry = found.catalog_entry.as_ref().unwrap();
    let extractor = found.extractor_entry.clone().unwrap();
    assert!(
        extractor.starts_with(&format!("  {}:\n", entry.source_key)),
        "{extractor}"
    );
    assert!(
        extractor.contains("      container: 'table.releases'\n"),
        "{extractor}"
    );
    assert!(
        extractor.contains("    date_format: '%y/%m/%d'\n"),
        "{extractor}"
    );

    // Both entries pasted as proposed: the config is valid and the source reads all 5 dated.
    let pasted = sister_config(&entry.to_yaml(&[]), &extractor);
    let problems: Vec<_> = pasted
        .diagnostics()
        .iter()
        .filter(|d| d.is_problem())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let source = pasted.sources()[&entry.source_key].clone();
    assert!(pasted.has_extractor(&entry.source_key));
    let now = Utc.from_utc_datetime(&fixture_today().and_hms_opt(10, 0, 0).unwrap());
    let check = engine(pasted).check_source(&source, now).await;
    assert_eq!(
        (check.verdict, check.entries, check.dated),
        (Verdict::Ok, 5, 5)
    );
}

#[tokio::test]
async fn no_extractor_is_proposed_when_the_generic_extractor_does_as_well() {
    let web = web().await;
    let start = url::Url::parse(&web.site_url("onboard-footer", "/")).unwrap();
    let found = engine(sister_config("", ""))
        .discover(&start, &options())
        .await
        .unwrap();
    assert!(found.catalog_entry.is_some());
    assert!(found.extractor_entry.is_none());
    assert!(found.candidates.iter().all(|c| c.selectors.is_none()));
}

#[tokio::test]
async fn an_unreadable_robots_txt_means_nothing_is_read() {
    let web = web().await;
    // RFC 9309: a robots.txt answering 5xx means "assume complete disallow".
    web.set_fault("/robots.txt", vectora_testweb::Fault::Status(503));
    let start = url::Url::parse(&web.site_url("onboard-footer", "/")).unwrap();
    let err = engine(Config::default())
        .discover(&start, &options())
        .await
        .unwrap_err();
    assert!(matches!(err, DiscoverError::Disallowed(_)), "{err}");
    assert!(
        err.to_string().contains("robots.txt could not be read"),
        "{err}"
    );
    assert!(
        web.requests_for("/").is_empty(),
        "the homepage was not requested"
    );
}

#[tokio::test]
async fn a_redirected_start_page_is_explored_where_it_landed() {
    let web = web().await;
    let home = web.site_url("onboard-wellknown", "/");
    web.set_fault(
        "/elara",
        vectora_testweb::Fault::RedirectTo {
            location: home.clone(),
            status: 301,
        },
    );
    let start = url::Url::parse(&web.url("/elara")).unwrap();
    let found = engine(Config::default())
        .discover(&start, &options())
        .await
        .unwrap();
    // The well-known paths are tried on the site the redirect led to, not on the first host
    // (whose own /feed/ would answer).
    let atom = web.site_url("onboard-wellknown", "/atom.xml");
    assert_eq!(best(&found), (atom.as_str(), CandidateKind::Atom, 3, 3));
    assert_eq!(found.catalog_entry.unwrap().homepage_url, home);
}

/// The LAI fixture sites (saved from the real sites' markup): from each one's homepage,
/// discovery finds the listing or feed the bundled catalog ingests.
#[tokio::test]
async fn every_lai_fixture_homepage_leads_to_its_listing_or_feed() {
    let web = web().await;
    let mut misses = Vec::new();
    for (site, home, listing) in [
        ("camurus", "/", "/media/press-releases/"),
        ("delsitech", "/", "/news/"),
        ("endpoints", "/", "/feed/"),
        ("fiercebiotech", "/", "/rss/xml"),
        ("fiercepharma", "/", "/rss/xml"),
        ("medincell", "/", "/news/"),
        ("nanexa", "/", "/en/press/"),
        ("peptron", "/eng/", "/eng/pr/news.php"),
    ] {
        let found = discover_from(&web, site, home).await;
        let want = web.site_url(site, listing);
        let got: Vec<String> = found
            .candidates
            .iter()
            .map(|c| {
                format!(
                    "{} {} {}/{}",
                    c.kind.as_str(),
                    c.url,
                    c.stats.dated,
                    c.stats.entries
                )
            })
            .collect();
        if found.candidates.first().map(|c| c.url.as_str()) != Some(want.as_str()) {
            misses.push(format!("{site}: want {want}, got {got:#?}"));
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

async fn discover_from(web: &TestWeb, site: &str, path: &str) -> Discovery {
    let start = url::Url::parse(&web.site_url(site, path)).unwrap();
    let found = engine(Config::default())
        .discover(&start, &options())
        .await
        .unwrap_or_else(|e| panic!("{site}: {e}"));
    assert!(
        found.requests <= DEFAULT_MAX_REQUESTS,
        "{site}: {} requests",
        found.requests
    );
    found
}
