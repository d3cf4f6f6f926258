//! Per-host politeness: a minimum interval between two requests to the same host (and port).
//! Requests to one host queue behind each other; other hosts proceed at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Default)]
pub struct HostGate {
    next_slot: Mutex<HashMap<String, Instant>>,
}

impl HostGate {
    /// Waits until this host may be contacted again, reserving the slot after it.
    pub async fn wait_turn(&self, host_key: &str, interval: Duration) {
        let slot = {
            let mut map = match self.next_slot.lock() {
                Ok(m) => m,
                Err(poisoned) => poisoned.into_inner(),
            };
            let now = Instant::now();
            let slot = map.get(host_key).copied().filter(|t| *t > now).unwrap_or(now);
            map.insert(host_key.to_string(), slot + interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// Pushes the host's next slot back (a `Retry-After` from that host).
    pub fn defer(&self, host_key: &str, until: Instant) {
        let mut map = match self.next_slot.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        let e = map.entry(host_key.to_string()).or_insert(until);
        if *e < until {
            *e = until;
        }
    }
}

/// `host:port` of a URL: the unit of politeness.
pub fn host_key(url: &url::Url) -> String {
    format!("{}:{}", url.host_str().unwrap_or(""), url.port_or_known_default().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn same_host_requests_are_spaced_other_hosts_are_not() {
        let gate = std::sync::Arc::new(HostGate::default());
        let start = Instant::now();
        let mut handles = Vec::new();
        for host in ["a:80", "a:80", "a:80", "b:80"] {
            let g = gate.clone();
            handles.push(tokio::spawn(async move {
                g.wait_turn(host, Duration::from_millis(100)).await;
                (host, Instant::now() - start)
            }));
        }
        let mut a_times = Vec::new();
        for h in handles {
            let (host, t) = h.await.unwrap();
            if host == "a:80" {
                a_times.push(t);
            } else {
                assert!(t < Duration::from_millis(1));
            }
        }
        a_times.sort();
        assert_eq!(a_times, vec![Duration::ZERO, Duration::from_millis(100), Duration::from_millis(200)]);
    }
}
