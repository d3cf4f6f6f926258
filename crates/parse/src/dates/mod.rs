//! Date recognition: the publisher's calendar date from the many ways pages and feeds write it.
//!
//! Dates are never invented: every function here either finds a date that is written somewhere
//! or returns `None`. Numeric dates such as `2/10/2026` are ambiguous; they are kept as
//! [`RawDate::Numeric`] until the caller knows the page's day/month order (decided from the
//! page's unambiguous dates, see [`infer_order`]), then resolved.

mod format;
pub(crate) mod months;
mod scan;

pub use format::{order_hint_from_format, parse_with_formats, validate_format};
pub use scan::{FoundDate, find_dates};

use chrono::{Datelike, Days, NaiveDate};

/// The earliest date accepted: nothing in a newsroom predates the web.
const EARLIEST_YEAR: i32 = 1995;

/// What the parsers need to know about "now". Passed in, never read from the clock deep inside a
/// parser, so that the same input always gives the same output (and tests are deterministic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseContext {
    /// The reference day: dates more than one day after it are rejected as implausible.
    pub today: NaiveDate,
}

impl ParseContext {
    pub fn new(today: NaiveDate) -> Self {
        Self { today }
    }

    /// A context for today's UTC date. Only the outermost convenience entry points call this.
    pub fn from_clock() -> Self {
        Self {
            today: chrono::Utc::now().date_naive(),
        }
    }

    /// True when `date` can be a publication date: not before 1995 and not more than a day in
    /// the future (a day of slack for publishers ahead of us in time zones).
    pub fn is_plausible(&self, date: NaiveDate) -> bool {
        let latest = self
            .today
            .checked_add_days(Days::new(1))
            .unwrap_or(self.today);
        date.year() >= EARLIEST_YEAR && date <= latest
    }
}

/// Order of day and month in a numeric date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// 15/01/2026, 15.01.2026 (Europe, most of the world).
    DayFirst,
    /// 01/15/2026 (United States).
    MonthFirst,
}

/// A date as written, before the day/month order of numeric dates is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawDate {
    /// Unambiguous: ISO, year first, month written as a name, Korean.
    Exact(NaiveDate),
    /// `first<sep>second<sep>year`: day/month or month/day.
    Numeric {
        first: u32,
        second: u32,
        year: i32,
        sep: char,
    },
}

impl RawDate {
    /// What this date says about the page's order: only a numeric date with one part above 12.
    pub fn order_evidence(&self) -> Option<DateOrder> {
        match *self {
            RawDate::Numeric { first, second, .. } if first > 12 && second <= 12 => {
                Some(DateOrder::DayFirst)
            }
            RawDate::Numeric { first, second, .. } if second > 12 && first <= 12 => {
                Some(DateOrder::MonthFirst)
            }
            _ => None,
        }
    }

    /// The calendar date under `order`. A numeric date that is only valid one way is read that
    /// way whatever `order` says.
    pub fn resolve(&self, order: DateOrder) -> Option<NaiveDate> {
        match *self {
            RawDate::Exact(d) => Some(d),
            RawDate::Numeric {
                first,
                second,
                year,
                ..
            } => {
                let order = self.order_evidence().unwrap_or(order);
                let (day, month) = match order {
                    DateOrder::DayFirst => (first, second),
                    DateOrder::MonthFirst => (second, first),
                };
                NaiveDate::from_ymd_opt(year, month, day)
            }
        }
    }

    /// The order used when the page gives no evidence: dotted and dashed dates are day-first
    /// everywhere; slashed ones follow the page language (US English and unknown: month first).
    pub fn default_order(&self, lang_hint: Option<DateOrder>) -> DateOrder {
        match *self {
            RawDate::Numeric { sep: '.' | '-', .. } => DateOrder::DayFirst,
            _ => lang_hint.unwrap_or(DateOrder::MonthFirst),
        }
    }
}

