//! The fan-out steps end to end through the handler, without the Lambda runtime: the bundled LAI
//! config with its sources on the local test web (`vectora-testweb`, 127.0.0.1) plus a second
//! client, a local data folder. Plan → one client step per planned client → summary, as the state
//! machine (`infra/s2-fan-out.asl.json`) chains them; the same under Step Functions (moto) is
//! `scripts/ci/fanout-e2e.sh`.

use serde_json::{Value, json};
use std::path::Path;
use vectora_core::store::Location;
use vectora_lambda::{App, InvocationContext, LambdaResponse, Settings};
use vectora_testweb::{TestWeb, TestWebConfig};

/// Wide enough to reach the fixture sites' dates from today.
const PERIOD_DAYS: u32 = 3650;

fn ctx(id: &str) -> InvocationContext {
    InvocationContext {
        request_id: id.into(),
        deadline_ms: 0,
    }
}

fn settings() -> Settings {
    Settings {
        allow_private_networks: true,
        env: Some("test".into()),
        ..Default::default()
    }
}

/// Adds client `id`: the LAI client's file under another id (same sources, same profiles).
fn add_client(config: &Path, id: &str) {
    let lai = std::fs::read_to_string(config.join("clients/lai_weekly_v3.yaml")).unwrap();
    let copy = lai.replace("client_id: lai_weekly_v3", &format!("client_id: {id}"));
    assert_ne!(copy, lai, "the LAI client file names its client_id");
    std::fs::write(config.join(format!("clients/{id}.yaml")), copy).unwrap();
}

async fn invoke(app: &App, event: Value, id: &str) -> LambdaResponse {
    app.handle(event, &ctx(id)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_clients_and_summary_store_each_client_and_the_run() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let config = web.lai_config_dir().unwrap();
    add_client(config.path(), "lai_monthly");
    let data = tempfile::tempdir().unwrap();
    let app = App::with_locations(
        settings(),
        Location::Local(config.path().to_path_buf()),
        Location::Local(data.path().to_path_buf()),
    )
    .await;

    let plan = invoke(
        &app,
        json!({"step": "plan", "execution": "exec.one", "request": {"period_days": PERIOD_DAYS}}),
        "req-plan",
    )
    .await;
    assert_eq!(plan.status_code, 200, "{}", plan.body);
    assert_eq!(plan.function_error(), None);
    let body = &plan.body;
    assert_eq!(
        body["run_id"], "exec-one",
        "the execution's name, made key-safe"
    );
    assert_eq!(body["client_ids"], json!(["lai_monthly", "lai_weekly_v3"]));
    let clients = body["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 2);
    assert_eq!(clients[1]["step"], "client");
    assert_eq!(clients[1]["request"]["client_id"], "lai_weekly_v3");
    assert_eq!(clients[1]["request"]["period_days"], PERIOD_DAYS);

    // The Map state: each item is a client event as it stands.
    let mut results = Vec::new();
    for (i, item) in clients.iter().enumerate() {
        let answer = invoke(&app, item.clone(), &format!("req-client-{i}")).await;
        assert_eq!(answer.status_code, 200, "{}", answer.body);
        let o = &answer.body;
        assert_eq!(o["client_id"], item["request"]["client_id"]);
        assert!(
            o.get("sources").is_none(),
            "a small outcome, not the report: {o}"
        );
        assert!(o["items_final"].as_u64().unwrap() > 0, "{o}");
        assert_eq!(o["sources_processed"], 8, "{o}");
        let report = o["run_report"].as_str().unwrap();
        let stored: Value =
            serde_json::from_slice(&std::fs::read(data.path().join(report)).unwrap()).unwrap();
        assert_eq!(stored["client_id"], o["client_id"]);
        assert_eq!(stored["items_final"], o["items_final"]);
        let items = o["s3_output_path"].as_str().unwrap();
        assert!(
            items.contains(&format!("ingested/{}/", o["client_id"].as_str().unwrap())),
            "{items}"
        );
        results.push(answer.body);
    }

    let summary = invoke(
        &app,
        json!({"step": "summary", "plan": body, "results": results}),
        "req-summary",
    )
    .await;
    assert_eq!(summary.status_code, 200, "{}", summary.body);
    let s = &summary.body;
    assert_eq!(s["clients_planned"], 2);
    assert_eq!(s["clients_failed"], 0, "{s}");
    let total: u64 = results
        .iter()
        .map(|r| r["items_final"].as_u64().unwrap())
        .sum();
    assert_eq!(s["items_final"], total);
    let key = s["summary_key"].as_str().unwrap();
    assert!(
        key.starts_with("runs/_fan_out/") && key.ends_with("/exec-one.json"),
        "{key}"
    );
    let stored: Value =
        serde_json::from_slice(&std::fs::read(data.path().join(key)).unwrap()).unwrap();
    let mut answered = s.clone();
    answered.as_object_mut().unwrap().remove("request_id");
    assert_eq!(stored, answered, "the stored summary is the answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_cannot_run_is_an_outcome_a_bad_step_fails_the_invocation() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let config = web.lai_config_dir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let app = App::with_locations(
        settings(),
        Location::Local(config.path().to_path_buf()),
        Location::Local(data.path().to_path_buf()),
    )
    .await;

    // One client's own failure is recorded for the summary; the Map goes on.
    let a = invoke(
        &app,
        json!({"step": "client", "run_id": "r1", "request": {"client_id": "nobody", "dry_run": true}}),
        "req-1",
    )
    .await;
    assert_eq!(a.status_code, 200);
    assert_eq!(a.function_error(), None);
    assert_eq!(a.body["status"], "failed");
    assert_eq!(a.body["error"], "unknown_client");
    assert!(a.body["message"].as_str().unwrap().contains("nobody"));

    // A malformed step is the caller's bug: a function error, named for Step Functions.
    let bad = invoke(
        &app,
        json!({"step": "plan", "request": {"dryrun": true}}),
        "req-2",
    )
    .await;
    let (kind, message) = bad.function_error().expect("a function error");
    assert_eq!(kind, "vectora.unknown_field");
    assert!(
        message.contains("dryrun") && message.contains("400"),
        "{message}"
    );

    // A dry run plans and runs, and stores no summary.
    let plan = invoke(
        &app,
        json!({"step": "plan", "request": {"dry_run": true, "client_id": "lai_weekly_v3"}}),
        "req-3",
    )
    .await;
    assert_eq!(
        plan.body["run_id"], "req-3",
        "no execution name: the request id"
    );
    assert_eq!(plan.body["client_ids"], json!(["lai_weekly_v3"]));
    let summary = invoke(
        &app,
        json!({"step": "summary", "plan": plan.body, "results": []}),
        "req-4",
    )
    .await;
    assert_eq!(summary.body["summary_key"], Value::Null);
    assert_eq!(summary.body["clients"][0]["error"], "no_result");
    assert!(
        !data.path().join("runs").exists(),
        "a dry run writes nothing"
    );
}

#[tokio::test]
async fn a_function_without_its_buckets_fails_every_step() {
    let app = App::init(Settings::default()).await;
    for event in [
        json!({"step": "plan"}),
        json!({"step": "client", "run_id": "r", "request": {"client_id": "a"}}),
    ] {
        let answer = invoke(&app, event.clone(), "req").await;
        let (kind, _) = answer.function_error().unwrap_or_else(|| panic!("{event}"));
        assert_eq!(kind, "vectora.missing_configuration");
    }
    // Today's single invocation keeps answering its 500.
    let plain = invoke(&app, json!({}), "req").await;
    assert_eq!((plain.status_code, plain.function_error()), (500, None));
}
