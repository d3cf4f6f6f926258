//! Each fault of the test web, exercised over real HTTP with a plain client.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::{DEMO_PAGE, client, demo_sites, demo_web, raw_client};
use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER, USER_AGENT,
};
use vectora_testweb::{ContentCoding, Fault, FaultRule, RetryAfterForm, TestWeb, TestWebConfig};

#[tokio::test]
async fn status_500_twice_then_the_real_page_by_url() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let url = web.url("/fault/status/500?times=2&then=/sites/demo/news/");
    let http = client();
    for _ in 0..2 {
        let response = http.get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    let response = http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert!(body.contains(&format!(
        "{}/news/first-release/",
        web.site_base_url("demo")
    )));
    assert_eq!(web.requests_for("/fault/status/500").len(), 3);

    // A status URL without times always fails; with a path tail it is the same as then=.
    let always = web.url("/fault/status/503/sites/demo/news/");
    for _ in 0..3 {
        assert_eq!(http.get(&always).send().await.unwrap().status(), 503);
    }
    let tail = web.url("/fault/status/502/sites/demo/news/?times=1");
    assert_eq!(http.get(&tail).send().await.unwrap().status(), 502);
    assert_eq!(http.get(&tail).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn programmed_status_fault_applies_n_times_then_clears() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    web.set_fault(
        "/sites/demo/news/",
        FaultRule::new(Fault::Status(503)).times(2),
    );
    let url = web.url("/sites/demo/news/");
    let http = client();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 503);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 503);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);

    web.set_fault("/sites/demo/feed.xml", Fault::Status(404));
    let feed = web.url("/sites/demo/feed.xml");
    assert_eq!(http.get(&feed).send().await.unwrap().status(), 404);
    assert_eq!(http.get(&feed).send().await.unwrap().status(), 404);
    web.clear_fault("/sites/demo/feed.xml");
    assert_eq!(http.get(&feed).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn too_many_requests_with_retry_after_in_both_forms() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let http = client();

    let url = web.url("/fault/retry-after/3/sites/demo/news/");
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(first.headers()[RETRY_AFTER], "3");
    let second = http.get(&url).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    assert!(second.text().await.unwrap().contains("First release"));

    let dated = http
        .get(web.url("/fault/retry-after-date/120"))
        .send()
        .await
        .unwrap();
    assert_eq!(dated.status(), StatusCode::TOO_MANY_REQUESTS);
    let value = dated.headers()[RETRY_AFTER].to_str().unwrap().to_string();
    let when = httpdate::parse_http_date(&value).unwrap();
    let ahead = when
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    assert!(
        ahead > Duration::from_secs(100) && ahead <= Duration::from_secs(121),
        "{value} is {ahead:?} ahead"
    );

    web.set_fault(
        "/sites/demo/feed.xml",
        FaultRule::new(Fault::RetryAfter {
            seconds: 7,
            form: RetryAfterForm::Seconds,
        })
        .times(1),
    );
    let programmed = http
        .get(web.url("/sites/demo/feed.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(programmed.status(), 429);
    assert_eq!(programmed.headers()[RETRY_AFTER], "7");
}

#[tokio::test]
async fn hang_forever_times_out_and_hang_n_seconds_answers_late() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = impatient
        .get(web.url("/fault/hang"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(
        web.requests_for("/fault/hang").len(),
        1,
        "a hung request is still logged"
    );

    let started = Instant::now();
    let response = client()
        .get(web.url("/fault/hang/1/sites/demo/news/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn dropping_the_server_releases_a_hung_client() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let url = web.url("/fault/hang");
    let pending = tokio::spawn(async move { client().get(url).send().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    drop(web);
    let outcome = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("the hung request ended after shutdown")
        .unwrap();
    // Either the 503 sent on shutdown or a closed connection; never a hang.
    if let Ok(response) = outcome {
        assert_eq!(response.status(), 503);
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn global_and_per_url_latency() {
    let sites = demo_sites();
    let web = TestWeb::start(TestWebConfig {
        sites_dir: sites.path().to_path_buf(),
        latency: Duration::from_millis(150),
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let http = client();
    let started = Instant::now();
    assert_eq!(
        http.get(web.url("/sites/demo/news/"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(150));

    let started = Instant::now();
    let response = http
        .get(web.url("/fault/latency/300/sites/demo/feed.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(450));

    let fast_sites = demo_sites();
    let fast = demo_web(fast_sites.path()).await;
    fast.set_fault(
        "/sites/demo/news/",
        Fault::Latency(Duration::from_millis(250)),
    );
    let started = Instant::now();
    http.get(fast.url("/sites/demo/news/"))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn etag_and_last_modified_give_304_on_a_matching_conditional_request() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let http = raw_client();
    let url = web.url("/sites/demo/news/");
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()[ETAG].to_str().unwrap().to_string();
    let modified = first.headers()[LAST_MODIFIED].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'));

    let by_etag = http
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(by_etag.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(by_etag.headers()[ETAG], etag.as_str());
    assert!(by_etag.bytes().await.unwrap().is_empty());

    let by_date = http
        .get(&url)
        .header(IF_MODIFIED_SINCE, &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(by_date.status(), StatusCode::NOT_MODIFIED);

    let stale_tag = http
        .get(&url)
        .header(IF_NONE_MATCH, "\"0000\"")
        .header(IF_MODIFIED_SINCE, &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale_tag.status(),
        200,
        "If-None-Match wins over If-Modified-Since"
    );

    let old_date = http
        .get(&url)
        .header(IF_MODIFIED_SINCE, "Mon, 01 Jan 2001 00:00:00 GMT")
        .send()
        .await
        .unwrap();
    assert_eq!(old_date.status(), 200);

    let log = web.requests_for("/sites/demo/news/");
    assert_eq!(log.len(), 5);
    assert_eq!(log[1].header("if-none-match"), Some(etag.as_str()));
    assert_eq!(log[2].header("If-Modified-Since"), Some(modified.as_str()));
}

#[tokio::test]
async fn without_conditional_get_a_matching_request_gets_the_whole_body() {
    let sites = demo_sites();
    let web = TestWeb::start(TestWebConfig {
        sites_dir: sites.path().to_path_buf(),
        conditional_get: false,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let http = raw_client();
    let url = web.url("/sites/demo/news/");
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()[ETAG].to_str().unwrap().to_string();
    let modified = first.headers()[LAST_MODIFIED].to_str().unwrap().to_string();
    let body = first.bytes().await.unwrap();

    let again = http
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .header(IF_MODIFIED_SINCE, &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "the validators are ignored");
    assert_eq!(again.bytes().await.unwrap(), body);
    let log = web.requests_for("/sites/demo/news/");
    assert_eq!(
        log[1].header("if-none-match"),
        Some(etag.as_str()),
        "logged as the client sent them"
    );
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn gzip_and_brotli_forced_by_url_and_negotiated_by_accept_encoding() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let expected = DEMO_PAGE.replace("{{site}}", &web.site_base_url("demo"));
    let raw = raw_client();

    let gz = raw
        .get(web.url("/fault/gzip/sites/demo/news/"))
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(gunzip(&gz.bytes().await.unwrap()), expected);

    let br = raw
        .get(web.url("/fault/br/sites/demo/news/"))
        .send()
        .await
        .unwrap();
    assert_eq!(br.headers()[CONTENT_ENCODING], "br");
    assert_eq!(unbrotli(&br.bytes().await.unwrap()), expected);

    let negotiated = raw
        .get(web.url("/sites/demo/news/"))
        .header(ACCEPT_ENCODING, "gzip, deflate")
        .send()
        .await
        .unwrap();
    assert_eq!(negotiated.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(gunzip(&negotiated.bytes().await.unwrap()), expected);

    let refused = raw
        .get(web.url("/sites/demo/news/"))
        .header(ACCEPT_ENCODING, "br;q=0, identity")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(refused.text().await.unwrap(), expected);

    // The engine's client (reqwest with gzip+brotli) sees the decoded page either way.
    for path in [
        "/fault/gzip/sites/demo/news/",
        "/fault/br/sites/demo/news/",
        "/sites/demo/news/",
    ] {
        assert_eq!(
            client()
                .get(web.url(path))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            expected
        );
    }

    web.set_fault(
        "/sites/demo/feed.xml",
        Fault::Encoding(ContentCoding::Brotli),
    );
    let programmed = raw
        .get(web.url("/sites/demo/feed.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(programmed.headers()[CONTENT_ENCODING], "br");
}

#[tokio::test]
async fn windows_1252_body_without_charset() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let response = raw_client()
        .get(web.url("/fault/windows-1252"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[CONTENT_TYPE], "text/html");
    let bytes = response.bytes().await.unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    for byte in [0xE9u8, 0x92, 0x80, 0x96, 0xAB] {
        assert!(bytes.contains(&byte), "byte {byte:#x} (é ’ € – «) present");
    }
    let (decoded, _, had_errors) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(!had_errors);
    assert_eq!(decoded, vectora_testweb::encoding::WINDOWS_1252_SAMPLE);

    let transcoded = raw_client()
        .get(web.url("/fault/windows-1252/sites/demo/news/"))
        .send()
        .await
        .unwrap();
    assert_eq!(transcoded.headers()[CONTENT_TYPE], "text/html");
    assert!(transcoded.text().await.unwrap().contains("First release"));
}

#[tokio::test]
async fn large_body_is_streamed_to_the_exact_size() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let response = client()
        .get(web.url("/fault/large/3"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get(CONTENT_LENGTH).is_none(),
        "chunked by default"
    );
    let mut stream = response.bytes_stream();
    let mut total = 0usize;
    let mut first = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        first.get_or_insert_with(|| chunk.clone());
        total += chunk.len();
    }
    assert_eq!(total, 3 * 1024 * 1024);
    assert!(first.unwrap().starts_with(b"<!doctype html>"));

    let declared = client()
        .get(web.url("/fault/large/2?length=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        declared.headers()[CONTENT_LENGTH],
        (2 * 1024 * 1024).to_string()
    );
    assert_eq!(declared.bytes().await.unwrap().len(), 2 * 1024 * 1024);

    let odd = client()
        .get(web.url("/fault/large/0?bytes=12345"))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.bytes().await.unwrap().len(), 12345);
}

#[tokio::test]
async fn slow_drip_sends_a_few_bytes_per_interval_and_never_ends() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let response = client()
        .get(web.url("/fault/drip?bytes=4&interval_ms=200"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    let mut received = 0usize;
    let deadline = tokio::time::sleep(Duration::from_millis(1100));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            chunk = stream.next() => match chunk {
                Some(Ok(bytes)) => received += bytes.len(),
                other => panic!("the drip ended: {other:?}"),
            },
        }
    }
    // One chunk at once, then one per 200 ms: at most 6 chunks of 4 bytes in 1.1 s (the pace), and
    // more than one (it keeps sending); a loaded machine may deliver fewer, never more.
    assert!((8..=24).contains(&received), "{received} bytes");
}

#[tokio::test]
async fn headers_then_stall() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let started = Instant::now();
    let response = client().get(web.url("/fault/stall")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "headers arrive at once"
    );
    let mut stream = response.bytes_stream();
    let next = tokio::time::timeout(Duration::from_millis(600), stream.next()).await;
    assert!(next.is_err(), "no body byte ever comes: {next:?}");

    web.set_fault("/sites/demo/news/", Fault::Stall);
    let programmed = client()
        .get(web.url("/sites/demo/news/"))
        .send()
        .await
        .unwrap();
    let next = tokio::time::timeout(Duration::from_millis(300), programmed.bytes()).await;
    assert!(next.is_err());
}

#[tokio::test]
async fn redirect_chain_loop_and_arbitrary_target() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;

    let followed = client()
        .get(web.url("/fault/redirect/3/sites/demo/news/"))
        .send()
        .await
        .unwrap();
    assert_eq!(followed.status(), 200);
    assert_eq!(
        followed.url().as_str(),
        web.url("/fault/redirect/0/sites/demo/news/")
    );
    assert!(followed.text().await.unwrap().contains("First release"));
    let hops: Vec<String> = web
        .request_log()
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| p.starts_with("/fault/redirect/"))
        .collect();
    assert_eq!(hops.len(), 4);

    let first = raw_client()
        .get(web.url("/fault/redirect/2/sites/demo/news/?status=301"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        first.headers()[LOCATION],
        "/fault/redirect/1/sites/demo/news/?status=301"
    );

    let error = client()
        .get(web.url("/fault/redirect-loop"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_redirect(), "{error}");

    for target in [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:9001/",
    ] {
        let url = format!("{}?url={}", web.url("/fault/redirect-to"), target);
        let response = raw_client().get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(response.headers()[LOCATION], target);
    }

    web.set_fault(
        "/sites/demo/news/",
        Fault::RedirectChain {
            hops: 2,
            status: 307,
        },
    );
    let programmed = client()
        .get(web.url("/sites/demo/news/"))
        .send()
        .await
        .unwrap();
    assert_eq!(programmed.status(), 200);
    assert!(programmed.text().await.unwrap().contains("First release"));
}

#[tokio::test]
async fn bad_fault_urls_are_400_and_other_methods_405() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    for path in [
        "/fault/status/abc",
        "/fault/nope",
        "/fault/redirect-to",
        "/fault/hang/x",
    ] {
        assert_eq!(
            client().get(web.url(path)).send().await.unwrap().status(),
            400,
            "{path}"
        );
    }
    let post = client()
        .post(web.url("/sites/demo/news/"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn fixture_files_content_types_templating_and_confinement() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    let http = client();

    let page = http.get(web.url("/sites/demo/news/")).send().await.unwrap();
    assert_eq!(page.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    let text = page.text().await.unwrap();
    assert!(!text.contains("{{site}}"));
    assert!(text.contains(&format!(
        "href=\"{}/sites/demo/news/first-release/\"",
        web.base_url()
    )));

    let feed = http
        .get(web.url("/sites/demo/feed.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        feed.headers()[CONTENT_TYPE],
        "application/rss+xml; charset=utf-8"
    );
    let board = http
        .get(web.url("/sites/demo/board.php"))
        .send()
        .await
        .unwrap();
    assert_eq!(board.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    let article = http
        .get(web.url("/sites/demo/news/first-release/"))
        .send()
        .await
        .unwrap();
    assert_eq!(article.status(), 200);

    for path in [
        "/sites/demo/missing/",
        "/sites/nosuchsite/",
        "/sites/demo/../secret.txt",
        "/sites/demo/%2e%2e/secret.txt",
        "/sites/../secret.txt",
        "/sites/demo/.hidden",
    ] {
        let response = http.get(web.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(!response.text().await.unwrap().contains("outside the site"));
    }
}

#[tokio::test]
async fn request_log_records_method_path_query_and_selected_headers() {
    let sites = demo_sites();
    let web = demo_web(sites.path()).await;
    client()
        .get(web.url("/sites/demo/news/?page=2"))
        .header(USER_AGENT, "vectora-inbox/0.1 (+test)")
        .header(IF_NONE_MATCH, "\"abc\"")
        .header("x-not-logged", "1")
        .send()
        .await
        .unwrap();
    let log = web.request_log();
    assert_eq!(log.len(), 1);
    let record = &log[0];
    assert_eq!(record.method, "GET");
    assert_eq!(record.path, "/sites/demo/news/");
    assert_eq!(record.query.as_deref(), Some("page=2"));
    assert_eq!(record.path_and_query(), "/sites/demo/news/?page=2");
    assert_eq!(
        record.header("user-agent"),
        Some("vectora-inbox/0.1 (+test)")
    );
    assert_eq!(record.header("if-none-match"), Some("\"abc\""));
    assert_eq!(record.header("x-not-logged"), None);
    assert_eq!(
        record.host.as_deref(),
        web.base_url().strip_prefix("http://")
    );
    assert_eq!(record.local_addr.ip().to_string(), "127.0.0.1");
    assert_eq!(record.in_flight_on_listener, 1);
    web.clear_request_log();
    assert!(web.request_log().is_empty());
}
