//! `vectora-inbox sources health`: the health state the runs left (`state/{client}/health.json`)
//! as a table, or as JSON for scripts.

use crate::client_data::{ClientData, DataArgs};
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::json;
use std::process::ExitCode;
use vectora_core::health::{HealthRow, HealthState, client_rows};

#[derive(Args, Debug)]
pub struct HealthArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Print `{"sources": [...]}` (with `"client_id"`; several clients: `{"clients": [...]}`).
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: HealthArgs) -> anyhow::Result<ExitCode> {
    let data = ClientData::open(&args.data).await?;
    let now = Utc::now();
    let mut tables = Vec::new();
    for client in data.clients(args.data.client.as_deref())? {
        let state = HealthState::load(&data.store, &client.id).await?;
        tables.push((
            client.id.clone(),
            client_rows(&data.config, client, &state, now),
        ));
    }
    if args.json {
        let body = |rows: &[HealthRow]| json!(rows);
        let out = match tables.as_slice() {
            [(id, rows)] => json!({ "client_id": id, "sources": body(rows) }),
            many => json!({
                "clients": many
                    .iter()
                    .map(|(id, rows)| json!({ "client_id": id, "sources": body(rows) }))
                    .collect::<Vec<_>>()
            }),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for (id, rows) in &tables {
            print_table(id, rows);
        }
    }
    let problems = tables
        .iter()
        .flat_map(|(_, rows)| rows)
        .any(|r| r.health.is_problem());
    // 0 when every source is fine, 1 when some need a look (for cron jobs and scripts).
    Ok(if problems {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

pub fn print_table(client_id: &str, rows: &[HealthRow]) {
    println!("client {client_id}");
    let key_w = rows
        .iter()
        .map(|r| r.source_key.len())
        .max()
        .unwrap_or(10)
        .max(10);
    println!(
        "{:<key_w$}  {:<7} {:>5} {:>5} {:>5}  {:<16}  {:<10}  last error",
        "source", "health", "fail", "empty", "idle", "last success", "newest"
    );
    for r in rows {
        let error = r
            .last_error
            .as_ref()
            .map(|m| format!("{m} ({})", when(r.last_error_at)))
            .unwrap_or_default();
        println!(
            "{:<key_w$}  {:<7} {:>5} {:>5} {:>5}  {:<16}  {:<10}  {}",
            r.source_key,
            r.health.as_str(),
            r.consecutive_failures,
            r.consecutive_empty,
            r.consecutive_unchanged,
            when(r.last_success),
            r.newest_item
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            error
        );
    }
    println!(
        "fail: runs failed in a row; empty: answered runs with no entry in a row; idle: runs with nothing new in a row"
    );
}
