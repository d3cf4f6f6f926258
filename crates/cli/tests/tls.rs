//! HTTPS end to end: `vectora-inbox ingest` against the LAI test web served over TLS on 127.0.0.1,
//! with a certificate authority made for the test.
//!
//! The fetcher trusts the system's roots, read once per process (`vectora_core::tls`, through
//! rustls-native-certs, which takes `SSL_CERT_FILE` / `SSL_CERT_DIR` when they are set). So each
//! case is its own `vectora-inbox` process whose "system roots" are the files the test points at:
//! - roots that hold the test CA: every source is fetched over HTTPS and parsed;
//! - roots that hold only another CA: every source fails on the certificate, and no request
//!   reaches the web behind the TLS terminator (the bundled config's one `ssl_verify: false`, on
//!   the Peptron extractor, is taken out for this case; another case shows it honoured as
//!   bundled);
//! - the same untrusted roots with `ssl_verify: false` in the catalog: every source is fetched,
//!   each with the warning that verification is off.
//!
//! The TLS terminator accepts on its own port and pipes each decrypted connection to the plain
//! HTTP test web; it counts the handshakes it completed and the ones the client broke off, and the
//! test web's request log tells (by the `Host` header) which requests came through it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use vectora_testweb::{LaiConfigDir, TestWeb, TestWebConfig, lai_config_dir_with};

const CATALOG: &str = "canonical/sources/source_catalog.yaml";
const EXTRACTORS: &str = "canonical/sources/html_extractors.yaml";
const SOURCES: usize = 8;

/// A certificate authority made for one test.
struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Authority {
    fn new(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Authority { issuer }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for the IP address 127.0.0.1 (an IP SAN, as URLs name the address),
    /// signed by this authority, with its private key.
    fn server_certificate(&self) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "vectora test web");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (cert.der().clone(), key)
    }
}

/// What the TLS terminator saw.
#[derive(Default)]
struct Handshakes {
    completed: AtomicUsize,
    failed: AtomicUsize,
}

/// The LAI test web (plain HTTP) behind a TLS terminator, both on their own runtime.
struct HttpsWeb {
    web: TestWeb,
    /// Port of the TLS terminator: the sources' URLs are `https://127.0.0.1:<port>/sites/<site>`.
    port: u16,
    handshakes: Arc<Handshakes>,
    // Last: dropping it stops the test web and the terminator.
    _runtime: tokio::runtime::Runtime,
}

impl HttpsWeb {
    fn start(authority: &Authority) -> HttpsWeb {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (chain, key) = authority.server_certificate();
        // The provider is named rather than taken from the process default, which depends on
        // the features other crates turn on.
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![chain], key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let handshakes = Arc::new(Handshakes::default());
        let (web, port) = runtime.block_on(async {
            let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
            let upstream: SocketAddr = web
                .base_url()
                .strip_prefix("http://")
                .unwrap()
                .parse()
                .unwrap();
            let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
            let port = listener.local_addr().unwrap().port();
            tokio::spawn(terminate_tls(
                listener,
                acceptor,
                upstream,
                handshakes.clone(),
            ));
            (web, port)
        });
        HttpsWeb {
            web,
            port,
            handshakes,
            _runtime: runtime,
        }
    }

    fn origin(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The bundled LAI config with every source URL on this HTTPS origin.
    fn lai_config(&self) -> LaiConfigDir {
        // The test web's writer insists that rewritten URLs start with `http://127.0.0.1` (its
        // guard against a source left pointing at the internet), so the URLs are written with
        // the terminator's port over http, then switched to https.
        let plain = format!("http://127.0.0.1:{}", self.port);
        let config = lai_config_dir_with(&|site: &str| format!("{plain}/sites/{site}")).unwrap();
        for file in [CATALOG, EXTRACTORS] {
            let path = config.path().join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace(&plain, &self.origin())).unwrap();
        }
        let urls = catalog_urls(&config.path().join(CATALOG));
        assert!(urls.len() >= SOURCES, "{urls:?}");
        for url in &urls {
            assert!(
                url.starts_with(&format!("{}/sites/", self.origin())),
                "a source URL not on the HTTPS origin: {url}"
            );
        }
        config
    }

    /// Requests that reached the test web through the terminator (their `Host` names its port),
    /// as paths.
    fn paths_through_tls(&self) -> Vec<String> {
        let host = format!("127.0.0.1:{}", self.port);
        self.web
            .request_log()
            .into_iter()
            .filter(|r| r.host.as_deref() == Some(host.as_str()))
            .map(|r| r.path)
            .collect()
    }
}

/// Accepts TLS connections and pipes each, decrypted, to `upstream`.
async fn terminate_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    upstream: SocketAddr,
    handshakes: Arc<Handshakes>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            // E.g. out of descriptors for a moment: wait rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        let handshakes = handshakes.clone();
        tokio::spawn(async move {
            let mut tls = match acceptor.accept(tcp).await {
                Ok(tls) => tls,
                Err(_) => {
                    handshakes.failed.fetch_add(1, Ordering::SeqCst);
                    return;
                }
            };
            handshakes.completed.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut plain) = TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            }
        });
    }
}

