//! The `vectora-inbox` binary as a user runs it: exit codes, output formats, real HTTP against
//! the local LAI test web.

use std::path::Path;
use std::process::{Command, Output};
use vectora_testweb::{TestWeb, TestWebConfig, fixture_sites_dir};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vectora-inbox"));
    c.env_remove("VECTORA_ALLOW_PRIVATE_NETWORKS")
        .env_remove("LOG_LEVEL");
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("run vectora-inbox")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn reference_config() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/config-bucket")
}

#[test]
fn validate_accepts_the_reference_config_bucket() {
    let out = run(bin().args(["validate", "--config"]).arg(reference_config()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("OK: 1 client(s) (1 active), 8 source(s) (8 enabled), 2 bouquet(s)"),
        "{stdout}"
    );
}

/// A copy of the bundled config with `edits` (file, from, to) applied, each replacing one
/// occurrence that must be there.
fn bundled_copy(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config"),
        dir.path(),
    );
    for (file, from, to) in edits {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "`{from}` not in {file}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    dir
}

const CATALOG: &str = "canonical/sources/source_catalog.yaml";
const EXCLUSIONS: &str = "canonical/scopes/exclusion_scopes.yaml";

/// One `#[test]` per broken copy of the bundled config that `validate` refuses (exit 1):
/// `name: [(file, from, to), ..] => [words stderr must contain, ..]`.
macro_rules! validate_refuses {
    ($($(#[$doc:meta])* $name:ident: [$($edit:expr),* $(,)?] => [$($says:expr),* $(,)?];)*) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            let (name, dir) = (stringify!($name), bundled_copy(&[$($edit),*]));
            let out = run(bin().args(["validate", "--config"]).arg(dir.path()));
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{name}: {}{err}", text(&out.stdout));
            for says in [$($says),*] {
                assert!(err.contains(says), "{name}: {says} not in {err}");
            }
        }
    )*};
}

validate_refuses! {
    validate_reports_every_problem_with_file_and_key: [
        (CATALOG, "source_key: press_corporate__camurus", "source_key: press_corporate__medincell"),
        (CATALOG, "  - press_sector__endpoints_news\n", "  - press_sector__nope\n"),
        (EXCLUSIONS, "seeks.*engineer", "seeks.*(engineer"),
    ] => [
        "canonical/sources/source_catalog.yaml: sources[1].source_key: duplicate source_key",
        "bouquets[1].source_keys[2]: bouquet `lai_press_mvp` names unknown source \
         `press_sector__nope`",
        "canonical/ingestion/ingestion_profiles.yaml: profiles.corporate_pure_player_broad",
        "seeks.*(engineer",
        "error(s)",
    ];
    /// Loading only checks pattern syntax (profiles are built on first use); `validate` builds
    /// every profile, so a pattern too large to compile is still caught before anything runs.
    validate_builds_every_profile: [
        (EXCLUSIONS, "\nanti_lai_routes:\n", "\nanti_lai_routes:\n- '\\w{5000}\\w{5000}'\n"),
    ] => [
        "canonical/ingestion/ingestion_profiles.yaml: profiles.corporate_pure_player_broad.\
         signal_requirements.exclusion_scopes[3]: scope exclusion_scopes.anti_lai_routes: \
         invalid pattern",
        "size limit",
    ];
}

/// Without `--client`, `--json` prints the Lambda function's multi-client body: the contract's
/// fields as totals, and each client's own body under `clients`.
/// `vectora-inbox ingest --json` over the local LAI test web's 30 days, with `extra` arguments.
/// Returns the run's output and its data folder.
fn ingest_lai_web_json(extra: &[&str]) -> (Output, tempfile::TempDir) {
    let web = TestWeb::start_blocking(TestWebConfig {
        site_ports: true,
        ..TestWebConfig::default()
    })
    .unwrap();
    let config = web.lai_config_dir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = run(bin()
        .args([
            "ingest",
            "--from-date",
            "2025-11-16",
            "--to-date",
            "2025-12-15",
        ])
        .args(extra)
        .args(["--json", "--allow-private-networks"])
        .args(["--min-host-interval-ms", "5", "--config"])
        .arg(config.path())
        .arg("--data")
        .arg(data.path()));
    (out, data)
}

#[test]
fn ingest_json_of_every_active_client_is_the_lambda_body() {
    let (out, data) = ingest_lai_web_json(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["client_id"], serde_json::Value::Null);
    assert_eq!(body["trigger"], "cli");
    assert_eq!(body["clients_total"], 1);
    assert_eq!(body["clients_failed"], 0);
    assert_eq!(body["dry_run"], true);
    let client = &body["clients"][0];
    assert_eq!(client["client_id"], "lai_weekly_v3");
    for total in ["sources_processed", "items_ingested", "items_final"] {
        assert_eq!(body[total], client[total], "{total}");
    }
    assert_eq!(body["sources_processed"], 8);
    assert!(body["items_final"].as_u64().unwrap() > 0, "{body}");
    assert!(
        !data.path().join("ingested").exists(),
        "a dry run writes nothing"
    );
}

/// The body contract's fields (SPEC, "Invocation contract").
const SPEC_FIELDS: &[&str] = &[
    "client_id",
    "execution_date",
    "sources_processed",
    "sources_failed",
    "items_ingested",
    "items_filtered_out",
    "items_deduplicated",
    "items_final",
    "period_days_used",
    "s3_output_path",
    "execution_time_seconds",
    "dry_run",
    "ingestion_mode",
    "temporal_mode",
    "status",
];

#[test]
fn ingest_json_against_the_local_lai_web() {
    let (out, _data) = ingest_lai_web_json(&["--client", "lai_weekly_v3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in SPEC_FIELDS.iter().chain(&["sources"]) {
        assert!(body.get(field).is_some(), "missing {field} in {body}");
    }
    assert_eq!(body["sources_processed"], 8);
    assert_eq!(body["period_days_used"], 30);
    let written: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(body["s3_output_path"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        body["items_final"].as_u64().unwrap() as usize,
        written.len()
    );
    assert!(written.len() >= 15);
    for s in body["sources"].as_array().unwrap() {
        for f in [
            "source_key",
            "status",
            "http_status",
            "items_parsed",
            "items_kept",
            "error",
            "duration_ms",
            "health",
            "consecutive_failures",
            "consecutive_empty",
            "last_success",
            "newest_item",
        ] {
            assert!(s.get(f).is_some(), "source line without {f}: {s}");
        }
        // The first run of a fresh data folder: every source is new, none failed yet.
        assert_eq!(s["health"], "new", "{s}");
        assert_eq!(s["consecutive_failures"], 0, "{s}");
    }
}

#[test]
fn loopback_is_refused_without_the_flag() {
    let web = TestWeb::start_blocking(TestWebConfig::default()).unwrap();
    let config = web.lai_config_dir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = run(bin()
        .args(["ingest", "--client", "lai_weekly_v3", "--json", "--config"])
        .arg(config.path())
        .arg("--data")
        .arg(data.path()));
    assert_eq!(out.status.code(), Some(1), "every source failed");
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in body["sources"].as_array().unwrap() {
        assert_eq!(s["status"], "blocked", "{s}");
    }
    assert!(
        web.request_log().is_empty(),
        "no request may reach a loopback server"
    );
    assert_eq!(body["status"], "failed");
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let target = data.path().join("out");
    for args in [
        vec!["ingest", "--client", "nobody"],
        vec!["ingest", "--client", "../etc"],
        vec![
            "ingest",
            "--client",
            "lai_weekly_v3",
            "--from-date",
            "2025-12-01",
            "--to-date",
            "2025-11-01",
        ],
        vec!["ingest", "--config", "/nonexistent/config"],
    ] {
        let out = run(bin().args(&args).arg("--data").arg(&target));
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).starts_with("error: "),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!target.exists(), "{args:?} wrote to the data folder");
    }
}

#[test]
fn parse_prints_the_items_of_a_saved_page() {
    let page = fixture_sites_dir().join("nanexa/en/press/index.html");
    let out = run(bin()
        .args(["parse", "--url", "https://www.nanexa.se/en/press/"])
        .arg(&page));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(items.len() >= 5, "{items:?}");
    for it in &items {
        assert!(
            it["url"]
                .as_str()
                .unwrap()
                .starts_with("https://www.nanexa.se/")
                || it["url"].as_str().unwrap().starts_with("http")
        );
        assert!(
            !it["title"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("download attachment"),
            "{it}"
        );
    }
    assert!(
        items.iter().all(|i| i["published_at"].is_string()),
        "every Nanexa entry shows its date: {items:?}"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn parse_article_prints_one_dated_item() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("article.html");
    std::fs::write(
        &page,
        r#"<html><head><title>Camurus news</title>
        <meta property="article:published_time" content="2025-12-11T08:00:00+01:00">
        </head><body><article><h1>Camurus receives positive CHMP opinion for Oczyesa</h1>
        <p>The CHMP of the European Medicines Agency has adopted a positive opinion recommending
        marketing authorization of Oczyesa, a once-monthly octreotide subcutaneous depot.</p>
        </article></body></html>"#,
    )
    .unwrap();
    let out = run(bin()
        .args([
            "parse",
            "--format",
            "article",
            "--url",
            "https://www.camurus.com/media/press-releases/2025/oczyesa/",
        ])
        .arg(&page));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        items[0]["title"],
        "Camurus receives positive CHMP opinion for Oczyesa"
    );
    assert_eq!(items[0]["published_at"], "2025-12-11");
    assert_eq!(items[0]["date_source"], "article");
    assert_eq!(
        items[0]["url"],
        "https://www.camurus.com/media/press-releases/2025/oczyesa/"
    );
}

/// `parse` reads a page as ingestion would: the config's global `default_max_items` caps a
/// listing without configured selectors (the bundled config's 20 here, a copy's 50 after).
#[test]
fn parse_applies_the_configs_extraction_defaults_like_a_run() {
    let page = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/html/files/govuk_publications_index.html");
    let count = |extra: &[&std::ffi::OsStr], cwd: &Path| -> usize {
        let out = run(bin()
            .current_dir(cwd)
            .args([
                "parse",
                "--url",
                "https://www.gov.uk/government/publications",
            ])
            .args(extra)
            .arg(&page));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
            .unwrap()
            .len()
    };
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        count(&[], empty.path()),
        20,
        "the bundled config's default_max_items"
    );
    let cfg = bundled_copy(&[(
        "canonical/sources/html_extractors.yaml",
        "default_max_items: 20",
        "default_max_items: 50",
    )]);
    let found = count(&["--config".as_ref(), cfg.path().as_os_str()], empty.path());
    assert_eq!(
        found, 40,
        "every publication of the page once the cap is above it"
    );
}
