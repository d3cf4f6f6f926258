//! The address guard: never let a configured (or redirected-to) URL reach loopback, private,
//! link-local or cloud-metadata addresses — the Lambda runtime API itself lives at
//! 127.0.0.1:9001, the instance metadata at 169.254.169.254. Host names are checked on the
//! addresses they resolve to, inside the HTTP client's resolver, so the connection goes to exactly
//! the address that was checked (no DNS-rebinding window); IP-literal URLs, which the resolver never
//! sees, are checked before every hop.
//!
//! Production is strict. Two escapes exist, both explicit:
//! * `allow_private` (the engine's test flag): nothing is refused;
//! * `allowed_addrs`: exact `ip:port` pairs given as IP literals in URLs (a test web on
//!   127.0.0.1:PORT), so the guard itself can be tested against a local server: every other port
//!   on the same address, and every host *name* resolving to a private address, is still refused.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The environment variable that lets the fetcher reach loopback and private addresses (tests,
/// the local test web); off everywhere else.
pub const ALLOW_PRIVATE_NETWORKS_ENV: &str = "VECTORA_ALLOW_PRIVATE_NETWORKS";

/// Reads an on/off switch the way both fronts do (the CLI's flags and environment, the Lambda's
/// environment): `1`, `true`, `yes`, `on`, `y`, `t` are on; `0`, `false`, `no`, `off`, `n`, `f`
/// and the empty string are off (any case); anything else is an error naming the value.
pub fn parse_switch(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" | "t" => Ok(true),
        "0" | "false" | "no" | "off" | "n" | "f" | "" => Ok(false),
        other => Err(format!(
            "`{other}` is not a switch (use 1/0, true/false, yes/no, on/off)"
        )),
    }
}

/// True when an address must not be fetched unless private networks are explicitly allowed.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xC0) == 64) // carrier-grade NAT 100.64/10
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        }
    }
}

/// The error a refused address produces; found again in the reqwest error chain.
#[derive(Debug, Clone)]
pub struct BlockedAddress(pub String);

impl std::fmt::Display for BlockedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused to connect to {} (private, loopback, link-local or metadata address; private networks are not allowed)",
            self.0
        )
    }
}

impl std::error::Error for BlockedAddress {}

/// What the guard lets through.
#[derive(Debug, Clone, Default)]
pub struct GuardPolicy {
    /// Allow every address (tests against a local web only).
    pub allow_private: bool,
    /// Exact socket addresses allowed although private, for IP-literal URLs only.
    pub allowed_addrs: Vec<SocketAddr>,
}

impl GuardPolicy {
    /// Checks a URL before a request is sent to it: IP literals (which the resolver never sees) and
    /// `localhost` names. Other names are checked by [`GuardedResolver`] on what they resolve to.
    pub fn check_url(&self, url: &url::Url) -> Result<(), BlockedAddress> {
        if self.allow_private {
            return Ok(());
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(url::Host::Domain(d)) => {
                let d = d.trim_end_matches('.');
                if d.eq_ignore_ascii_case("localhost")
                    || d.to_ascii_lowercase().ends_with(".localhost")
                {
                    return Err(BlockedAddress(d.to_string()));
                }
                return Ok(());
            }
            None => return Ok(()),
        };
        if !is_forbidden(ip) {
            return Ok(());
        }
        let port = url.port_or_known_default().unwrap_or(0);
        let addr = SocketAddr::new(ip, port);
        if self.allowed_addrs.contains(&addr) {
            Ok(())
        } else {
            Err(BlockedAddress(addr.to_string()))
        }
    }
}

/// Checks a URL whose host is an IP literal (or `localhost`) with the strict production policy.
pub fn check_literal(url: &url::Url) -> Result<(), BlockedAddress> {
    GuardPolicy::default().check_url(url)
}

