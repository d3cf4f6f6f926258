//! Feed timestamps → the publisher's calendar date.
//!
//! Feeds write dates as RFC 822 (in every real-world variant), ISO 8601, or worse. What the
//! product needs is the day the publisher meant, so the date is read *as written*: the time
//! and zone are skipped, never applied (`Wed, 10 Dec 2025 23:30 -0500` is 2025-12-10, where a
//! UTC conversion would say the 11th). Unix timestamps carry no zone and are read as UTC.
//! Anything not understood gives `None`: a missing date is honest, an invented one is a bug.

use chrono::{DateTime, NaiveDate};

/// Reads the calendar date from a feed date string, or `None` when it is not a date.
pub(crate) fn parse_feed_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim().trim_matches('"').trim();
    if s.is_empty() || s.len() > 200 {
        return None;
    }
    unix_timestamp(s)
        .or_else(|| iso_like(s))
        .or_else(|| textual(s))
}

/// `1733875200` (seconds) or `1733875200000` (milliseconds) since 1970, UTC.
fn unix_timestamp(s: &str) -> Option<NaiveDate> {
    let digits = s.split_once('.').map_or(s, |(int, frac)| {
        if frac.bytes().all(|b| b.is_ascii_digit()) {
            int
        } else {
            s
        }
    });
    if !(9..=13).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let secs = if digits.len() >= 12 { n / 1000 } else { n };
    DateTime::from_timestamp(secs, 0).map(|d| d.date_naive())
}

/// Parses the leading run of ASCII digits of `b[i..]`: (value, digit count).
fn number_at(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let n = b
        .get(i..)?
        .iter()
        .take(9)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if n == 0 {
        return None;
    }
    let v = std::str::from_utf8(b.get(i..i + n)?).ok()?.parse().ok()?;
    Some((v, n))
}

/// `2025-12-10`, `2025-12-10T23:30:00.5+01:00`, `20251210T2330Z`, `2020/1/10 14:33:00`,
/// `2025.12.10`: year first, then month and day.
fn iso_like(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let (year, ylen) = number_at(b, 0)?;
    if ylen == 8 {
        // Basic format: YYYYMMDD, then end, 'T' or space.
        if !matches!(b.get(8), None | Some(b'T' | b't' | b' ')) {
            return None;
        }
        return NaiveDate::from_ymd_opt((year / 10000) as i32, (year / 100) % 100, year % 100);
    }
    if ylen != 4 {
        return None;
    }
    let sep = *b.get(4)?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    let (month, mlen) = number_at(b, 5)?;
    if mlen > 2 || b.get(5 + mlen) != Some(&sep) {
        return None;
    }
    let (day, dlen) = number_at(b, 6 + mlen)?;
    if dlen > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// Month names the feed reader knows beyond the shared table (`dates::months`): German "marz",
/// Portuguese and Dutch, frequent in European feeds.
const EXTRA_MONTHS: &[(&str, u32)] = &[
    ("marz", 3),
    ("janeiro", 1),
    ("fevereiro", 2),
    ("março", 3),
    ("marco", 3),
    ("maio", 5),
    ("junho", 6),
    ("julho", 7),
    ("setembro", 9),
    ("outubro", 10),
    ("novembro", 11),
    ("dezembro", 12),
    ("maart", 3),
    ("mei", 5),
    ("augustus", 8),
];

/// The month a word names, if it names exactly one.
fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.');
    if w.chars().count() < 3 {
        return None;
    }
    let mut found = None;
    for &(name, m) in crate::dates::months::MONTH_NAMES.iter().chain(EXTRA_MONTHS) {
        if name == w || name.starts_with(w) {
            match found {
                None => found = Some(m),
                Some(prev) if prev != m => return None,
                Some(_) => {}
            }
        }
    }
    found
}

/// A number of the date part, with what separated it from the previous token.
#[derive(Clone, Copy)]
struct Num {
    value: u32,
    digits: usize,
    /// Separator just before it (`.`, `/`, `-`, ` `...).
    sep: u8,
    /// Index among all date tokens (words and numbers), to tell "10 Dec" from "Dec 10".
    order: usize,
}

/// RFC 822 and friends (`Wed, 10 Dec 2025 23:30 -0500`, `10 dec 25`, `December 10, 2025`,
/// `10. Dezember 2025`, `10 de diciembre de 2025`) and numeric `10.12.2025`.
fn textual(s: &str) -> Option<NaiveDate> {
    let mut nums: Vec<Num> = Vec::new();
    let mut months: Vec<(u32, usize)> = Vec::new();
    let mut seen_time = false;
    let mut order = 0;
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut i = 0;
    while let Some(&(_, c)) = chars.get(i) {
        if c.is_alphabetic() {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|(_, c)| c.is_alphabetic() || *c == '.')
            {
                i += 1;
            }
            let word: String = chars[start..i]
                .iter()
                .map(|(_, c)| *c)
                .collect::<String>()
                .to_lowercase();
            if let Some(m) = month_of(&word) {
                months.push((m, order));
                order += 1;
            }
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while chars.get(i).is_some_and(|(_, c)| c.is_ascii_digit()) {
                i += 1;
            }
            let text: String = chars[start..i].iter().map(|(_, c)| *c).collect();
            let prev = start
                .checked_sub(1)
                .and_then(|p| chars.get(p))
                .map(|(_, c)| *c);
            let next = chars.get(i).map(|(_, c)| *c);
            let is_time = prev == Some(':') || next == Some(':');
            let is_zone = seen_time && matches!(prev, Some('+' | '-'));
            seen_time |= is_time;
            if is_time || is_zone || text.len() > 4 {
                continue;
            }
            let sep = prev.filter(char::is_ascii).map_or(b' ', |c| c as u8);
            nums.push(Num {
                value: text.parse().ok()?,
                digits: text.len(),
                sep,
                order,
            });
            order += 1;
            continue;
        }
        i += 1;
    }
    // "mar" is March but also Tuesday in French/Spanish/Italian ("Mar, 10 Dic 2025"): with
    // several month words, the first is the weekday.
    let month = match months.as_slice() {
        [] => return numeric_only(&nums),
        [one] => *one,
        [_, second, ..] => *second,
    };
    let year_idx = nums.iter().position(|n| n.digits == 4);
    let (year, day) = match year_idx {
        Some(y) => {
            let day = nums
                .iter()
                .enumerate()
                .find(|(i, n)| *i != y && n.digits <= 2)
                .map(|(_, n)| *n)?;
            (nums[y].value as i32, day)
        }
        None => {
            // Two-digit year: RFC 822 puts the day before the month and the year after it.
            let before = nums.iter().find(|n| n.order < month.1 && n.digits <= 2);
            let after: Vec<&Num> = nums
                .iter()
                .filter(|n| n.order > month.1 && n.digits <= 2)
                .collect();
            let (day, year) = match (before, after.as_slice()) {
                (Some(d), [y, ..]) => (*d, **y),
                (None, [d, y, ..]) => (**d, **y),
                _ => return None,
            };
            (expand_two_digit_year(year.value), day)
        }
    };
    NaiveDate::from_ymd_opt(year, month.0, day.value)
}

