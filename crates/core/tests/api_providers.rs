//! `api` sources end to end through the engine, over real HTTP to the test web's imitation of
//! each provider (real saved records, the providers' paging, errors and enforced rate limits).

use chrono::{NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use vectora_core::config::{self, CATALOG_FILE, PROFILES_FILE};
use vectora_core::fetch::{FetchSettings, Fetcher};
use vectora_core::store::{DataStore, Location};
use vectora_core::{Engine, EngineOptions, NoProgress, RunReport, RunRequest, SourceStatus};
use vectora_testweb::{Fault, FaultRule, Provider, RetryAfterForm, TestWeb, TestWebConfig};

const CLIENT: &str = "primary_watch";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A config with one client reading the given catalog entries (YAML list items).
fn config_with(sources: &[String]) -> Arc<config::Config> {
    let keys: Vec<String> = sources
        .iter()
        .filter_map(|s| {
            s.lines()
                .find_map(|l| l.trim().strip_prefix("- source_key: "))
        })
        .map(|k| format!("  - {k}\n"))
        .collect();
    let mut files = BTreeMap::new();
    files.insert(
        CATALOG_FILE.to_string(),
        format!("sources:\n{}bouquets: []\n", sources.concat()),
    );
    files.insert(
        PROFILES_FILE.to_string(),
        "profiles:\n  default_broad:\n    signal_requirements:\n      mode: ingest_all\n"
            .to_string(),
    );
    files.insert(
        format!("clients/{CLIENT}.yaml"),
        format!(
            "client_profile:\n  client_id: {CLIENT}\n  active: true\nsource_config:\n  sources_extra_enabled:\n{}",
            keys.concat()
        ),
    );
    let cfg = config::parse_files(&files);
    assert!(
        cfg.diagnostics().iter().all(|d| !d.is_problem()),
        "{:#?}",
        cfg.diagnostics()
    );
    Arc::new(cfg)
}

fn source(key: &str, api_url: &str, api: &str) -> String {
    format!(
        "- source_key: {key}\n  ingestion_mode: api\n  api_url: {api_url}\n  enabled: true\n  source_type: api_test\n  ingestion_profile: default_broad\n  api:\n{api}"
    )
}

fn engine(cfg: Arc<config::Config>, data: &std::path::Path) -> Engine {
    let fetcher = Fetcher::new(FetchSettings {
        allow_private_networks: true,
        retry_base_delay: std::time::Duration::from_millis(200),
        ..FetchSettings::default()
    })
    .unwrap();
    let store = DataStore::open(&Location::Local(data.to_path_buf()), true).unwrap();
    Engine::new(
        cfg,
        fetcher,
        store,
        EngineOptions {
            now: Some(Utc.with_ymd_and_hms(2025, 12, 15, 10, 0, 0).unwrap()),
            ..EngineOptions::default()
        },
    )
}

fn window(from: NaiveDate, to: NaiveDate) -> RunRequest {
    RunRequest {
        client_id: Some(CLIENT.into()),
        from_date: Some(from),
        to_date: Some(to),
        ..RunRequest::default()
    }
}

async fn run(engine: &Engine, req: &RunRequest) -> RunReport {
    let plan = engine.plan(req.validate().unwrap()).unwrap();
    let mut results = engine.run(&plan, None, &NoProgress).await.unwrap();
    results.remove(0).result.unwrap()
}

async fn web() -> TestWeb {
    TestWeb::start(TestWebConfig::default()).await.unwrap()
}

fn stored_items(data: &std::path::Path) -> Vec<serde_json::Value> {
    let path = data.join(vectora_core::store::items_key(CLIENT, date(2025, 12, 15)));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn ctgov(web: &TestWeb, extra: &str) -> String {
    source(
        "trials_ctgov",
        &web.url("/api/v2/studies"),
        &format!(
            "    provider: clinicaltrials_gov\n    query: '\"long-acting injectable\" OR depot'\n{extra}"
        ),
    )
}

#[tokio::test]
async fn clinicaltrials_pages_through_the_window_at_the_providers_pace() {
    let web = web().await;
    let data = tempfile::tempdir().unwrap();
    let engine = engine(
        config_with(&[ctgov(&web, "    page_size: 3\n")]),
        data.path(),
    );
    let report = run(&engine, &window(date(2020, 1, 1), date(2025, 2, 14))).await;
    let o = &report.sources[0];
    assert_eq!(o.status, SourceStatus::Ok, "{o:?}");
    // 8 of the 11 saved studies were last updated in the window: pages of 3, 3 and 2.
    assert_eq!(o.items_parsed, 8);
    assert_eq!(report.items_final, 8);
    let usage = o.api.as_ref().unwrap();
    assert_eq!(
        (usage.provider.as_str(), usage.requests, usage.throttled),
        ("clinicaltrials_gov", 3, 0)
    );
    assert_eq!(web.rate_limit_violations(Provider::ClinicalTrials), 0);
    let log = web.requests_for("/api/v2/studies");
    assert_eq!(log.len(), 3);
    let params = |i: usize| -> Vec<(String, String)> {
        url::form_urlencoded::parse(log[i].query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .filter(|(k, _)| k != "pageToken")
            .collect()
    };
    assert_eq!(params(1), params(0));
    assert_eq!(params(2), params(0));
    assert!(log[1].query.as_deref().unwrap().contains("pageToken="));
    let term = params(0)
        .into_iter()
        .find(|(k, _)| k == "query.term")
        .unwrap()
        .1;
    assert_eq!(
        term,
        "(\"long-acting injectable\" OR depot) AND AREA[LastUpdatePostDate]RANGE[2020-01-01,2025-02-14]"
    );
    // ≈1 request per second: the pages came at least 990 ms apart.
    for pair in log.windows(2) {
        let gap = pair[1].since_start - pair[0].since_start;
        assert!(gap >= std::time::Duration::from_millis(990), "{gap:?}");
    }
    let items = stored_items(data.path());
    let first = &items[0];
    assert_eq!(first["url"], "https://clinicaltrials.gov/study/NCT06323538");
    assert_eq!(first["published_at"], "2025-02-14");
    assert_eq!(first["date_source"], "api");
    assert_eq!(first["metadata"]["nct_id"], "NCT06323538");
    assert_eq!(first["metadata"]["last_update_posted"], "2025-02-14");
}

#[tokio::test]
async fn a_new_version_of_a_study_is_a_new_item_and_the_same_version_a_duplicate() {
    let web = web().await;
    let data = tempfile::tempdir().unwrap();
    let engine = engine(config_with(&[ctgov(&web, "")]), data.path());
    let req = window(date(2025, 2, 1), date(2025, 12, 15));
    let first = run(&engine, &req).await;
    assert_eq!(first.items_final, 1, "{:?}", first.sources[0]);
    let again = run(&engine, &req).await;
    assert_eq!((again.items_final, again.items_deduplicated), (0, 1));
    assert!(web.update_study("NCT06323538", "2025-12-01"));
    let updated = run(&engine, &req).await;
    assert_eq!(updated.items_final, 1, "{:?}", updated.sources[0]);
    let items = stored_items(data.path());
    let versions: Vec<&str> = items
        .iter()
        .map(|i| i["metadata"]["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["2025-02-14", "2025-12-01"]);
}

#[tokio::test]
async fn a_refused_query_fails_its_source_alone_with_the_providers_message() {
    let web = web().await;
    let data = tempfile::tempdir().unwrap();
    let broken = source(
        "trials_broken",
        &web.url("/api/v2/studies"),
        "    provider: clinicaltrials_gov\n    query: '\"unclosed'\n",
    );
    let labels = source(
        "fda_labels",
        &web.url("/drug/label.json"),
        "    provider: openfda_label\n    query: 'openfda.route:\"INTRAMUSCULAR\"'\n",
    );
    let engine = engine(config_with(&[broken, labels]), data.path());
    let report = run(&engine, &window(date(2025, 11, 15), date(2025, 12, 15))).await;
    let broken = &report.sources[0];
    assert_eq!(broken.status, SourceStatus::HttpError);
    assert_eq!(broken.http_status, Some(400));
    let message = broken.error.as_deref().unwrap();
    assert!(
        message.starts_with("HTTP 400 Bad Request: query.term: unbalanced"),
        "{message}"
    );
    // openFDA's 404 "No matches found!" is an empty result, not a failure.
    let labels = &report.sources[1];
    assert_eq!(labels.status, SourceStatus::Empty, "{labels:?}");
    assert_eq!(labels.error, None);
    assert_eq!(labels.http_status, Some(404));
    assert_eq!(report.sources_failed, 1);
}

#[tokio::test]
async fn throttling_and_server_errors_are_waited_out_and_counted() {
    let web = web().await;
    let data = tempfile::tempdir().unwrap();
    let fda = source(
        "fda_approvals",
        &web.url("/drug/drugsfda.json"),
        "    provider: openfda_drugsfda\n    query: 'openfda.product_type:\"HUMAN PRESCRIPTION DRUG\"'\n    page_size: 1\n",
    );
    web.set_fault(
        "/drug/drugsfda.json",
        FaultRule::new(Fault::RetryAfter {
            seconds: 1,
            form: RetryAfterForm::Seconds,
        })
        .times(1),
    );
    let engine = engine(config_with(&[fda]), data.path());
    let req = window(date(2017, 1, 1), date(2022, 12, 31));
    let report = run(&engine, &req).await;
    let o = &report.sources[0];
    assert_eq!(o.status, SourceStatus::Ok, "{o:?}");
    // Three applications, one per page; every AP submission in the window is an item.
    assert_eq!(o.items_parsed, 11);
    let usage = o.api.as_ref().unwrap();
    assert_eq!((usage.requests, usage.throttled), (4, 1));
    let log = web.requests_for("/drug/drugsfda.json");
    let gap = log[1].since_start - log[0].since_start;
    assert!(
        gap >= std::time::Duration::from_secs(1),
        "Retry-After not honoured: {gap:?}"
    );
    // 429 without Retry-After, then a 500: backoff, then the answer.
    web.clear_request_log();
    web.set_fault(
        "/drug/drugsfda.json",
        FaultRule::new(Fault::Status(429)).times(1),
    );
    let data2 = tempfile::tempdir().unwrap();
    let engine2 = self::engine(Arc::new(engine.config().clone()), data2.path());
    let report = run(&engine2, &req).await;
    let usage = report.sources[0].api.clone().unwrap();
    assert_eq!(
        (usage.requests, usage.throttled),
        (4, 1),
        "{:?}",
        report.sources[0]
    );
    web.set_fault(
        "/drug/drugsfda.json",
        FaultRule::new(Fault::Status(500)).times(1),
    );
    let data3 = tempfile::tempdir().unwrap();
    let engine3 = self::engine(Arc::new(engine.config().clone()), data3.path());
    let report = run(&engine3, &req).await;
    let o = &report.sources[0];
    assert_eq!(
        (
            o.status,
            o.api.as_ref().unwrap().requests,
            o.api.as_ref().unwrap().throttled
        ),
        (SourceStatus::Ok, 4, 0)
    );
    assert_eq!(web.rate_limit_violations(Provider::OpenFda), 0);
}

#[tokio::test]
async fn a_client_faster_than_the_provider_allows_is_refused() {
    let web = web().await;
    let client = reqwest::Client::new();
    let url = web.url("/entrez/eutils/esearch.fcgi?db=pubmed&term=x&retmode=json");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(client.get(&url).send().await.unwrap().status().as_u16());
    }
    // NCBI without a key: 3 per second; the 4th and 5th come too soon.
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert_eq!(
        web.rate_limit_violations(Provider::Ncbi { with_key: false }),
        2
    );
}

#[tokio::test]
async fn pubmed_searches_the_entry_dates_then_fetches_through_the_history() {
    let web = web().await;
    let data = tempfile::tempdir().unwrap();
    let pubmed = source(
        "science_pubmed",
        &format!("{}/entrez/eutils/", web.base_url()),
        "    provider: pubmed\n    query: 'telomere OR lactate'\n    email: watch@example.org\n    tool: vectora-test\n    page_size: 1\n",
    );
    let engine = engine(config_with(&[pubmed]), data.path());
    let report = run(&engine, &window(date(2016, 1, 1), date(2018, 12, 31))).await;
    let o = &report.sources[0];
    assert_eq!(o.status, SourceStatus::Ok, "{o:?}");
    // The saved articles that entered PubMed in 2016-2018 (pubmed4 to pubmed7).
    assert_eq!(o.items_parsed, 4);
    let usage = o.api.as_ref().unwrap();
    assert_eq!((usage.requests, usage.throttled), (5, 0));
    assert_eq!(
        web.rate_limit_violations(Provider::Ncbi { with_key: false }),
        0
    );
    for r in web.request_log() {
        let q = r.query.clone().unwrap_or_default();
        assert!(
            q.contains("tool=vectora-test") && q.contains("email=watch%40example.org"),
            "{q}"
        );
    }
    let search = &web.requests_for("/entrez/eutils/esearch.fcgi")[0];
    let q = search.query.as_deref().unwrap();
    assert!(
        q.contains("datetype=edat&mindate=2016%2F01%2F01&maxdate=2018%2F12%2F31"),
        "{q}"
    );
    assert!(
        q.contains("usehistory=y") && q.contains("retmode=json"),
        "{q}"
    );
    let fetches = web.requests_for("/entrez/eutils/efetch.fcgi");
    assert_eq!(fetches.len(), 4);
    assert!(
        fetches[3]
            .query
            .as_deref()
            .unwrap()
            .contains("WebEnv=MCID_")
            && fetches[3].query.as_deref().unwrap().contains("retstart=3")
    );
    let items = stored_items(data.path());
    assert_eq!(items[0]["metadata"]["pmid"], "30108519");
    assert_eq!(items[0]["published_at"], "2018-08-16");
}

#[tokio::test]
async fn pubmed_halves_a_window_with_more_results_than_one_search_serves() {
    // ESearch's 10,000-result cap, lowered to 2 on both sides to run on 4 saved articles.
    let web = TestWeb::start(TestWebConfig {
        pubmed_result_cap: 2,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let fetcher = Fetcher::new(FetchSettings {
        allow_private_networks: true,
        ..FetchSettings::default()
    })
    .unwrap();
    let def = config::ApiDef {
        provider: config::ApiProvider::Pubmed,
        query: "telomere OR lactate".into(),
        max_items: 10,
        page_size: None,
        api_key_env: None,
        tool: "vectora-test".into(),
        email: Some("watch@example.org".into()),
        email_env: "NCBI_EMAIL".into(),
    };
    let interval = vectora_core::api::provider_interval(def.provider, false);
    let mut session = vectora_core::api::Session::new(&fetcher, def.provider, interval, None);
    let base = url::Url::parse(&format!("{}/entrez/eutils/", web.base_url())).unwrap();
    let window = vectora_core::window::Window {
        from: date(2016, 1, 1),
        to: date(2018, 12, 31),
    };
    let (records, warnings) =
        vectora_core::api::pubmed::collect_capped(&mut session, &base, &def, None, window, 2)
            .await
            .unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let pmids: Vec<&str> = records
        .iter()
        .map(|r| r.metadata["pmid"].as_str().unwrap())
        .collect();
    // Newest part of the window first.
    assert_eq!(pmids, ["30108519", "29963580", "28775130", "27797938"]);
    let ranges: Vec<(String, String)> = web
        .requests_for("/entrez/eutils/esearch.fcgi")
        .iter()
        .map(|r| {
            let q: std::collections::HashMap<String, String> =
                url::form_urlencoded::parse(r.query.as_deref().unwrap_or("").as_bytes())
                    .into_owned()
                    .collect();
            (q["mindate"].clone(), q["maxdate"].clone())
        })
        .collect();
    let expected = [
        ("2016/01/01", "2018/12/31"),
        ("2017/07/02", "2018/12/31"),
        ("2018/04/02", "2018/12/31"),
        ("2017/07/02", "2018/04/01"),
        ("2016/01/01", "2017/07/01"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(ranges, expected);
    assert_eq!(session.usage.requests, 8);
    assert_eq!(
        web.rate_limit_violations(Provider::Ncbi { with_key: false }),
        0
    );
}

#[tokio::test]
async fn with_an_ncbi_key_pubmed_sends_it_and_goes_at_ten_requests_a_second() {
    let web = web().await;
    let fetcher = Fetcher::new(FetchSettings {
        allow_private_networks: true,
        ..FetchSettings::default()
    })
    .unwrap();
    let def = config::ApiDef {
        provider: config::ApiProvider::Pubmed,
        query: "telomere OR lactate".into(),
        max_items: 10,
        page_size: Some(1),
        api_key_env: None,
        tool: "vectora-test".into(),
        email: Some("watch@example.org".into()),
        email_env: "NCBI_EMAIL".into(),
    };
    let interval = vectora_core::api::provider_interval(def.provider, true);
    let mut session = vectora_core::api::Session::new(&fetcher, def.provider, interval, None);
    let base = url::Url::parse(&format!("{}/entrez/eutils/", web.base_url())).unwrap();
    let window = vectora_core::window::Window {
        from: date(2016, 1, 1),
        to: date(2018, 12, 31),
    };
    let (records, _) = vectora_core::api::pubmed::collect_capped(
        &mut session,
        &base,
        &def,
        Some("k3y"),
        window,
        vectora_core::api::pubmed::RESULT_CAP,
    )
    .await
    .unwrap();
    assert_eq!(records.len(), 4);
    let log = web.request_log();
    assert_eq!(log.len(), 5);
    assert!(
        log.iter()
            .all(|r| r.query.as_deref().unwrap_or("").contains("api_key=k3y"))
    );
    // Faster than the keyless 3/s (5 requests within a second are allowed with a key)...
    let keyed = Provider::Ncbi { with_key: true };
    assert_eq!(web.rate_limit_violations(keyed), 0);
    // ...and the same pace without the key is over NCBI's keyless limit.
    let mut keyless = vectora_testweb::Pace::of(Provider::Ncbi { with_key: false });
    let refused = log
        .iter()
        .filter(|r| {
            !keyless.admit(std::time::Instant::now() - (log[4].since_start - r.since_start))
        })
        .count();
    assert!(refused > 0, "a keyed run goes faster than 3/s");
}

/// A request's query as name → value pairs, in order.
fn query_pairs(r: &vectora_testweb::RequestRecord) -> Vec<(String, String)> {
    url::form_urlencoded::parse(r.query.as_deref().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The drugsfda source of the paging tests: one application per page.
fn approvals(web: &TestWeb) -> String {
    source(
        "fda_approvals",
        &web.url("/drug/drugsfda.json"),
        "    provider: openfda_drugsfda\n    query: 'openfda.product_type:\"HUMAN PRESCRIPTION DRUG\"'\n    page_size: 1\n",
    )
}

#[tokio::test]
async fn openfda_pages_by_the_next_link_past_the_skip_limit() {
    // openFDA's skip limit (25,000) lowered to 1: a client paging with skip fails at the third
    // page; the engine follows the `Link: rel="Next"` cursor instead, from the second page on.
    let web = TestWeb::start(TestWebConfig {
        openfda_skip_limit: 1,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let engine = engine(config_with(&[approvals(&web)]), data.path());
    let report = run(&engine, &window(date(2017, 1, 1), date(2022, 12, 31))).await;
    let o = &report.sources[0];
    assert_eq!(o.status, SourceStatus::Ok, "{o:?}");
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
    assert_eq!(o.items_parsed, 11);
    assert_eq!(o.api.as_ref().unwrap().requests, 3);
    let log = web.requests_for("/drug/drugsfda.json");
    let pages: Vec<Vec<(String, String)>> = log.iter().map(query_pairs).collect();
    assert_eq!(pages.len(), 3);
    assert!(param(&pages[0], "skip").is_empty() && param(&pages[0], "search_after").is_empty());
    // The cursor pages are the link's URL as written: the same search and limit, skip=0 and
    // the cursor of the previous page's last result.
    for (page, cursor) in pages[1..].iter().zip(["0=0", "0=1"]) {
        assert_eq!(param(page, "search"), param(&pages[0], "search"));
        assert_eq!(param(page, "limit"), ["1"]);
        assert_eq!(param(page, "skip"), ["0"]);
        assert_eq!(param(page, "search_after"), [cursor]);
    }
    let applications: std::collections::BTreeSet<String> = stored_items(data.path())
        .iter()
        .map(|i| {
            i["metadata"]["application_number"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        applications.into_iter().collect::<Vec<_>>(),
        ["ANDA206242", "ANDA209824", "ANDA212589"]
    );
    // Paging with skip would have been refused past the lowered limit.
    let refused = reqwest::get(web.url("/drug/drugsfda.json?search=x&limit=1&skip=2"))
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Skip value must 1 or less.")
    );
}

#[tokio::test]
async fn without_a_next_link_openfda_pages_with_skip() {
    let web = TestWeb::start(TestWebConfig {
        openfda_links: false,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let engine = engine(config_with(&[approvals(&web)]), data.path());
    let report = run(&engine, &window(date(2017, 1, 1), date(2022, 12, 31))).await;
    let o = &report.sources[0];
    assert_eq!((o.status, o.items_parsed), (SourceStatus::Ok, 11), "{o:?}");
    let skips: Vec<Vec<String>> = web
        .requests_for("/drug/drugsfda.json")
        .iter()
        .map(|r| {
            let pairs = query_pairs(r);
            assert!(param(&pairs, "search_after").is_empty(), "{pairs:?}");
            param(&pairs, "skip")
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
        .collect();
    assert_eq!(
        skips,
        [vec![], vec!["1".to_string()], vec!["2".to_string()]]
    );
}

#[tokio::test]
async fn a_next_link_to_another_host_fails_its_source_alone() {
    // The "other host": a second test web, which must never be asked anything.
    let elsewhere = web().await;
    let web = TestWeb::start(TestWebConfig {
        openfda_next_base: Some(elsewhere.base_url().to_string()),
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let pubmed = source(
        "science_pubmed",
        &format!("{}/entrez/eutils/", web.base_url()),
        "    provider: pubmed\n    query: 'telomere OR lactate'\n    email: watch@example.org\n",
    );
    let data = tempfile::tempdir().unwrap();
    let engine = engine(config_with(&[approvals(&web), pubmed]), data.path());
    let report = run(&engine, &window(date(2016, 1, 1), date(2022, 12, 31))).await;
    let fda = report
        .sources
        .iter()
        .find(|s| s.source_key == "fda_approvals")
        .unwrap();
    assert_eq!(fda.status, SourceStatus::Blocked, "{fda:?}");
    let message = fda.error.as_deref().unwrap();
    let expected = format!(
        "source `fda_approvals`: openFDA's next page link leads to {}/drug/drugsfda.json?",
        elsewhere.base_url()
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(
        message.ends_with(&format!(
            "another host than the api_url's ({}): not followed",
            web.base_url()
        )),
        "{message}"
    );
    assert_eq!(fda.api.as_ref().unwrap().requests, 1);
    assert!(elsewhere.request_log().is_empty());
    let pubmed = report
        .sources
        .iter()
        .find(|s| s.source_key == "science_pubmed")
        .unwrap();
    assert_eq!((pubmed.status, pubmed.items_parsed), (SourceStatus::Ok, 4));
    assert_eq!(report.sources_failed, 1);
    // The first page's approvals were read, and none of them stored.
    let items = stored_items(data.path());
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|i| i["source_key"] == "science_pubmed"));
}

#[tokio::test]
async fn the_api_key_goes_on_every_openfda_page_the_cursor_ones_included() {
    let web = web().await;
    let fetcher = Fetcher::new(FetchSettings {
        allow_private_networks: true,
        ..FetchSettings::default()
    })
    .unwrap();
    let def = config::ApiDef {
        provider: config::ApiProvider::OpenfdaDrugsfda,
        query: "openfda.product_type:\"HUMAN PRESCRIPTION DRUG\"".into(),
        max_items: 100,
        page_size: Some(1),
        api_key_env: None,
        tool: String::new(),
        email: None,
        email_env: String::new(),
    };
    let interval = vectora_core::api::provider_interval(def.provider, true);
    let mut session = vectora_core::api::Session::new(&fetcher, def.provider, interval, None);
    let base = url::Url::parse(&web.url("/drug/drugsfda.json")).unwrap();
    let window = vectora_core::window::Window {
        from: date(2017, 1, 1),
        to: date(2022, 12, 31),
    };
    let (records, warnings) = vectora_core::api::openfda::collect(
        &mut session,
        "fda_approvals",
        &base,
        &def,
        Some("k3y"),
        window,
    )
    .await
    .unwrap();
    assert_eq!((records.len(), warnings.len()), (11, 0));
    let pages: Vec<Vec<(String, String)>> = web.request_log().iter().map(query_pairs).collect();
    assert_eq!(pages.len(), 3);
    for (i, page) in pages.iter().enumerate() {
        assert_eq!(param(page, "api_key"), ["k3y"], "page {i}: {page:?}");
        assert_eq!(param(page, "search_after").len(), usize::from(i > 0));
    }
    // The links the provider sent do not carry the key: the engine put it back.
    let first = reqwest::get(format!(
        "{}?{}",
        base,
        web.request_log()[0].query.as_deref().unwrap()
    ))
    .await
    .unwrap();
    let link = first.headers()["link"].to_str().unwrap().to_string();
    assert!(
        link.contains("search_after=0%3D0") && !link.contains("api_key"),
        "{link}"
    );
}

#[tokio::test]
async fn a_next_link_that_repeats_a_page_or_cannot_be_read_stops_the_paging() {
    let web = web().await;
    // Every answer's Link replaced by one fixed cursor: the second page's link is the first's.
    let stuck = format!(
        "<{}?search=x&limit=1&skip=0&search_after=0%3D0>; rel=\"next\"",
        web.url("/drug/drugsfda.json")
    );
    web.set_fault(
        "/drug/drugsfda.json",
        Fault::Header {
            name: "link".into(),
            value: stuck,
        },
    );
    let req = window(date(2017, 1, 1), date(2022, 12, 31));
    let data = tempfile::tempdir().unwrap();
    let engine = engine(config_with(&[approvals(&web)]), data.path());
    let report = run(&engine, &req).await;
    let o = &report.sources[0];
    assert_eq!(o.status, SourceStatus::Ok, "{o:?}");
    assert_eq!(
        o.warnings,
        ["openFDA's next link repeats an earlier page: stopped after 2 results"]
    );
    assert_eq!(o.api.as_ref().unwrap().requests, 2);
    // An unreadable Link header fails the source: whether more pages remain is unknown.
    web.set_fault(
        "/drug/drugsfda.json",
        Fault::Header {
            name: "link".into(),
            value: format!(
                "<{}?search_after=0%3D0; rel=next",
                web.url("/drug/drugsfda.json")
            ),
        },
    );
    let data = tempfile::tempdir().unwrap();
    let engine = self::engine(Arc::new(engine.config().clone()), data.path());
    let report = run(&engine, &req).await;
    let o = &report.sources[0];
    assert_eq!(o.status, SourceStatus::ParseError, "{o:?}");
    let message = o.error.as_deref().unwrap();
    assert!(
        message
            .starts_with("source `fda_approvals`: openFDA's unreadable Link header: the target <"),
        "{message}"
    );
}
