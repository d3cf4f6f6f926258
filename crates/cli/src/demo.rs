//! `vectora-inbox demo`: see the whole thing work on a machine without internet. Serves the
//! bundled fixture sites (the test web, in-process, on 127.0.0.1), ingests them twice with the
//! bundled LAI config — one newsroom breaking between the runs — and writes the report. Touches
//! nothing but loopback and the output folder.

use crate::output::print_table;
use crate::report::{ReportData, write_atomically};
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, TimeZone, Utc};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use vectora_core::config;
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::health::{HealthState, client_rows};
use vectora_core::store::{DataStore, Location};
use vectora_core::{Engine, EngineOptions, NoProgress, RunReport, RunRequest};
use vectora_testweb::{Fault, TestWeb, TestWebConfig, fixture_today};

const CLIENT: &str = "lai_weekly_v3";
/// The newsroom that breaks between the two runs (Camurus's listing answers 404, as after a
/// redesign that moved it).
const BROKEN_SITE: &str = "camurus";
const BROKEN_PATH: &str = "/media/press-releases/";

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Folder written: config/ (the LAI config pointing at the local sites), data/ (items, run
    /// reports, state) and report.html. Must be empty or absent.
    #[arg(long, default_value = "demo")]
    pub out: PathBuf,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let out = &args.out;
    prepare(out)?;
    let web = TestWeb::start(TestWebConfig {
        site_ports: true,
        ..TestWebConfig::default()
    })
    .await
    .context("cannot serve the fixture sites (run the demo from a build of the repository)")?;
    let config_dir = out.join("config");
    web.write_lai_config(&config_dir)?;
    let config = Arc::new(config::load(&Location::Local(config_dir.clone())).await?);
    let data = Location::Local(out.join("data"));
    let store = DataStore::open(&data, true)?;
    // The fixture sites are dated up to FIXTURE_TODAY: the demo's clock is set to that day and
    // the next, so that their items fall in the client's window.
    let first = Utc.from_utc_datetime(&fixture_today().and_hms_opt(7, 0, 0).unwrap_or_default());
    let second = first + Duration::days(1);

    println!("Serving the fixture sites on 127.0.0.1; the demo's clock starts at {first}.\n");
    println!("== Run 1 ({first}): every site answers");
    print_table(&ingest(&config, &store, first).await?);
    web.set_fault(BROKEN_PATH, Fault::Status(404));
    println!("\n== Run 2 ({second}): {BROKEN_SITE}'s newsroom now answers 404");
    print_table(&ingest(&config, &store, second).await?);

    let client = config
        .client(CLIENT)
        .with_context(|| format!("the bundled config has no client {CLIENT}"))?;
    let state = HealthState::load(&store, CLIENT).await?;
    println!();
    crate::sources::health::print_table(CLIENT, &client_rows(&config, client, &state, second));
    let report = ReportData::load(&config, &store, client, 7, second).await?;
    let page = out.join("report.html");
    write_atomically(&page, report.render().as_bytes())?;
    web.shutdown().await;
    println!(
        "\nItems, run reports and health state: {}\nReport: {}",
        out.join("data").display(),
        page.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The output folder must be new or empty: the demo's two runs tell a story only from a clean
/// state, and nothing of the user's is overwritten.
fn prepare(out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        let mut entries =
            std::fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty: choose another --out or remove it",
                out.display()
            );
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))
}

async fn ingest(
    config: &Arc<config::Config>,
    store: &DataStore,
    at: DateTime<Utc>,
) -> anyhow::Result<RunReport> {
    let fetcher = Fetcher::new(FetchSettings {
        // The sites are this process's own listeners on 127.0.0.1.
        allow_private_networks: true,
        min_host_interval: std::time::Duration::from_millis(20),
        ..FetchSettings::default()
    })
    .map_err(anyhow::Error::msg)?;
    let engine = Engine::new(
        config.clone(),
        fetcher,
        store.clone(),
        EngineOptions {
            now: Some(at),
            ..EngineOptions::default()
        },
    );
    let req = RunRequest {
        client_id: Some(CLIENT.into()),
        ..RunRequest::default()
    };
    let plan = engine.plan(req.validate()?)?;
    let mut results = engine.run(&plan, None, &NoProgress).await?;
    match results.pop() {
        Some(r) => Ok(r.result?),
        None => bail!("the run of {CLIENT} returned nothing"),
    }
}
