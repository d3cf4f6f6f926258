//! `vectora-bench`: runs the benchmarks of issues 8 and 16 and writes their figures into `docs/benchmarks.md`.
//! Normally driven by `scripts/bench.sh`, which builds the release binaries, installs the Python
//! comparison libraries and runs every part in order.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use vectora_bench::html_throughput::{self, CorpusResult};
use vectora_bench::machine::{Machine, load_average};
use vectora_bench::scale::{self, ScaleOptions, Scenario};
use vectora_bench::{doc, summary};

#[derive(Parser)]
#[command(
    name = "vectora-bench",
    about = "Benchmarks of vectora-inbox (figures printed, never asserted)."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

/// Where a part's figures go, shared by every measuring subcommand.
#[derive(clap::Args, Debug)]
struct Output {
    /// Write the part's table into this Markdown file (between its `<!-- bench:NAME:begin/end -->`
    /// markers).
    #[arg(long, value_name = "FILE")]
    doc: Option<PathBuf>,
    /// Write the raw figures as JSON into this folder (read by `summary`).
    #[arg(long, value_name = "DIR")]
    results: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Full `vectora-inbox ingest` over simulated webs: N sources on N hosts for each N, a
    /// faults run, many sources on one host.
    Scale(ScaleArgs),
    /// HTML listing parser throughput against BeautifulSoup on the same files.
    Html(HtmlArgs),
    /// Machine, date, load and the command that produced the figures.
    Machine {
        /// The command line to record (e.g. `scripts/bench.sh`).
        #[arg(long, default_value = "scripts/bench.sh")]
        command: String,
        #[arg(long, value_name = "FILE")]
        doc: Option<PathBuf>,
    },
    /// Puts a text file (another tool's output) into a part of the document.
    Section(SectionArgs),
    /// Runs a program and writes its wall time, exit code and peak RSS as JSON into a file (the
    /// scale benchmark starts the CLI through this, so that the peak is the CLI's own).
    #[command(hide = true)]
    MeasureChild {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The program and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<std::ffi::OsString>,
    },
    /// The targets of issues 8 and 16 against the figures in a results folder.
    Summary {
        #[arg(long, value_name = "DIR")]
        results: PathBuf,
        #[arg(long, value_name = "FILE")]
        doc: Option<PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
struct ScaleArgs {
    /// The release `vectora-inbox` binary.
    #[arg(long, value_name = "FILE")]
    cli: PathBuf,
    /// Source counts of the plain web rows, one host each (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "8,100,1000,10000")]
    sites: Vec<usize>,
    /// Sources of the faults run (a quarter broken); 0 skips it.
    #[arg(long, default_value_t = 40)]
    faults: usize,
    /// Sources of the one-host run; 0 skips it.
    #[arg(long, default_value_t = 20)]
    one_host: usize,
    /// Runs per row under 5000 sources; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Runs per row from 5000 sources up.
    #[arg(long, default_value_t = 1)]
    big_runs: usize,
    /// Latency of every response of the simulated web, milliseconds.
    #[arg(long, default_value_t = 150)]
    latency_ms: u64,
    /// `--concurrency` of the CLI; default: the CLI's own (sized for the machine).
    #[arg(long)]
    concurrency: Option<usize>,
    /// `--min-host-interval-ms` of the CLI (its default).
    #[arg(long, default_value_t = 1000)]
    min_host_interval_ms: u64,
    /// `--min-host-interval-ms` of the one-host run.
    #[arg(long, default_value_t = 100)]
    one_host_interval_ms: u64,
    /// Seed of the synthetic sites.
    #[arg(long, default_value_t = 0x5EED)]
    seed: u64,
    #[command(flatten)]
    output: Output,
}

#[derive(clap::Args, Debug)]
struct HtmlArgs {
    /// Minimum seconds per measurement.
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Fixture pages (`*/page.html`); default: the parser crate's suite.
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// Synthetic newsroom pages to add as a second corpus (0: none).
    #[arg(long, default_value_t = 20)]
    synthetic: usize,
    /// Measure only our parser (no Python), e.g. under a profiler.
    #[arg(long)]
    only_ours: bool,
    #[command(flatten)]
    output: Output,
}

#[derive(clap::Args, Debug)]
struct SectionArgs {
    #[arg(long, value_name = "FILE")]
    doc: PathBuf,
    /// Part name (the NAME of its markers).
    #[arg(long)]
    name: String,
    /// The text to insert.
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    /// A line put before the text (e.g. the command that printed it).
    #[arg(long)]
    intro: Option<String>,
    /// Wrap the text in a fenced code block (for plain-text output; Markdown output goes in as is).
    #[arg(long)]
    code: bool,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load_line() -> String {
    load_average().map_or_else(String::new, |(one, five, fifteen)| {
        format!(
            "Load average when this part started: {one:.2} / {five:.2} / {fifteen:.2} (1/5/15 min)."
        )
    })
}

fn emit(output: &Output, part: &str, markdown: &str, json: &impl serde::Serialize) -> Result<()> {
    println!("{markdown}");
    if let Some(dir) = &output.results {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{part}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(json)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &output.doc {
        doc::update_file(path, part, markdown)?;
        eprintln!("wrote part `{part}` of {}", path.display());
    }
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Cmd::Scale(args) => run_scale(args),
        Cmd::Html(args) => run_html(args),
        Cmd::Machine { command, doc: path } => {
            let machine = Machine::detect();
            let markdown = format!(
                "{}- Command: `{command}`\n- {}\n",
                machine.to_markdown(),
                load_line()
            );
            println!("{markdown}");
            if let Some(path) = path {
                doc::update_file(&path, "machine", &markdown)?;
            }
            Ok(())
        }
        Cmd::Section(args) => run_section(args),
        Cmd::MeasureChild { out, command } => match command.split_first() {
            Some((program, args)) => vectora_bench::child::measure_child(&out, program, args),
            None => anyhow::bail!("measure-child needs a program to run"),
        },
        Cmd::Summary { results, doc: path } => {
            let markdown = summary::to_markdown(&summary::Figures::load(&results));
            println!("{markdown}");
            if let Some(path) = path {
                doc::update_file(&path, "summary", &markdown)?;
            }
            Ok(())
        }
    }
}

/// The scale rows: the plain webs, then the faults and one-host runs when asked for.
fn run_scale(args: ScaleArgs) -> Result<()> {
    let ScaleArgs {
        cli,
        sites,
        faults,
        one_host,
        runs,
        big_runs,
        latency_ms,
        concurrency,
        min_host_interval_ms,
        one_host_interval_ms,
        seed,
        output,
    } = args;
    let load = load_line();
    let mut rows: Vec<(Scenario, usize)> = sites.iter().map(|&n| (Scenario::Web, n)).collect();
    if faults > 0 {
        rows.push((Scenario::Faults, faults));
    }
    if one_host > 0 {
        rows.push((Scenario::OneHost, one_host));
    }
    let options = ScaleOptions {
        cli,
        measurer: std::env::current_exe()
            .context("finding this benchmark's own binary (the CLI's measuring helper)")?,
        runs: rows,
        repeats: runs,
        big_repeats: big_runs,
        latency: Duration::from_millis(latency_ms),
        concurrency,
        min_host_interval_ms,
        one_host_interval_ms,
        seed,
    };
    let results = scale::run_scale(&options)?;
    let shown = concurrency.map_or_else(
        || "the CLI's default `--concurrency`".to_string(),
        |c| format!("`--concurrency {c}`"),
    );
    let markdown = format!(
        "{}\n{runs} runs per row under {} sources, {big_runs} from there up; latency {latency_ms} ms per response; {shown}; host interval {min_host_interval_ms} ms ({one_host_interval_ms} ms in the one-host run). {load}\n",
        scale::to_markdown(&results),
        scale::BIG_ROW
    );
    emit(&output, "scale", &markdown, &results)
}

/// The HTML throughput of the fixture corpus (and a synthetic one), ours against BeautifulSoup.
fn run_html(args: HtmlArgs) -> Result<()> {
    let HtmlArgs {
        seconds,
        fixtures,
        synthetic,
        only_ours,
        output,
    } = args;
    let load = load_line();
    let min_time = Duration::from_secs_f64(seconds.max(0.0));
    let fixtures = fixtures.unwrap_or_else(|| repo_root().join("crates/parse/tests/html"));
    let mut corpora = vec![html_throughput::fixture_corpus(&fixtures)?];
    let tmp = tempfile::tempdir()?;
    if synthetic > 0 {
        corpora.push(html_throughput::synthetic_corpus(
            tmp.path(),
            0x5EED,
            synthetic,
        )?);
    }
    let results: Vec<CorpusResult> = corpora
        .iter()
        .map(|c| {
            eprintln!("measuring {} ...", c.name);
            html_throughput::measure(c, min_time, !only_ours)
        })
        .collect();
    let markdown = format!(
        "{}Each figure: every page of the corpus parsed repeatedly for at least {seconds} s in one process. {load}\n",
        html_throughput::to_markdown(&results)
    );
    emit(&output, "html", &markdown, &results)
}

/// Another tool's output put into a part of the document, as text or as a code block.
fn run_section(args: SectionArgs) -> Result<()> {
    let SectionArgs {
        doc: path,
        name,
        file,
        intro,
        code,
    } = args;
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let text = text.trim_end();
    let body = if code {
        format!("```text\n{text}\n```\n")
    } else {
        format!("{text}\n")
    };
    let body = match intro {
        Some(intro) => format!("{intro}\n\n{body}"),
        None => body,
    };
    doc::update_file(&path, &name, &body)
}
