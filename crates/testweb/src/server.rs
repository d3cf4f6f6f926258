//! Starting, addressing and stopping a test web.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use chrono::NaiveDate;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::dispatch::{self, ListenerCtx, RootContent, Shared};
use crate::faults::{FaultRule, FaultTable, UrlFaultCounters};
use crate::lai_config::{self, LaiConfigDir};
use crate::request_log::{RequestLog, RequestRecord};
use crate::rlimit::raise_fd_limit;
use crate::static_files;
use crate::synthetic::SyntheticSite;

/// The day the static fixtures are written relative to: their entries are dated up to this day, so tests
/// pass windows ending here (e.g. `--from-date 2025-11-15 --to-date 2025-12-15`).
pub const FIXTURE_TODAY: (i32, u32, u32) = (2025, 12, 15);

/// [`FIXTURE_TODAY`] as a date.
pub fn fixture_today() -> NaiveDate {
    let (y, m, d) = FIXTURE_TODAY;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// How to start a test web.
#[derive(Debug, Clone)]
pub struct TestWebConfig {
    /// Folder of fixture sites, one subfolder per site. Default: this crate's `sites/`.
    pub sites_dir: PathBuf,
    /// Port of the first listener; 0 picks a free port. With several listeners and a fixed port, the
    /// listeners take consecutive ports.
    pub port: u16,
    /// Number of numbered listeners (distinct "hosts" for politeness); listener *i* serves synthetic site
    /// *i* at its root. At least 1.
    pub listeners: usize,
    /// Also give every fixture site its own listener (random port) serving it at the root.
    pub site_ports: bool,
    /// Delay before every response (default 0; e.g. 150 ms to imitate real sites in benchmarks).
    pub latency: Duration,
    /// Compress text responses with gzip/brotli when the client accepts it (default true).
    pub compression: bool,
    /// Answer a matching conditional request (`If-None-Match`, `If-Modified-Since`) with `304`
    /// (default true). False imitates a server that ignores them: the whole body every time, so
    /// a client's second run parses again what it already stored.
    pub conditional_get: bool,
    /// Seed of the synthetic sites.
    pub seed: u64,
    /// "Today" of the synthetic sites: entries are dated within the 30 days up to it.
    pub today: NaiveDate,
    /// Results one PubMed search serves (ESearch's is 10,000; lower it to test narrowing).
    pub pubmed_result_cap: usize,
    /// Largest `skip` openFDA serves (25,000; lower it to test paging past it by the cursor).
    pub openfda_skip_limit: usize,
    /// Whether openFDA's answers announce their next page in a `Link: rel="Next"` header, as the
    /// real API does (default true; false imitates an answer without one).
    pub openfda_links: bool,
    /// Base URL (`http://host:port`) of the next links instead of the listener's own: another
    /// host, to test that a client refuses to follow it.
    pub openfda_next_base: Option<String>,
    /// Give numbered listener *i* its own loopback address ([`loopback_address`]: 127.0.0.1,
    /// 127.0.0.2, … 127.0.1.1, …), all on one port, instead of a port of its own on 127.0.0.1:
    /// hosts told apart by address, as on the real web, and no port range used up.
    pub distinct_addresses: bool,
}

/// The loopback address of numbered listener `index` with [`TestWebConfig::distinct_addresses`]:
/// `127.0.x.y`, `y` from 1 to 254 (no .0 or .255 that might look like network or broadcast
/// addresses), so up to 65,024 listeners.
pub fn loopback_address(index: usize) -> std::net::Ipv4Addr {
    let x = u8::try_from(index / 254).unwrap_or(u8::MAX);
    let y = u8::try_from(index % 254 + 1).unwrap_or(1);
    std::net::Ipv4Addr::new(127, 0, x, y)
}

impl Default for TestWebConfig {
    fn default() -> Self {
        Self {
            sites_dir: lai_config::fixture_sites_dir(),
            port: 0,
            listeners: 1,
            site_ports: false,
            latency: Duration::ZERO,
            compression: true,
            conditional_get: true,
            seed: 0x5EED,
            today: fixture_today(),
            pubmed_result_cap: 10_000,
            openfda_skip_limit: 25_000,
            openfda_links: true,
            openfda_next_base: None,
            distinct_addresses: false,
        }
    }
}

/// A running test web on 127.0.0.1. Stops when dropped.
#[derive(Debug)]
pub struct TestWeb {
    shared: Arc<Shared>,
    /// Base URLs of the numbered listeners.
    base_urls: Vec<String>,
    /// (site, base URL) of the per-site listeners.
    site_urls: Vec<(String, String)>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl TestWeb {
    /// Binds the listeners and starts serving on the current tokio runtime.
    pub async fn start(config: TestWebConfig) -> Result<TestWeb> {
        if !config.sites_dir.is_dir() {
            bail!("sites folder {} does not exist", config.sites_dir.display());
        }
        let listeners = config.listeners.max(1);
        let sites = if config.site_ports {
            static_files::list_sites(&config.sites_dir)
        } else {
            Vec::new()
        };
        let total = listeners + sites.len();
        if total > 200 {
            // Each listener is one descriptor and each client connection another; leave room for both.
            let _ = raise_fd_limit((total as u64) * 4 + 1024);
        }

        let (shutdown, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            sites_dir: config.sites_dir.clone(),
            latency: config.latency,
            compression: config.compression,
            conditional_get: config.conditional_get,
            seed: config.seed,
            today: config.today,
            log: RequestLog::default(),
            faults: FaultTable::default(),
            url_faults: UrlFaultCounters::default(),
            providers: crate::providers::Providers::load(
                &crate::providers::provider_fixtures_dir(),
                &crate::providers::Settings {
                    pubmed_result_cap: config.pubmed_result_cap,
                    openfda_skip_limit: config.openfda_skip_limit,
                    openfda_links: config.openfda_links,
                    openfda_next_base: config.openfda_next_base.clone(),
                },
            )?,
            shutdown: shutdown_rx,
        });

        let mut web = TestWeb {
            shared,
            base_urls: Vec::with_capacity(listeners),
            site_urls: Vec::with_capacity(sites.len()),
            shutdown,
            tasks: Vec::with_capacity(total),
        };
        if config.distinct_addresses && listeners > 65_024 {
            bail!("{listeners} listeners: at most 65,024 distinct loopback addresses");
        }
        let mut shared_port = config.port;
        for index in 0..listeners {
            let (ip, port) = if config.distinct_addresses {
                (loopback_address(index), shared_port)
            } else {
                let port = match config.port {
                    0 => 0,
                    first => u16::try_from(usize::from(first) + index)
                        .with_context(|| format!("port {first} + {index} is past 65535"))?,
                };
                (Ipv4Addr::LOCALHOST, port)
            };
            let (base, bound) = web.listen(ip, port, RootContent::Synthetic(index)).await?;
            if shared_port == 0 {
                shared_port = bound;
            }
            web.base_urls.push(base);
        }
        for site in sites {
            let (base, _) = web
                .listen(Ipv4Addr::LOCALHOST, 0, RootContent::Site(site.clone()))
                .await?;
            web.site_urls.push((site, base));
        }
        Ok(web)
    }

    /// Starts `n` listeners (distinct host:port pairs), each serving its own synthetic site at the root.
    pub async fn start_many(config: TestWebConfig, n: usize) -> Result<TestWeb> {
        TestWeb::start(TestWebConfig {
            listeners: n,
            ..config
        })
        .await
    }

    /// Starts a test web on its own runtime in a background thread, for synchronous tests or tests whose
    /// code under test blocks the calling runtime.
    pub fn start_blocking(config: TestWebConfig) -> Result<TestWeb> {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("vectora-testweb".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = sender.send(Err(anyhow::Error::from(error)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match TestWeb::start(config).await {
                        Ok(web) => {
                            let stop = web.shutdown.subscribe();
                            if sender.send(Ok(web)).is_ok() {
                                crate::streams::shutdown_signal(stop).await;
                                // Let connections see the signal and close before the runtime goes.
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        }
                        Err(error) => {
                            let _ = sender.send(Err(error));
                        }
                    }
                });
            })
            .context("spawning the test web thread")?;
        receiver
            .recv()
            .context("the test web thread ended before starting")?
    }

    /// Binds `ip:port` and serves `root` there; returns the base URL and the port bound.
    async fn listen(
        &mut self,
        ip: Ipv4Addr,
        port: u16,
        root: RootContent,
    ) -> Result<(String, u16)> {
        let listener = TcpListener::bind((ip, port))
            .await
            .with_context(|| format!("binding {ip}:{port}"))?;
        let addr: SocketAddr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let ctx = ListenerCtx {
            shared: self.shared.clone(),
            addr,
            base: base.clone(),
            root,
            in_flight: Arc::new(AtomicUsize::new(0)),
        };
        let app = Router::new().fallback(dispatch::handle).with_state(ctx);
        let stop = self.shutdown.subscribe();
        self.tasks.push(tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(crate::streams::shutdown_signal(stop))
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "test web listener stopped");
            }
        }));
        Ok((base, addr.port()))
    }

    /// Base URL of the first listener, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> &str {
        self.base_urls
            .first()
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// Base URLs of all numbered listeners.
    pub fn base_urls(&self) -> &[String] {
        &self.base_urls
    }

    /// `base_url() + path` (`path` should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// Base URL of a fixture site: its own listener when started with `site_ports`, else
    /// `base_url()/sites/<site>`. Fixture pages substitute `{{site}}` with this value. The
    /// providers' pseudo-site ([`crate::lai_config::PROVIDERS_SITE`]) is the root.
    pub fn site_base_url(&self, site: &str) -> String {
        if site == crate::lai_config::PROVIDERS_SITE {
            return self.base_url().to_string();
        }
        self.site_urls
            .iter()
            .find(|(name, _)| name == site)
            .map(|(_, base)| base.clone())
            .unwrap_or_else(|| format!("{}/sites/{site}", self.base_url()))
    }

    /// `site_base_url(site) + path`.
    pub fn site_url(&self, site: &str, path: &str) -> String {
        format!("{}{path}", self.site_base_url(site))
    }

    /// (site, base URL) of the per-site listeners (empty unless started with `site_ports`).
    pub fn site_listeners(&self) -> &[(String, String)] {
        &self.site_urls
    }

    /// The synthetic site served at the root of listener `index`.
    pub fn synthetic_site(&self, index: usize) -> SyntheticSite {
        SyntheticSite::new(self.shared.seed, index, self.shared.today)
    }

    /// Every request received so far, in arrival order.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.shared.log.snapshot()
    }

    /// Requests received so far for exactly this path (no query).
    pub fn requests_for(&self, path: &str) -> Vec<RequestRecord> {
        self.shared.log.for_path(path)
    }

    pub fn clear_request_log(&self) {
        self.shared.log.clear();
    }

    /// Attaches a fault to an exact request path (no query), replacing any earlier one for that path.
    pub fn set_fault(&self, path: &str, rule: impl Into<FaultRule>) {
        self.shared.faults.set(path, rule.into());
    }

    pub fn clear_fault(&self, path: &str) {
        self.shared.faults.remove(path);
    }

    /// Removes every programmed fault and forgets how often fault URLs have fired.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
        self.shared.url_faults.clear();
    }

    /// Requests to `provider` answered 429 because they came sooner than its rate limit allows.
    pub fn rate_limit_violations(&self, provider: crate::providers::Provider) -> usize {
        self.shared.providers.violations(provider)
    }

    /// Publishes a new version of a ClinicalTrials.gov study: its last update posted on `date`
    /// (`YYYY-MM-DD`). False when the study is not served.
    pub fn update_study(&self, nct_id: &str, date: &str) -> bool {
        self.shared.providers.update_study(nct_id, date)
    }

    /// The fixture sites folder being served.
    pub fn sites_dir(&self) -> &Path {
        &self.shared.sites_dir
    }

    /// A temporary copy of the bundled LAI config whose sources point at this test web's fixture sites.
    pub fn lai_config_dir(&self) -> Result<LaiConfigDir> {
        lai_config::lai_config_dir_with(&|site: &str| self.site_base_url(site))
    }

    /// Writes the LAI config pointing at this test web into `dest`.
    pub fn write_lai_config(&self, dest: &Path) -> Result<()> {
        lai_config::write_lai_config(&lai_config::bundled_config_dir(), dest, &|site: &str| {
            self.site_base_url(site)
        })
    }

    /// Stops serving and waits until every listener has closed.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for TestWeb {
    fn drop(&mut self) {
        // Ends hangs, drips and stalls, then lets axum close every connection.
        let _ = self.shutdown.send(true);
    }
}