/// `25` → 2025, `99` → 1999 (the POSIX `%y` pivot).
fn expand_two_digit_year(y: u32) -> i32 {
    if y < 69 {
        2000 + y as i32
    } else {
        1900 + y as i32
    }
}

/// Dates written with numbers only: `10.12.2025` (day first), `12/10/2025` only when the
/// order is certain (a part above 12), `2025 12 10` year first.
fn numeric_only(nums: &[Num]) -> Option<NaiveDate> {
    let [a, b, c, ..] = nums else { return None };
    if a.digits == 4 {
        return NaiveDate::from_ymd_opt(a.value as i32, b.value, c.value);
    }
    if c.digits != 4 || a.digits > 2 || b.digits > 2 {
        return None;
    }
    let y = c.value as i32;
    if b.sep == b'.' || a.value > 12 {
        return NaiveDate::from_ymd_opt(y, b.value, a.value);
    }
    if b.value > 12 || a.value == b.value {
        return NaiveDate::from_ymd_opt(y, a.value, b.value);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<String> {
        parse_feed_date(s).map(|d| d.to_string())
    }

    #[test]
    fn rfc822_real_world_variants_keep_the_publisher_day() {
        for (raw, want) in [
            ("Wed, 10 Dec 2025 23:30 -0500", "2025-12-10"),
            ("Wed, 10 Dec 2025 23:30:00 +0000", "2025-12-10"),
            ("10 Dec 2025 23:30:00 GMT", "2025-12-10"),
            ("wed, 10 dec 2025 01:00:00 pdt", "2025-12-10"),
            ("Wed,  10   Dec 2025  08:00:00   EST", "2025-12-10"),
            ("Wed, 10 Dec 25 08:00:00 EST", "2025-12-10"),
            ("Thu, 01 Jan 98 00:00:00 GMT", "1998-01-01"),
            ("Wednesday, 10 December 2025 08:00 +0100", "2025-12-10"),
            ("Wed, 3 Sep 2025 8:00:00 +01:00", "2025-09-03"),
            ("December 10, 2025 11:00 AM", "2025-12-10"),
            ("Dec 10 2025", "2025-12-10"),
            ("Wed, 10 Dec 2025", "2025-12-10"),
        ] {
            assert_eq!(d(raw).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn iso_8601_variants() {
        for (raw, want) in [
            ("2025-12-10T23:30:00-05:00", "2025-12-10"),
            ("2025-12-10T23:30Z", "2025-12-10"),
            ("2025-12-10T23:30:00.123456+01:00", "2025-12-10"),
            ("2025-12-10 23:30:00", "2025-12-10"),
            ("2025-12-10", "2025-12-10"),
            ("20251210T233000Z", "2025-12-10"),
            ("2020/1/10 14:33:00", "2020-01-10"),
            ("2003-12-31T10:14:55Z", "2003-12-31"),
        ] {
            assert_eq!(d(raw).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn european_languages_and_numeric_forms() {
        for (raw, want) in [
            ("mer., 10 déc. 2025 10:00:00 +0100", "2025-12-10"),
            ("Mi, 10 Dez 2025 10:00:00 +0100", "2025-12-10"),
            ("10. März 2025", "2025-03-10"),
            ("10 de diciembre de 2025", "2025-12-10"),
            ("Mar, 10 Dic 2025 10:00:00 +0100", "2025-12-10"),
            ("mar, 04 mar 2025 10:00:00 +0100", "2025-03-04"),
            ("10 giugno 2025", "2025-06-10"),
            ("1 août 2025", "2025-08-01"),
            ("10 maart 2025", "2025-03-10"),
            ("10.12.2025", "2025-12-10"),
            ("25/12/2025", "2025-12-25"),
            ("12/25/2025", "2025-12-25"),
        ] {
            assert_eq!(d(raw).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn timestamps_and_garbage() {
        assert_eq!(d("1765411200").as_deref(), Some("2025-12-11"));
        assert_eq!(d("1765411200000").as_deref(), Some("2025-12-11"));
        for raw in [
            "",
            "   ",
            "yesterday",
            "12/10/2025",
            "31 Feb 2025",
            "Ju 10 2025",
            "2025-13-45",
            "n/a",
            "0",
        ] {
            assert_eq!(d(raw), None, "{raw:?}");
        }
    }
}
