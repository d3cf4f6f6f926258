//! Reliability of the `vectora-inbox` binary as an operator runs it:
//!
//! * crash safety: `kill -9` at random points of real runs (local data folder, then the S3
//!   emulator), each followed by a check of what is stored: always a consistent state (every
//!   file parses; each item once; never less than before), and a final rerun stores exactly
//!   what an uninterrupted run stores;
//! * broken configs (the shared table): `ingest` exits non-zero and writes nothing;
//! * secrets and logs: no credentials, signed URLs or page bodies in the logs, bounded messages.
//!
//! Set `CRASH_SEED` to replay a sequence of kill points (the seed is printed on failure).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::bad_configs;
use support::moto::Moto;
use support::{cli, files_under, run};
use vectora_core::Item;
use vectora_testweb::{LaiConfigDir, TestWeb, TestWebConfig};

const CLIENT: &str = "lai_weekly_v3";

/// The fixture sites on their own ports (one host each, as in production) and the LAI config
/// pointing at them.
struct Web {
    _web: TestWeb,
    config: LaiConfigDir,
}

fn start_web() -> Web {
    let web = TestWeb::start_blocking(TestWebConfig {
        site_ports: true,
        ..TestWebConfig::default()
    })
    .unwrap();
    let config = web.lai_config_dir().unwrap();
    Web { _web: web, config }
}

