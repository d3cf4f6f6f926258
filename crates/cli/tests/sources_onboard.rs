//! `vectora-inbox sources discover` and `sources check` against the local test web: the table,
//! the `--json` shapes, exit codes, and the proposed catalog entry pasted into a config, which
//! then validates and ingests.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use vectora_testweb::{TestWeb, TestWebConfig};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vectora-inbox"));
    c.env_remove("LOG_LEVEL")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("VECTORA_ALLOW_PRIVATE_NETWORKS");
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("spawn vectora-inbox")
}

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

fn sources(args: &[&str]) -> Output {
    run(bin().arg("sources").args(args).args([
        "--allow-private-networks",
        "--min-host-interval-ms",
        "5",
    ]))
}

/// The YAML printed after the "catalog entry" line.
fn proposed_yaml(stdout: &str) -> String {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !l.starts_with("catalog entry"));
    lines.next().expect("a catalog entry header");
    lines.map(|l| format!("{l}\n")).collect()
}

#[test]
fn discover_prints_the_table_and_a_catalog_entry_that_validates_and_ingests() {
    let web = web();
    let home = web.site_url("onboard-footer", "/");
    let out = sources(&["discover", &home]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let listing = web.site_url("onboard-footer", "/company/media-centre/");
    let row = stdout
        .lines()
        .find(|l| l.starts_with("html") && l.contains(&listing))
        .unwrap_or_else(|| panic!("no row for the listing:\n{stdout}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[2..6], ["5", "100%", "2025-12-09", "ok"], "{row}");
    let yaml = proposed_yaml(&stdout);
    assert!(yaml.contains(&format!("  html_url: '{listing}'")), "{yaml}");
    assert!(yaml.contains("# ingestion_profile: CHOOSE"), "{yaml}");
    let key = yaml
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("- source_key: "))
        .unwrap()
        .to_string();

    // Pasted as printed into a copy of the LAI config, enabled for the client.
    let config = web.lai_config_dir().unwrap();
    paste(config.path(), &yaml, &key);
    let validate = run(bin().arg("validate").arg("--config").arg(config.path()));
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}{}",
        text(&validate.stdout),
        text(&validate.stderr)
    );
    let data = tempfile::tempdir().unwrap();
    let ingest = run(bin()
        .args(["ingest", "--client", "lai_weekly_v3", "--sources", &key])
        .args([
            "--from-date",
            "2025-06-01",
            "--to-date",
            "2025-12-15",
            "--json",
        ])
        .args([
            "--allow-private-networks",
            "--min-host-interval-ms",
            "5",
            "--config",
        ])
        .arg(config.path())
        .arg("--data")
        .arg(data.path()));
    assert_eq!(ingest.status.code(), Some(0), "{}", text(&ingest.stderr));
    let body: Value = serde_json::from_slice(&ingest.stdout).unwrap();
    let source = &body["sources"][0];
    assert_eq!(source["source_key"], key.as_str(), "{body:#}");
    assert_eq!(source["status"], "ok", "{body:#}");
    assert_eq!(source["items_parsed"], 5, "{body:#}");
    assert_eq!(body["items_final"], 5, "{body:#}");
}

/// Appends the entry to the catalog and names it in the client's extra sources.
fn paste(config: &Path, yaml: &str, key: &str) {
    let catalog = config.join("canonical/sources/source_catalog.yaml");
    let mut text = std::fs::read_to_string(&catalog).unwrap();
    let at = text
        .find("\nbouquets:")
        .map(|i| i + 1)
        .unwrap_or(text.len());
    text.insert_str(at, yaml);
    std::fs::write(&catalog, text).unwrap();
    let client = config.join("clients/lai_weekly_v3.yaml");
    let text = std::fs::read_to_string(&client).unwrap().replace(
        "sources_extra_enabled: []",
        &format!("sources_extra_enabled: [{key}]"),
    );
    std::fs::write(&client, text).unwrap();
}

