//! Finding dates in free text with one combined regex (one pass over the text, leftmost match
//! first), then turning each match into a [`RawDate`].

use super::RawDate;
use super::months::{month_alternation, month_number};
use chrono::NaiveDate;
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// One regex whose alternatives are the date shapes newsrooms use. Alternatives that start at the
/// same position are tried in the order written, so the unambiguous year-first shapes come first.
/// Word boundaries are ASCII ones (`(?-u:\b)`): Unicode boundaries would force the slow regex
/// engine, and every boundary here touches a digit or a month name starting/ending in ASCII.
/// Digits are ASCII ones (`[0-9]`): other scripts' digits are not read as numbers anyway, and
/// Unicode `\d` only makes the automaton larger.
static DATE_RE: LazyLock<Regex> = LazyLock::new(|| {
    let month = month_alternation();
    let pattern = format!(
        r"(?xi)
        # 2026-01-15, 2026-01-15T09:00:00+02:00
        (?-u:\b)(?P<iso_y>[0-9]{{4}})-(?P<iso_m>[0-9]{{1,2}})-(?P<iso_d>[0-9]{{1,2}})(?:T|(?-u:\b))
        # 2026.01.15, 2026/01/15, 2025. 12. 01
        | (?-u:\b)(?P<ymd_y>[0-9]{{4}})\s?[./]\s?(?P<ymd_m>[0-9]{{1,2}})\s?[./]\s?(?P<ymd_d>[0-9]{{1,2}})(?-u:\b)
        # 2026년 1월 15일
        | (?P<ko_y>[0-9]{{4}})\s*년\s*(?P<ko_m>[0-9]{{1,2}})\s*월\s*(?P<ko_d>[0-9]{{1,2}})\s*일
        # 15.01.2026, 2/10/2026, 04/30/13, 15-01-2026
        | (?-u:\b)(?P<num_a>[0-9]{{1,2}})(?P<num_s1>[./-])(?P<num_b>[0-9]{{1,2}})(?P<num_s2>[./-])(?P<num_y>[0-9]{{4}}|[0-9]{{2}})(?-u:\b)
        # 15 January 2026, 10 December, 2025, 20th of July, 2012, 15. Januar 2026, 1er janvier 2026, 15 de enero de 2026, 15-Jan-2026
        | (?-u:\b)(?P<dm_d>[0-9]{{1,2}})(?:st|nd|rd|th|er|\.|º)?(?:\s+of)?[\s\-]*(?:de\s+)?(?P<dm_m>{month})\.?[\s\-]*,?\s*(?:del?\s+)?(?P<dm_y>[0-9]{{4}})(?-u:\b)
        # January 15, 2026, Jan. 15 2026, August 15th, 2025
        | (?-u:\b)(?P<md_m>{month})\.?\s*(?P<md_d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<md_y>[0-9]{{4}})(?-u:\b)
        "
    );
    // The pattern is a constant of this module; a failure here is a programming error caught by
    // every test of the module.
    Regex::new(&pattern).unwrap_or_else(|e| panic!("date regex does not compile: {e}"))
});

/// A date found in text: its byte span and the date as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    pub start: usize,
    pub end: usize,
    pub raw: RawDate,
}

/// Every date in `text`, in order of appearance. Matches that are not a real calendar date
/// (month 13, February 30) are skipped.
pub fn find_dates(text: &str) -> Vec<FoundDate> {
    // Every shape has digits: most texts (titles, teasers) are ruled out without the regex. Of
    // the rest, most hold numbers but no date: `is_match` rules them out with the fast DFA before
    // the capturing engines (much slower per byte) are started.
    if !text.bytes().any(|b| b.is_ascii_digit()) || !DATE_RE.is_match(text) {
        return Vec::new();
    }
    DATE_RE
        .captures_iter(text)
        .filter_map(|caps| {
            let m = caps.get(0)?;
            // "10-12 May, 2014": the end of a range of days, an event's dates, not a day.
            if is_range_end(&text[..m.start()]) {
                return None;
            }
            let raw = to_raw(&caps)?;
            Some(FoundDate {
                start: m.start(),
                end: m.end(),
                raw,
            })
        })
        .collect()
}

/// True when the text before a match ends with a day and a dash ("10-", "10 – ").
fn is_range_end(before: &str) -> bool {
    let Some(r) = before.trim_end().strip_suffix(['-', '–', '—']) else {
        return false;
    };
    let r = r.trim_end();
    let digits = r.len() - r.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    (1..=2).contains(&digits)
}

fn num(caps: &Captures<'_>, name: &str) -> Option<u32> {
    caps.name(name)?.as_str().parse().ok()
}

fn ymd(y: u32, m: u32, d: u32) -> Option<RawDate> {
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d).map(RawDate::Exact)
}

fn to_raw(caps: &Captures<'_>) -> Option<RawDate> {
    if caps.name("iso_y").is_some() {
        return ymd(
            num(caps, "iso_y")?,
            num(caps, "iso_m")?,
            num(caps, "iso_d")?,
        );
    }
    if caps.name("ymd_y").is_some() {
        return ymd(
            num(caps, "ymd_y")?,
            num(caps, "ymd_m")?,
            num(caps, "ymd_d")?,
        );
    }
    if caps.name("ko_y").is_some() {
        return ymd(num(caps, "ko_y")?, num(caps, "ko_m")?, num(caps, "ko_d")?);
    }
    if let Some(y) = caps.name("num_y") {
        let sep = caps.name("num_s1")?.as_str();
        if sep != caps.name("num_s2")?.as_str() {
            return None;
        }
        let year = expand_year(y.as_str())?;
        let (first, second) = (num(caps, "num_a")?, num(caps, "num_b")?);
        let raw = RawDate::Numeric {
            first,
            second,
            year,
            sep: sep.chars().next()?,
        };
        // At least one reading must be a real date.
        return (raw.resolve(super::DateOrder::DayFirst).is_some()
            || raw.resolve(super::DateOrder::MonthFirst).is_some())
        .then_some(raw);
    }
    if caps.name("dm_y").is_some() {
        let month = month_number(caps.name("dm_m")?.as_str())?;
        return ymd(num(caps, "dm_y")?, month, num(caps, "dm_d")?);
    }
    if caps.name("md_y").is_some() {
        let month = month_number(caps.name("md_m")?.as_str())?;
        return ymd(num(caps, "md_y")?, month, num(caps, "md_d")?);
    }
    None
}

/// Two-digit years: 70-99 are 19xx, 00-69 are 20xx (the implausibility check then drops the
/// 1970-1994 ones). Four-digit years are taken as written.
fn expand_year(y: &str) -> Option<i32> {
    let v: i32 = y.parse().ok()?;
    Some(match y.len() {
        2 if v >= 70 => 1900 + v,
        2 => 2000 + v,
        _ => v,
    })
}
