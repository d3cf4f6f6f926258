//! The handler end to end, without the Lambda runtime: real config files, the feeds on the
//! workspace's test web (`vectora-testweb`, 127.0.0.1), a local data folder. (The same contract under the runtime emulator and S3 is
//! exercised by `scripts/ci/lambda-e2e.sh`.)

use chrono::{Duration as Days, Utc};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vectora_core::store::Location;
use vectora_lambda::{App, InvocationContext, Settings};
use vectora_testweb::{Fault, TestWeb, TestWebConfig};

/// The fixture's feeds on the workspace's test web: site `alpha` (3 items) and site `slowpoke` (2
/// items, answered after `slow` when given). Conditional GET is off, so that a second run fetches
/// and parses the same items again. Returns the web and the two feed URLs.
async fn feed_web(sites: &Path, slow: Option<Duration>) -> (TestWeb, String, String) {
    for (site, n) in [("alpha", 3), ("slowpoke", 2)] {
        std::fs::create_dir_all(sites.join(site)).unwrap();
        std::fs::write(sites.join(site).join("feed.xml"), rss(site, n)).unwrap();
    }
    let web = TestWeb::start(TestWebConfig {
        sites_dir: sites.to_path_buf(),
        conditional_get: false,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    if let Some(delay) = slow {
        web.set_fault("/sites/slowpoke/feed.xml", Fault::Latency(delay));
    }
    let feed_a = web.site_url("alpha", "/feed.xml");
    let feed_b = web.site_url("slowpoke", "/feed.xml");
    (web, feed_a, feed_b)
}

/// An RSS feed of `n` items dated over the last days (so inside any window of a week or more).
fn rss(site: &str, n: usize) -> String {
    let mut items = String::new();
    for i in 0..n {
        let date = (Utc::now() - Days::days(i as i64 + 1)).format("%a, %d %b %Y 10:00:00 +0000");
        items.push_str(&format!(
            "<item><title>{site} announces long-acting injectable milestone number {i}</title>\
             <link>https://{site}.example.com/news/{i}</link><pubDate>{date}</pubDate>\
             <description>{site} reported today that its long-acting injectable programme number {i} \
             reached a milestone in a phase 3 study of a monthly formulation.</description></item>"
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{site}</title><link>https://{site}.example.com/</link>{items}</channel></rss>"#
    )
}

fn source(key: &str, url: &str) -> String {
    format!(
        "- source_key: {key}\n  rss_url: {url}\n  html_url: ''\n  ingestion_mode: rss\n  enabled: true\n  source_type: press_sector\n  default_language: en\n  tags: [test]\n"
    )
}

/// A config root: the repository's real canonical files (profiles, scopes, extractors), with a
/// catalog of the given sources and the given client files.
fn config_dir(root: &Path, sources: &[(&str, &str)], clients: &[(&str, &str)]) -> PathBuf {
    let repo_config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    let dir = root.join("config");
    for sub in [
        "canonical/ingestion",
        "canonical/scopes",
        "canonical/sources",
        "clients",
    ] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    for f in [
        "canonical/ingestion/ingestion_profiles.yaml",
        "canonical/sources/html_extractors.yaml",
    ] {
        std::fs::copy(repo_config.join(f), dir.join(f)).unwrap();
    }
    for e in std::fs::read_dir(repo_config.join("canonical/scopes")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join("canonical/scopes").join(e.file_name())).unwrap();
    }
    let mut catalog = String::from("sources:\n");
    for (k, u) in sources {
        catalog.push_str(&source(k, u));
    }
    catalog.push_str("bouquets:\n- bouquet_id: test_bouquet\n  source_keys: [feed_a]\n");
    std::fs::write(dir.join("canonical/sources/source_catalog.yaml"), catalog).unwrap();
    for (id, yaml) in clients {
        std::fs::write(dir.join(format!("clients/{id}.yaml")), yaml).unwrap();
    }
    dir
}

fn client(id: &str, active: bool, extra: &[&str], period: i64) -> String {
    format!(
        "client_profile:\n  client_id: {id}\n  name: Test {id}\n  active: {active}\npipeline:\n  default_period_days: {period}\n\
         source_config:\n  source_bouquets_enabled: []\n  sources_extra_enabled: [{}]\n",
        extra.join(", ")
    )
}

struct Fixture {
    _tmp: tempfile::TempDir,
    _web: TestWeb,
    data: PathBuf,
    app: App,
}

fn test_settings() -> Settings {
    Settings {
        allow_private_networks: true,
        env: Some("test".into()),
        ..Default::default()
    }
}

/// Clients: `alpha` (active: a good feed and a dead port), `beta` (active, blocked by a config
/// error), `gamma` (inactive).
async fn fixture(slow: Option<Duration>) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let (web, feed_a, feed_b) = feed_web(&tmp.path().join("sites"), slow).await;
    // Port 9 (discard) is closed on the test machine: a connection error.
    let dead = "http://127.0.0.1:9/feed.xml".to_string();
    let config = config_dir(
        tmp.path(),
        &[
            ("feed_a", &feed_a),
            ("feed_dead", &dead),
            ("feed_slow", &feed_b),
        ],
        &[
            (
                "alpha",
                &client(
                    "alpha",
                    true,
                    &[
                        "feed_a",
                        if slow.is_some() {
                            "feed_slow"
                        } else {
                            "feed_dead"
                        },
                    ],
                    30,
                ),
            ),
            ("beta", &client("beta", true, &["feed_a"], 0)),
            ("gamma", &client("gamma", false, &["feed_a"], 30)),
        ],
    );
    let data = tmp.path().join("data");
    let app = App::with_locations(
        test_settings(),
        Location::Local(config),
        Location::Local(data.clone()),
    )
    .await;
    Fixture {
        _tmp: tmp,
        _web: web,
        data,
        app,
    }
}

fn ctx(id: &str) -> InvocationContext {
    InvocationContext {
        request_id: id.into(),
        deadline_ms: 0,
    }
}

fn today_items(data: &Path, client: &str) -> Option<Vec<Value>> {
    let p = data.join(format!(
        "ingested/{client}/{}/items.json",
        Utc::now().format("%Y/%m/%d")
    ));
    let text = std::fs::read_to_string(p).ok()?;
    Some(serde_json::from_str(&text).unwrap())
}

fn source_of<'a>(body: &'a Value, key: &str) -> &'a Value {
    body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source_key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {body}"))
}

