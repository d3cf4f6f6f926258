//! Local test web for vectora-inbox: fixture sites shaped like the LAI sources, synthetic newsrooms for
//! benchmarks, and a fault layer (latency, hangs, error statuses, 429, redirects, encodings, endless
//! bodies), all on 127.0.0.1.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use vectora_testweb::{Fault, FaultRule, TestWeb, TestWebConfig};
//! let web = TestWeb::start(TestWebConfig::default()).await?;
//! web.set_fault("/sites/camurus/media/press-releases/", FaultRule::new(Fault::Status(503)).times(2));
//! let config = web.lai_config_dir()?; // the bundled config, sources rewritten to this server
//! // ... run the engine with config.path(), then inspect web.request_log()
//! # Ok(()) }
//! ```
//!
//! URL-addressable faults (for a standalone server driven by a config file) are documented on
//! [`faults::parse_url_fault`].

pub mod bench_config;
mod conditional;
mod dispatch;
pub mod encoding;
pub mod faults;
pub mod lai_config;
pub mod providers;
pub mod request_log;
pub mod rlimit;
mod server;
mod static_files;
mod streams;
pub mod synthetic;

pub use bench_config::{
    BENCH_CLIENT_ID, BenchSite, bench_source_key, expected_items, site_source_key,
    write_bench_config, write_bench_config_with,
};
pub use conditional::etag_of;
pub use encoding::ContentCoding;
pub use faults::{Fault, FaultRule, RetryAfterForm};
pub use lai_config::{
    LaiConfigDir, OLD_LAYOUT, bundled_config_dir, fixture_sites_dir, keep_old_layout,
    lai_config_dir, lai_config_dir_with, write_lai_config,
};
pub use providers::{Pace, Provider, provider_fixtures_dir};
pub use request_log::RequestRecord;
pub use server::{FIXTURE_TODAY, TestWeb, TestWebConfig, fixture_today, loopback_address};
pub use static_files::content_type_for;
pub use synthetic::{SyntheticEntry, SyntheticSite};
