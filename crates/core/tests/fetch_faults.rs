//! The fetcher against a local fault-injecting server (guard ON, only the test web's own
//! listeners allowed): hangs, 5xx then 200, 429 with `Retry-After` (both forms, and past the cap),
//! bodies past the cap, gzip and brotli, redirect chains and loops, deadlines, conditional GET.
//! Every failure is checked for its kind, HTTP status, attempts and bytes, and against the server's
//! request log (what was actually sent, and when).

mod fetch_support;

use fetch_support::fast_settings;
use std::time::{Duration, Instant};
use url::Url;
use vectora_core::fetch::{FetchErrorKind, FetchOptions, FetchSettings, Fetcher};
use vectora_testweb::{Fault, FaultRule, RetryAfterForm, TestWeb, TestWebConfig};

async fn web() -> TestWeb {
    TestWeb::start(TestWebConfig::default()).await.unwrap()
}

fn fetcher(settings: FetchSettings) -> Fetcher {
    Fetcher::new(settings).unwrap()
}

fn url(web: &TestWeb, path: &str) -> Url {
    Url::parse(&web.url(path)).unwrap()
}

fn gaps(times: &[Duration]) -> Vec<Duration> {
    times
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_server_times_out_after_every_attempt() {
    let web = web().await;
    web.set_fault("/hang/", Fault::Hang(None));
    let settings = FetchSettings {
        request_timeout: Duration::from_millis(250),
        max_attempts: 2,
        ..fast_settings(&web)
    };
    let started = Instant::now();
    let err = fetcher(settings)
        .fetch(&url(&web, "/hang/"), &FetchOptions::default())
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind, FetchErrorKind::Timeout, "{err:?}");
    assert_eq!((err.attempts, err.http_status, err.bytes), (2, None, 0));
    assert!(
        err.message.contains("no answer") && err.message.contains("2 attempts"),
        "{}",
        err.message
    );
    assert_eq!(web.requests_for("/hang/").len(), 2, "retried once");
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_then_success_is_retried_with_backoff() {
    let web = web().await;
    let path = "/synthetic/0/feed/";
    web.set_fault(path, FaultRule::new(Fault::Status(500)).times(1));
    let settings = FetchSettings {
        retry_base_delay: Duration::from_millis(100),
        ..fast_settings(&web)
    };
    let fetched = fetcher(settings)
        .fetch(&url(&web, path), &FetchOptions::default())
        .await
        .unwrap();
    assert_eq!((fetched.status, fetched.attempts), (200, 2));
    assert!(
        String::from_utf8_lossy(&fetched.body).contains("<rss"),
        "the real feed after the retry"
    );
    let times: Vec<Duration> = web
        .requests_for(path)
        .iter()
        .map(|r| r.since_start)
        .collect();
    assert_eq!(times.len(), 2);
    let gap = gaps(&times)[0];
    // Backoff of the first retry: base .. base·1.5 (jitter).
    assert!(
        gap >= Duration::from_millis(95) && gap < Duration::from_millis(400),
        "{gap:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_errors_report_status_attempts_and_bytes() {
    let web = web().await;
    web.set_fault("/down/", Fault::Status(503));
    let f = fetcher(fast_settings(&web));
    let err = f
        .fetch(&url(&web, "/down/"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status, err.attempts),
        (FetchErrorKind::Http, Some(503), 3)
    );
    assert!(
        err.bytes > 50,
        "the error page was read and counted: {}",
        err.bytes
    );
    assert!(
        err.message.contains("HTTP 503 Service Unavailable"),
        "{}",
        err.message
    );
    assert_eq!(web.requests_for("/down/").len(), 3);

    // A 404 is final: one attempt.
    let err = f
        .fetch(&url(&web, "/no/such/page/"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status, err.attempts),
        (FetchErrorKind::Http, Some(404), 1)
    );
    assert_eq!(web.requests_for("/no/such/page/").len(), 1);

    // Nothing listening: a connection error, retried, no status.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let settings = FetchSettings {
        allowed_private_addrs: vec![addr],
        ..fast_settings(&web)
    };
    let err = fetcher(settings)
        .fetch(
            &Url::parse(&format!("http://{addr}/")).unwrap(),
            &FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status, err.attempts),
        (FetchErrorKind::Connect, None, 3),
        "{err:?}"
    );
    assert!(
        err.message.contains("connection refused"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_in_seconds_holds_back_the_whole_host_but_not_others() {
    let web = TestWeb::start_many(TestWebConfig::default(), 2)
        .await
        .unwrap();
    let (host_a, host_b) = (web.base_urls()[0].clone(), web.base_urls()[1].clone());
    web.set_fault(
        "/synthetic/0/feed/",
        FaultRule::new(Fault::RetryAfter {
            seconds: 1,
            form: RetryAfterForm::Seconds,
        })
        .times(1),
    );
    let f = fetcher(fast_settings(&web));
    let throttled = Url::parse(&format!("{host_a}/synthetic/0/feed/")).unwrap();
    let same_host = Url::parse(&format!("{host_a}/synthetic/1/feed/")).unwrap();
    let other_host = Url::parse(&format!("{host_b}/synthetic/2/feed/")).unwrap();

    let f1 = f.clone();
    let first = tokio::spawn(async move { f1.fetch(&throttled, &FetchOptions::default()).await });
    // Wait for the 429 to have been served, then ask the same host for another URL, and another host.
    while web.requests_for("/synthetic/0/feed/").is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let opts = FetchOptions::default();
    let (a, b) = tokio::join!(f.fetch(&same_host, &opts), f.fetch(&other_host, &opts));
    let first = first.await.unwrap().unwrap();
    assert_eq!((first.status, first.attempts), (200, 2));
    assert_eq!((a.unwrap().attempts, b.unwrap().attempts), (1, 1));

    let at = |path: &str| -> Vec<Duration> {
        web.requests_for(path)
            .iter()
            .map(|r| r.since_start)
            .collect()
    };
    let throttle = at("/synthetic/0/feed/");
    assert_eq!(throttle.len(), 2);
    assert!(
        gaps(&throttle)[0] >= Duration::from_millis(990),
        "retried after Retry-After: {:?}",
        gaps(&throttle)
    );
    let same = at("/synthetic/1/feed/")[0];
    assert!(
        same >= throttle[0] + Duration::from_millis(990),
        "the same host waited: {:?} vs {:?}",
        same,
        throttle[0]
    );
    let other = at("/synthetic/2/feed/")[0];
    assert!(
        other < throttle[0] + Duration::from_millis(500),
        "another host did not wait: {other:?} vs {:?}",
        throttle[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_as_an_http_date_is_honoured() {
    let web = web().await;
    let path = "/synthetic/3/feed/";
    web.set_fault(
        path,
        FaultRule::new(Fault::RetryAfter {
            seconds: 2,
            form: RetryAfterForm::HttpDate,
        })
        .times(1),
    );
    let settings = FetchSettings {
        max_retry_after: Duration::from_secs(5),
        ..fast_settings(&web)
    };
    let fetched = fetcher(settings)
        .fetch(&url(&web, path), &FetchOptions::default())
        .await
        .unwrap();
    assert_eq!((fetched.status, fetched.attempts), (200, 2));
    let times: Vec<Duration> = web
        .requests_for(path)
        .iter()
        .map(|r| r.since_start)
        .collect();
    // The date has whole seconds: "now + 2 s" truncated is 1..2 s away.
    let gap = gaps(&times)[0];
    assert!(
        gap >= Duration::from_millis(900) && gap < Duration::from_millis(2600),
        "{gap:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_past_the_cap_fails_at_once_and_spares_the_host() {
    let web = web().await;
    web.set_fault(
        "/busy/",
        Fault::RetryAfter {
            seconds: 3600,
            form: RetryAfterForm::Seconds,
        },
    );
    let f = fetcher(fast_settings(&web));
    let started = Instant::now();
    let err = f
        .fetch(&url(&web, "/busy/"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "no stall: {:?}",
        started.elapsed()
    );
    assert_eq!(
        (err.kind, err.http_status, err.attempts),
        (FetchErrorKind::Http, Some(429), 1)
    );
    assert!(
        err.message.contains("3600 s") && err.message.contains("HTTP 429"),
        "{}",
        err.message
    );
    // Another URL of that host is not requested for the hour the host asked for.
    let err = f
        .fetch(&url(&web, "/synthetic/0/feed/"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status, err.attempts),
        (FetchErrorKind::Http, None, 0)
    );
    assert!(
        err.message.contains("asked for no requests"),
        "{}",
        err.message
    );
    assert_eq!(
        web.request_log().len(),
        1,
        "only the first request reached the server"
    );
    assert!(started.elapsed() < Duration::from_millis(800));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_past_the_cap_is_abandoned_while_streaming() {
    let web = web().await;
    let f = fetcher(fast_settings(&web)); // cap: 256 KiB
    let err = f
        .fetch(&url(&web, "/fault/large/8"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status, err.attempts),
        (FetchErrorKind::TooLarge, Some(200), 1),
        "{err:?}"
    );
    assert!(
        err.bytes > 256 * 1024 && err.bytes < 1024 * 1024,
        "stopped soon after the cap: {}",
        err.bytes
    );
    // A declared length past the cap is refused before reading anything.
    let err = f
        .fetch(
            &url(&web, "/fault/large/8?length=1"),
            &FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.bytes), (FetchErrorKind::TooLarge, 0));
    assert!(err.message.contains("Content-Length"), "{}", err.message);
    // Just under the cap is fine.
    let ok = f
        .fetch(
            &url(&web, "/fault/large/0?bytes=200000"),
            &FetchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(ok.body.len(), 200_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_bodies_are_decoded_and_capped_decoded() {
    let web = web().await;
    let f = fetcher(fast_settings(&web));
    let plain = f
        .fetch(&url(&web, "/synthetic/4/feed/"), &FetchOptions::default())
        .await
        .unwrap();
    for coding in ["gzip", "br"] {
        let fetched = f
            .fetch(
                &url(&web, &format!("/fault/{coding}/synthetic/4/feed/")),
                &FetchOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(fetched.body, plain.body, "{coding}");
    }
    let sent = web.requests_for("/synthetic/4/feed/");
    let accept = sent[0].header("accept-encoding").unwrap_or_default();
    assert!(accept.contains("gzip") && accept.contains("br"), "{accept}");
    // A small gzip that inflates past the cap is still too large.
    let settings = FetchSettings {
        max_body_bytes: plain.body.len() / 2,
        ..fast_settings(&web)
    };
    let err = fetcher(settings)
        .fetch(
            &url(&web, "/fault/gzip/synthetic/4/feed/"),
            &FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::TooLarge);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_followed_up_to_the_limit() {
    let web = web().await;
    let f = fetcher(fast_settings(&web));
    let fetched = f
        .fetch(
            &url(&web, "/fault/redirect/5/synthetic/0/feed/"),
            &FetchOptions::default(),
        )
        .await
        .unwrap();
    // The last hop (`redirect/0`) serves the feed itself.
    assert_eq!(
        fetched.final_url.path(),
        "/fault/redirect/0/synthetic/0/feed/"
    );
    assert!(String::from_utf8_lossy(&fetched.body).contains("<rss"));
    assert_eq!(fetched.attempts, 1);
    assert_eq!(
        web.request_log().len(),
        6,
        "the first request and 5 redirects"
    );
    web.clear_request_log();

    let err = f
        .fetch(
            &url(&web, "/fault/redirect/6/synthetic/0/feed/"),
            &FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status, err.attempts),
        (FetchErrorKind::Http, Some(302), 1),
        "{err:?}"
    );
    assert!(
        err.message.contains("more than 5 redirects"),
        "{}",
        err.message
    );

    web.clear_request_log();
    let err = f
        .fetch(&url(&web, "/fault/redirect-loop"), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status, err.attempts),
        (FetchErrorKind::Http, Some(302), 1)
    );
    assert!(err.message.contains("redirect loop"), "{}", err.message);
    assert_eq!(
        web.request_log().len(),
        6,
        "the first request and 5 redirects, not one more"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_source_deadline_bounds_attempts_and_backoff() {
    let web = web().await;
    web.set_fault("/hang/", Fault::Hang(None));
    let settings = FetchSettings {
        request_timeout: Duration::from_secs(10),
        source_deadline: Duration::from_millis(400),
        ..fast_settings(&web)
    };
    let started = Instant::now();
    let err = fetcher(settings)
        .fetch(&url(&web, "/hang/"), &FetchOptions::default())
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!((err.kind, err.attempts), (FetchErrorKind::Timeout, 1));
    assert!(err.message.contains("source's deadline"), "{}", err.message);
    assert!(
        took >= Duration::from_millis(390) && took < Duration::from_millis(1200),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_deadline_bounds_the_fetch() {
    let web = web().await;
    web.set_fault("/hang/", Fault::Hang(None));
    let settings = FetchSettings {
        request_timeout: Duration::from_secs(10),
        ..fast_settings(&web)
    };
    let opts = FetchOptions {
        deadline: Some(tokio::time::Instant::now() + Duration::from_millis(300)),
        ..FetchOptions::default()
    };
    let started = Instant::now();
    let err = fetcher(settings)
        .fetch(&url(&web, "/hang/"), &opts)
        .await
        .unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Timeout);
    assert!(err.message.contains("run's deadline"), "{}", err.message);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_reports_the_status_and_bytes_received() {
    let web = web().await;
    let settings = FetchSettings {
        max_attempts: 1,
        ..fast_settings(&web)
    };
    let err = fetcher(settings)
        .fetch(
            &url(&web, "/fault/drip?bytes=10&interval_ms=100"),
            &FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status, err.attempts),
        (FetchErrorKind::Timeout, Some(200), 1),
        "{err:?}"
    );
    assert!(
        err.bytes >= 10,
        "bytes received before the timeout: {}",
        err.bytes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_get_sends_validators_and_reports_304() {
    let web = web().await;
    let f = fetcher(fast_settings(&web));
    let path = "/synthetic/5/feed/";
    let first = f
        .fetch(&url(&web, path), &FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(first.status, 200);
    let etag = first.etag.clone().expect("the test web sends an ETag");
    let last_modified = first.last_modified.clone().expect("and a Last-Modified");

    let by_etag = FetchOptions {
        etag: Some(etag.clone()),
        ..FetchOptions::default()
    };
    let again = f.fetch(&url(&web, path), &by_etag).await.unwrap();
    assert!(again.not_modified());
    assert_eq!((again.attempts, again.body.len()), (1, 0));
    assert_eq!(again.etag.as_deref(), Some(etag.as_str()));

    let by_date = FetchOptions {
        last_modified: Some(last_modified.clone()),
        ..FetchOptions::default()
    };
    assert!(
        f.fetch(&url(&web, path), &by_date)
            .await
            .unwrap()
            .not_modified()
    );

    // A stale ETag gets the full body again.
    let stale = FetchOptions {
        etag: Some("\"stale\"".into()),
        ..FetchOptions::default()
    };
    assert_eq!(
        f.fetch(&url(&web, path), &stale).await.unwrap().body,
        first.body
    );

    let sent = web.requests_for(path);
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[0].header("if-none-match"), None);
    assert_eq!(sent[1].header("if-none-match"), Some(etag.as_str()));
    assert_eq!(
        sent[2].header("if-modified-since"),
        Some(last_modified.as_str())
    );
    // Every request identifies the product and asks for HTML or feeds.
    for r in &sent {
        assert_eq!(
            r.header("user-agent"),
            Some("vectora-inbox-test/1.0 (+https://example.invalid/bot)")
        );
        assert!(
            r.header("accept")
                .is_some_and(|a| a.contains("text/html") && a.contains("application/rss+xml"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_user_agent_names_the_product() {
    let web = web().await;
    let settings = FetchSettings {
        user_agent: FetchSettings::default().user_agent,
        ..fast_settings(&web)
    };
    fetcher(settings)
        .fetch(&url(&web, "/synthetic/0/feed/"), &FetchOptions::default())
        .await
        .unwrap();
    let ua = web.request_log()[0]
        .header("user-agent")
        .unwrap_or_default()
        .to_string();
    assert!(
        ua.starts_with("vectora-inbox/") && ua.contains("bot"),
        "{ua}"
    );
}
