//! Shared support of the `fetch_*` tests: fast fetcher settings, a config folder whose sources
//! point at a local test web, and an engine writing to a temporary data folder.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use vectora_core::config::{self, Config};
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::store::{DataStore, Location, items_key};
use vectora_core::{Engine, EngineOptions, Item, NoProgress, RunReport, RunRequest, SourceOutcome};
use vectora_testweb::{TestWeb, bundled_config_dir, fixture_today};

pub const CLIENT: &str = "fetch_test";

/// The socket address of a base URL `http://127.0.0.1:PORT`.
pub fn addr_of(base: &str) -> SocketAddr {
    base.trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("base URL is ip:port")
}

/// Settings for tests: short timeouts, backoffs and intervals, and the guard ON with only the test
/// web's own listeners allowed (exact ip:port).
pub fn fast_settings(web: &TestWeb) -> FetchSettings {
    FetchSettings {
        user_agent: "vectora-inbox-test/1.0 (+https://example.invalid/bot)".into(),
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(400),
        source_deadline: Duration::from_secs(5),
        max_body_bytes: 256 * 1024,
        max_attempts: 3,
        retry_base_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
        min_host_interval: Duration::from_millis(5),
        allow_private_networks: false,
        allowed_private_addrs: allowed(web),
        ..FetchSettings::default()
    }
}

/// Every listener of the test web.
pub fn allowed(web: &TestWeb) -> Vec<SocketAddr> {
    web.base_urls().iter().map(|b| addr_of(b)).collect()
}

/// One catalog source of a test config.
#[derive(Debug, Clone)]
pub struct TestSource {
    pub key: String,
    pub url: String,
    /// `rss` or `html`.
    pub mode: &'static str,
    pub min_interval_ms: Option<u64>,
    pub ssl_verify: Option<bool>,
}

impl TestSource {
    pub fn rss(key: &str, url: impl Into<String>) -> Self {
        TestSource {
            key: key.into(),
            url: url.into(),
            mode: "rss",
            min_interval_ms: None,
            ssl_verify: None,
        }
    }

    pub fn html(key: &str, url: impl Into<String>) -> Self {
        TestSource {
            mode: "html",
            ..TestSource::rss(key, url)
        }
    }

    pub fn interval_ms(mut self, ms: u64) -> Self {
        self.min_interval_ms = Some(ms);
        self
    }
}

/// Writes a config folder: the bundled scopes and profiles, these sources (profile `default_broad`:
/// every entry is kept), one active client using them all, in this order.
pub fn write_config(dest: &Path, sources: &[TestSource]) {
    let bundled = bundled_config_dir();
    for sub in [
        "canonical/scopes",
        "canonical/ingestion",
        "canonical/sources",
        "clients",
    ] {
        std::fs::create_dir_all(dest.join(sub)).unwrap();
    }
    for sub in ["canonical/scopes", "canonical/ingestion"] {
        for entry in std::fs::read_dir(bundled.join(sub)).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                std::fs::copy(entry.path(), dest.join(sub).join(entry.file_name())).unwrap();
            }
        }
    }
    let mut catalog = String::from("sources:\n");
    let mut keys = String::new();
    for s in sources {
        let (rss, html, source_type) = match s.mode {
            "rss" => (s.url.as_str(), "", "press_sector"),
            _ => ("", s.url.as_str(), "press_corporate"),
        };
        let _ = write!(
            catalog,
            "- source_key: {key}\n  company_id: {key}\n  homepage_url: '{url}'\n  rss_url: '{rss}'\n  html_url: '{html}'\n  ingestion_mode: {mode}\n  enabled: true\n  source_type: {source_type}\n  default_language: en\n  tags: []\n  ingestion_profile: default_broad\n",
            key = s.key,
            url = s.url,
            mode = s.mode,
        );
        if let Some(ms) = s.min_interval_ms {
            let _ = writeln!(catalog, "  min_interval_ms: {ms}");
        }
        if let Some(v) = s.ssl_verify {
            let _ = writeln!(catalog, "  ssl_verify: {v}");
        }
        let _ = writeln!(keys, "  - {}", s.key);
    }
    let _ = write!(
        catalog,
        "bouquets:\n- bouquet_id: fetch_test\n  source_keys:\n{keys}"
    );
    std::fs::write(dest.join("canonical/sources/source_catalog.yaml"), catalog).unwrap();
    std::fs::write(
        dest.join("canonical/sources/html_extractors.yaml"),
        "extractors: {}\nglobal_settings:\n  default_max_items: 50\n",
    )
    .unwrap();
    std::fs::write(
        dest.join(format!("clients/{CLIENT}.yaml")),
        format!(
            "client_profile:\n  name: Fetch tests\n  client_id: {CLIENT}\n  active: true\n  language: en\npipeline:\n  default_period_days: 30\nsource_config:\n  source_bouquets_enabled:\n  - fetch_test\n  sources_extra_enabled: []\n"
        ),
    )
    .unwrap();
}

