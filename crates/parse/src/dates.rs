//! Date recognition: the publisher's calendar date from the many ways pages and feeds write it.

use chrono::NaiveDate;

/// Checks that a strftime-style format (from `html_extractors.yaml`) is one this crate can use.
pub fn validate_format(format: &str) -> Result<(), String> {
    if format.trim().is_empty() {
        return Err("empty date format".into());
    }
    Ok(())
}

/// Finds a date in free text ("January 15, 2026", "2026-01-15", ...). Stub: ISO only.
pub fn parse_date_text(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()
}
