//! The time window of a run: `period_days` back from today, or an explicit from/to (checked
//! with the request, [`crate::request::RequestedWindow`]).

use chrono::{Duration, NaiveDate};

/// An inclusive range of calendar dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    /// The last `days` days up to and including `today` (at least today).
    pub fn last_days(today: NaiveDate, days: u32) -> Window {
        let days = i64::from(days.max(1));
        Window {
            from: today - Duration::days(days - 1),
            to: today,
        }
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    /// Number of days covered.
    pub fn days(&self) -> u32 {
        u32::try_from((self.to - self.from).num_days() + 1).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn period_days_counts_today() {
        let w = Window::last_days(d("2025-12-10"), 7);
        assert_eq!(
            w,
            Window {
                from: d("2025-12-04"),
                to: d("2025-12-10")
            }
        );
        assert!(w.contains(d("2025-12-04")) && w.contains(d("2025-12-10")));
        assert!(!w.contains(d("2025-12-03")) && !w.contains(d("2025-12-11")));
        assert_eq!(w.days(), 7);
        assert_eq!(Window::last_days(d("2025-12-10"), 0).days(), 1);
    }
}
