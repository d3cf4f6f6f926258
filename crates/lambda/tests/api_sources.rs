//! The bundled config's primary-source examples (ClinicalTrials.gov, PubMed, openFDA) through the
//! Lambda handler, against the test web's providers: the response body reports each `api`
//! source's requests and 429s, and the items carry the providers' metadata.

use serde_json::{Value, json};
use vectora_core::store::Location;
use vectora_lambda::{App, InvocationContext, Settings};
use vectora_testweb::{Provider, TestWeb, TestWebConfig};

const SOURCES: [&str; 4] = [
    "trials_ctgov_lai",
    "science_pubmed_lai",
    "reg_fda_approvals_lai",
    "reg_fda_labels_lai",
];

#[tokio::test]
async fn the_handler_runs_api_sources_and_reports_their_requests() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let config = web.lai_config_dir().unwrap();
    let client = config.path().join("clients/lai_weekly_v3.yaml");
    let text = std::fs::read_to_string(&client).unwrap().replacen(
        "  - lai_press_mvp\n",
        "  - lai_press_mvp\n  - lai_primary_sources\n",
        1,
    );
    std::fs::write(&client, text).unwrap();
    let data = tempfile::tempdir().unwrap();
    let app = App::with_locations(
        Settings {
            allow_private_networks: true,
            env: Some("test".into()),
            ..Default::default()
        },
        Location::Local(config.path().to_path_buf()),
        Location::Local(data.path().to_path_buf()),
    )
    .await;
    let event = json!({"client_id": "lai_weekly_v3", "sources": SOURCES,
        "from_date": "2016-01-01", "to_date": "2025-02-14"});
    let ctx = InvocationContext {
        request_id: "req-api".into(),
        deadline_ms: 0,
    };
    let r = app.handle(event, &ctx).await;
    assert_eq!(r.status_code, 200, "{}", r.body);
    let b = &r.body;
    assert_eq!(b["sources_processed"], 4, "{b}");
    assert_eq!(b["sources_failed"], 0, "{b}");
    let source = |key: &str| -> Value {
        b["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source_key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no {key} in {b}"))
    };
    let trials = source("trials_ctgov_lai");
    assert_eq!(trials["api"]["provider"], "clinicaltrials_gov");
    assert_eq!(
        (
            trials["api"]["requests"].as_u64(),
            trials["api"]["throttled"].as_u64()
        ),
        (Some(1), Some(0))
    );
    let pubmed = source("science_pubmed_lai");
    assert_eq!(pubmed["items_parsed"], 4, "{pubmed}");
    // No email configured for NCBI in this environment: said, not fatal.
    assert!(
        pubmed["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("NCBI_EMAIL")),
        "{pubmed}"
    );
    assert_eq!(source("reg_fda_approvals_lai")["items_kept"], 11);
    assert_eq!(source("reg_fda_labels_lai")["status"], "empty");
    assert_eq!(
        web.rate_limit_violations(Provider::Ncbi { with_key: false }),
        0
    );
    let path = b["s3_output_path"].as_str().unwrap();
    let items: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let from_fda = items
        .iter()
        .filter(|i| i["source_key"] == "reg_fda_approvals_lai")
        .count();
    assert_eq!(from_fda, 11);
    assert!(
        items
            .iter()
            .filter(|i| i["source_key"] == "reg_fda_approvals_lai")
            .all(|i| i["metadata"]["version"].is_string())
    );
}
