//! `vectora-inbox report`: one self-contained HTML page about a client's period — source health,
//! items per run, the items by source, what the profiles filtered out and why — read from the
//! data store (a folder or S3). It writes that one file and nothing else.

mod chart;
mod html;

use crate::client_data::{ClientData, DataArgs};
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vectora_core::config::Client;
use vectora_core::health::{HealthRow, HealthState, client_rows};
use vectora_core::history::History;
use vectora_core::store::DataStore;
use vectora_core::{Config, Item, RunReport};

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Days covered, ending with --to.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Last day of the period (YYYY-MM-DD); health is shown as of the end of that day. Default:
    /// today, health as of now.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// The HTML file written.
    #[arg(long, default_value = "report.html")]
    pub out: PathBuf,
}

/// Everything the page shows, read once.
pub struct ReportData {
    pub client_id: String,
    pub client_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// Where the data was read from (a folder or s3://…).
    pub data_location: String,
    pub health: Vec<HealthRow>,
    /// Runs of the period, oldest first.
    pub runs: Vec<RunReport>,
    pub items: Vec<Item>,
}

impl ReportData {
    /// Reads a client's health as of `now`, and the runs and items of the `days` days up to it.
    pub async fn load(
        config: &Config,
        store: &DataStore,
        client: &Client,
        days: u32,
        now: DateTime<Utc>,
    ) -> anyhow::Result<ReportData> {
        let to = now.date_naive();
        let from = to - Duration::days(i64::from(days.max(1)) - 1);
        let state = HealthState::load(store, &client.id).await?;
        let history = History::load(store, &client.id, from, to).await?;
        Ok(ReportData {
            client_id: client.id.clone(),
            client_name: client.name.clone(),
            from,
            to,
            generated_at: now,
            data_location: store.location().to_string(),
            health: client_rows(config, client, &state, now),
            runs: history.runs,
            items: history.items,
        })
    }

    pub fn render(&self) -> String {
        html::page(self)
    }
}

pub async fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let data = ClientData::open(&args.data).await?;
    let clients = data.clients(args.data.client.as_deref())?;
    let [client] = clients.as_slice() else {
        let ids: Vec<&str> = clients.iter().map(|c| c.id.as_str()).collect();
        bail!(
            "several active clients ({}): choose one with --client",
            ids.join(", ")
        );
    };
    let as_of = match args.to {
        Some(day) => day
            .and_hms_opt(23, 59, 59)
            .map(|t| t.and_utc())
            .unwrap_or_else(Utc::now),
        None => Utc::now(),
    };
    let report = ReportData::load(&data.config, &data.store, client, args.days, as_of).await?;
    write_atomically(&args.out, report.render().as_bytes())?;
    println!(
        "{}: {} sources ({} with problems), {} runs, {} items, {}..{}",
        args.out.display(),
        report.health.len(),
        report
            .health
            .iter()
            .filter(|r| r.health.is_problem())
            .count(),
        report.runs.len(),
        report.items.len(),
        report.from,
        report.to
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to `path` through a temporary file beside it: a reader (a browser reloading
/// the page) never sees half of it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}", path.display())
    })
}
