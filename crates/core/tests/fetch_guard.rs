//! The address guard with private networks NOT allowed, against a real server on 127.0.0.1.
//!
//! The test web's own listener is allowed by exact `ip:port` (`allowed_private_addrs`) where a test
//! needs a first hop to reach it; everything else private — the Lambda runtime API port on the
//! same address, another listener, metadata addresses, names resolving to private addresses — must
//! be refused, and the server's request log proves that no refused request was sent.

mod fetch_support;

use fetch_support::{addr_of, fast_settings};
use std::net::IpAddr;
use url::Url;
use vectora_core::fetch::{FetchErrorKind, FetchOptions, FetchSettings, Fetcher};
use vectora_testweb::{TestWeb, TestWebConfig};

fn strict() -> FetchSettings {
    FetchSettings {
        allow_private_networks: false,
        allowed_private_addrs: Vec::new(),
        ..FetchSettings::default()
    }
}

fn encode(u: &str) -> String {
    url::form_urlencoded::byte_serialize(u.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_targets_are_refused_before_any_request() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let port = addr_of(web.base_url()).port();
    let f = Fetcher::new(strict()).unwrap();
    for target in [
        web.url("/synthetic/0/feed/"),
        format!("http://localhost:{port}/synthetic/0/feed/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://2130706433:{port}/"),
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/".to_string(),
        "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next".to_string(),
        "http://10.0.0.1/".to_string(),
        "http://192.168.1.1/".to_string(),
        "http://172.16.5.4/".to_string(),
        "http://[fe80::1]/".to_string(),
        "http://[fd00::1]/".to_string(),
    ] {
        let err = f
            .fetch(&Url::parse(&target).unwrap(), &FetchOptions::default())
            .await
            .unwrap_err();
        assert_eq!(
            (err.kind, err.attempts, err.http_status),
            (FetchErrorKind::Blocked, 0, None),
            "{target}: {err:?}"
        );
        assert!(
            err.message.contains("refused to connect"),
            "{target}: {}",
            err.message
        );
    }
    assert!(
        web.request_log().is_empty(),
        "no request reached the server: {:?}",
        web.request_log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_to_metadata_or_the_runtime_api_are_refused() {
    let web = TestWeb::start_many(TestWebConfig::default(), 2)
        .await
        .unwrap();
    let (first, second) = (addr_of(&web.base_urls()[0]), addr_of(&web.base_urls()[1]));
    // Only the first listener is allowed (exact ip:port).
    let settings = FetchSettings {
        allowed_private_addrs: vec![first],
        ..fast_settings(&web)
    };
    let f = Fetcher::new(settings).unwrap();

    // The allowed listener itself works, and so do redirects within it.
    let ok = f
        .fetch(
            &Url::parse(&web.url("/fault/redirect/2/synthetic/0/feed/")).unwrap(),
            &FetchOptions::default(),
        )
        .await;
    assert_eq!(
        ok.unwrap().final_url.path(),
        "/fault/redirect/0/synthetic/0/feed/"
    );

    for target in [
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next".to_string(),
        format!("http://{second}/synthetic/1/feed/"),
        format!("http://localhost:{}/synthetic/1/feed/", first.port()),
    ] {
        let from = web.url(&format!("/fault/redirect-to?url={}", encode(&target)));
        let err = f
            .fetch(&Url::parse(&from).unwrap(), &FetchOptions::default())
            .await
            .unwrap_err();
        assert_eq!(
            (err.kind, err.http_status, err.attempts),
            (FetchErrorKind::Blocked, Some(302), 1),
            "{target}: {err:?}"
        );
        assert!(
            err.message.contains("redirect from") && err.message.contains("refused"),
            "{target}: {}",
            err.message
        );
    }
    // The second listener (same IP, other port) never saw a request.
    assert!(
        web.request_log().iter().all(|r| r.port() == first.port()),
        "{:?}",
        web.request_log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_checked_on_the_address_they_resolve_to() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let addr = addr_of(web.base_url());
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let metadata: IpAddr = "169.254.169.254".parse().unwrap();
    let resolve = vec![
        ("newsroom.test".to_string(), loopback),
        ("metadata.test".to_string(), metadata),
    ];
    let strict = Fetcher::new(FetchSettings {
        resolve: resolve.clone(),
        ..fast_settings(&web)
    })
    .unwrap();

    // A public-looking name resolving to loopback is refused at connect time, although
    // 127.0.0.1:PORT is allowed as a literal: names are never exempt.
    let by_name = Url::parse(&format!(
        "http://newsroom.test:{}/synthetic/0/feed/",
        addr.port()
    ))
    .unwrap();
    let err = strict
        .fetch(&by_name, &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status),
        (FetchErrorKind::Blocked, None),
        "{err:?}"
    );
    assert!(
        err.message.contains("newsroom.test (127.0.0.1)"),
        "{}",
        err.message
    );
    assert_eq!(
        err.attempts, 1,
        "the guard refused the connection of the first attempt; not retried"
    );

    // A redirect to a name resolving to the metadata address is refused too.
    let from = web.url(&format!(
        "/fault/redirect-to?url={}",
        encode("http://metadata.test/latest/meta-data/")
    ));
    let err = strict
        .fetch(&Url::parse(&from).unwrap(), &FetchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.http_status),
        (FetchErrorKind::Blocked, Some(302)),
        "{err:?}"
    );
    assert!(
        err.message.contains("169.254.169.254") && err.message.contains("redirect"),
        "{}",
        err.message
    );
    assert_eq!(
        web.request_log().len(),
        1,
        "only the redirecting request reached the server"
    );

    // The same name works once private networks are allowed: the refusal above was the guard.
    let open = Fetcher::new(FetchSettings {
        resolve,
        allow_private_networks: true,
        ..fast_settings(&web)
    })
    .unwrap();
    let fetched = open
        .fetch(&by_name, &FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(
        web.request_log().last().and_then(|r| r.host.clone()),
        Some(format!("newsroom.test:{}", addr.port()))
    );
}
