use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ctx() -> ParseContext {
    ParseContext::new(d(2026, 2, 20))
}

#[test]
fn recognises_common_written_forms() {
    let cases = [
        ("January 15, 2026", d(2026, 1, 15)),
        ("15 January 2026", d(2026, 1, 15)),
        ("10 December, 2025", d(2025, 12, 10)),
        ("Jan 15, 2026", d(2026, 1, 15)),
        ("Jan. 15, 2026", d(2026, 1, 15)),
        ("August 15th, 2025", d(2025, 8, 15)),
        ("2026.01.15", d(2026, 1, 15)),
        ("2025. 12. 01", d(2025, 12, 1)),
        ("15.01.2026", d(2026, 1, 15)),
        ("2026-01-15", d(2026, 1, 15)),
        ("2025-08-15T11:33:54+02:00", d(2025, 8, 15)),
        ("2026/01/15", d(2026, 1, 15)),
        ("2026년 1월 15일", d(2026, 1, 15)),
        ("15 janvier 2026", d(2026, 1, 15)),
        ("1er février 2026", d(2026, 2, 1)),
        ("15. Januar 2026", d(2026, 1, 15)),
        ("3. März 2025", d(2025, 3, 3)),
        ("15 januari 2026", d(2026, 1, 15)),
        ("15 de enero de 2026", d(2026, 1, 15)),
        ("15 gennaio 2026", d(2026, 1, 15)),
        ("12 dicembre 2025", d(2025, 12, 12)),
        ("15-Jan-2026", d(2026, 1, 15)),
        ("SEPTEMBER 30 2025", d(2025, 9, 30)),
        ("Friday 20th of July, 2012", d(2012, 7, 20)),
        ("Dienstag, 29. Januar 2019", d(2019, 1, 29)),
        ("am 3. Juli 2018", d(2018, 7, 3)),
        ("le 9 juin 2019", d(2019, 6, 9)),
        ("29 januari 2019", d(2019, 1, 29)),
    ];
    for (text, want) in cases {
        assert_eq!(parse_date_text(text), Some(want), "{text}");
    }
}

#[test]
fn finds_dates_embedded_in_text() {
    assert_eq!(
        parse_date_text("Posted in Press releases on February 2, 2026 by admin"),
        Some(d(2026, 2, 2))
    );
    assert_eq!(
        parse_date_text("February 11, 2026 | Press Release"),
        Some(d(2026, 2, 11))
    );
    assert_eq!(parse_date_text("no date here, version 1.2.3"), None);
    assert_eq!(parse_date_text("Q3 2025 results"), None);
    assert_eq!(
        parse_date_text("May 2025"),
        None,
        "a month without a day is not a date"
    );
}

#[test]
fn numeric_dates_follow_the_page_order() {
    let raw = find_dates("2/10/2026")[0].raw;
    assert_eq!(raw.resolve(DateOrder::MonthFirst), Some(d(2026, 2, 10)));
    assert_eq!(raw.resolve(DateOrder::DayFirst), Some(d(2026, 10, 2)));
    // Only one reading is valid: taken whatever the order says.
    let raw = find_dates("04/30/13")[0].raw;
    assert_eq!(raw.resolve(DateOrder::DayFirst), Some(d(2013, 4, 30)));
    let page = [
        find_dates("25/01/2026")[0].raw,
        find_dates("03/02/2026")[0].raw,
    ];
    assert_eq!(infer_order(page.iter()), Some(DateOrder::DayFirst));
    let page = [
        find_dates("12/25/2025")[0].raw,
        find_dates("03/02/2026")[0].raw,
    ];
    assert_eq!(infer_order(page.iter()), Some(DateOrder::MonthFirst));
    assert_eq!(infer_order([find_dates("03/02/2026")[0].raw].iter()), None);
}

#[test]
fn impossible_calendar_dates_are_not_dates() {
    assert_eq!(parse_date_text("2026-02-30"), None);
    assert_eq!(parse_date_text("31/31/2026"), None);
    assert_eq!(parse_date_text("February 30, 2026"), None);
}

