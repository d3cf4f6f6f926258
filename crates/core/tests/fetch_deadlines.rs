//! The fetcher's deadlines over real HTTP on loopback: a host whose accept queue is full (the
//! connect deadline), one that takes the request and never answers (first byte), a body that stops
//! midway (idle), a body that never ends (response), and a slow but steady body, which must
//! complete. Each failure names the deadline that ended it; a timed-out attempt is retried once,
//! and only when another whole attempt fits in the source's budget. The run report carries the
//! deadline of each source it ended. No assertion is on how long anything took.

mod fetch_support;

use fetch_support::*;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use url::Url;
use vectora_core::fetch::{Deadline, FetchErrorKind, FetchOptions, FetchSettings, Fetcher};
use vectora_core::{EngineOptions, SourceStatus};
use vectora_testweb::{Fault, TestWeb, TestWebConfig};

/// Deadlines short enough for a test, each clearly apart from the others.
fn deadline_settings(web: &TestWeb) -> FetchSettings {
    FetchSettings {
        connect_timeout: Duration::from_millis(300),
        first_byte_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_secs(5),
        source_deadline: Duration::from_secs(20),
        ..fast_settings(web)
    }
}

async fn web() -> TestWeb {
    TestWeb::start(TestWebConfig::default()).await.unwrap()
}

fn url(web: &TestWeb, path: &str) -> Url {
    Url::parse(&web.url(path)).unwrap()
}