/// The non-empty `*_url` values of the catalog.
fn catalog_urls(catalog: &Path) -> Vec<String> {
    std::fs::read_to_string(catalog)
        .unwrap()
        .lines()
        .filter_map(|line| line.trim().split_once(": "))
        .filter(|(key, _)| key.ends_with("_url"))
        .map(|(_, value)| value.trim().trim_matches('\'').to_string())
        .filter(|value| !value.is_empty())
        .collect()
}

/// Files standing in for the system's trust store: `SSL_CERT_FILE` holding the given CAs, and an
/// empty `SSL_CERT_DIR`, so that nothing else is trusted.
struct TrustStore {
    dir: tempfile::TempDir,
}

impl TrustStore {
    fn with(authorities: &[&Authority]) -> TrustStore {
        let dir = tempfile::tempdir().unwrap();
        let pem: String = authorities.iter().map(|a| a.pem()).collect();
        std::fs::write(dir.path().join("roots.pem"), pem).unwrap();
        std::fs::create_dir(dir.path().join("certs")).unwrap();
        TrustStore { dir }
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("roots.pem")
    }

    fn folder(&self) -> PathBuf {
        self.dir.path().join("certs")
    }
}

/// `vectora-inbox ingest --dry-run --json` of the LAI client over the 30 fixture days, trusting
/// only `roots`. Returns the exit code and the JSON body.
fn ingest(config: &Path, roots: &TrustStore) -> (Option<i32>, serde_json::Value) {
    let data = tempfile::tempdir().unwrap();
    let out: Output = Command::new(env!("CARGO_BIN_EXE_vectora-inbox"))
        .env_remove("VECTORA_ALLOW_PRIVATE_NETWORKS")
        .env_remove("LOG_LEVEL")
        .env("SSL_CERT_FILE", roots.file())
        .env("SSL_CERT_DIR", roots.folder())
        .args(["ingest", "--client", "lai_weekly_v3"])
        .args(["--from-date", "2025-11-16", "--to-date", "2025-12-15"])
        .args(["--json", "--dry-run", "--allow-private-networks"])
        .args(["--min-host-interval-ms", "5", "--config"])
        .arg(config)
        .arg("--data")
        .arg(data.path())
        .output()
        .expect("run vectora-inbox");
    let body = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON body ({e}); stdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), body)
}

fn sources(body: &serde_json::Value) -> &Vec<serde_json::Value> {
    let sources = body["sources"].as_array().unwrap();
    assert_eq!(sources.len(), SOURCES, "{body:#}");
    sources
}

/// Every source was fetched from the HTTPS origin and gave entries, and its listing request went
/// through the TLS terminator.
fn assert_fetched_over_https(web: &HttpsWeb, body: &serde_json::Value) {
    let through_tls = web.paths_through_tls();
    for s in sources(body) {
        assert_eq!(s["status"], "ok", "{s:#}");
        assert_eq!(s["http_status"], 200, "{s:#}");
        assert_eq!(s["error"], serde_json::Value::Null, "{s:#}");
        assert!(s["items_parsed"].as_u64().unwrap() > 0, "{s:#}");
        let url = s["url"].as_str().unwrap();
        let path = url
            .strip_prefix(&web.origin())
            .unwrap_or_else(|| panic!("fetched from {url}, not {}", web.origin()));
        let path = path.split('?').next().unwrap_or_default();
        assert!(
            through_tls.iter().any(|p| p == path),
            "{path} did not come through TLS: {through_tls:?}"
        );
    }
    assert!(web.handshakes.completed.load(Ordering::SeqCst) >= 1);
}

/// The bundled config's one `ssl_verify: false`: the Peptron extractor (its real site's
/// certificate is broken), which turns verification off for that source.
const PEPTRON: &str = "press_corporate__peptron";
const INSECURE: &str = "    ssl_verify: false\n";
const DISABLED: &str = "TLS certificate verification is disabled";

fn warns_disabled(s: &serde_json::Value) -> bool {
    s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains(DISABLED))
}

/// Removes the Peptron extractor's `ssl_verify: false`, so that every source verifies.
fn verify_peptron_too(config: &Path) {
    let path = config.join(EXTRACTORS);
    let text = std::fs::read_to_string(&path).unwrap();
    let peptron = text.find(&format!("  {PEPTRON}:\n")).unwrap();
    assert_eq!(text.matches(INSECURE).count(), 1, "{text}");
    assert!(text.find(INSECURE).unwrap() > peptron, "{text}");
    std::fs::write(&path, text.replace(INSECURE, "")).unwrap();
}

