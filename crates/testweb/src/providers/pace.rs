//! Each provider's rate limit, as a sliding window over the arrival times of its requests.

use super::Provider;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// At most `max` requests in any `window`.
#[derive(Debug, Clone)]
pub struct Pace {
    pub max: usize,
    pub window: Duration,
    arrivals: VecDeque<Instant>,
}

impl Pace {
    pub fn new(max: usize, window: Duration) -> Pace {
        Pace {
            max,
            window,
            arrivals: VecDeque::new(),
        }
    }

    /// The provider's published limit. The windows are 1% short of the nominal second (or
    /// minute) so that timer granularity never turns a client exactly at the limit into a
    /// violator, while a client any faster still is one.
    pub fn of(provider: Provider) -> Pace {
        match provider {
            // "About 1 request per second".
            Provider::ClinicalTrials => Pace::new(1, Duration::from_millis(990)),
            // NCBI: 3 requests/s without an API key, 10 with one.
            Provider::Ncbi { with_key: false } => Pace::new(3, Duration::from_millis(990)),
            Provider::Ncbi { with_key: true } => Pace::new(10, Duration::from_millis(990)),
            // openFDA: 240 requests/min, i.e. 4 per second.
            Provider::OpenFda => Pace::new(4, Duration::from_millis(990)),
        }
    }

    /// Records a request arriving at `now`; false (and not recorded) when it is over the limit.
    pub fn admit(&mut self, now: Instant) -> bool {
        while self
            .arrivals
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.window)
        {
            self.arrivals.pop_front();
        }
        if self.arrivals.len() >= self.max {
            return false;
        }
        self.arrivals.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_admits_its_maximum_then_refuses_until_the_oldest_leaves() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut p = Pace::new(3, ms(1000));
        assert!(p.admit(t0));
        assert!(p.admit(t0 + ms(10)));
        assert!(p.admit(t0 + ms(20)));
        assert!(!p.admit(t0 + ms(30)));
        assert!(!p.admit(t0 + ms(999)));
        assert!(p.admit(t0 + ms(1000)));
        assert!(!p.admit(t0 + ms(1005)));
        assert!(p.admit(t0 + ms(1010)));
    }
}
