//! When to try again and how long to wait: exponential backoff with jitter for transient failures
//! (connect errors, timeouts, 5xx, 408, 429), and the server's own `Retry-After` when it sends one.

use chrono::{NaiveDateTime, Utc};
use std::time::Duration;

/// Statuses worth another attempt: the server may answer differently in a moment.
pub fn is_retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// Statuses whose `Retry-After` is honoured (RFC 9110 10.2.3), and which push back every request to
/// the host, not only this URL's.
pub fn is_throttling_status(status: u16) -> bool {
    status == 429 || status == 503
}

/// Delay before attempt `attempt + 1` after `attempt` failed (1-based): `base · 2^(attempt-1)`, plus
/// up to half of that again at random so that many sources failing together don't retry in step.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
    let jitter_ms = u64::try_from(exp.as_millis() / 2).unwrap_or(u64::MAX);
    exp + Duration::from_millis(rand::random_range(0..=jitter_ms))
}

/// `Retry-After`: delta-seconds, or an HTTP date in any of the three forms of RFC 9110 5.6.7
/// (a date in the past means "now").
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(v, "%A, %d-%b-%y %H:%M:%S GMT").map(|d| d.and_utc())
        })
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%a %b %e %H:%M:%S %Y").map(|d| d.and_utc()))
        .ok()?;
    Some((when - Utc::now()).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:49:37 1994"),
            Some(Duration::ZERO)
        );
        let future = (Utc::now() + chrono::Duration::seconds(100))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let d = parse_retry_after(&future).unwrap();
        assert!(
            d > Duration::from_secs(95) && d <= Duration::from_secs(100),
            "{d:?}"
        );
        for bad in ["soon", "-1", "", "1.5"] {
            assert!(parse_retry_after(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let base = Duration::from_millis(100);
        for attempt in 1..=4u32 {
            let exp = base * (1 << (attempt - 1));
            for _ in 0..50 {
                let d = backoff(base, attempt);
                assert!(d >= exp && d <= exp + exp / 2, "attempt {attempt}: {d:?}");
            }
        }
        // Huge attempt numbers saturate instead of overflowing.
        assert!(backoff(base, u32::MAX) >= base);
        assert_eq!(backoff(Duration::ZERO, 3), Duration::ZERO);
    }

    #[test]
    fn which_statuses_are_retried() {
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 304, 400, 401, 403, 404, 410, 451] {
            assert!(!is_retryable_status(s), "{s}");
        }
        assert!(
            is_throttling_status(429) && is_throttling_status(503) && !is_throttling_status(500)
        );
    }
}