#[test]
fn sources_are_fetched_over_https_with_a_trusted_ca() {
    let ca = Authority::new("vectora test CA");
    let web = HttpsWeb::start(&ca);
    let config = web.lai_config();
    let roots = TrustStore::with(&[&ca]);

    let (code, body) = ingest(config.path(), &roots);

    assert_eq!(code, Some(0), "{body:#}");
    assert_eq!(body["status"], "success", "{body:#}");
    assert_fetched_over_https(&web, &body);
    for s in sources(&body) {
        assert_eq!(warns_disabled(s), s["source_key"] == PEPTRON, "{s:#}");
    }
    assert_eq!(web.handshakes.failed.load(Ordering::SeqCst), 0);
    assert!(body["items_final"].as_u64().unwrap() > 0, "{body:#}");
}

#[test]
fn an_untrusted_certificate_fails_every_verifying_source() {
    let ca = Authority::new("vectora test CA");
    let other = Authority::new("some other CA");
    let web = HttpsWeb::start(&ca);
    let config = web.lai_config();
    verify_peptron_too(config.path());
    let roots = TrustStore::with(&[&other]);

    let (code, body) = ingest(config.path(), &roots);

    assert_eq!(code, Some(1), "every source failed: {body:#}");
    assert_eq!(body["status"], "failed", "{body:#}");
    for s in sources(&body) {
        assert_eq!(s["status"], "fetch_error", "{s:#}");
        assert_eq!(s["http_status"], serde_json::Value::Null, "{s:#}");
        let error = s["error"].as_str().unwrap();
        assert!(
            error.contains("TLS failure with 127.0.0.1: invalid peer certificate"),
            "{error}"
        );
        assert!(
            !error.contains("after"),
            "a certificate is not retried: {error}"
        );
        assert_eq!(s["attempts"], 1, "{s:#}");
        assert!(!warns_disabled(s), "{s:#}");
    }
    assert_eq!(web.handshakes.completed.load(Ordering::SeqCst), 0);
    // One handshake per source: the same certificate would come again, so there is no retry.
    assert_eq!(web.handshakes.failed.load(Ordering::SeqCst), SOURCES);
    assert!(
        web.web.request_log().is_empty(),
        "no request may pass an untrusted certificate: {:?}",
        web.web.request_log()
    );
}

/// As bundled, the Peptron source skips verification (set on its extractor) and the others
/// verify: with an untrusted certificate, Peptron alone is fetched.
#[test]
fn the_bundled_ssl_verify_false_of_peptron_is_honoured() {
    let ca = Authority::new("vectora test CA");
    let other = Authority::new("some other CA");
    let web = HttpsWeb::start(&ca);
    let config = web.lai_config();
    let roots = TrustStore::with(&[&other]);

    let (code, body) = ingest(config.path(), &roots);

    assert_eq!(code, Some(0), "the run completed: {body:#}");
    assert_eq!(body["status"], "partial", "{body:#}");
    assert_eq!(body["sources_failed"], SOURCES - 1, "{body:#}");
    for s in sources(&body) {
        if s["source_key"] == PEPTRON {
            assert_eq!(s["status"], "ok", "{s:#}");
            assert!(s["items_parsed"].as_u64().unwrap() > 0, "{s:#}");
            assert!(warns_disabled(s), "{s:#}");
        } else {
            assert_eq!(s["status"], "fetch_error", "{s:#}");
            assert!(
                s["error"].as_str().unwrap().contains("certificate"),
                "{s:#}"
            );
        }
    }
    let through_tls = web.paths_through_tls();
    assert!(
        through_tls
            .iter()
            .any(|p| p == "/sites/peptron/eng/pr/news.php"),
        "{through_tls:?}"
    );
    assert!(
        through_tls.iter().all(|p| p.starts_with("/sites/peptron/")),
        "only Peptron may pass: {through_tls:?}"
    );
}

#[test]
fn ssl_verify_false_in_the_catalog_accepts_an_untrusted_certificate_with_a_warning() {
    let ca = Authority::new("vectora test CA");
    let other = Authority::new("some other CA");
    let web = HttpsWeb::start(&ca);
    let config = web.lai_config();
    let catalog = config.path().join(CATALOG);
    let text = std::fs::read_to_string(&catalog).unwrap();
    let entry = "- source_key: ";
    // Every LAI source (the api examples of the bundled catalog are not run for the client).
    assert_eq!(
        text.matches(entry).count(),
        SOURCES + text.matches("ingestion_mode: api").count()
    );
    std::fs::write(
        &catalog,
        text.replace(entry, "- ssl_verify: false\n  source_key: "),
    )
    .unwrap();
    let roots = TrustStore::with(&[&other]);

    let (code, body) = ingest(config.path(), &roots);

    assert_eq!(code, Some(0), "{body:#}");
    assert_eq!(body["status"], "success", "{body:#}");
    assert_fetched_over_https(&web, &body);
    for s in sources(&body) {
        assert!(warns_disabled(s), "{s:#}");
    }
}