#[tokio::test]
async fn single_client_run_writes_items_and_reports_each_source() {
    let f = fixture(None).await;
    let r = f
        .app
        .handle(json!({"client_id": "alpha"}), &ctx("req-1"))
        .await;
    assert_eq!(r.status_code, 200, "{}", r.body);
    let b = &r.body;
    assert_eq!(b["client_id"], "alpha");
    assert_eq!(b["request_id"], "req-1");
    assert_eq!(b["status"], "partial");
    assert_eq!(b["sources_processed"], 2);
    assert_eq!(b["sources_failed"], 1);
    assert_eq!(b["items_final"], 3);
    assert_eq!(b["period_days_used"], 30);
    assert_eq!(source_of(b, "feed_a")["status"], "ok");
    assert_eq!(source_of(b, "feed_a")["items_kept"], 3);
    assert_eq!(source_of(b, "feed_dead")["status"], "fetch_error");
    assert!(source_of(b, "feed_dead")["error"].is_string());
    let items = today_items(&f.data, "alpha").expect("items.json written");
    assert_eq!(items.len(), 3);
    assert!(
        b["s3_output_path"]
            .as_str()
            .unwrap()
            .ends_with("items.json")
    );
    assert!(
        items
            .iter()
            .all(|i| i["source_key"] == "feed_a" && i["published_at"].is_string())
    );

    // A second run the same day keeps the first run's items and adds nothing twice.
    let again = f
        .app
        .handle(json!({"client_id": "alpha"}), &ctx("req-2"))
        .await;
    assert_eq!(again.status_code, 200);
    assert_eq!(again.body["items_final"], 0);
    assert_eq!(again.body["items_deduplicated"], 3);
    assert_eq!(today_items(&f.data, "alpha").unwrap().len(), 3);
    // Each source's health across the two runs is in the body.
    let dead = source_of(&again.body, "feed_dead");
    assert_eq!(dead["health"], "failing", "{dead}");
    assert_eq!(dead["consecutive_failures"], 2);
    assert_eq!(dead["last_success"], Value::Null);
    let alive = source_of(&again.body, "feed_a");
    assert_eq!(alive["health"], "ok", "{alive}");
    assert!(alive["last_success"].is_string() && alive["newest_item"].is_string());
    assert!(f.data.join("state/alpha/health.json").is_file());
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let f = fixture(None).await;
    let r = f
        .app
        .handle(
            json!({"client_id": "alpha", "sources": ["feed_a"], "dry_run": true}),
            &ctx("d"),
        )
        .await;
    assert_eq!(r.status_code, 200, "{}", r.body);
    assert_eq!(r.body["dry_run"], true);
    assert_eq!(r.body["items_final"], 3);
    assert_eq!(r.body["s3_output_path"], Value::Null);
    assert_eq!(r.body["status"], "success");
    assert!(!f.data.join("ingested").exists());
}