/// Writes and loads a config of these sources; it must load without problems.
pub async fn config(dir: &Path, sources: &[TestSource]) -> Arc<Config> {
    write_config(dir, sources);
    let cfg = config::load(&Location::Local(dir.to_path_buf()))
        .await
        .unwrap();
    assert!(
        cfg.diagnostics().iter().all(|d| !d.is_problem()),
        "{:#?}",
        cfg.diagnostics()
    );
    Arc::new(cfg)
}

/// The fixture day at 10:00 UTC: the synthetic sites' entries are dated in the 30 days up to it.
pub fn now() -> DateTime<Utc> {
    Utc.from_utc_datetime(&fixture_today().and_hms_opt(10, 0, 0).unwrap())
}

/// An engine over `data`; "now" is [`now`] unless `options` says otherwise.
pub fn engine(
    cfg: &Arc<Config>,
    settings: FetchSettings,
    data: &Path,
    options: EngineOptions,
) -> Engine {
    let fetcher = Fetcher::new(settings).unwrap();
    let store = DataStore::open(&Location::Local(data.to_path_buf()), true).unwrap();
    Engine::new(
        cfg.clone(),
        fetcher,
        store,
        EngineOptions {
            now: options.now.or(Some(now())),
            ..options
        },
    )
}

pub fn request() -> RunRequest {
    RunRequest {
        client_id: Some(CLIENT.into()),
        ..RunRequest::default()
    }
}

pub async fn run(
    engine: &Engine,
    req: &RunRequest,
    deadline: Option<tokio::time::Instant>,
) -> RunReport {
    let plan = engine.plan(req.validate().unwrap()).unwrap();
    let mut results = engine.run(&plan, deadline, &NoProgress).await.unwrap();
    assert_eq!(results.len(), 1);
    results.remove(0).result.unwrap()
}

pub fn outcome<'a>(report: &'a RunReport, key: &str) -> &'a SourceOutcome {
    report
        .sources
        .iter()
        .find(|o| o.source_key == key)
        .unwrap_or_else(|| panic!("no outcome for {key}"))
}

/// The day's stored items (empty when the file does not exist).
pub fn stored(data: &Path) -> Vec<Item> {
    let p = data.join(items_key(CLIENT, fixture_today()));
    match std::fs::read_to_string(&p) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(_) => Vec::new(),
    }
}

/// Paths (`{prefix}/news/<slug>/`) of the items one run over these synthetic sites (in this
/// source order) must store, per site: the entries in the default 30-day window, less those whose
/// summary repeats one seen earlier in the run — the engine keeps one item per content hash, and
/// the synthetic sites reuse summaries (across companies too). `prefix` is `/synthetic/<index>`
/// when a site is read through that mount, else empty.
pub fn expected_paths(web: &TestWeb, sites: &[(usize, &str)]) -> Vec<Vec<String>> {
    let today: NaiveDate = fixture_today();
    let from = today - chrono::Duration::days(29);
    let mut seen = BTreeSet::new();
    sites
        .iter()
        .map(|(index, prefix)| {
            let mut paths: Vec<String> = web
                .synthetic_site(*index)
                .entries()
                .iter()
                .filter(|e| e.published >= from && e.published <= today)
                .filter(|e| {
                    let normalised = e
                        .summary
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase();
                    normalised.chars().count() < 40 || seen.insert(normalised)
                })
                .map(|e| format!("{prefix}{}", e.path()))
                .collect();
            paths.sort();
            paths
        })
        .collect()
}

/// [`expected_paths`] of a run over this one site.
pub fn synthetic_paths(web: &TestWeb, index: usize, prefix: &str) -> Vec<String> {
    expected_paths(web, &[(index, prefix)]).remove(0)
}

/// The paths of the stored items of one source.
pub fn stored_paths(items: &[Item], source_key: &str) -> Vec<String> {
    let mut paths: Vec<String> = items
        .iter()
        .filter(|i| i.source_key == source_key)
        .map(|i| {
            url::Url::parse(&i.url)
                .map(|u| u.path().to_string())
                .unwrap_or_default()
        })
        .collect();
    paths.sort();
    paths
}