/// The page's day/month order from its unambiguous numeric dates (majority vote); `None` when
/// the page has none or they disagree evenly.
pub fn infer_order<'a>(dates: impl IntoIterator<Item = &'a RawDate>) -> Option<DateOrder> {
    let (mut day_first, mut month_first) = (0usize, 0usize);
    for d in dates {
        match d.order_evidence() {
            Some(DateOrder::DayFirst) => day_first += 1,
            Some(DateOrder::MonthFirst) => month_first += 1,
            None => {}
        }
    }
    match day_first.cmp(&month_first) {
        std::cmp::Ordering::Greater => Some(DateOrder::DayFirst),
        std::cmp::Ordering::Less => Some(DateOrder::MonthFirst),
        std::cmp::Ordering::Equal => None,
    }
}

/// The order implied by a page language (`<html lang>`): US English month first, every other
/// language that has a convention day first, unknown `None`.
pub fn order_from_lang(lang: &str) -> Option<DateOrder> {
    let lang = lang.trim().to_ascii_lowercase();
    if lang.is_empty() {
        return None;
    }
    if lang == "en-us" || lang == "en_us" {
        return Some(DateOrder::MonthFirst);
    }
    if lang == "en" || lang.starts_with("en-us") {
        return None;
    }
    Some(DateOrder::DayFirst)
}

/// Finds the first date in free text ("January 15, 2026", "2026-01-15", "15.01.2026", ...).
/// Numeric dates are read with the default order; no plausibility check (no reference day).
pub fn parse_date_text(text: &str) -> Option<NaiveDate> {
    find_dates(text)
        .into_iter()
        .find_map(|f| f.raw.resolve(f.raw.default_order(None)))
}

/// The first plausible date in `text`, numeric dates read with `order` (or their default).
pub fn parse_date_text_with(
    text: &str,
    order: Option<DateOrder>,
    ctx: &ParseContext,
) -> Option<NaiveDate> {
    find_dates(text)
        .into_iter()
        .filter_map(|f| {
            f.raw
                .resolve(order.unwrap_or_else(|| f.raw.default_order(None)))
        })
        .find(|d| ctx.is_plausible(*d))
}

/// The calendar date at the start of an ISO 8601 timestamp (`datetime` attributes, meta tags,
/// JSON-LD): `2025-08-15T11:33:54+02:00` is 2025-08-15 as written, never shifted to UTC.
/// Falls back to free-text recognition for other forms (RFC 2822, "15 January 2026").
pub fn parse_timestamp(value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    if let Some(head) = v.get(..10)
        && let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d")
    {
        return Some(d);
    }
    if v.len() == 8
        && v.bytes().all(|b| b.is_ascii_digit())
        && let Ok(d) = NaiveDate::parse_from_str(v, "%Y%m%d")
    {
        return Some(d);
    }
    parse_date_text(v)
}

/// A date from a `/YYYY/MM/DD/` or `/YYYY/MM/` pattern in a URL path (the lowest-confidence
/// source; a month-only pattern gives the first of that month). WordPress upload folders
/// (`/wp-content/uploads/2025/12/`) are the month of an upload, not of a publication: ignored.
pub fn date_from_url(url: &str, ctx: &ParseContext) -> Option<NaiveDate> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    if path.contains("/uploads/") {
        return None;
    }
    let segments: Vec<&str> = path.split('/').collect();
    for i in 0..segments.len() {
        let Some(year) = parse_exact_digits(segments[i], 4) else {
            continue;
        };
        let Some(month) = segments.get(i + 1).and_then(|s| parse_num_1_2(s)) else {
            continue;
        };
        let day = segments.get(i + 2).and_then(|s| parse_num_1_2(s));
        // A month-only pattern must be followed by more path (the slug), else it is an archive.
        let date = match day {
            Some(d) => NaiveDate::from_ymd_opt(year as i32, month, d),
            None if segments.get(i + 2).is_some_and(|s| !s.is_empty()) => {
                NaiveDate::from_ymd_opt(year as i32, month, 1)
            }
            None => None,
        };
        if let Some(d) = date.filter(|d| ctx.is_plausible(*d)) {
            return Some(d);
        }
    }
    None
}

fn parse_exact_digits(s: &str, len: usize) -> Option<u32> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn parse_num_1_2(s: &str) -> Option<u32> {
    (matches!(s.len(), 1 | 2) && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests;