#[test]
fn discover_json_lists_candidates_best_first_with_the_catalog_entry() {
    let web = web();
    let out = sources(&["discover", &web.site_url("onboard-both", "/"), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &body["candidates"][0];
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["dated", "entries", "kind", "newest", "url"]);
    assert_eq!(first["kind"], "rss");
    assert_eq!(first["url"], web.site_url("onboard-both", "/news/feed/"));
    assert_eq!(
        (first["entries"].as_u64(), first["dated"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(first["newest"], "2025-12-11");
    assert_eq!(body["candidates"][1]["kind"], "html");
    let entry = &body["catalog_entry"];
    assert_eq!(entry["ingestion_mode"], "rss");
    assert_eq!(entry["rss_url"], first["url"]);
    assert_eq!(entry["ingestion_profile"], Value::Null);
}

#[test]
fn discover_exits_1_without_news_and_2_on_bad_input() {
    let web = web();
    let none = sources(&["discover", &web.site_url("onboard-nonews", "/")]);
    assert_eq!(none.status.code(), Some(1));
    assert!(text(&none.stdout).contains("no feed or newsroom listing"));
    let bad = sources(&["discover", "not a url"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("not an http(s) URL"));
    let refused = run(bin().args(["sources", "discover", &web.site_url("onboard-footer", "/")]));
    assert_eq!(refused.status.code(), Some(2), "loopback needs the flag");
}

#[test]
fn check_json_gives_verdicts_and_writes_nothing() {
    let web = web();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("candidates.yaml");
    std::fs::write(
        &file,
        format!(
            "sources:\n- source_key: ok_listing\n  ingestion_mode: html\n  html_url: '{}'\n- source_key: undated_feed\n  ingestion_mode: rss\n  rss_url: '{}'\n- source_key: gone\n  ingestion_mode: rss\n  rss_url: '{}'\n- source_key: homepage_only\n  homepage_url: '{}'\n",
            web.site_url("onboard-footer", "/company/media-centre/"),
            web.site_url("onboard-check", "/undated/"),
            web.site_url("onboard-check", "/missing.xml"),
            web.site_url("onboard-wellknown", "/"),
        ),
    )
    .unwrap();
    let out = run(bin()
        .current_dir(dir.path())
        .args(["sources", "check", "--json", "--catalog"])
        .arg(&file)
        .args(["--allow-private-networks", "--min-host-interval-ms", "5"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, String, u64, u64)> = body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
            assert_eq!(
                keys,
                [
                    "dated",
                    "entries",
                    "message",
                    "newest",
                    "source_key",
                    "verdict"
                ]
            );
            (
                s["source_key"].as_str().unwrap().to_string(),
                s["verdict"].as_str().unwrap().to_string(),
                s["entries"].as_u64().unwrap(),
                s["dated"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("ok_listing", "ok", 5, 5),
        ("undated_feed", "undated", 4, 0),
        ("gone", "unreachable", 0, 0),
        ("homepage_only", "ok", 3, 3),
    ];
    let want: Vec<(String, String, u64, u64)> = want
        .iter()
        .map(|(k, v, e, d)| (k.to_string(), v.to_string(), *e, *d))
        .collect();
    assert_eq!(got, want);
    // Only the candidate file is in the folder: nothing was written.
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);

    // --sources narrows; an unknown key is bad input.
    let one = run(bin()
        .args(["sources", "check", "--sources", "gone", "--catalog"])
        .arg(&file)
        .args(["--allow-private-networks", "--min-host-interval-ms", "5"]));
    assert_eq!(one.status.code(), Some(0));
    let table = text(&one.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("gone") && l.contains("unreachable")),
        "{table}"
    );
    assert!(!table.contains("ok_listing"), "{table}");
    let unknown = run(bin()
        .args(["sources", "check", "--sources", "nope", "--catalog"])
        .arg(&file));
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("unknown source `nope`"));
}
