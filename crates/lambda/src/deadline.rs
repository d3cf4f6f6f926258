//! The run deadline: the invocation's remaining time minus a margin kept for writing the items and
//! the report, so that a slow site never makes the function time out with nothing written.

use std::time::{Duration, SystemTime};

/// Share of the remaining time kept back for writing.
const MARGIN_SHARE: u32 = 10;
/// The margin never exceeds this: writing a day's items takes seconds, not minutes.
const MAX_MARGIN: Duration = Duration::from_secs(20);

/// How long the engine may run, given the invocation deadline in milliseconds since the epoch (as the
/// Lambda runtime API sends it). `None` when the deadline is unknown (0), in which case the engine's
/// own per-source bounds still apply.
pub fn run_budget(deadline_ms: u64, now: SystemTime) -> Option<Duration> {
    if deadline_ms == 0 {
        return None;
    }
    let deadline = SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(deadline_ms))?;
    let remaining = deadline.duration_since(now).unwrap_or(Duration::ZERO);
    let margin = (remaining / MARGIN_SHARE).min(MAX_MARGIN);
    Some(remaining.saturating_sub(margin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn keeps_ten_percent_for_writing() {
        let now = 1_765_000_000_000;
        assert_eq!(
            run_budget(now + 60_000, at(now)),
            Some(Duration::from_secs(54))
        );
        assert_eq!(
            run_budget(now + 3_000, at(now)),
            Some(Duration::from_millis(2_700))
        );
    }

    #[test]
    fn margin_is_capped_at_twenty_seconds() {
        let now = 1_765_000_000_000;
        // The production timeout, 900 s: 10 % would be 90 s, the cap keeps 20 s.
        assert_eq!(
            run_budget(now + 900_000, at(now)),
            Some(Duration::from_secs(880))
        );
    }

    #[test]
    fn a_small_deadline_is_a_past_one_per_the_runtime_contract() {
        // 600000 is what an emulator may send as its timeout: as a Unix time it is January 1970,
        // so the budget is spent (scripts/ci/lambda/deadline_proxy.py fixes such emulators up).
        let now = 1_765_000_000_000;
        assert_eq!(run_budget(600_000, at(now)), Some(Duration::ZERO));
        assert_eq!(run_budget(3_000, at(now)), Some(Duration::ZERO));
    }

    #[test]
    fn a_past_or_unknown_deadline_never_panics() {
        let now = 1_765_000_000_000;
        assert_eq!(run_budget(now - 5_000, at(now)), Some(Duration::ZERO));
        assert_eq!(run_budget(0, at(now)), None);
        // An absurd deadline is only a long budget (the engine's per-source bounds still apply).
        assert!(run_budget(u64::MAX, at(now)).is_some_and(|d| d > Duration::from_secs(86_400)));
    }
}
