//! Per-host politeness. Newsroom sites ban crawlers that hammer them (429s, Cloudflare 403s), so
//! for each host (and port):
//!
//! * at most one request is in flight at a time — requests to one host queue, in arrival order;
//! * the next request starts at least the host's minimum interval after the previous one *ended*
//!   (so the host sees its requests at least that far apart, whatever the connection setup or
//!   response time);
//! * a host that answered `Retry-After` (or 429) is not contacted again before the time it asked for.
//!
//! Other hosts are never held up: the queues are independent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

/// Beyond this many known hosts, idle ones are forgotten (a warm Lambda reuses the gate).
const PRUNE_ABOVE: usize = 4096;

/// One host's queue and schedule.
#[derive(Debug)]
struct HostState {
    /// Held for the duration of a request: the queue (tokio's mutex is fair, first come first served).
    turn: Arc<tokio::sync::Mutex<()>>,
    /// The earliest time the next request may start, and whether the host itself asked for it.
    schedule: Mutex<Schedule>,
}

#[derive(Debug, Clone, Copy)]
struct Schedule {
    next_start: Instant,
    /// Set when `next_start` comes from the host (`Retry-After`, 429) rather than our interval.
    throttled: bool,
}

impl HostState {
    fn new() -> Self {
        let schedule = Schedule {
            next_start: Instant::now(),
            throttled: false,
        };
        HostState {
            turn: Arc::new(tokio::sync::Mutex::new(())),
            schedule: Mutex::new(schedule),
        }
    }

    fn schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn next_start(&self) -> Instant {
        self.schedule().next_start
    }
}

/// The right to send one request to a host; the next request to that host waits until it is
/// dropped, and then for the interval.
#[derive(Debug)]
pub struct HostTurn {
    host: Arc<HostState>,
    interval: Duration,
    _guard: OwnedMutexGuard<()>,
}

impl Drop for HostTurn {
    fn drop(&mut self) {
        // Runs before the queue's lock is released (fields drop after this): the next request in
        // line sees the new start time.
        let until = Instant::now() + self.interval;
        let mut schedule = self.host.schedule();
        if schedule.next_start < until {
            *schedule = Schedule {
                next_start: until,
                throttled: false,
            };
        }
    }
}

/// Why a turn could not be had before the caller's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnRefused {
    /// The host asked (`Retry-After`, 429) not to be contacted before `Instant`, which is past the
    /// caller's limit or longest wait.
    Throttled(Instant),
    /// The host is not to be contacted before `Instant` (its interval or a `Retry-After`), which is
    /// past the limit: failing now is better than sleeping until the deadline.
    NotBefore(Instant),
    /// The limit passed while earlier requests to the host were still being served.
    QueuedPastLimit,
}

/// The politeness gate shared by every fetch of a [`super::Fetcher`].
#[derive(Debug, Default)]
pub struct HostGate {
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
}