/// `ingest` of the LAI client over the fixtures' window.
fn ingest(config: &Path, data: &str) -> Command {
    let mut c = cli();
    c.args(["ingest", "--config"])
        .arg(config)
        .args([
            "--data",
            data,
            "--client",
            CLIENT,
            "--allow-private-networks",
        ])
        .args([
            "--from-date",
            "2025-11-15",
            "--to-date",
            "2025-12-15",
            "--json",
            "--min-host-interval-ms",
            "5",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// A small xorshift generator: kill points reproducible from a printed seed.
struct Rng(u64);

impl Rng {
    fn from_env() -> Rng {
        let seed = std::env::var("CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(7)
            });
        eprintln!("CRASH_SEED={seed}");
        Rng(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A kill point within a run of `typical` duration: half spread over the whole run, half
    /// concentrated on its end, where the writes are.
    fn kill_point(&mut self, typical: Duration) -> Duration {
        let ms = typical.as_millis().max(50) as u64;
        let r = self.next();
        if r.is_multiple_of(2) {
            Duration::from_millis(r % (ms + ms / 4))
        } else {
            Duration::from_millis(ms * 6 / 10 + r % (ms / 2 + 1))
        }
    }
}

/// What a data store holds for the client, read the way a downstream reader does; panics on
/// anything inconsistent (a file that does not parse, an item twice).
#[derive(Debug, Default, PartialEq)]
struct Stored {
    /// item_id → canonical URL
    items: BTreeMap<String, String>,
    /// Files that are neither data nor state (e.g. temporary files left by a killed write).
    stray: Vec<String>,
}

fn check_items_file(name: &str, bytes: &[u8], into: &mut Stored) {
    let items: Vec<Item> =
        serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name} is corrupt: {e}"));
    let mut urls = BTreeSet::new();
    for it in items {
        let canon = vectora_parse::urls::canonicalize(&it.url);
        assert!(
            urls.insert(canon.clone()),
            "{name}: {} stored twice",
            it.url
        );
        assert!(
            into.items.insert(it.item_id.clone(), canon).is_none(),
            "{name}: item {} stored twice",
            it.item_id
        );
    }
}

fn check_state_file(name: &str, bytes: &[u8]) {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .unwrap_or_else(|e| panic!("{name} is corrupt: {e}"));
}

fn stored_local(data: &Path) -> Stored {
    let mut s = Stored::default();
    for rel in files_under(data) {
        let name = rel.to_string_lossy().to_string();
        let bytes = std::fs::read(data.join(&rel)).unwrap();
        if name.starts_with(&format!("ingested/{CLIENT}/")) && name.ends_with("/items.json") {
            check_items_file(&name, &bytes, &mut s);
        } else if name.ends_with(".json") {
            check_state_file(&name, &bytes);
        } else if !name.starts_with(".locks/") {
            s.stray.push(name);
        }
    }
    s
}

fn stored_s3(moto: &Moto, bucket: &str) -> Stored {
    let mut s = Stored::default();
    for key in moto.list(bucket, "") {
        let Some(bytes) = moto.get(bucket, &key) else {
            continue;
        };
        if key.starts_with(&format!("ingested/{CLIENT}/")) && key.ends_with("/items.json") {
            check_items_file(&key, &bytes, &mut s);
        } else if key.ends_with(".json") {
            check_state_file(&key, &bytes);
        } else {
            s.stray.push(key);
        }
    }
    s
}

/// Runs `ingest` to completion; returns how long it took.
fn complete_run(mut cmd: Command) -> Duration {
    let started = Instant::now();
    let status = cmd.status().expect("spawn vectora-inbox");
    assert!(
        status.code().is_some(),
        "the run did not exit normally: {status}"
    );
    started.elapsed()
}

/// The crash loop: `kills` runs killed at random points, each followed by a consistency check
/// against the reference (what an uninterrupted run stores), then a final complete run.
fn crash_loop(
    kills: usize,
    reference: &BTreeMap<String, String>,
    mut typical: Duration,
    start: &dyn Fn() -> Command,
    read: &dyn Fn() -> Stored,
) {
    let mut rng = Rng::from_env();
    let mut before = read();
    let mut killed_mid_run = 0;
    for i in 0..kills {
        let point = rng.kill_point(typical);
        let mut cmd = start();
        if i.is_multiple_of(2) {
            // A full run (no conditional GETs, no index): as long as the first one, so that the
            // kill points spread over fetching, parsing and writing alike.
            cmd.arg("--force-refresh");
        }
        let mut child = cmd.spawn().expect("spawn vectora-inbox");
        std::thread::sleep(point);
        if child.try_wait().expect("poll child").is_none() {
            killed_mid_run += 1;
        } else {
            // The run ended before the kill: later runs are faster (the first one warmed up the
            // emulator, conditional GETs answer 304); aim earlier.
            typical = typical * 4 / 5;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = read();
        for (id, url) in &now.items {
            assert_eq!(
                reference.get(id),
                Some(url),
                "kill {i} at {point:?}: stored an item an uninterrupted run does not: {id}"
            );
        }
        for id in before.items.keys() {
            assert!(
                now.items.contains_key(id),
                "kill {i} at {point:?}: item {id} was lost"
            );
        }
        before = now;
    }
    assert!(
        killed_mid_run * 3 >= kills,
        "only {killed_mid_run} of {kills} kills landed during a run"
    );
    complete_run(start());
    let last = read();
    assert_eq!(
        &last.items, reference,
        "after the crashes, a complete run must store exactly what an uninterrupted run stores"
    );
    if !last.stray.is_empty() {
        eprintln!(
            "stray files left by killed writes (not read by anyone): {:?}",
            last.stray
        );
    }
}

#[test]
fn kill_9_during_local_runs_never_corrupts_loses_or_duplicates() {
    let web = start_web();
    let tmp = tempfile::tempdir().unwrap();
    let reference_dir = tmp.path().join("reference");
    let typical = complete_run(ingest(web.config.path(), reference_dir.to_str().unwrap()));
    let reference = stored_local(&reference_dir).items;
    assert!(
        reference.len() >= 5,
        "the reference run stored only {} items",
        reference.len()
    );

    let data = tmp.path().join("data");
    let data_arg = data.to_str().unwrap().to_string();
    let started = Instant::now();
    crash_loop(
        25,
        &reference,
        typical,
        &|| ingest(web.config.path(), &data_arg),
        &|| stored_local(&data),
    );
    eprintln!(
        "25 kills in {:?} (a run takes {typical:?})",
        started.elapsed()
    );
}

#[test]
fn kill_9_during_s3_runs_never_corrupts_loses_or_duplicates() {
    let web = start_web();
    let moto = Moto::start();
    let with_s3 = |mut c: Command| {
        c.env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        c
    };
    moto.create_bucket("reference");
    moto.create_bucket("crash");
    let typical = complete_run(with_s3(ingest(web.config.path(), "s3://reference")));
    let reference = stored_s3(&moto, "reference").items;
    assert!(
        reference.len() >= 5,
        "the reference run stored only {} items",
        reference.len()
    );
    crash_loop(
        15,
        &reference,
        typical,
        &|| with_s3(ingest(web.config.path(), "s3://crash")),
        &|| stored_s3(&moto, "crash"),
    );
}

/// Each broken config: `validate` fails naming the file; `ingest` refuses a run the mistake
/// belongs to (non-zero, the file named, nothing written), or runs it with exactly the sources
/// concerned reported as `config_error` (the file named) and the others fetched.
#[test]
fn broken_configs_refuse_the_run_or_fail_their_sources_alone() {
    let mut failures = Vec::new();
    let table = bad_configs::cases();
    for case in &table {
        let mut files = bad_configs::bundled();
        (case.mutate)(&mut files);
        bad_configs::point_sources_at_closed_loopback(&mut files);
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("config");
        bad_configs::write(&files, &config);
        let data = tmp.path().join("data");
        let out = run(ingest(&config, data.to_str().unwrap())
            .args(["--request-timeout", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        match case.effect {
            bad_configs::Effect::Refused => {
                if out.status.success() || out.status.code().is_none() {
                    failures.push(format!("{}: ingest exited with {}", case.name, out.status));
                }
                if !stderr.contains(case.file) {
                    failures.push(format!(
                        "{}: ingest's error does not name {}: {stderr}",
                        case.name, case.file
                    ));
                }
                if data.exists() {
                    failures.push(format!(
                        "{}: ingest wrote {:?}",
                        case.name,
                        files_under(&data)
                    ));
                }
            }
            bad_configs::Effect::FailsSources(expected) => {
                failures.extend(check_config_errors(case, expected, &out.stdout));
                if files_under(&data)
                    .iter()
                    .any(|p| p.starts_with(data.join("ingested")))
                {
                    failures.push(format!("{}: ingest wrote items", case.name));
                }
            }
        }
        let validate = run(cli().args(["validate", "--config"]).arg(&config));
        if validate.status.success() {
            failures.push(format!("{}: validate accepted it", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) over {} cases:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

/// The `--json` body lists exactly `expected` as `config_error`, each naming the case's file,
/// and every other source of the client as fetched (here: unreachable).
fn check_config_errors(
    case: &bad_configs::BadConfig,
    expected: &[&str],
    stdout: &[u8],
) -> Vec<String> {
    let body: serde_json::Value = match serde_json::from_slice(stdout) {
        Ok(v) => v,
        Err(e) => return vec![format!("{}: --json output is not JSON: {e}", case.name)],
    };
    let sources = body["sources"].as_array().cloned().unwrap_or_default();
    let mut failures = Vec::new();
    let mut config_errors: Vec<&str> = Vec::new();
    for s in &sources {
        let key = s["source_key"].as_str().unwrap_or("");
        match s["status"].as_str() {
            Some("config_error") => {
                config_errors.push(key);
                let error = s["error"].as_str().unwrap_or("");
                if !error.contains(case.file) {
                    failures.push(format!(
                        "{}: {key}: error does not name {}: {error}",
                        case.name, case.file
                    ));
                }
            }
            Some("fetch_error") | Some("timeout") => {}
            // Gone from the catalog (an entry without a usable key) or its bouquet: reported.
            Some("unknown_source") => {}
            other if bad_configs::ALL_SOURCES.contains(&key) && !expected.contains(&key) => {
                failures.push(format!("{}: {key}: unexpected status {other:?}", case.name));
            }
            _ => {}
        }
    }
    config_errors.sort();
    let mut expected = expected.to_vec();
    expected.sort();
    if config_errors != expected {
        failures.push(format!(
            "{}: config_error for {config_errors:?}, expected {expected:?}",
            case.name
        ));
    }
    failures
}

/// A config whose sources are hostile to the logs: a pre-signed URL (signature and credential in
/// the query) that fails, a URL with a password, and a page whose body must never be logged.
fn write_secret_config(dir: &Path, web: &TestWeb, sites: &Path) -> PathBuf {
    std::fs::create_dir_all(sites.join("leaky")).unwrap();
    std::fs::write(
        sites.join("leaky/page.html"),
        format!("<html><body><main><p>{}</p><script>var token='BODY-MARKER-SCRIPT';</script></main></body></html>", "BODY-MARKER-TEXT ".repeat(500)),
    )
    .unwrap();
    let base = web.base_url();
    let port = base.rsplit(':').next().unwrap();
    let catalog = format!(
        "sources:
- source_key: signed_feed
  ingestion_mode: rss
  rss_url: '{base}/fault/status/503?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASIGNEDMARKER%2F20251215%2Feu-west-3%2Fs3%2Faws4_request&X-Amz-Signature=SIGNATUREMARKER0123456789abcdef'
  enabled: true
- source_key: password_feed
  ingestion_mode: rss
  rss_url: 'http://reader:PASSWORDMARKER@127.0.0.1:{port}/fault/status/500'
  enabled: true
- source_key: leaky_page
  ingestion_mode: rss
  rss_url: '{base}/sites/leaky/page.html'
  enabled: true
bouquets: []
"
    );
    let client = "client_profile:\n  client_id: secrets\n  active: true\nsource_config:\n  sources_extra_enabled: [signed_feed, password_feed, leaky_page]\n";
    let config = dir.join("config");
    std::fs::create_dir_all(config.join("canonical/sources")).unwrap();
    std::fs::create_dir_all(config.join("clients")).unwrap();
    std::fs::write(
        config.join("canonical/sources/source_catalog.yaml"),
        catalog,
    )
    .unwrap();
    std::fs::write(config.join("clients/secrets.yaml"), client).unwrap();
    config
}

const SECRETS: &[&str] = &[
    "AWSSECRETMARKER",
    "SESSIONTOKENMARKER",
    "AKIASIGNEDMARKER",
    "SIGNATUREMARKER",
    "PASSWORDMARKER",
    "BODY-MARKER",
];

#[test]
fn logs_hold_no_credentials_signed_urls_or_page_bodies() {
    let tmp = tempfile::tempdir().unwrap();
    let sites = tmp.path().join("sites");
    std::fs::create_dir_all(&sites).unwrap();
    let web = TestWeb::start_blocking(TestWebConfig {
        sites_dir: sites.clone(),
        ..TestWebConfig::default()
    })
    .unwrap();
    let config = write_secret_config(tmp.path(), &web, &sites);
    let data = tmp.path().join("data");
    let out = run(cli()
        .args(["ingest", "--config"])
        .arg(&config)
        .args([
            "--data",
            data.to_str().unwrap(),
            "--client",
            "secrets",
            "--allow-private-networks",
            "--min-host-interval-ms",
            "1",
        ])
        .env("LOG_LEVEL", "trace")
        .env("AWS_ACCESS_KEY_ID", "AKIAACCESSKEYMARKER")
        .env("AWS_SECRET_ACCESS_KEY", "AWSSECRETMARKER")
        .env("AWS_SESSION_TOKEN", "SESSIONTOKENMARKER"));
    let logs = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Every source failed, so the logs did talk about each of them.
    for key in ["signed_feed", "password_feed", "leaky_page"] {
        assert!(logs.contains(key), "no log line for {key}:\n{logs}");
    }
    let leaked: Vec<&str> = SECRETS
        .iter()
        .copied()
        .filter(|m| logs.contains(m))
        .collect();
    assert!(
        leaked.is_empty(),
        "secrets in the logs: {leaked:?}\n{}",
        excerpt(&logs, &leaked)
    );
    let in_output: Vec<&str> = ["AWSSECRETMARKER", "SESSIONTOKENMARKER", "BODY-MARKER"]
        .into_iter()
        .filter(|m| stdout.contains(m))
        .collect();
    assert!(
        in_output.is_empty(),
        "secrets or page bodies in the output: {in_output:?}"
    );
}

/// The run report (stdout with `--json`, `runs/…/{run_id}.json` in the data store, the Lambda's
/// response body) carries each source's URL as configured: a pre-signed URL's signature and
/// credential, or a URL's password, reach everyone who reads reports.
#[test]
fn run_reports_hold_no_signed_urls_or_passwords() {
    let tmp = tempfile::tempdir().unwrap();
    let sites = tmp.path().join("sites");
    std::fs::create_dir_all(&sites).unwrap();
    let web = TestWeb::start_blocking(TestWebConfig {
        sites_dir: sites.clone(),
        ..TestWebConfig::default()
    })
    .unwrap();
    let config = write_secret_config(tmp.path(), &web, &sites);
    let data = tmp.path().join("data");
    let out = run(cli()
        .args(["ingest", "--json", "--config"])
        .arg(&config)
        .args([
            "--data",
            data.to_str().unwrap(),
            "--client",
            "secrets",
            "--allow-private-networks",
            "--min-host-interval-ms",
            "1",
        ]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let leaked: Vec<&str> = SECRETS
        .iter()
        .copied()
        .filter(|m| stdout.contains(m))
        .collect();
    assert!(
        leaked.is_empty(),
        "stdout: {leaked:?}\n{}",
        excerpt(&stdout, &leaked)
    );
    for rel in files_under(&data) {
        let text = std::fs::read_to_string(data.join(&rel)).unwrap_or_default();
        let leaked: Vec<&str> = SECRETS
            .iter()
            .copied()
            .filter(|m| text.contains(m))
            .collect();
        assert!(
            leaked.is_empty(),
            "{}: {leaked:?}\n{}",
            rel.display(),
            excerpt(&text, &leaked)
        );
    }
}

/// Config values quoted in diagnostics are not truncated: a 20,000-segment client_id is
/// printed whole (crates/core/src/config/resolve.rs `invalid client_id`, `invalid URL`, ...).
#[test]
fn error_messages_are_truncated() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = bad_configs::bundled();
    let huge = format!("https://www.medincell.com/{}", "%zz<>".repeat(20_000));
    bad_configs::edit(
        &mut files,
        bad_configs::CATALOG,
        "html_url: https://www.medincell.com/news/",
        &format!("html_url: '{huge} not a url'"),
    );
    bad_configs::edit(
        &mut files,
        bad_configs::CLIENT_FILE,
        "client_id: lai_weekly_v3",
        &format!("client_id: '{}'", "x/".repeat(20_000)),
    );
    let config = tmp.path().join("config");
    bad_configs::write(&files, &config);
    let out = run(cli().args(["validate", "--config"]).arg(&config));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("client_profile.client_id"),
        "{stderr:.2000}"
    );
    for line in stderr.lines() {
        assert!(
            line.chars().count() <= 1_000,
            "unbounded message line ({} chars): {line:.300}…",
            line.chars().count()
        );
    }
}

/// The lines around each leaked marker.
fn excerpt(text: &str, markers: &[&str]) -> String {
    text.lines()
        .filter(|l| markers.iter().any(|m| l.contains(m)))
        .take(5)
        .map(|l| format!("  {l:.400}"))
        .collect::<Vec<_>>()
        .join("\n")
}