#[test]
fn implausible_dates_are_rejected() {
    let c = ctx();
    assert!(
        c.is_plausible(d(2026, 2, 21)),
        "one day ahead is allowed (time zones)"
    );
    assert!(!c.is_plausible(d(2026, 2, 22)));
    assert!(!c.is_plausible(d(1994, 12, 31)));
    assert_eq!(
        parse_date_text_with("March 3, 1990 and 2026-01-02", None, &c),
        Some(d(2026, 1, 2))
    );
    assert_eq!(parse_date_text_with("December 1, 2030", None, &c), None);
}

#[test]
fn url_dates_are_read_from_the_path() {
    let c = ctx();
    assert_eq!(
        date_from_url("https://x.com/2025/12/03/some-news/", &c),
        Some(d(2025, 12, 3))
    );
    assert_eq!(
        date_from_url("https://x.com/news/2025/11/some-news", &c),
        Some(d(2025, 11, 1))
    );
    assert_eq!(
        date_from_url("https://x.com/news/2025/11/", &c),
        None,
        "an archive page, not an entry"
    );
    assert_eq!(
        date_from_url("https://x.com/wp-content/uploads/2025/12/pr.pdf", &c),
        None
    );
    assert_eq!(date_from_url("https://x.com/2031/01/01/future", &c), None);
    assert_eq!(date_from_url("https://x.com/news/1234/56", &c), None);
}

#[test]
fn timestamps_keep_the_written_calendar_date() {
    assert_eq!(
        parse_timestamp("2025-12-31T23:30:00-05:00"),
        Some(d(2025, 12, 31))
    );
    assert_eq!(parse_timestamp("20260115"), Some(d(2026, 1, 15)));
    assert_eq!(
        parse_timestamp("Thu, 15 Jan 2026 10:00:00 +0100"),
        Some(d(2026, 1, 15))
    );
    assert_eq!(parse_timestamp("garbage"), None);
}

#[test]
fn formats_must_be_able_to_yield_a_date() {
    for ok in [
        "%Y-%m-%d",
        "%B %d, %Y",
        "%d %B %Y",
        "%d/%m/%Y",
        "%m/%d/%Y",
        "%Y.%m.%d",
        "%d.%m.%y",
    ] {
        assert_eq!(validate_format(ok), Ok(()), "{ok}");
    }
    for bad in [
        "", "  ", "%B %Y", "%H:%M", "%Q-%m-%d", "%Y-%m", "news", "%d %d %Y",
    ] {
        assert!(validate_format(bad).is_err(), "{bad} should be rejected");
    }
}

#[test]
fn configured_formats_parse_and_hint_the_order() {
    let formats = ["%Y.%m.%d", "%B %d, %Y"];
    assert_eq!(
        parse_with_formats(" 2025.12.01 ", &formats),
        Some(d(2025, 12, 1))
    );
    assert_eq!(
        parse_with_formats("January 15, 2026", &formats),
        Some(d(2026, 1, 15))
    );
    assert_eq!(
        parse_with_formats("August 15th, 2025", &formats),
        Some(d(2025, 8, 15))
    );
    assert_eq!(parse_with_formats("yesterday", &formats), None);
    assert_eq!(
        order_hint_from_format("%d/%m/%Y"),
        Some(DateOrder::DayFirst)
    );
    assert_eq!(
        order_hint_from_format("%m/%d/%Y"),
        Some(DateOrder::MonthFirst)
    );
    assert_eq!(
        order_hint_from_format("%B %d, %Y"),
        Some(DateOrder::MonthFirst)
    );
    assert_eq!(order_hint_from_format("%Y"), None);
}

#[test]
fn language_hints() {
    assert_eq!(order_from_lang("en-US"), Some(DateOrder::MonthFirst));
    assert_eq!(order_from_lang("fr-FR"), Some(DateOrder::DayFirst));
    assert_eq!(order_from_lang("en"), None);
    assert_eq!(order_from_lang(""), None);
}

#[test]
fn the_end_of_a_range_of_days_is_not_a_date() {
    assert!(find_dates("Workshop held during 10-12 May, 2014").is_empty());
    assert!(find_dates("Conference, 10 – 12 May 2014").is_empty());
    let found = find_dates("From 3 May 2014 - 12 May 2014");
    assert_eq!(found.len(), 2, "a year before the dash is not a day");
}