impl HostGate {
    fn host(&self, host_key: &str) -> Arc<HostState> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        if hosts.len() > PRUNE_ABOVE {
            let now = Instant::now();
            // Only this map holds an idle host's state (strong count 1) once its schedule is past.
            hosts.retain(|_, h| {
                Arc::strong_count(h) > 1 || Arc::strong_count(&h.turn) > 1 || h.next_start() > now
            });
        }
        hosts
            .entry(host_key.to_string())
            .or_insert_with(|| Arc::new(HostState::new()))
            .clone()
    }

    /// Waits for this host's turn: behind the requests queued before, and until its next start time;
    /// then reserves `interval` after now for the next request. `limit` bounds the whole wait;
    /// `longest_start` bounds the start time once at the head of the queue (refused at once beyond it).
    pub async fn turn(
        &self,
        host_key: &str,
        interval: Duration,
        limit: Option<Instant>,
        longest_start: Instant,
    ) -> Result<HostTurn, TurnRefused> {
        let host = self.host(host_key);
        let queued = host.turn.clone().lock_owned();
        let guard = match limit {
            Some(limit) => tokio::select! {
                g = queued => g,
                _ = tokio::time::sleep_until(limit) => return Err(TurnRefused::QueuedPastLimit),
            },
            None => queued.await,
        };
        let Schedule {
            next_start: start,
            throttled,
        } = *host.schedule();
        let bound = limit.map_or(longest_start, |l| l.min(longest_start));
        if start > bound {
            return Err(if throttled {
                TurnRefused::Throttled(start)
            } else {
                TurnRefused::NotBefore(start)
            });
        }
        tokio::time::sleep_until(start).await;
        *host.schedule() = Schedule {
            next_start: Instant::now() + interval,
            throttled: false,
        };
        Ok(HostTurn {
            host,
            interval,
            _guard: guard,
        })
    }

    /// Waits until this host may be contacted again, reserving the slot after it (no limit).
    pub async fn wait_turn(&self, host_key: &str, interval: Duration) {
        // Without a limit the only refusal is impossible; the turn is released at once, which keeps
        // the interval but not the one-request-in-flight rule (use [`HostGate::turn`] for that).
        let far = Instant::now() + Duration::from_secs(86_400 * 365);
        let _ = self.turn(host_key, interval, None, far).await;
    }

    /// Pushes the host's next start back to what the host asked for (a `Retry-After`, or a 429).
    pub fn defer(&self, host_key: &str, until: Instant) {
        let host = self.host(host_key);
        let mut schedule = host.schedule();
        if schedule.next_start < until {
            *schedule = Schedule {
                next_start: until,
                throttled: true,
            };
        }
    }

    /// The earliest time the host may be contacted (now when it is unknown).
    pub fn next_start(&self, host_key: &str) -> Instant {
        let hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .get(host_key)
            .map_or_else(Instant::now, |h| h.next_start())
    }
}

