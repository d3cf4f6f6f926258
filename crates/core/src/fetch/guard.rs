//! The address guard: never let a configured (or redirected-to) URL reach loopback, private,
//! link-local or cloud-metadata addresses — the Lambda runtime API itself lives at
//! 127.0.0.1:9001. Checked on the resolved IP at connect time, so DNS tricks don't get through.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};

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
#[derive(Debug)]
pub struct BlockedAddress(pub String);

impl std::fmt::Display for BlockedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused to connect to {} (private, loopback or link-local address; allow private networks to permit it)", self.0)
    }
}

impl std::error::Error for BlockedAddress {}

/// A DNS resolver that drops forbidden addresses (and fails when none is left).
#[derive(Debug, Clone)]
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs.iter().copied().filter(|a| !is_forbidden(a.ip())).collect();
            if allowed.is_empty() {
                let shown = addrs.first().map(|a| format!("{host} ({})", a.ip())).unwrap_or(host);
                return Err(Box::new(BlockedAddress(shown)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Checks a URL whose host is an IP literal (the resolver is not consulted for those).
pub fn check_literal(url: &url::Url) -> Result<(), BlockedAddress> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") => {
            return Err(BlockedAddress(d.to_string()));
        }
        _ => return Ok(()),
    };
    if is_forbidden(ip) { Err(BlockedAddress(ip.to_string())) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbids_the_ranges_named_by_the_spec() {
        for a in [
            "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
            "0.0.0.0", "::1", "fc00::1", "fd12::3", "fe80::1", "::ffff:127.0.0.1", "100.64.0.1",
        ] {
            assert!(is_forbidden(a.parse().unwrap()), "{a} should be forbidden");
        }
        for a in ["8.8.8.8", "172.32.0.1", "93.184.216.34", "2606:4700::1111"] {
            assert!(!is_forbidden(a.parse().unwrap()), "{a} should be allowed");
        }
    }

    #[test]
    fn checks_ip_literals_and_localhost() {
        assert!(check_literal(&"http://169.254.169.254/latest/meta-data/".parse().unwrap()).is_err());
        assert!(check_literal(&"http://127.0.0.1:9001/2018-06-01/runtime/invocation/next".parse().unwrap()).is_err());
        assert!(check_literal(&"http://[::1]/".parse().unwrap()).is_err());
        assert!(check_literal(&"http://LOCALHOST:8080/".parse().unwrap()).is_err());
        assert!(check_literal(&"https://www.medincell.com/news/".parse().unwrap()).is_ok());
    }
}
