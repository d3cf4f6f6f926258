//! The time window of a run: `period_days` back from today, or an explicit from/to.

use chrono::{Duration, NaiveDate};

/// An inclusive range of calendar dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    /// `from_date` + `to_date` together override the window; otherwise the last `period_days`
    /// days up to and including `today`.
    pub fn resolve(
        today: NaiveDate,
        period_days: u32,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Window, String> {
        match (from, to) {
            (Some(from), Some(to)) if from > to => {
                Err(format!("from_date {from} is after to_date {to}"))
            }
            (Some(from), Some(to)) => Ok(Window { from, to }),
            (Some(_), None) | (None, Some(_)) => {
                Err("from_date and to_date must be given together".into())
            }
            (None, None) => {
                let days = i64::from(period_days.max(1));
                Ok(Window {
                    from: today - Duration::days(days - 1),
                    to: today,
                })
            }
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
        let w = Window::resolve(d("2025-12-10"), 7, None, None).unwrap();
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
    }

    #[test]
    fn explicit_dates_override_and_are_checked() {
        let w = Window::resolve(
            d("2025-12-10"),
            7,
            Some(d("2025-01-01")),
            Some(d("2025-01-31")),
        )
        .unwrap();
        assert_eq!(w.days(), 31);
        assert!(
            Window::resolve(
                d("2025-12-10"),
                7,
                Some(d("2025-02-01")),
                Some(d("2025-01-31"))
            )
            .is_err()
        );
        assert!(Window::resolve(d("2025-12-10"), 7, Some(d("2025-02-01")), None).is_err());
    }
}
