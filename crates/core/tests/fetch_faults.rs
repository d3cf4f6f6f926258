//! The fetcher against a local fault-injecting server (guard ON, only the test web's own
//! listeners allowed): hangs, 5xx then 200, 429 with `Retry-After` (both forms, and past the cap),
//! bodies past the cap, gzip and brotli, redirect chains and loops, deadlines, conditional GET.
//! Every failure is checked for its kind, HTTP status, attempts and bytes, and against the server's
//! request log (what was actually sent, and when).
//!
//! The single-fetch failures and the retried-once successes are tables: one `FailingFetch` or
//! `RetriedFetch` per case, each made its own `#[test]` by a macro so `cargo test CASE` selects it
//! and a failure names it.

mod fetch_support;

use fetch_support::fast_settings;
use std::ops::Range;
use std::time::{Duration, Instant};
use url::Url;
use vectora_core::fetch::{
    FetchError, FetchErrorKind, FetchOptions, FetchSettings, Fetched, Fetcher,
};
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

/// Arrival times (since the server started) of the requests for `path`.
fn arrivals(web: &TestWeb, path: &str) -> Vec<Duration> {
    web.requests_for(path)
        .iter()
        .map(|r| r.since_start)
        .collect()
}

/// A fetch of `path` with the default options.
async fn get(f: &Fetcher, web: &TestWeb, path: &str) -> Result<Fetched, FetchError> {
    f.fetch(&url(web, path), &FetchOptions::default()).await
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Where a failing fetch goes.
enum Target {
    /// A path of the test web; the case's fault, if any, is installed there.
    Path(&'static str),
    /// A loopback port nothing listens on (allowed through the guard).
    ClosedPort,
}

/// Which requests the server must have seen after the fetch.
enum Sent {
    Unchecked,
    /// Requests for the target path.
    ToPath(usize),
    /// Requests in the whole log (redirect hops have other paths).
    Total(usize),
}

/// One fetch that must fail, and what its error must show. `None`, the full ranges, an empty
/// message list and `Sent::Unchecked` leave a property unchecked, so each case checks exactly
/// what it states.
struct FailingFetch {
    target: Target,
    fault: Option<Fault>,
    settings: fn(FetchSettings) -> FetchSettings,
    /// A run deadline this far from the start of the fetch.
    run_deadline: Option<Duration>,
    kind: FetchErrorKind,
    status: Option<Option<u16>>,
    attempts: Option<u32>,
    bytes: Range<u64>,
    /// Fragments the error message must contain.
    message: &'static [&'static str],
    sent: Sent,
    took: Range<Duration>,
}

impl FailingFetch {
    /// A fetch of `path` with the fast settings that must fail with `kind`, nothing else checked.
    const fn at(path: &'static str, kind: FetchErrorKind) -> Self {
        FailingFetch {
            target: Target::Path(path),
            fault: None,
            settings: |s| s,
            run_deadline: None,
            kind,
            status: None,
            attempts: None,
            bytes: 0..u64::MAX,
            message: &[],
            sent: Sent::Unchecked,
            took: Duration::ZERO..Duration::MAX,
        }
    }

    /// Checks the error's kind, status, attempts, bytes and message.
    fn check(&self, name: &str, err: &FetchError) {
        assert_eq!(err.kind, self.kind, "{name}: kind of {err:?}");
        if let Some(status) = self.status {
            assert_eq!(err.http_status, status, "{name}: status of {err:?}");
        }
        if let Some(attempts) = self.attempts {
            assert_eq!(err.attempts, attempts, "{name}: attempts of {err:?}");
        }
        let bytes = &self.bytes;
        assert!(
            bytes.contains(&err.bytes),
            "{name}: {err:?} not {bytes:?} bytes"
        );
        for fragment in self.message {
            assert!(
                err.message.contains(fragment),
                "{name}: {fragment:?} not in {err:?}"
            );
        }
    }
}

/// The fetcher of a finished case, its test web and when its fetch started, for cases that go on.
struct Ran {
    web: TestWeb,
    fetcher: Fetcher,
    started: Instant,
}

/// Runs one failing fetch on a fresh test web and checks everything `case` states.
async fn run_failing(name: &str, case: FailingFetch) -> Ran {
    let web = web().await;
    let mut settings = (case.settings)(fast_settings(&web));
    let target = match case.target {
        Target::Path(path) => {
            if let Some(fault) = case.fault.clone() {
                web.set_fault(path, fault);
            }
            url(&web, path)
        }
        Target::ClosedPort => {
            let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = closed.local_addr().unwrap();
            drop(closed);
            settings.allowed_private_addrs = vec![addr];
            Url::parse(&format!("http://{addr}/")).unwrap()
        }
    };
    let deadline = case.run_deadline.map(|d| tokio::time::Instant::now() + d);
    let opts = FetchOptions {
        deadline,
        ..FetchOptions::default()
    };
    let started = Instant::now();
    let fetcher = fetcher(settings);
    let result = fetcher.fetch(&target, &opts).await;
    let took = started.elapsed();
    let err = result.map(|f| f.status).expect_err(name);
    case.check(name, &err);
    let expected = &case.took;
    assert!(
        expected.contains(&took),
        "{name}: took {took:?}, not {expected:?}"
    );
    let sent = match (case.sent, case.target) {
        (Sent::Unchecked, _) => None,
        (Sent::ToPath(n), Target::Path(path)) => Some((web.requests_for(path).len(), n)),
        (Sent::ToPath(_), Target::ClosedPort) => panic!("{name}: a closed port has no path"),
        (Sent::Total(n), _) => Some((web.request_log().len(), n)),
    };
    if let Some((sent, expected)) = sent {
        assert_eq!(sent, expected, "{name}: requests sent");
    }
    Ran {
        web,
        fetcher,
        started,
    }
}

/// One `#[test]` per failing fetch, named after it: `name(path, kind) { field: value, .. }`, the
/// fields overriding `FailingFetch::at(path, kind)`.
macro_rules! failing_fetches {
    ($($name:ident($path:expr, $kind:expr) { $($field:ident: $value:expr,)* })*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let case = FailingFetch { $($field: $value,)* ..FailingFetch::at($path, $kind) };
            run_failing(stringify!($name), case).await;
        }
    )*};
}