/// `host:port` of a URL: the unit of politeness.
pub fn host_key(url: &url::Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// Groups work by host: one group per host, in the order hosts first appear, each host's entries
/// in their original order. A runner that gives each group to one worker, and runs workers for
/// many hosts at once, never holds a worker (or a socket) waiting in a host's queue.
pub fn group_by_host<T>(items: Vec<T>, host_of: impl Fn(&T) -> String) -> Vec<Vec<T>> {
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Vec<T>> = Vec::new();
    for item in items {
        let next = groups.len();
        let at = *position.entry(host_of(&item)).or_insert(next);
        if at == next {
            groups.push(Vec::new());
        }
        groups[at].push(item);
    }
    groups
}

/// Reorders work so that consecutive entries hit different hosts where possible (round robin over
/// hosts, each host's entries in their original order). A bounded-concurrency runner fed in this
/// order does not fill all its slots with sources queued on one slow or strict host while other
/// hosts sit idle.
pub fn spread_by_host<T>(items: Vec<T>, host_of: impl Fn(&T) -> String) -> Vec<T> {
    let mut order: Vec<String> = Vec::new();
    let mut queues: HashMap<String, std::collections::VecDeque<T>> = HashMap::new();
    for item in items {
        let host = host_of(&item);
        if !queues.contains_key(&host) {
            order.push(host.clone());
        }
        queues.entry(host).or_default().push_back(item);
    }
    let mut out = Vec::new();
    loop {
        let mut progressed = false;
        for host in &order {
            if let Some(item) = queues.get_mut(host).and_then(|q| q.pop_front()) {
                out.push(item);
                progressed = true;
            }
        }
        if !progressed {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    #[tokio::test(start_paused = true)]
    async fn same_host_requests_are_spaced_other_hosts_are_not() {
        let gate = Arc::new(HostGate::default());
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
        assert_eq!(
            a_times,
            vec![
                Duration::ZERO,
                Duration::from_millis(100),
                Duration::from_millis(200)
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_in_flight_per_host() {
        let gate = Arc::new(HostGate::default());
        let start = Instant::now();
        // The first request takes 300 ms: the second waits for it to end, then for the interval.
        let first = gate
            .turn("a:80", Duration::from_millis(100), None, far())
            .await
            .unwrap();
        let g = gate.clone();
        let second = tokio::spawn(async move {
            let _t = g
                .turn("a:80", Duration::from_millis(100), None, far())
                .await
                .unwrap();
            Instant::now() - start
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(first);
        assert_eq!(second.await.unwrap(), Duration::from_millis(400));
    }

    #[tokio::test(start_paused = true)]
    async fn a_deferred_host_past_the_limit_is_refused_at_once() {
        let gate = HostGate::default();
        let now = Instant::now();
        gate.defer("a:80", now + Duration::from_secs(60));
        let refused = gate
            .turn(
                "a:80",
                Duration::ZERO,
                Some(now + Duration::from_secs(5)),
                far(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            refused,
            TurnRefused::Throttled(now + Duration::from_secs(60))
        );
        assert_eq!(Instant::now(), now, "refused without sleeping");
        // Without a limit, the longest acceptable start still applies.
        let refused = gate
            .turn("a:80", Duration::ZERO, None, now + Duration::from_secs(30))
            .await
            .unwrap_err();
        assert_eq!(
            refused,
            TurnRefused::Throttled(now + Duration::from_secs(60))
        );
        // Within the limit, the turn comes when the host asked.
        let t = gate
            .turn(
                "a:80",
                Duration::from_secs(10),
                Some(now + Duration::from_secs(61)),
                far(),
            )
            .await
            .unwrap();
        assert_eq!(Instant::now(), now + Duration::from_secs(60));
        drop(t);
        // Past our own interval (not the host's wish), the refusal says so.
        let refused = gate
            .turn(
                "a:80",
                Duration::ZERO,
                Some(now + Duration::from_secs(65)),
                far(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            refused,
            TurnRefused::NotBefore(now + Duration::from_secs(70))
        );
        // Another host is unaffected.
        let _b = gate
            .turn(
                "b:80",
                Duration::ZERO,
                Some(now + Duration::from_secs(61)),
                far(),
            )
            .await
            .unwrap();
        assert_eq!(Instant::now(), now + Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_queue_longer_than_the_limit_gives_up_at_the_limit() {
        let gate = Arc::new(HostGate::default());
        let now = Instant::now();
        let _held = gate
            .turn("a:80", Duration::ZERO, None, far())
            .await
            .unwrap();
        let refused = gate
            .turn(
                "a:80",
                Duration::ZERO,
                Some(now + Duration::from_millis(250)),
                far(),
            )
            .await
            .unwrap_err();
        assert_eq!(refused, TurnRefused::QueuedPastLimit);
        assert_eq!(Instant::now(), now + Duration::from_millis(250));
    }

    #[test]
    fn group_by_host_keeps_first_appearance_and_order_within_a_host() {
        let items = vec!["a1", "b1", "a2", "c1", "b2", "a3"];
        let groups = group_by_host(items, |s| s[..1].to_string());
        assert_eq!(
            groups,
            vec![vec!["a1", "a2", "a3"], vec!["b1", "b2"], vec!["c1"]]
        );
        assert!(group_by_host(Vec::<&str>::new(), |s| s.to_string()).is_empty());
    }

    #[test]
    fn spread_by_host_interleaves_and_keeps_order_within_a_host() {
        let items = vec!["a1", "a2", "a3", "b1", "c1", "b2"];
        let spread = spread_by_host(items, |s| s[..1].to_string());
        assert_eq!(spread, vec!["a1", "b1", "c1", "a2", "b2", "a3"]);
        assert!(spread_by_host(Vec::<&str>::new(), |s| s.to_string()).is_empty());
    }
}
