//! `vectora-inbox ingest`: runs the engine on local folders or S3 buckets.

use crate::aws_profile::S3Access;
use crate::output::{Progress, print_table};
use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use vectora_core::config::{self, Config};
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::response::{ErrorBody, RunContext};
use vectora_core::store::{DataStore, Location};
use vectora_core::{
    ClientResult, Engine, EngineOptions, IngestionMode, RunError, RunPlan, RunRequest, RunStatus,
    TemporalMode, ValidRequest,
};

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Config root: a folder or s3://bucket[/prefix]. Default: ./config if present, else the
    /// bundled LAI config.
    #[arg(long)]
    pub config: Option<String>,
    /// Data store: a folder or s3://bucket[/prefix].
    #[arg(long, default_value = "./data")]
    pub data: String,
    /// AWS profile for s3:// locations (credentials in the environment take precedence).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Client to run; every active client when absent.
    #[arg(long)]
    pub client: Option<String>,
    /// Only these sources (comma-separated source keys).
    #[arg(long, value_delimiter = ',')]
    pub sources: Option<Vec<String>>,
    #[arg(long)]
    pub period_days: Option<u32>,
    /// Window start (YYYY-MM-DD); needs --to-date.
    #[arg(long, requires = "to_date")]
    pub from_date: Option<NaiveDate>,
    /// Window end (YYYY-MM-DD); needs --from-date.
    #[arg(long, requires = "from_date")]
    pub to_date: Option<NaiveDate>,
    /// Do everything but write.
    #[arg(long)]
    pub dry_run: bool,
    /// Ignore what earlier runs already ingested.
    #[arg(long)]
    pub force_refresh: bool,
    #[arg(long, value_enum, default_value = "balanced")]
    pub ingestion_mode: ModeArg,
    #[arg(long, value_enum, default_value = "flexible")]
    pub temporal_mode: TemporalArg,
    /// Print the response body (the Lambda's) as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Allow fetching from loopback and private addresses (local test webs only).
    #[arg(long, env = "VECTORA_ALLOW_PRIVATE_NETWORKS", value_parser = vectora_core::fetch::guard::parse_switch, default_value = "false")]
    pub allow_private_networks: bool,
    /// Sources in progress at once, over all hosts (a host's own sources always go one at a
    /// time). Default: sized for the machine, min(1024, (open-file limit - 128) / 2,
    /// memory / 4 MiB).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Minimum interval between two requests to the same host, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub min_host_interval_ms: u64,
    /// Connect deadline, in seconds: a host that does not take the connection.
    #[arg(long, default_value_t = 5)]
    pub connect_timeout: u64,
    /// First-byte deadline, in seconds: from a request to its answer's headers.
    #[arg(long, default_value_t = 8)]
    pub first_byte_timeout: u64,
    /// Idle deadline, in seconds: longest silence while a body arrives.
    #[arg(long, default_value_t = 10)]
    pub idle_timeout: u64,
    /// Response deadline, in seconds: one response from request to last byte.
    #[arg(long, default_value_t = 60)]
    pub request_timeout: u64,
    /// A source's budget, in seconds: every attempt, backoff and article page of it.
    #[arg(long, default_value_t = 90)]
    pub source_timeout: u64,
    /// Bound on the whole run, in seconds (sources not started by then are reported as skipped).
    #[arg(long)]
    pub deadline: Option<u64>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ModeArg {
    Strict,
    Balanced,
    Broad,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum TemporalArg {
    Strict,
    Flexible,
}

/// Loads the config named on the command line, else `./config`, else the bundled copy.
/// Returns it with a description of where it came from.
pub async fn load_config(
    explicit: Option<&str>,
    access: &S3Access,
) -> anyhow::Result<(Config, String)> {
    match explicit {
        Some(loc) => {
            let location = access.locate(loc)?;
            let cfg = config::load(&location)
                .await
                .with_context(|| format!("cannot read config {location}"))?;
            Ok((cfg, location.to_string()))
        }
        None if std::path::Path::new("config/canonical").is_dir() => {
            let location = Location::Local("config".into());
            Ok((config::load(&location).await?, "config".into()))
        }
        None => Ok((
            config::parse_files(&config::bundled::files()),
            "bundled config".into(),
        )),
    }
}

impl IngestArgs {
    /// The run request the flags ask for (checked by [`RunRequest::validate`], like an event).
    fn request(&self) -> RunRequest {
        RunRequest {
            client_id: self.client.clone(),
            sources: self.sources.clone(),
            period_days: self.period_days,
            from_date: self.from_date,
            to_date: self.to_date,
            force_refresh: self.force_refresh,
            dry_run: self.dry_run,
            ingestion_mode: match self.ingestion_mode {
                ModeArg::Strict => IngestionMode::Strict,
                ModeArg::Balanced => IngestionMode::Balanced,
                ModeArg::Broad => IngestionMode::Broad,
            },
            temporal_mode: match self.temporal_mode {
                TemporalArg::Strict => TemporalMode::Strict,
                TemporalArg::Flexible => TemporalMode::Flexible,
            },
        }
    }

    /// The fetcher's deadlines and politeness.
    fn fetch_settings(&self) -> FetchSettings {
        let secs = |s: u64| Duration::from_secs(s.max(1));
        FetchSettings {
            allow_private_networks: self.allow_private_networks,
            min_host_interval: Duration::from_millis(self.min_host_interval_ms),
            connect_timeout: secs(self.connect_timeout),
            first_byte_timeout: secs(self.first_byte_timeout),
            idle_timeout: secs(self.idle_timeout),
            request_timeout: secs(self.request_timeout),
            source_deadline: secs(self.source_timeout),
            ..FetchSettings::default()
        }
    }
}

pub async fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let access = crate::aws_profile::use_profile(args.profile.as_deref()).await?;
    let (config, origin) = load_config(args.config.as_deref(), &access).await?;
    // Checked once, before anything is opened: the request, then the clients it runs.
    let plan = match args
        .request()
        .validate()
        .map_err(RunError::from)
        .and_then(|request| RunPlan::new(request, &config))
    {
        Ok(plan) => plan,
        Err(e) => return Ok(refused(&e, &origin)),
    };
    let engine = engine(&args, config, &access)?;
    let deadline = args
        .deadline
        .map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    let started = std::time::Instant::now();
    let execution_date = vectora_core::model::format_timestamp(chrono::Utc::now());
    let progress = Progress::new(!args.json);
    let results = engine.run(&plan, deadline, &progress).await;
    progress.finish();
    let results = match results {
        Ok(r) => r,
        Err(e) => return Ok(refused(&e, &origin)),
    };
    if results.is_empty() {
        eprintln!("no active client in {origin}");
        return Ok(ExitCode::from(1));
    }
    let anything_ran = print_reports(&results, !args.json);
    if args.json {
        let ctx = RunContext {
            trigger: "cli",
            execution_date,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        };
        print_body(plan.request(), &results, &ctx)?;
    }
    // Exit 1 only when nothing ran: one client's (or source's) failure is its own.
    Ok(if anything_ran {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The engine over the config, the data store and the fetcher the flags describe.
fn engine(args: &IngestArgs, config: Config, access: &S3Access) -> anyhow::Result<Engine> {
    let data = access.locate(&args.data)?;
    let store = DataStore::open(&data, !args.dry_run)?;
    let fetcher = Fetcher::new(args.fetch_settings()).map_err(anyhow::Error::msg)?;
    let defaults = EngineOptions::default();
    let options = EngineOptions {
        concurrency: args.concurrency.unwrap_or(defaults.concurrency).max(1),
        ..defaults
    };
    tracing::info!(
        concurrency = options.concurrency,
        "sources in progress at once, at most"
    );
    Ok(Engine::new(Arc::new(config), fetcher, store, options))
}

/// The one mapping of a run that could not happen to what the CLI says: every such error is
/// bad input (exit code 2), named with where the config came from.
fn refused(e: &RunError, origin: &str) -> ExitCode {
    match e {
        RunError::BadRequest(why) => eprintln!("error: {why}"),
        RunError::UnknownClient(id) => {
            eprintln!("error: unknown client `{id}`: no clients/{id}.yaml in {origin}")
        }
        RunError::Config(errors) => {
            eprintln!("error: the configuration ({origin}) has errors:");
            for d in &errors.0 {
                eprintln!("  {d}");
            }
        }
        RunError::Store(e) => eprintln!("error: {e}"),
    }
    ExitCode::from(2)
}

/// Prints each client's table (`tables`), or its error; true when some client's run did more
/// than fail.
fn print_reports(results: &[ClientResult], tables: bool) -> bool {
    let mut anything_ran = false;
    for r in results {
        match &r.result {
            Ok(report) => {
                anything_ran |= report.status != RunStatus::Failed;
                if tables {
                    print_table(report);
                }
            }
            Err(e) => eprintln!("error: client {}: {e}", r.client_id),
        }
    }
    anything_ran
}

/// The Lambda function's body, so that scripts read one contract whichever runs the job.
fn print_body(
    request: &ValidRequest,
    results: &[ClientResult],
    ctx: &RunContext<'_>,
) -> anyhow::Result<()> {
    let text = match vectora_core::response::body(request, results, ctx) {
        Ok(body) => serde_json::to_string_pretty(&body)?,
        Err(e) => serde_json::to_string_pretty(&ErrorBody::of_run(e))?,
    };
    println!("{text}");
    Ok(())
}