use FetchErrorKind::{Connect, Http, Timeout, TooLarge};

/// A 200 whose body comes 10 bytes every 100 ms, too slow for the request timeout.
const DRIP: &str = "/fault/drip?bytes=10&interval_ms=100";

failing_fetches! {
    a_hanging_server_times_out_after_every_attempt("/hang/", Timeout) {
        fault: Some(Fault::Hang(None)),
        settings: |s| FetchSettings { request_timeout: ms(250), max_attempts: 2, ..s },
        status: Some(None),
        attempts: Some(2),
        bytes: 0..1,
        message: &["no answer", "2 attempts"],
        sent: Sent::ToPath(2), // retried once
        took: ms(500)..ms(2000),
    }
    persistent_errors_report_status_attempts_and_bytes("/down/", Http) {
        fault: Some(Fault::Status(503)),
        status: Some(Some(503)),
        attempts: Some(3),
        bytes: 51..u64::MAX, // the error page was read and counted
        message: &["HTTP 503 Service Unavailable"],
        sent: Sent::ToPath(3),
    }
    a_404_is_final_after_one_attempt("/no/such/page/", Http) {
        status: Some(Some(404)),
        attempts: Some(1),
        sent: Sent::ToPath(1),
    }
    nothing_listening_is_a_connection_error_retried_without_status("", Connect) {
        target: Target::ClosedPort,
        status: Some(None),
        attempts: Some(3),
        message: &["connection refused"],
    }
    a_body_past_the_cap_is_abandoned_while_streaming("/fault/large/8", TooLarge) {
        status: Some(Some(200)),
        attempts: Some(1),
        bytes: 256 * 1024 + 1..1024 * 1024, // the cap is 256 KiB: stopped soon after it
    }
    a_declared_length_past_the_cap_is_refused_before_reading("/fault/large/8?length=1", TooLarge) {
        bytes: 0..1,
        message: &["Content-Length"],
    }
    one_redirect_past_the_limit_fails("/fault/redirect/6/synthetic/0/feed/", Http) {
        status: Some(Some(302)),
        attempts: Some(1),
        message: &["more than 5 redirects"],
    }
    a_redirect_loop_is_cut_off_at_the_limit("/fault/redirect-loop", Http) {
        status: Some(Some(302)),
        attempts: Some(1),
        message: &["redirect loop"],
        sent: Sent::Total(6), // the first request and 5 redirects, not one more
    }
    the_source_deadline_bounds_attempts_and_backoff("/hang/", Timeout) {
        fault: Some(Fault::Hang(None)),
        settings: |s| FetchSettings { request_timeout: ms(10_000), source_deadline: ms(400), ..s },
        attempts: Some(1),
        message: &["source's deadline"],
        took: ms(390)..ms(1200),
    }
    the_run_deadline_bounds_the_fetch("/hang/", Timeout) {
        fault: Some(Fault::Hang(None)),
        settings: |s| FetchSettings { request_timeout: ms(10_000), ..s },
        run_deadline: Some(ms(300)),
        message: &["run's deadline"],
        took: Duration::ZERO..ms(900),
    }
    a_body_that_stalls_reports_the_status_and_bytes_received(DRIP, Timeout) {
        settings: |s| FetchSettings { max_attempts: 1, ..s },
        status: Some(Some(200)),
        attempts: Some(1),
        bytes: 10..u64::MAX, // received before the timeout
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_past_the_cap_fails_at_once_and_spares_the_host() {
    let name = "retry_after_past_the_cap_fails_at_once_and_spares_the_host";
    let seconds = Fault::RetryAfter {
        seconds: 3600,
        form: RetryAfterForm::Seconds,
    };
    let case = FailingFetch {
        fault: Some(seconds),
        status: Some(Some(429)),
        attempts: Some(1),
        message: &["3600 s", "HTTP 429"],
        took: Duration::ZERO..ms(500), // no stall
        ..FailingFetch::at("/busy/", Http)
    };
    let Ran {
        web,
        fetcher,
        started,
    } = run_failing(name, case).await;
    // Another URL of that host is not requested for the hour the host asked for.
    let held_back = FailingFetch {
        status: Some(None),
        attempts: Some(0),
        message: &["asked for no requests"],
        ..FailingFetch::at("/synthetic/0/feed/", Http)
    };
    let err = get(&fetcher, &web, "/synthetic/0/feed/").await.unwrap_err();
    held_back.check(name, &err);
    let sent = web.request_log().len();
    assert_eq!(sent, 1, "only the first request reached the server");
    assert!(started.elapsed() < ms(800));
}

/// One fetch whose first answer is a fault (served once) and whose retry gets the real body.
struct RetriedFetch {
    path: &'static str,
    fault: Fault,
    settings: fn(FetchSettings) -> FetchSettings,
    /// A fragment of the real body, if checked.
    body_has: Option<&'static str>,
    /// The wait between the two requests.
    gap: Range<Duration>,
}

/// Runs one retried fetch on a fresh test web and checks what `case` states.
async fn run_retried(name: &str, case: RetriedFetch) {
    let web = web().await;
    web.set_fault(case.path, FaultRule::new(case.fault).times(1));
    let f = fetcher((case.settings)(fast_settings(&web)));
    let fetched = get(&f, &web, case.path).await.expect(name);
    assert_eq!((fetched.status, fetched.attempts), (200, 2), "{name}");
    if let Some(fragment) = case.body_has {
        let body = String::from_utf8_lossy(&fetched.body);
        assert!(
            body.contains(fragment),
            "{name}: the real body after the retry"
        );
    }
    let times = arrivals(&web, case.path);
    assert_eq!(times.len(), 2, "{name}: requests sent");
    let (gap, expected) = (gaps(&times)[0], &case.gap);
    assert!(
        expected.contains(&gap),
        "{name}: waited {gap:?}, not {expected:?}"
    );
}

/// One `#[test]` per retried fetch, named after it.
macro_rules! retried_fetches {
    ($($name:ident: $case:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            run_retried(stringify!($name), $case).await;
        }
    )*};
}

retried_fetches! {
    a_server_error_then_success_is_retried_with_backoff: RetriedFetch {
        path: "/synthetic/0/feed/",
        fault: Fault::Status(500),
        settings: |s| FetchSettings { retry_base_delay: ms(100), ..s },
        body_has: Some("<rss"),
        gap: ms(95)..ms(400), // backoff of the first retry: base .. base·1.5 (jitter)
    };
    retry_after_as_an_http_date_is_honoured: RetriedFetch {
        path: "/synthetic/3/feed/",
        fault: Fault::RetryAfter { seconds: 2, form: RetryAfterForm::HttpDate },
        settings: |s| FetchSettings { max_retry_after: ms(5000), ..s },
        body_has: None,
        // The date has whole seconds: "now + 2 s" truncated is 1..2 s away.
        gap: ms(900)..ms(2600),
    };
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

    let at = |path: &str| arrivals(&web, path);
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
async fn a_body_just_under_the_cap_is_read_whole() {
    let web = web().await;
    let f = fetcher(fast_settings(&web));
    let ok = get(&f, &web, "/fault/large/0?bytes=200000").await.unwrap();
    assert_eq!(ok.body.len(), 200_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_bodies_are_decoded_and_capped_decoded() {
    let web = web().await;
    let f = fetcher(fast_settings(&web));
    let plain = get(&f, &web, "/synthetic/4/feed/").await.unwrap();
    for coding in ["gzip", "br"] {
        let path = format!("/fault/{coding}/synthetic/4/feed/");
        let fetched = get(&f, &web, &path).await.unwrap();
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
    let small = fetcher(settings);
    let err = get(&small, &web, "/fault/gzip/synthetic/4/feed/")
        .await
        .unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::TooLarge);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_followed_up_to_the_limit() {
    let web = web().await;
    let f = fetcher(fast_settings(&web));
    let fetched = get(&f, &web, "/fault/redirect/5/synthetic/0/feed/")
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_get_sends_validators_and_reports_304() {
    let web = web().await;
    let f = fetcher(fast_settings(&web));
    let path = "/synthetic/5/feed/";
    let first = get(&f, &web, path).await.unwrap();
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
    get(&fetcher(settings), &web, "/synthetic/0/feed/")
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
