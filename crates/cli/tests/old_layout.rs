//! Config buckets as existing deployments have them: the old system's layout (clients and the
//! source catalog only — its profiles and term lists were code), and catalogs with mistakes that
//! belong to one source. Run against the local LAI test web (real HTTP on 127.0.0.1), from a
//! folder and from S3 (moto).
//!
//! A run is forgiving: the bundled canonical files stand in for the missing ones (with a warning),
//! a source whose config is wrong fails alone as `config_error`, a broken client file fails that
//! client alone. `validate` stays strict.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use support::moto::Moto;
use support::{cli, files_under, run};
use vectora_testweb::{LaiConfigDir, TestWeb, TestWebConfig};

const CLIENT: &str = "lai_weekly_v3";
const CATALOG: &str = "canonical/sources/source_catalog.yaml";
const EXTRACTORS: &str = "canonical/sources/html_extractors.yaml";

/// The three warnings of an old-layout bucket, as `validate` and the run report print them.
const FALLBACK_WARNINGS: &[&str] = &[
    "warning: canonical/ingestion/ingestion_profiles.yaml: not in the config: using the bundled profiles",
    "warning: canonical/scopes/: not in the config: using the bundled scopes",
    "warning: canonical/sources/html_extractors.yaml: not in the config: using the bundled extractors",
];

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn web() -> TestWeb {
    TestWeb::start_blocking(TestWebConfig {
        site_ports: true,
        ..TestWebConfig::default()
    })
    .unwrap()
}

/// `vectora-inbox ingest --json` over the fixtures' 30 days.
fn ingest(config: &str, data: &Path) -> Command {
    let mut c = cli();
    c.args(["ingest", "--config", config, "--data"])
        .arg(data)
        .args(["--from-date", "2025-11-16", "--to-date", "2025-12-15"])
        .args(["--json", "--allow-private-networks"])
        .args(["--min-host-interval-ms", "5"]);
    c
}

fn body(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("--json output: {e}\n{}", text(&out.stderr)))
}

