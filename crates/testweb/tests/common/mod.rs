//! Helpers shared by the integration tests: a tiny fixture site and plain HTTP clients.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use vectora_testweb::{TestWeb, TestWebConfig};

pub const DEMO_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Demo news</title></head><body><div class=\"news-list\"><article><h3><a href=\"{{site}}/news/first-release/\">First release about a long-acting injectable</a></h3><time datetime=\"2025-12-10\">December 10, 2025</time></article></div></body></html>\n";
pub const DEMO_FEED: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Demo</title><item><title>Item</title><link>{{site}}/news/first-release/</link></item></channel></rss>\n";

/// A sites folder with one site, `demo`: `/news/` (index.html), `/feed.xml`, `/board.php`.
pub fn demo_sites() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("demo");
    std::fs::create_dir_all(site.join("news/first-release")).unwrap();
    std::fs::write(site.join("news/index.html"), DEMO_PAGE).unwrap();
    std::fs::write(
        site.join("news/first-release/index.html"),
        "<html><body><h1>First release</h1></body></html>",
    )
    .unwrap();
    std::fs::write(site.join("feed.xml"), DEMO_FEED).unwrap();
    std::fs::write(
        site.join("board.php"),
        "<table class=\"board_list\"></table>",
    )
    .unwrap();
    std::fs::write(dir.path().join("secret.txt"), "outside the site").unwrap();
    dir
}

pub async fn demo_web(sites: &Path) -> TestWeb {
    TestWeb::start(TestWebConfig {
        sites_dir: sites.to_path_buf(),
        ..TestWebConfig::default()
    })
    .await
    .unwrap()
}

/// A client that decodes gzip/brotli (as the engine's does) and follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A client that shows the wire: no decompression, no redirects.
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}
