//! What each benchmark run ingests: which synthetic site every source reads and how it behaves, the
//! outcome a correct engine reports for it, and the best wall time the engine's own rules allow.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use vectora_core::fetch::FetchSettings;
use vectora_testweb::BenchSite;

/// A kind of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// N sources on N hosts (one loopback address each): even sites HTML listings, odd sites RSS
    /// feeds, every tenth listing with its two newest entries undated (two article pages fetched).
    Web,
    /// The same, with a quarter of the sites broken: every fourth site answers 500, serves a feed
    /// cut off midway, or takes the request and answers only after 60 s, in turn.
    Faults,
    /// N sources on one host (its synthetic sites under `/synthetic/<i>/`), one request at a time.
    OneHost,
}

impl Scenario {
    /// What source `index` reads.
    pub fn site(self, index: usize) -> BenchSite {
        let web = if index.is_multiple_of(10) {
            BenchSite::UndatedListing
        } else {
            BenchSite::standard(index)
        };
        match self {
            Scenario::Web => web,
            Scenario::Faults if index % 4 == 3 => match (index / 4) % 3 {
                0 => BenchSite::ServerError,
                1 => BenchSite::TruncatedFeed,
                _ => BenchSite::Hang(60),
            },
            Scenario::Faults => web,
            Scenario::OneHost => BenchSite::Feed,
        }
    }

    /// The row's name in the table.
    pub fn label(self, sources: usize) -> String {
        match self {
            Scenario::Web => format!("{sources} sources, {sources} hosts"),
            Scenario::Faults => format!("faults: {sources} sources, 25 % broken"),
            Scenario::OneHost => format!("{sources} sources, 1 host"),
        }
    }
}

/// The outcome a correct run reports for a source of this kind: its status and, for a timeout,
/// the deadline that ended it.
pub fn expected_outcome(site: BenchSite) -> (&'static str, Option<&'static str>) {
    match site {
        BenchSite::Feed | BenchSite::Listing | BenchSite::UndatedListing => ("ok", None),
        BenchSite::ServerError => ("http_error", None),
        BenchSite::TruncatedFeed => ("malformed", None),
        BenchSite::Hang(_) => ("timeout", Some("first_byte")),
    }
}

/// The timings a run is made of: the simulated web's latency, the host interval given to the
/// CLI, and the fetcher's own deadlines and backoff (its defaults).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub latency: Duration,
    pub interval: Duration,
    pub fetch: Fetch,
}

/// The fetcher's defaults that shape a source's time.
#[derive(Debug, Clone, Copy)]
pub struct Fetch {
    pub first_byte: Duration,
    pub backoff: Duration,
    pub attempts: u32,
}

impl Fetch {
    pub fn defaults() -> Fetch {
        let d = FetchSettings::default();
        Fetch {
            first_byte: d.first_byte_timeout,
            backoff: d.retry_base_delay,
            attempts: d.max_attempts,
        }
    }
}

impl Timing {
    /// The least time one source of this kind takes on its host: its requests, and between them
    /// the host's interval (or the retry's backoff, when longer; jitter at its minimum).
    pub fn source_time(&self, site: BenchSite) -> Duration {
        let l = self.latency;
        let gap = |backoff: Duration| backoff.max(self.interval);
        match site {
            BenchSite::Feed | BenchSite::Listing | BenchSite::TruncatedFeed => l,
            // The listing, then its two undated entries' pages.
            BenchSite::UndatedListing => 3 * l + 2 * self.interval,
            // Every attempt answered 500, after backoffs of base, 2 × base, …
            BenchSite::ServerError => (1..self.fetch.attempts)
                .fold(l, |t, n| t + gap(self.fetch.backoff * (1 << (n - 1))) + l),
            // Two attempts cut by the first-byte deadline (a timeout is retried once).
            BenchSite::Hang(_) => 2 * self.fetch.first_byte + gap(self.fetch.backoff),
        }
    }
}

/// The best wall time for these per-host times with `concurrency` hosts at once: the longest
/// host, or all the work spread evenly over the slots, whichever is longer (process start, config
/// loading and parsing not counted).
pub fn ideal(host_times: &[Duration], concurrency: usize) -> Duration {
    let longest = host_times.iter().copied().max().unwrap_or_default();
    let total: Duration = host_times.iter().sum();
    let spread = total / u32::try_from(concurrency.max(1)).unwrap_or(u32::MAX);
    longest.max(spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing() -> Timing {
        Timing {
            latency: Duration::from_millis(150),
            interval: Duration::from_secs(1),
            fetch: Fetch {
                first_byte: Duration::from_secs(8),
                backoff: Duration::from_millis(500),
                attempts: 3,
            },
        }
    }

    #[test]
    fn the_faults_layout_breaks_a_quarter_in_turn() {
        let kinds: Vec<BenchSite> = (0..40).map(|i| Scenario::Faults.site(i)).collect();
        let count = |k: BenchSite| kinds.iter().filter(|s| **s == k).count();
        assert_eq!(count(BenchSite::ServerError), 4);
        assert_eq!(count(BenchSite::TruncatedFeed), 3);
        assert_eq!(count(BenchSite::Hang(60)), 3);
        assert_eq!(count(BenchSite::UndatedListing), 4);
        // The good sites are those of the plain web.
        for (i, kind) in kinds.iter().enumerate() {
            if i % 4 != 3 {
                assert_eq!(*kind, Scenario::Web.site(i));
            }
        }
    }

    #[test]
    fn source_times_follow_the_fetchers_rules() {
        let t = timing();
        let ms = |k| t.source_time(k).as_millis();
        assert_eq!(ms(BenchSite::Feed), 150);
        assert_eq!(ms(BenchSite::UndatedListing), 450 + 2000);
        // 500, 1 s (interval beats the 0.5 s backoff), 500, 1 s, 500.
        assert_eq!(ms(BenchSite::ServerError), 450 + 2000);
        // 8 s, the 1 s interval, 8 s.
        assert_eq!(ms(BenchSite::Hang(60)), 17_000);
    }

    #[test]
    fn ideal_is_the_longest_host_or_the_spread_work() {
        let s = Duration::from_secs;
        assert_eq!(ideal(&[s(1), s(1), s(3)], 10), s(3));
        assert_eq!(ideal(&[s(2); 10], 2), s(10));
        assert_eq!(ideal(&[], 4), Duration::ZERO);
        assert_eq!(ideal(&[s(1)], 0), s(1));
    }
}
