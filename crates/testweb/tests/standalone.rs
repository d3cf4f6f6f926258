//! The LAI config rewrite and the `vectora-testweb` binary as CI and benchmarks use it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use vectora_testweb::lai_config::LAI_SITES;
use vectora_testweb::{TestWeb, TestWebConfig, lai_config_dir};

fn load(path: &std::path::Path) -> serde_json::Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every source of the rewritten catalog points at the test web and answers 200 with the fixture page.
async fn assert_config_points_at(web: &TestWeb, config: &std::path::Path) {
    let catalog = load(&config.join("canonical/sources/source_catalog.yaml"));
    let http = common::client();
    for source in catalog["sources"].as_array().unwrap() {
        let key = source["source_key"].as_str().unwrap();
        let Some((_, site)) = LAI_SITES.iter().find(|(k, _)| *k == key) else {
            // The primary-source examples: their API is served at the test web's root.
            let api_url = source["api_url"].as_str().unwrap_or_default();
            let path = url::Url::parse(api_url).unwrap().path().to_string();
            assert_eq!(
                api_url,
                format!("{}{path}", web.base_url()),
                "{key}.api_url = {api_url}"
            );
            continue;
        };
        for field in ["homepage_url", "html_url", "rss_url"] {
            let url = source[field].as_str().unwrap_or_default();
            if url.is_empty() {
                continue;
            }
            assert!(
                url.starts_with(&web.site_base_url(site)),
                "{key}.{field} = {url}"
            );
            let response = http.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{key}.{field} = {url}");
        }
    }
    let extractors = load(&config.join("canonical/sources/html_extractors.yaml"));
    assert_eq!(
        extractors["extractors"]["press_corporate__camurus"]["base_url"],
        web.site_base_url("camurus")
    );
    // Everything else is copied unchanged.
    for file in [
        "clients/lai_weekly_v3.yaml",
        "canonical/scopes/exclusion_scopes.yaml",
    ] {
        assert_eq!(
            std::fs::read(config.join(file)).unwrap(),
            std::fs::read(vectora_testweb::bundled_config_dir().join(file)).unwrap(),
            "{file}"
        );
    }
}

#[tokio::test]
async fn lai_config_dir_rewrites_every_source_to_the_test_web() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let config = lai_config_dir(web.base_url()).unwrap();
    assert_config_points_at(&web, config.path()).await;
    let catalog =
        std::fs::read_to_string(config.path().join("canonical/sources/source_catalog.yaml"))
            .unwrap();
    assert!(
        !catalog.contains("https://"),
        "no source left on the internet"
    );
    let path = config.path().to_path_buf();
    drop(config);
    assert!(!path.exists(), "the temporary config is removed on drop");

    let per_site = TestWeb::start(TestWebConfig {
        site_ports: true,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    let config = per_site.lai_config_dir().unwrap();
    assert_config_points_at(&per_site, config.path()).await;
}

#[test]
fn a_source_on_an_unknown_host_is_refused() {
    let source = tempfile::tempdir().unwrap();
    let catalog_dir = source.path().join("canonical/sources");
    std::fs::create_dir_all(&catalog_dir).unwrap();
    std::fs::write(
        catalog_dir.join("source_catalog.yaml"),
        "sources:\n- source_key: x\n  html_url: https://unknown.example.org/news/\n",
    )
    .unwrap();
    let dest = tempfile::tempdir().unwrap();
    let error = vectora_testweb::write_lai_config(source.path(), dest.path(), &|site: &str| {
        format!("http://127.0.0.1:1/sites/{site}")
    })
    .unwrap_err();
    assert!(error.to_string().contains("unknown.example.org"), "{error}");
}

/// Kills the server when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_prints_one_json_line_serves_listeners_and_writes_configs() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("lai");
    let bench_dir = dir.path().join("bench");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vectora-testweb"))
        .args(["--ports", "3", "--latency-ms", "20", "--print-config-dir"])
        .arg(&config_dir)
        .arg("--print-bench-config-dir")
        .arg(&bench_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let base = info["base_url"].as_str().unwrap().to_string();
    let bases: Vec<String> = info["base_urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(bases.len(), 3);
    assert_eq!(bases[0], base);
    assert_eq!(info["sites"]["camurus"], format!("{base}/sites/camurus"));
    assert_eq!(info["config_dir"], config_dir.to_str().unwrap());

    let http = common::client();
    for listener in &bases {
        assert_eq!(
            http.get(format!("{listener}/feed/"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let fault = http
        .get(format!(
            "{base}/fault/status/500?times=1&then=/sites/endpoints/feed/"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(fault.status(), 500);

    let catalog =
        std::fs::read_to_string(config_dir.join("canonical/sources/source_catalog.yaml")).unwrap();
    assert!(catalog.contains(&format!("{base}/sites/medincell/news/")));
    let bench =
        std::fs::read_to_string(bench_dir.join("canonical/sources/source_catalog.yaml")).unwrap();
    for listener in &bases {
        assert!(bench.contains(listener.as_str()));
    }
    drop(server);
}
