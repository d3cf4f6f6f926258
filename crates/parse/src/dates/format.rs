//! strftime-style formats from `html_extractors.yaml` (`date_format`, `default_date_patterns`).

use super::DateOrder;
use chrono::NaiveDate;
use chrono::format::{Item, StrftimeItems};
use std::fmt::Write;

/// Checks that a strftime-style format can yield a calendar date: it must be well-formed and
/// carry a year, a month and a day. Checked by a round trip (format a known date, parse it back),
/// which also rejects formats chrono cannot parse (such as `%B %Y` or `%H:%M`).
pub fn validate_format(format: &str) -> Result<(), String> {
    if format.trim().is_empty() {
        return Err("empty date format".into());
    }
    if StrftimeItems::new(format).any(|item| item == Item::Error) {
        return Err(format!("invalid strftime format `{format}`"));
    }
    // A day and month above 12 so that a swapped day and month cannot round-trip by accident.
    let probe = NaiveDate::from_ymd_opt(2026, 11, 23).ok_or("probe date")?;
    let mut rendered = String::new();
    write!(rendered, "{}", probe.format(format))
        .map_err(|_| format!("format `{format}` cannot render a date"))?;
    match NaiveDate::parse_from_str(&rendered, format) {
        Ok(d) if d == probe => Ok(()),
        Ok(d) => Err(format!(
            "format `{format}` does not read back the date it writes ({probe} -> {d})"
        )),
        Err(e) => Err(format!(
            "format `{format}` cannot yield a date (needs year, month and day): {e}"
        )),
    }
}

/// The first format of `formats` that reads `text` whole (trimmed, ordinal suffixes such as
/// "15th" removed). Invalid formats are skipped, never panicked on.
pub fn parse_with_formats<S: AsRef<str>>(text: &str, formats: &[S]) -> Option<NaiveDate> {
    let t = crate::text::collapse_whitespace(text);
    let cleaned = strip_ordinals(&t);
    formats
        .iter()
        .map(AsRef::as_ref)
        .filter(|f| validate_format(f).is_ok())
        .find_map(|f| {
            NaiveDate::parse_from_str(&t, f)
                .or_else(|_| NaiveDate::parse_from_str(&cleaned, f))
                .ok()
        })
}

/// The day/month order a configured format implies (`%d/%m/%Y` → day first).
pub fn order_hint_from_format(format: &str) -> Option<DateOrder> {
    let day = ["%d", "%e", "%-d"]
        .iter()
        .filter_map(|s| format.find(s))
        .min()?;
    let month = ["%m", "%-m", "%b", "%B"]
        .iter()
        .filter_map(|s| format.find(s))
        .min()?;
    Some(if day < month {
        DateOrder::DayFirst
    } else {
        DateOrder::MonthFirst
    })
}

/// "August 15th, 2025" → "August 15, 2025": removes English ordinal suffixes after digits.
fn strip_ordinals(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        if c.is_ascii_digit() && i + 2 < chars.len() + 1 {
            let next: String = chars[i + 1..chars.len().min(i + 3)]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase();
            let after = chars.get(i + 3).copied();
            if matches!(next.as_str(), "st" | "nd" | "rd" | "th")
                && !after.is_some_and(char::is_alphanumeric)
            {
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    out
}
