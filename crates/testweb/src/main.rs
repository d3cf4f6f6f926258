//! `vectora-testweb`: the test web as a standalone server for CI end-to-end tests and benchmarks.
//!
//! Prints one JSON line on stdout once every listener is bound, then serves until SIGINT/SIGTERM:
//! `{"base_url":"http://127.0.0.1:P","base_urls":[...],"sites":{"camurus":"http://..."},"config_dir":null,
//! "bench_config_dir":null}`

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Parser;
use vectora_testweb::lai_config::{
    LAI_SITES, bundled_config_dir, fixture_sites_dir, keep_old_layout, write_lai_config,
};
use vectora_testweb::rlimit::raise_fd_limit;
use vectora_testweb::{TestWeb, TestWebConfig, fixture_today, write_bench_config};

/// Local HTTP server for vectora-inbox tests and benchmarks (127.0.0.1 only).
#[derive(Debug, Parser)]
#[command(name = "vectora-testweb", version)]
struct Args {
    /// Folder of fixture sites (default: the crate's bundled `sites/`).
    #[arg(long)]
    sites: Option<PathBuf>,
    /// Port of the first listener; 0 picks a free one. Further listeners take the following ports.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Number of listeners (distinct host:port pairs), listener i serving synthetic site i at its root.
    #[arg(long, default_value_t = 1)]
    ports: usize,
    /// Delay before every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Also serve every fixture site at the root of its own port.
    #[arg(long)]
    site_ports: bool,
    /// Never compress responses, even when the client accepts gzip or brotli.
    #[arg(long)]
    no_compression: bool,
    /// Seed of the synthetic sites.
    #[arg(long, default_value_t = 0x5EED)]
    seed: u64,
    /// "Today" of the synthetic sites, YYYY-MM-DD (default: the fixtures' day, 2025-12-15).
    #[arg(long)]
    today: Option<NaiveDate>,
    /// Write a copy of the LAI config with every source pointing at this server into DIR.
    #[arg(long, value_name = "DIR")]
    print_config_dir: Option<PathBuf>,
    /// Write a benchmark config into DIR: one source per listener (synthetic sites), client
    /// `bench_synthetic`.
    #[arg(long, value_name = "DIR")]
    print_bench_config_dir: Option<PathBuf>,
    /// Write the --print-config-dir copy in the old system's bucket layout: clients and the source
    /// catalog only (the engine stands its bundled profiles, scopes and extractors in).
    #[arg(long)]
    old_layout: bool,
    /// Config folder to copy for --print-config-dir (default: the repository's `config/`).
    #[arg(long, value_name = "DIR")]
    config: Option<PathBuf>,
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args = Args::parse();
    // Before the runtime starts: every listener and every benchmark connection is a descriptor.
    let wanted = (args.ports as u64) * 4 + 1024;
    match raise_fd_limit(wanted) {
        Ok(limit) if limit < wanted => {
            tracing::warn!(
                limit,
                wanted,
                "open-file limit is below what --ports may need"
            )
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not raise the open-file limit"),
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?
        .block_on(serve(args))
}

async fn serve(args: Args) -> Result<()> {
    let web = TestWeb::start(TestWebConfig {
        sites_dir: args.sites.clone().unwrap_or_else(fixture_sites_dir),
        port: args.port,
        listeners: args.ports.max(1),
        site_ports: args.site_ports,
        latency: Duration::from_millis(args.latency_ms),
        compression: !args.no_compression,
        seed: args.seed,
        today: args.today.unwrap_or_else(fixture_today),
        ..TestWebConfig::default()
    })
    .await?;

    if let Some(dest) = &args.print_config_dir {
        let source = args.config.clone().unwrap_or_else(bundled_config_dir);
        write_lai_config(&source, dest, &|site: &str| web.site_base_url(site))
            .with_context(|| format!("writing the config into {}", dest.display()))?;
        if args.old_layout {
            keep_old_layout(dest)?;
        }
    }

    if let Some(dest) = &args.print_bench_config_dir {
        write_bench_config(dest, web.base_urls())
            .with_context(|| format!("writing the benchmark config into {}", dest.display()))?;
    }

    let sites: BTreeMap<&str, String> = LAI_SITES
        .iter()
        .map(|(_, site)| (*site, web.site_base_url(site)))
        .collect();
    let line = serde_json::json!({
        "base_url": web.base_url(),
        "base_urls": web.base_urls(),
        "sites": sites,
        "config_dir": args.print_config_dir,
        "bench_config_dir": args.print_bench_config_dir,
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").context("writing the base URL line")?;
    stdout.flush().context("flushing stdout")?;
    drop(stdout);

    wait_for_stop_signal().await;
    web.shutdown().await;
    Ok(())
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
