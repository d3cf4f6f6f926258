//! Date recognition on arbitrary text. The first line is also tried as a configured strftime
//! format (`date_format` in html_extractors.yaml is hand-edited), the rest as the date text.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use vectora_parse::dates::{self, DateOrder, ParseContext};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let ctx = ParseContext::new(NaiveDate::from_ymd_opt(2025, 12, 15).unwrap_or_default());
    for found in dates::find_dates(&text) {
        let _ = found.raw.resolve(DateOrder::DayFirst);
        let _ = found.raw.resolve(DateOrder::MonthFirst);
    }
    let _ = dates::parse_date_text(&text);
    for order in [None, Some(DateOrder::DayFirst), Some(DateOrder::MonthFirst)] {
        if let Some(d) = dates::parse_date_text_with(&text, order, &ctx) {
            assert!(ctx.is_plausible(d), "implausible date {d} returned");
        }
    }
    let _ = dates::parse_timestamp(&text);
    if let Some(d) = dates::date_from_url(&text, &ctx) {
        assert!(ctx.is_plausible(d), "implausible URL date {d} returned");
    }
    let _ = dates::order_from_lang(&text);

    let (format, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let _ = dates::order_hint_from_format(format);
    if dates::validate_format(format).is_ok() {
        // A format that validates must read back what it writes, for any plausible day.
        for day in [(2025, 1, 5), (2024, 2, 29), (2025, 12, 15)] {
            let Some(date) = NaiveDate::from_ymd_opt(day.0, day.1, day.2) else {
                continue;
            };
            let mut rendered = String::new();
            if std::fmt::write(&mut rendered, format_args!("{}", date.format(format))).is_ok() {
                let _ = dates::parse_with_formats(&rendered, &[format]);
            }
        }
    }
    let _ = dates::parse_with_formats(rest, &[format, "%d %B %Y", "%Y-%m-%d"]);
});