/// The HTTP client's resolver: a fixed table first (like curl's `--resolve`, for tests and pinned
/// hosts), then the system's DNS; forbidden addresses are dropped, and a name left with none fails
/// with [`BlockedAddress`].
#[derive(Debug, Clone, Default)]
pub struct GuardedResolver {
    pub allow_private: bool,
    pub fixed: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl GuardedResolver {
    /// The addresses a name may be connected to.
    pub async fn lookup(
        &self,
        host: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let addrs: Vec<SocketAddr> = match self.fixed.get(&host.to_ascii_lowercase()) {
            Some(ips) => ips.iter().map(|ip| SocketAddr::new(*ip, 0)).collect(),
            None => tokio::net::lookup_host((host, 0)).await?.collect(),
        };
        if self.allow_private {
            return Ok(addrs);
        }
        let allowed: Vec<SocketAddr> = addrs
            .iter()
            .copied()
            .filter(|a| !is_forbidden(a.ip()))
            .collect();
        if allowed.is_empty() {
            let shown = addrs
                .first()
                .map_or_else(|| host.to_string(), |a| format!("{host} ({})", a.ip()));
            return Err(Box::new(BlockedAddress(shown)));
        }
        Ok(allowed)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = this.lookup(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_read_the_same_words_on_both_fronts() {
        for on in ["1", "true", "TRUE", "yes", "on", "y", "t", " 1 "] {
            assert_eq!(parse_switch(on), Ok(true), "{on}");
        }
        for off in ["0", "false", "No", "off", "n", "f", ""] {
            assert_eq!(parse_switch(off), Ok(false), "{off}");
        }
        let e = parse_switch("maybe").unwrap_err();
        assert!(e.contains("`maybe`"), "{e}");
    }

    #[test]
    fn forbids_the_ranges_named_by_the_spec() {
        for a in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fd12::3",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "100.64.0.1",
        ] {
            assert!(is_forbidden(a.parse().unwrap()), "{a} should be forbidden");
        }
        for a in [
            "8.8.8.8",
            "172.32.0.1",
            "172.15.255.255",
            "93.184.216.34",
            "2606:4700::1111",
            "169.255.0.1",
        ] {
            assert!(!is_forbidden(a.parse().unwrap()), "{a} should be allowed");
        }
    }

    #[test]
    fn checks_ip_literals_and_localhost() {
        assert!(
            check_literal(&"http://169.254.169.254/latest/meta-data/".parse().unwrap()).is_err()
        );
        assert!(
            check_literal(
                &"http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"
                    .parse()
                    .unwrap()
            )
            .is_err()
        );
        assert!(check_literal(&"http://[::1]/".parse().unwrap()).is_err());
        assert!(check_literal(&"http://LOCALHOST:8080/".parse().unwrap()).is_err());
        assert!(check_literal(&"http://localhost.:8080/".parse().unwrap()).is_err());
        assert!(check_literal(&"http://api.Localhost/".parse().unwrap()).is_err());
        // Other spellings of 127.0.0.1 are normalised by the URL parser before the check.
        assert!(check_literal(&"http://2130706433/".parse().unwrap()).is_err());
        assert!(check_literal(&"http://0x7f.1/".parse().unwrap()).is_err());
        assert!(check_literal(&"http://[::ffff:7f00:1]/".parse().unwrap()).is_err());
        assert!(check_literal(&"https://www.medincell.com/news/".parse().unwrap()).is_ok());
        assert!(check_literal(&"http://93.184.216.34/".parse().unwrap()).is_ok());
    }

    #[test]
    fn allowed_addresses_are_exact_socket_addresses() {
        let policy = GuardPolicy {
            allow_private: false,
            allowed_addrs: vec!["127.0.0.1:8123".parse().unwrap()],
        };
        assert!(
            policy
                .check_url(&"http://127.0.0.1:8123/news/".parse().unwrap())
                .is_ok()
        );
        assert!(
            policy
                .check_url(&"http://127.0.0.1:9001/".parse().unwrap())
                .is_err()
        );
        assert!(
            policy
                .check_url(&"http://127.0.0.2:8123/".parse().unwrap())
                .is_err()
        );
        assert!(
            policy
                .check_url(&"http://localhost:8123/".parse().unwrap())
                .is_err(),
            "names are never allowed"
        );
        let open = GuardPolicy {
            allow_private: true,
            allowed_addrs: vec![],
        };
        assert!(
            open.check_url(&"http://169.254.169.254/".parse().unwrap())
                .is_ok()
        );
    }

    #[tokio::test]
    async fn resolver_refuses_names_resolving_to_private_addresses() {
        let fixed: HashMap<String, Vec<IpAddr>> = [
            (
                "metadata.test".to_string(),
                vec!["169.254.169.254".parse().unwrap()],
            ),
            (
                "mixed.test".to_string(),
                vec![
                    "10.0.0.1".parse().unwrap(),
                    "93.184.216.34".parse().unwrap(),
                ],
            ),
        ]
        .into();
        let strict = GuardedResolver {
            allow_private: false,
            fixed: Arc::new(fixed),
        };
        let err = strict.lookup("metadata.test").await.unwrap_err();
        assert!(err.to_string().contains("169.254.169.254"), "{err}");
        // The system resolver's answer is checked too.
        assert!(
            strict
                .lookup("localhost")
                .await
                .unwrap_err()
                .to_string()
                .contains("refused")
        );
        // Only the public address of a mixed answer is kept.
        let mixed = strict.lookup("MIXED.test").await.unwrap();
        assert_eq!(
            mixed,
            vec!["93.184.216.34:0".parse::<SocketAddr>().unwrap()]
        );
        let open = GuardedResolver {
            allow_private: true,
            ..strict
        };
        assert_eq!(open.lookup("metadata.test").await.unwrap().len(), 1);
    }
}