/// The item ids of the one items file of a local data folder.
fn item_ids(data: &Path) -> BTreeSet<String> {
    let files: Vec<_> = files_under(data)
        .into_iter()
        .filter(|p| p.starts_with("ingested") && p.ends_with("items.json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let items: Vec<Value> =
        serde_json::from_slice(&std::fs::read(data.join(&files[0])).unwrap()).unwrap();
    items
        .iter()
        .map(|i| i["item_id"].as_str().unwrap().to_string())
        .collect()
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "`{from}` not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// `vectora-inbox validate` of a config folder: its exit code and stderr.
fn validate(dir: &Path) -> (Option<i32>, String) {
    let out = run(cli().args(["validate", "--config"]).arg(dir));
    (out.status.code(), text(&out.stderr))
}

fn status_of<'a>(body: &'a Value, source: &str) -> (&'a str, &'a str) {
    let s = body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source_key"] == source)
        .unwrap_or_else(|| panic!("no {source} in {body}"));
    (
        s["status"].as_str().unwrap_or(""),
        s["error"].as_str().unwrap_or(""),
    )
}

#[test]
fn an_old_layout_bucket_ingests_as_the_full_config_does() {
    let web = web();
    let full = web.lai_config_dir().unwrap();
    let old: LaiConfigDir = web.lai_config_dir().unwrap().into_old_layout().unwrap();
    let mut left: Vec<String> = files_under(old.path())
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [CATALOG, "clients/lai_weekly_v3.yaml"]);

    // validate: the three stand-ins said, and the bucket is valid.
    let out = run(cli().args(["validate", "--config"]).arg(old.path()));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for warning in FALLBACK_WARNINGS {
        assert!(stderr.contains(warning), "{warning} not in:\n{stderr}");
    }
    assert!(text(&out.stdout).contains(": OK: 1 client(s)"));

    let full_data = tempfile::tempdir().unwrap();
    let out =
        run(ingest(full.path().to_str().unwrap(), full_data.path()).args(["--client", CLIENT]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let full_body = body(&out);
    assert!(full_body.get("warnings").is_none(), "{full_body}");

    let old_data = tempfile::tempdir().unwrap();
    let out = run(ingest(old.path().to_str().unwrap(), old_data.path()).args(["--client", CLIENT]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let old_body = body(&out);
    assert_eq!(old_body["sources_failed"], 0, "{old_body}");
    // The same profiles decided: the same items kept, the same filtered out (some are).
    for field in ["items_ingested", "items_filtered_out", "items_final"] {
        assert_eq!(old_body[field], full_body[field], "{field}");
    }
    assert!(old_body["items_filtered_out"].as_u64().unwrap() > 0);
    assert!(old_body["items_final"].as_u64().unwrap() >= 15);
    assert_eq!(item_ids(old_data.path()), item_ids(full_data.path()));
    // The run report says what stood in.
    let warnings: BTreeSet<&str> = old_body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        warnings,
        BTreeSet::from_iter(FALLBACK_WARNINGS.iter().copied())
    );
    let reports: Vec<_> = files_under(old_data.path())
        .into_iter()
        .filter(|p| p.starts_with("runs"))
        .collect();
    let report: Value =
        serde_json::from_slice(&std::fs::read(old_data.path().join(&reports[0])).unwrap()).unwrap();
    assert_eq!(report["warnings"], old_body["warnings"]);
}

#[test]
fn an_old_layout_bucket_on_s3_ingests() {
    let web = web();
    let old = web.lai_config_dir().unwrap().into_old_layout().unwrap();
    let moto = Moto::start();
    moto.create_bucket("old-config");
    for rel in files_under(old.path()) {
        let bytes = std::fs::read(old.path().join(&rel)).unwrap();
        moto.put("old-config", &rel.to_string_lossy(), &bytes);
    }
    let data = tempfile::tempdir().unwrap();
    let out = run(ingest("s3://old-config", data.path())
        .args(["--client", CLIENT])
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body = body(&out);
    assert_eq!(body["sources_processed"], 8, "{body}");
    assert_eq!(body["sources_failed"], 0, "{body}");
    assert!(body["items_filtered_out"].as_u64().unwrap() > 0, "{body}");
    assert!(item_ids(data.path()).len() >= 15);
    assert_eq!(body["warnings"].as_array().unwrap().len(), 3, "{body}");
}

/// A mistake that belongs to one source: the edit, and what `validate` and a run say of it.
struct Mistake {
    source: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    /// The key the error names.
    key: &'static str,
    /// What `validate` prints after `error: FILE: KEY:`.
    says: &'static str,
}

/// One unknown profile, one invalid selector, one unknown ingestion mode.
const MISTAKES: &[Mistake] = &[
    Mistake {
        source: "press_corporate__medincell",
        file: CATALOG,
        from: "ingestion_profile: corporate_pure_player_broad",
        to: "ingestion_profile: corporate_pure_player_braod",
        key: "press_corporate__medincell.ingestion_profile",
        says: " unknown ingestion profile `corporate_pure_player_braod`",
    },
    Mistake {
        source: "press_corporate__camurus",
        file: EXTRACTORS,
        from: "container: div.press-releases, div.news-list, main\n",
        to: "container: 'div[[press, main'\n",
        key: "extractors.press_corporate__camurus.selectors.container",
        says: "",
    },
    Mistake {
        source: "press_sector__fiercebiotech",
        file: CATALOG,
        from: "ingestion_mode: rss",
        to: "ingestion_mode: atom",
        key: "sources[5].ingestion_mode",
        says: " source `press_sector__fiercebiotech`: ingestion_mode `atom` is not one of rss, html, \
               api, none",
    },
];

/// The [`MISTAKES`]: those three sources fail as `config_error` naming file and key, the five
/// others run; `validate` names all three.
#[test]
fn sources_with_config_mistakes_fail_alone() {
    let web = web();
    let config = web.lai_config_dir().unwrap();
    let dir = config.path();
    for m in MISTAKES {
        edit(dir, m.file, m.from, m.to);
    }

    let (code, stderr) = validate(dir);
    assert_eq!(code, Some(1), "{stderr}");
    for m in MISTAKES {
        let expected = format!("error: {}: {}:{}", m.file, m.key, m.says);
        let source = m.source;
        assert!(
            stderr.contains(&expected),
            "{source}: {expected} not in:\n{stderr}"
        );
    }
    assert!(stderr.contains("3 error(s)"), "{stderr}");

    let data = tempfile::tempdir().unwrap();
    let out = run(ingest(dir.to_str().unwrap(), data.path()).args(["--client", CLIENT]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body = body(&out);
    assert_eq!(body["status"], "partial", "{body}");
    for m in MISTAKES {
        let (source, (status, error)) = (m.source, status_of(&body, m.source));
        assert_eq!(status, "config_error", "{source}: {error}");
        let named = error.contains(m.file) && error.contains(m.key);
        assert!(named, "{source}: {error}");
    }
    for source in [
        "press_corporate__delsitech",
        "press_corporate__nanexa",
        "press_corporate__peptron",
        "press_sector__fiercepharma",
        "press_sector__endpoints_news",
    ] {
        assert_eq!(status_of(&body, source).0, "ok", "{source}: {body}");
    }
    assert!(body["items_final"].as_u64().unwrap() > 0, "{body}");
    assert!(!item_ids(data.path()).is_empty());
}

/// Three clients: a healthy one, a copy of it, and one whose file is not YAML. A run over every
/// active client runs the two and reports the third as failed, naming its file.
#[test]
fn a_broken_client_file_fails_that_client_alone() {
    let web = web();
    let config = web.lai_config_dir().unwrap();
    let dir = config.path();
    let lai = std::fs::read_to_string(dir.join("clients/lai_weekly_v3.yaml")).unwrap();
    std::fs::write(
        dir.join("clients/second.yaml"),
        lai.replacen("client_id: lai_weekly_v3", "client_id: second", 1),
    )
    .unwrap();
    std::fs::write(
        dir.join("clients/broken.yaml"),
        "client_profile:\n  client_id: broken\n  active: [\n",
    )
    .unwrap();

    let data = tempfile::tempdir().unwrap();
    let out = run(&mut ingest(dir.to_str().unwrap(), data.path()));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("clients/broken.yaml"), "{stderr}");
    let body = body(&out);
    assert_eq!(body["clients_total"], 3, "{body}");
    assert_eq!(body["clients_failed"], 1, "{body}");
    let clients = body["clients"].as_array().unwrap();
    for id in [CLIENT, "second"] {
        let c = clients.iter().find(|c| c["client_id"] == id).unwrap();
        assert_eq!(c["sources_failed"], 0, "{c}");
        assert!(c["items_ingested"].as_u64().unwrap() > 0, "{c}");
    }
    let broken = clients.iter().find(|c| c["client_id"] == "broken").unwrap();
    assert_eq!(broken["error"], "config_error", "{broken}");
    assert!(
        broken["message"]
            .as_str()
            .unwrap()
            .contains("clients/broken.yaml"),
        "{broken}"
    );

    // validate is strict: the broken file is an error.
    let (code, stderr) = validate(dir);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("error: clients/broken.yaml: YAML error"));
}