#[tokio::test]
async fn every_active_client_runs_isolated_with_totals() {
    let f = fixture(None).await;
    for (event, trigger) in [
        (json!({}), "direct"),
        (
            json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}),
            "schedule",
        ),
    ] {
        let r = f.app.handle(event.clone(), &ctx("m")).await;
        assert_eq!(r.status_code, 200, "{event}: {}", r.body);
        let b = &r.body;
        assert_eq!(b["trigger"], trigger);
        let clients = b["clients"].as_array().unwrap();
        let ids: Vec<&str> = clients
            .iter()
            .map(|c| c["client_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["alpha", "beta"], "gamma is inactive");
        assert_eq!(clients[1]["error"], "config_error");
        assert!(
            clients[1]["message"]
                .as_str()
                .unwrap()
                .contains("pipeline.default_period_days")
        );
        assert_eq!(b["clients_failed"], 1);
        assert_eq!(b["status"], "partial");
        assert_eq!(b["sources_processed"], clients[0]["sources_processed"]);
        assert_eq!(b["items_final"], clients[0]["items_final"]);
    }
    assert_eq!(today_items(&f.data, "alpha").unwrap().len(), 3);
    assert!(today_items(&f.data, "beta").is_none() && today_items(&f.data, "gamma").is_none());
}

#[tokio::test]
async fn multi_client_flags_apply_to_every_client() {
    let f = fixture(None).await;
    let r = f
        .app
        .handle(json!({"dry_run": true, "period_days": 14}), &ctx("m"))
        .await;
    assert_eq!(r.status_code, 200, "{}", r.body);
    assert_eq!(r.body["dry_run"], true);
    assert_eq!(r.body["clients"][0]["period_days_used"], 14);
    assert_eq!(r.body["clients"][0]["dry_run"], true);
    assert!(!f.data.join("ingested").exists());
}

#[tokio::test]
async fn caller_mistakes_are_400() {
    let f = fixture(None).await;
    let cases = [
        (json!({"client_id": "nobody"}), "unknown_client"),
        (json!({"client_id": "../alpha"}), "bad_request"),
        (
            json!({"client_id": "alpha", "from_date": "2025-02-30", "to_date": "2025-03-01"}),
            "bad_request",
        ),
        (
            json!({"client_id": "alpha", "period_days": "7"}),
            "bad_request",
        ),
        (
            json!({"client_id": "alpha", "dryrun": true}),
            "unknown_field",
        ),
        (json!([1, 2]), "bad_request"),
        (json!(null), "bad_request"),
    ];
    for (event, code) in cases {
        let r = f.app.handle(event.clone(), &ctx("x")).await;
        assert_eq!(r.status_code, 400, "{event}: {}", r.body);
        assert_eq!(r.body["error"], code, "{event}: {}", r.body);
        assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // A config error that blocks the one client asked for is the deployment's problem: 500.
    let r = f.app.handle(json!({"client_id": "beta"}), &ctx("x")).await;
    assert_eq!(r.status_code, 500, "{}", r.body);
    assert_eq!(r.body["error"], "config_error");
    assert_eq!(r.body["diagnostics"][0]["file"], "clients/beta.yaml");
    assert!(!f.data.join("ingested").exists());
}

#[tokio::test]
async fn missing_buckets_and_unreadable_config_are_500() {
    let app = App::init(Settings::default()).await;
    let r = app.handle(json!({"client_id": "alpha"}), &ctx("e")).await;
    assert_eq!(r.status_code, 500);
    assert_eq!(r.body["error"], "missing_configuration");
    let msg = r.body["message"].as_str().unwrap();
    assert!(
        msg.contains("CONFIG_BUCKET") && msg.contains("DATA_BUCKET"),
        "{msg}"
    );
    // A bad event is still the caller's mistake, even on a broken deployment.
    assert_eq!(
        app.handle(json!({"client_id": 1}), &ctx("e"))
            .await
            .status_code,
        400
    );

    let tmp = tempfile::tempdir().unwrap();
    let app = App::with_locations(
        test_settings(),
        Location::Local(tmp.path().join("nope")),
        Location::Local(tmp.path().join("d")),
    )
    .await;
    let r = app.handle(json!({}), &ctx("e")).await;
    assert_eq!(r.status_code, 500);
    assert_eq!(r.body["error"], "config_unavailable");
}

#[tokio::test]
async fn the_invocation_deadline_bounds_a_slow_site_and_the_rest_is_written() {
    let f = fixture(Some(Duration::from_secs(30))).await;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let started = Instant::now();
    let ctx = InvocationContext {
        request_id: "slow".into(),
        deadline_ms: now_ms + 3_000,
    };
    let r = f.app.handle(json!({"client_id": "alpha"}), &ctx).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(3_000),
        "the run must end before the invocation deadline, took {took:?}"
    );
    assert_eq!(r.status_code, 200, "{}", r.body);
    let slow = source_of(&r.body, "feed_slow");
    assert!(
        matches!(slow["status"].as_str(), Some("timeout" | "skipped")),
        "{slow}"
    );
    assert_eq!(source_of(&r.body, "feed_a")["status"], "ok");
    assert_eq!(r.body["status"], "partial");
    assert_eq!(
        today_items(&f.data, "alpha").unwrap().len(),
        3,
        "what was fetched in time is written"
    );
}
