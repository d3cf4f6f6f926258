//! The system's TLS trust roots, read once per process and shared by every HTTPS client.
//!
//! Left to themselves, reqwest and object_store build a `rustls-platform-verifier` for each client,
//! and on Linux each one reads and parses the whole system store again (the bundle plus, on
//! Debian-like systems, some 150 files of the certificate folder). A Lambda cold start builds
//! three clients (the fetcher's, the config bucket's, the data bucket's): that repeated reading was
//! the largest part of its CPU time. On Linux the platform verifier is exactly "the native roots,
//! checked by webpki", so handing the same roots, read once, to webpki verifies the same way.
//! Elsewhere (macOS, Windows) the platform verifier asks the OS, and is kept.

use std::sync::LazyLock;

use rustls_pki_types::CertificateDer;

/// The usable native roots (parsed once; unusable ones left out, as the platform verifier does).
static SYSTEM_ROOTS: LazyLock<Vec<CertificateDer<'static>>> = LazyLock::new(|| {
    let loaded = rustls_native_certs::load_native_certs();
    for e in &loaded.errors {
        tracing::warn!(error = %e, "cannot read a CA root certificate of the system");
    }
    let usable: Vec<CertificateDer<'static>> = loaded
        .certs
        .into_iter()
        .filter(|c| rustls::RootCertStore::empty().add(c.clone()).is_ok())
        .collect();
    tracing::debug!(roots = usable.len(), "system CA roots loaded");
    usable
});

/// Whether the shared roots replace the platform verifier on this platform.
const SHARE_ROOTS: bool = cfg!(all(
    unix,
    not(target_vendor = "apple"),
    not(target_os = "android")
));

/// The shared roots, or `None` where the platform verifier must stay (not Linux-like, or no root
/// could be read, in which case the default path reports its own clear error).
fn shared_roots() -> Option<&'static [CertificateDer<'static>]> {
    (SHARE_ROOTS && !SYSTEM_ROOTS.is_empty()).then(|| SYSTEM_ROOTS.as_slice())
}

/// A reqwest client builder that trusts the shared system roots.
pub(crate) fn reqwest_roots(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    match shared_roots() {
        Some(roots) => builder.tls_certs_only(
            roots
                .iter()
                .filter_map(|c| reqwest::Certificate::from_der(c).ok()),
        ),
        None => builder,
    }
}

/// object_store client options that trust the shared system roots.
pub(crate) fn object_store_roots(
    options: object_store::ClientOptions,
) -> object_store::ClientOptions {
    match shared_roots() {
        Some(roots) => roots
            .iter()
            .filter_map(|c| object_store::Certificate::from_der(c).ok())
            .fold(options.with_no_system_certificates(true), |o, c| {
                o.with_root_certificate(c)
            }),
        None => options,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The roots are read once and each is usable by webpki; the machine running the tests has a
    /// system store (the HTTPS tests of the fetcher depend on it too).
    #[test]
    fn system_roots_are_read_once_and_usable() {
        if !SHARE_ROOTS {
            return;
        }
        let first = shared_roots().expect("this machine has system CA roots");
        assert!(first.len() > 10, "only {} roots", first.len());
        let again = shared_roots().unwrap();
        assert!(std::ptr::eq(first, again), "read once, shared");
        let mut store = rustls::RootCertStore::empty();
        let (added, ignored) = store.add_parsable_certificates(first.iter().cloned());
        assert_eq!((added, ignored), (first.len(), 0));
    }
}
