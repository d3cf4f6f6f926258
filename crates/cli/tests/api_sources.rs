//! `api` sources through the `vectora-inbox` binary: `parse --format` on saved provider answers,
//! and `ingest` of the bundled config's four primary-source examples against the test web's
//! providers (real saved records, enforced rate limits).

use std::path::Path;
use std::process::{Command, Output};
use vectora_testweb::{Provider, TestWeb, TestWebConfig, provider_fixtures_dir};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vectora-inbox"));
    c.env_remove("VECTORA_ALLOW_PRIVATE_NETWORKS")
        .env_remove("LOG_LEVEL")
        .env_remove("NCBI_API_KEY")
        .env_remove("OPENFDA_API_KEY");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn parse(format: &str, file: &str) -> Output {
    bin()
        .args(["parse", "--format", format])
        .arg(provider_fixtures_dir().join(file))
        .output()
        .unwrap()
}

#[test]
fn parse_prints_the_records_of_saved_provider_answers_with_their_metadata() {
    let out = parse("clinicaltrials", "clinicaltrials/studies_page.json");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(
        items[0]["url"],
        "https://clinicaltrials.gov/study/NCT05013879"
    );
    assert_eq!(items[0]["date_source"], "api");
    assert_eq!(items[0]["metadata"]["sponsor"], "Montefiore Medical Center");

    let out = parse("pubmed", "pubmed/pubmed2.xml");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let pmids: Vec<&str> = items
        .iter()
        .map(|i| i["metadata"]["pmid"].as_str().unwrap())
        .collect();
    assert_eq!(pmids, ["11748933", "11700088"]);
    assert_eq!(
        items[1]["title"],
        "Proton MRI of (13)C distribution by J and chemical shift editing."
    );

    let out = parse("openfda", "openfda/drugsfda/page_3_of_1644.json");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.len(), 11);
    assert!(
        items
            .iter()
            .all(|i| i["metadata"]["application_number"].is_string())
    );
}

#[test]
fn parse_of_the_wrong_format_names_the_file_and_exits_1() {
    let out = parse("pubmed", "clinicaltrials/NCT06323538.json");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("NCT06323538.json"),
        "{err}"
    );
    assert!(err.contains("PubmedArticleSet"), "{err}");
}

/// The bundled config on the test web, with the LAI client following the primary sources too.
fn primary_sources_config(web: &TestWeb) -> vectora_testweb::LaiConfigDir {
    let config = web.lai_config_dir().unwrap();
    let client = config.path().join("clients/lai_weekly_v3.yaml");
    let t = std::fs::read_to_string(&client).unwrap();
    let t = t.replacen(
        "  - lai_press_mvp\n",
        "  - lai_press_mvp\n  - lai_primary_sources\n",
        1,
    );
    assert!(t.contains("lai_primary_sources"));
    std::fs::write(&client, t).unwrap();
    config
}

fn ingest(config: &Path, data: &Path, from: &str, to: &str) -> Output {
    bin()
        .env("NCBI_EMAIL", "watch@example.org")
        .args([
            "ingest",
            "--client",
            "lai_weekly_v3",
            "--json",
            "--allow-private-networks",
        ])
        .args([
            "--sources",
            "trials_ctgov_lai,science_pubmed_lai,reg_fda_approvals_lai,reg_fda_labels_lai",
        ])
        .args(["--from-date", from, "--to-date", to, "--config"])
        .arg(config)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap()
}

#[test]
fn ingest_runs_the_bundled_primary_sources_and_reports_their_requests() {
    let web = TestWeb::start_blocking(TestWebConfig::default()).unwrap();
    let config = primary_sources_config(&web);
    let data = tempfile::tempdir().unwrap();
    let out = ingest(config.path(), data.path(), "2016-01-01", "2025-02-14");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let source = |key: &str| {
        body["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source_key"] == key)
            .unwrap_or_else(|| panic!("no {key} in {body}"))
            .clone()
    };
    let trials = source("trials_ctgov_lai");
    assert_eq!(trials["status"], "ok", "{trials}");
    // The saved studies last updated in the window, every one in a single 500-study page.
    assert_eq!(trials["items_parsed"], 9);
    assert_eq!(
        trials["api"],
        serde_json::json!({"provider": "clinicaltrials_gov", "requests": 1, "throttled": 0})
    );
    let pubmed = source("science_pubmed_lai");
    assert_eq!(pubmed["items_parsed"], 4, "{pubmed}");
    assert_eq!(pubmed["api"]["requests"], 2);
    let approvals = source("reg_fda_approvals_lai");
    assert_eq!(approvals["items_parsed"], 11, "{approvals}");
    assert_eq!(approvals["items_kept"], 11);
    let labels = source("reg_fda_labels_lai");
    // The saved label has no effective_time: no label version in any window, openFDA's 404.
    assert_eq!(
        (labels["status"].as_str(), labels["http_status"].as_u64()),
        (Some("empty"), Some(404))
    );
    assert_eq!(body["sources_failed"], 0);
    for p in [
        Provider::ClinicalTrials,
        Provider::Ncbi { with_key: false },
        Provider::OpenFda,
    ] {
        assert_eq!(web.rate_limit_violations(p), 0, "{p:?}");
    }
    let written: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(body["s3_output_path"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let approval = written
        .iter()
        .find(|i| i["source_key"] == "reg_fda_approvals_lai")
        .unwrap();
    assert_eq!(approval["source_type"], "api_fda_drugsfda");
    assert_eq!(approval["date_source"], "api");
    assert!(
        approval["metadata"]["application_number"]
            .as_str()
            .unwrap()
            .starts_with("ANDA")
    );
    assert!(
        approval["metadata"]["tags"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("regulatory"))
    );
}