/// A listener whose accept queue (backlog 0) is already taken by one connection nobody accepts:
/// the kernel drops further SYNs, so a connection to it is never established.
async fn full_listener() -> (TcpListener, std::net::TcpStream) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let filler = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    (listener, filler)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_never_takes_the_connection_ends_at_the_connect_deadline() {
    let web = web().await;
    let (listener, _filler) = full_listener().await;
    let addr = listener.local_addr().unwrap();
    // The first-byte deadline runs from the request, connection included: well past the connect
    // deadline, so that a loaded machine's scheduling delay cannot let it fire first.
    let settings = FetchSettings {
        allowed_private_addrs: vec![addr],
        first_byte_timeout: Duration::from_secs(2),
        ..deadline_settings(&web)
    };
    let target = Url::parse(&format!("http://{addr}/news/")).unwrap();
    let err = Fetcher::new(settings)
        .unwrap()
        .fetch(&target, &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Timeout, "{err:?}");
    assert_eq!(err.deadline, Some(Deadline::Connect), "{err:?}");
    assert_eq!((err.attempts, err.http_status), (2, None), "retried once");
    assert!(err.message.contains("connect deadline"), "{}", err.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_never_answers_ends_at_the_first_byte_deadline_after_one_retry() {
    let web = web().await;
    web.set_fault("/hang/", Fault::Hang(None));
    let settings = FetchSettings {
        max_attempts: 3,
        ..deadline_settings(&web)
    };
    let err = Fetcher::new(settings)
        .unwrap()
        .fetch(&url(&web, "/hang/"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Timeout);
    assert_eq!(err.deadline, Some(Deadline::FirstByte), "{err:?}");
    assert_eq!((err.attempts, err.http_status, err.bytes), (2, None, 0));
    assert!(
        err.message.contains("first-byte deadline") && err.message.contains("2 attempts"),
        "{}",
        err.message
    );
    // Three attempts are allowed for errors, but a timeout is retried only once.
    assert_eq!(web.requests_for("/hang/").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_is_not_retried_when_another_attempt_would_not_fit_in_the_budget() {
    let web = web().await;
    web.set_fault("/hang/", Fault::Hang(None));
    // After the first 300 ms, a further attempt of up to 5 s does not fit in a 2 s budget.
    let settings = FetchSettings {
        source_deadline: Duration::from_secs(2),
        ..deadline_settings(&web)
    };
    let err = Fetcher::new(settings)
        .unwrap()
        .fetch(&url(&web, "/hang/"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.deadline, Some(Deadline::FirstByte), "{err:?}");
    assert_eq!(err.attempts, 1);
    assert!(err.message.contains("not retried"), "{}", err.message);
    assert_eq!(web.requests_for("/hang/").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_midway_ends_at_the_idle_deadline() {
    let web = web().await;
    let err = Fetcher::new(deadline_settings(&web))
        .unwrap()
        .fetch(
            &url(&web, "/fault/stall-after/200/synthetic/0/feed/"),
            &FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Timeout);
    assert_eq!(err.deadline, Some(Deadline::Idle), "{err:?}");
    assert_eq!(
        (err.http_status, err.bytes, err.attempts),
        (Some(200), 200, 2)
    );
    assert!(
        err.message.contains("idle deadline") && err.message.contains("after 200 bytes"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_but_steady_body_is_not_cut() {
    let web = web().await;
    let fetcher = Fetcher::new(deadline_settings(&web)).unwrap();
    let whole = fetcher
        .fetch(&url(&web, "/synthetic/0/feed/"), &FetchOptions::default())
        .await
        .unwrap();
    // The feed in 8 pieces, one every 200 ms: each gap is within the 300 ms idle deadline, the
    // whole body takes longer than the first-byte and idle deadlines together.
    let piece = whole.body.len().div_ceil(8);
    let slow = fetcher
        .fetch(
            &url(
                &web,
                &format!("/fault/trickle/200/synthetic/0/feed/?bytes={piece}"),
            ),
            &FetchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!((slow.status, slow.attempts), (200, 1));
    assert_eq!(slow.body, whole.body, "the whole feed, in one attempt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_ends_ends_at_the_response_deadline() {
    let web = web().await;
    // A few bytes every 50 ms: never idle for 300 ms, never finished.
    let settings = FetchSettings {
        request_timeout: Duration::from_millis(800),
        ..deadline_settings(&web)
    };
    let err = Fetcher::new(settings)
        .unwrap()
        .fetch(
            &url(&web, "/fault/drip?bytes=10&interval_ms=50"),
            &FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.deadline, Some(Deadline::Response), "{err:?}");
    assert_eq!((err.http_status, err.attempts), (Some(200), 2));
    assert!(err.bytes >= 10, "{}", err.bytes);
    assert!(err.message.contains("response deadline"), "{}", err.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_source_budget_and_the_run_deadline_are_named_too() {
    let web = web().await;
    web.set_fault("/hang/", Fault::Hang(None));
    let settings = FetchSettings {
        first_byte_timeout: Duration::from_secs(30),
        request_timeout: Duration::from_secs(30),
        source_deadline: Duration::from_millis(400),
        ..deadline_settings(&web)
    };
    let fetcher = Fetcher::new(settings).unwrap();
    let err = fetcher
        .fetch(&url(&web, "/hang/"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.deadline, err.attempts),
        (Some(Deadline::Source), 1),
        "{err:?}"
    );
    let opts = FetchOptions {
        deadline: Some(tokio::time::Instant::now() + Duration::from_millis(200)),
        ..FetchOptions::default()
    };
    let err = fetcher
        .fetch(&url(&web, "/hang/"), &opts)
        .await
        .unwrap_err();
    assert_eq!(err.deadline, Some(Deadline::Run), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_report_says_which_deadline_ended_each_source() {
    let web = web().await;
    web.set_fault("/hang/feed/", Fault::Hang(None));
    let sources = vec![
        TestSource::rss("hanging", web.url("/hang/feed/")),
        TestSource::rss(
            "stalling",
            web.url("/fault/stall-after/300/synthetic/1/feed/"),
        ),
        TestSource::rss(
            "slow_but_steady",
            web.url("/fault/trickle/150/synthetic/2/feed/?bytes=2048"),
        ),
        TestSource::rss("fine", web.url("/synthetic/3/feed/")),
    ];
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    let e = engine(
        &cfg,
        deadline_settings(&web),
        data.path(),
        EngineOptions::default(),
    );
    let report = run(&e, &request(), None).await;
    let seen = |key: &str| {
        let o = outcome(&report, key);
        (o.status, o.deadline)
    };
    assert_eq!(
        seen("hanging"),
        (SourceStatus::Timeout, Some(Deadline::FirstByte))
    );
    assert_eq!(
        seen("stalling"),
        (SourceStatus::Timeout, Some(Deadline::Idle))
    );
    assert_eq!(seen("slow_but_steady"), (SourceStatus::Ok, None));
    assert_eq!(seen("fine"), (SourceStatus::Ok, None));
    assert_eq!(
        outcome(&report, "slow_but_steady").items_parsed,
        web.synthetic_site(2).entries().len()
    );
    // In the stored report, as the operator reads it.
    let json = serde_json::to_value(&report).unwrap();
    let by_key = |key: &str| {
        json["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source_key"] == key)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_key("hanging")["deadline"], "first_byte");
    assert_eq!(by_key("stalling")["deadline"], "idle");
    assert!(by_key("fine").get("deadline").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_article_pages_stop_the_fallback_at_the_first_timeout() {
    let web = web().await;
    // The listing's two newest entries are undated: their pages would be fetched; the first hangs.
    let site = web.synthetic_site(4);
    let entries = site.entries();
    for entry in &entries[..2] {
        web.set_fault(&format!("/synthetic/4{}", entry.path()), Fault::Hang(None));
    }
    let sources = vec![TestSource::html(
        "undated",
        web.url("/synthetic/4/news-undated/"),
    )];
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = config(cfg_dir.path(), &sources).await;
    let data = tempfile::tempdir().unwrap();
    let e = engine(
        &cfg,
        deadline_settings(&web),
        data.path(),
        EngineOptions::default(),
    );
    let report = run(&e, &request(), None).await;
    let o = outcome(&report, "undated");
    assert_eq!(o.status, SourceStatus::Ok, "{o:#?}");
    assert_eq!(o.items_parsed, entries.len());
    assert_eq!(o.articles_fetched, 1, "stopped after the first hang");
    assert!(
        o.warnings
            .iter()
            .any(|w| w.contains("stopped after 1 of 2") && w.contains("first-byte deadline")),
        "{:?}",
        o.warnings
    );
    let first = format!("/synthetic/4{}", entries[0].path());
    let second = format!("/synthetic/4{}", entries[1].path());
    assert_eq!(web.requests_for(&first).len(), 2, "one retry");
    assert!(web.requests_for(&second).is_empty());
}
