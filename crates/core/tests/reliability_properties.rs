//! Property tests for the three functions whose mistakes silently corrupt the data: URL
//! canonicalisation (the dedup key), date recognition (the item's date and id) and dedup
//! (nothing twice, nothing lost). Inputs are generated, the properties are the contracts.

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashSet};
use vectora_core::dedup::Deduper;
use vectora_core::model::{Item, SourceContext, content_hash};
use vectora_core::store::{DataStore, Location};
use vectora_parse::Entry;
use vectora_parse::dates::{self, DateOrder, ParseContext};
use vectora_parse::urls::canonicalize;

// ---------------------------------------------------------------------------------------------
// URL canonicalisation
// ---------------------------------------------------------------------------------------------

/// A URL as newsrooms write them: a host in any case, an optional default port, path segments
/// (optionally with a trailing slash), real query parameters, tracking parameters, a fragment.
#[derive(Debug, Clone)]
struct UrlParts {
    https: bool,
    host: String,
    default_port: bool,
    segments: Vec<String>,
    trailing_slash: bool,
    params: Vec<(String, String)>,
    tracking: Vec<(String, String)>,
    fragment: Option<String>,
}

impl UrlParts {
    fn render(&self, host_upper: bool, with_noise: bool) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let host = if host_upper {
            self.host.to_ascii_uppercase()
        } else {
            self.host.clone()
        };
        let port = match (with_noise && self.default_port, self.https) {
            (true, true) => ":443",
            (true, false) => ":80",
            _ => "",
        };
        let mut s = format!("{scheme}://{host}{port}/{}", self.segments.join("/"));
        if with_noise && self.trailing_slash && !self.segments.is_empty() {
            s.push('/');
        }
        let mut pairs: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if with_noise {
            // Tracking parameters anywhere in the query.
            for (i, (k, v)) in self.tracking.iter().enumerate() {
                pairs.insert(i.min(pairs.len()), format!("{k}={v}"));
            }
        }
        if !pairs.is_empty() {
            s.push('?');
            s.push_str(&pairs.join("&"));
        }
        if with_noise && let Some(f) = &self.fragment {
            s.push('#');
            s.push_str(f);
        }
        s
    }
}

fn url_parts() -> impl Strategy<Value = UrlParts> {
    let host = "[a-z][a-z0-9-]{0,12}(\\.[a-z][a-z0-9]{0,8}){1,2}";
    // Starts with an alphanumeric: `.` and `..` are dot-segments, not names.
    let segment = "[A-Za-z0-9][A-Za-z0-9._~-]{0,11}";
    let key = "[a-z][a-z0-9]{0,6}";
    let value = "[A-Za-z0-9%._-]{0,8}";
    let tracking_key = prop_oneof![
        Just("utm_source".to_string()),
        Just("utm_medium".to_string()),
        Just("UTM_Campaign".to_string()),
        Just("fbclid".to_string()),
        Just("gclid".to_string()),
        Just("mc_eid".to_string()),
    ];
    (
        any::<bool>(),
        host,
        any::<bool>(),
        prop::collection::vec(segment, 0..5),
        any::<bool>(),
        prop::collection::vec((key, value), 0..4),
        prop::collection::vec((tracking_key, "[a-z0-9]{1,8}"), 0..3),
        prop::option::of("[a-z0-9-]{0,10}"),
    )
        .prop_map(
            |(https, host, default_port, segments, trailing_slash, params, tracking, fragment)| {
                UrlParts {
                    https,
                    host,
                    default_port,
                    segments,
                    trailing_slash,
                    // Tracking keys are excluded from the real parameters by construction.
                    params: params
                        .into_iter()
                        .filter(|(k, _)| !is_tracking_key(k))
                        .collect(),
                    tracking,
                    fragment,
                }
            },
        )
}

/// The tracking parameters canonicalisation drops (a random real key must not be one).
fn is_tracking_key(k: &str) -> bool {
    k.starts_with("utm") || matches!(k, "fbclid" | "gclid" | "dclid" | "msclkid" | "igshid")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A stored canonical URL must compare equal to itself re-canonicalised (the index stores them).
    #[test]
    fn canonicalize_is_idempotent(s in any::<String>()) {
        let once = canonicalize(&s);
        prop_assert_eq!(canonicalize(&once), once);
    }

    #[test]
    fn canonicalize_is_idempotent_on_urls(parts in url_parts()) {
        let once = canonicalize(&parts.render(false, true));
        prop_assert_eq!(canonicalize(&once), once);
    }

    /// Host case, default port, trailing slash, fragment and tracking parameters do not make a
    /// different page: the noisy and the clean form have the same canonical URL.
    #[test]
    fn noise_does_not_change_the_canonical_url(parts in url_parts(), upper in any::<bool>()) {
        let clean = canonicalize(&parts.render(false, false));
        let noisy = canonicalize(&parts.render(upper, true));
        prop_assert_eq!(noisy, clean);
    }

    /// Different paths or different real parameters are different pages: never merged.
    #[test]
    fn different_pages_stay_different(a in url_parts(), b in url_parts()) {
        let (ca, cb) = (canonicalize(&a.render(false, true)), canonicalize(&b.render(false, true)));
        let same_page = a.https == b.https && a.host == b.host && a.segments == b.segments && a.params == b.params;
        prop_assert_eq!(ca == cb, same_page, "{} vs {}", ca, cb);
    }
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

fn any_date() -> impl Strategy<Value = NaiveDate> {
    // 1995 (the earliest plausible publication year) to the fixtures' "today".
    (0i64..11_300).prop_map(|offset| {
        NaiveDate::from_ymd_opt(1995, 1, 1).unwrap() + chrono::Duration::days(offset)
    })
}

/// Forms a newsroom writes a date in, and whether the day/month order must be known to read it.
const TEXT_FORMATS: &[&str] = &[
    "%d %B %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%Y-%m-%d",
    "%A, %B %e, %Y",
    "%e %B %Y",
];

/// Configured `date_format` values seen in html_extractors.yaml and their neighbours.
const CONFIG_FORMATS: &[&str] = &[
    "%d %B %Y",
    "%B %d, %Y",
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%Y/%m/%d",
    "%b %d %Y",
    "%d-%m-%Y",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Written with a month name or year first, a date reads back as itself, in any text around it.
    #[test]
    fn text_dates_round_trip(d in any_date(), f in prop::sample::select(TEXT_FORMATS), before in "[A-Za-z ]{0,20}", after in "[A-Za-z ]{0,20}") {
        let written = d.format(f).to_string();
        prop_assert_eq!(dates::parse_date_text(&written), Some(d), "{}", written);
        // Separated from the surrounding words, as on a page ("Published: 15 January 2026 | News").
        let in_text = format!("{before} | {written} | {after}");
        let ctx = ParseContext::new(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        prop_assert_eq!(dates::parse_date_text_with(&in_text, None, &ctx), Some(d), "{}", in_text);
    }

    /// A configured format that validates reads back every date it writes.
    #[test]
    fn configured_formats_round_trip(d in any_date(), f in prop::sample::select(CONFIG_FORMATS)) {
        prop_assert!(dates::validate_format(f).is_ok());
        let written = d.format(f).to_string();
        prop_assert_eq!(dates::parse_with_formats(&written, &[f]), Some(d), "{} with {}", written, f);
    }

    /// An ISO timestamp gives the publisher's calendar date as written, whatever the offset
    /// (never shifted to UTC).
    #[test]
    fn timestamps_keep_the_calendar_date(d in any_date(), h in 0u32..24, m in 0u32..60, off in -12i32..=14) {
        let sign = if off < 0 { '-' } else { '+' };
        let ts = format!("{}T{h:02}:{m:02}:00{sign}{:02}:00", d.format("%Y-%m-%d"), off.abs());
        prop_assert_eq!(dates::parse_timestamp(&ts), Some(d), "{}", ts);
        let rfc = Utc.from_utc_datetime(&d.and_hms_opt(h, m, 0).unwrap()).to_rfc2822();
        prop_assert_eq!(dates::parse_timestamp(&rfc), Some(d), "{}", rfc);
    }

    /// A numeric date resolves to itself under its page's order, and the order it proves (one
    /// part above 12) wins over a wrong hint.
    #[test]
    fn numeric_dates_resolve_under_their_order(d in any_date(), sep in prop::sample::select(vec!['/', '.', '-'])) {
        let day_first = format!("{:02}{sep}{:02}{sep}{}", d.day(), d.month(), d.year());
        let found = dates::find_dates(&day_first);
        let raw = found.first().map(|f| f.raw);
        prop_assert!(raw.is_some(), "nothing found in {}", day_first);
        let raw = raw.unwrap();
        prop_assert_eq!(raw.resolve(DateOrder::DayFirst), Some(d));
        if d.day() > 12 {
            prop_assert_eq!(raw.order_evidence(), Some(DateOrder::DayFirst));
            prop_assert_eq!(raw.resolve(DateOrder::MonthFirst), Some(d));
        }
    }

    /// Dates are never invented: text without digits has no date.
    #[test]
    fn no_digits_no_date(s in "[^0-9０-９一二三四五六七八九十]{0,80}") {
        let ctx = ParseContext::new(NaiveDate::from_ymd_opt(2025, 12, 15).unwrap());
        prop_assert_eq!(dates::parse_date_text_with(&s, None, &ctx), None, "{}", s);
    }
}

// ---------------------------------------------------------------------------------------------
// Dedup
// ---------------------------------------------------------------------------------------------

fn item(url: &str, title: &str, content: &str, day: NaiveDate) -> Item {
    let ctx = SourceContext {
        source_key: "press_corporate__example",
        source_type: "press_corporate",
        language: "en",
        tags: &[],
    };
    let entry = Entry {
        title: title.to_string(),
        url: url.to_string(),
        published: Some(day),
        date_source: None,
        content: content.to_string(),
        author: None,
        tags: Vec::new(),
    };
    Item::from_entry(
        entry,
        &ctx,
        Utc.with_ymd_and_hms(2025, 12, 15, 10, 0, 0).unwrap(),
    )
}

/// A batch of distinct releases, then the batch again with each one re-reached through noise:
/// tracking parameters, a fragment, a trailing slash, upper-case host, content in other case.
fn batch() -> impl Strategy<Value = (Vec<Item>, Vec<Item>)> {
    prop::collection::btree_set("[a-z]{3,10}", 1..12).prop_flat_map(|slugs| {
        let slugs: Vec<String> = slugs.into_iter().collect();
        let n = slugs.len();
        (Just(slugs), prop::collection::vec(any::<bool>(), n), prop::collection::vec(0u8..4, n)).prop_map(
            |(slugs, long_content, noise)| {
                let day = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
                let mut originals = Vec::new();
                let mut variants = Vec::new();
                for (i, slug) in slugs.iter().enumerate() {
                    let content = if long_content[i] {
                        format!("Release {slug}: the company announces results of its phase 3 study in {slug}.")
                    } else {
                        "Read more".to_string()
                    };
                    let url = format!("https://www.example.com/news/{slug}");
                    originals.push(item(&url, &format!("Release {slug}"), &content, day));
                    let noisy = match noise[i] {
                        0 => format!("{url}?utm_source=newsletter"),
                        1 => format!("{url}/#top"),
                        2 => url.replace("www.example.com", "WWW.EXAMPLE.COM"),
                        _ => format!("{url}?fbclid=abc&utm_medium=email"),
                    };
                    variants.push(item(&noisy, &format!("Release {slug} (updated)"), &content.to_uppercase(), day));
                }
                (originals, variants)
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Within a run: every distinct release kept once, every re-reached one dropped, in any order.
    #[test]
    fn dedup_keeps_each_release_once((originals, variants) in batch(), seed in any::<u64>()) {
        let mut all: Vec<Item> = originals.iter().chain(variants.iter()).cloned().collect();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..all.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            all.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut d = Deduper::default();
        let kept: Vec<&Item> = all.iter().filter(|it| d.insert(it)).collect();
        prop_assert_eq!(kept.len(), originals.len());
        let kept_pages: BTreeSet<String> = kept.iter().map(|it| canonicalize(&it.url)).collect();
        let want: BTreeSet<String> = originals.iter().map(|it| canonicalize(&it.url)).collect();
        prop_assert_eq!(kept_pages, want);
    }

    /// Across runs: merging the same items again (a rerun, a retry after a crash) adds nothing,
    /// and merging in any split gives the same file as merging at once.
    #[test]
    fn store_merge_is_idempotent_and_split_invariant((originals, _v) in batch(), split in 0usize..12) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let once = tempfile::tempdir().unwrap();
            let twice = tempfile::tempdir().unwrap();
            let key = "ingested/c/2025/12/15/items.json";
            let a = DataStore::open(&Location::Local(once.path().to_path_buf()), true).unwrap();
            let b = DataStore::open(&Location::Local(twice.path().to_path_buf()), true).unwrap();
            let first = a.merge_items(key, &originals).await.unwrap();
            assert_eq!(first.added, originals.len());
            let again = a.merge_items(key, &originals).await.unwrap();
            assert_eq!((again.added, again.already_present, again.total), (0, originals.len(), originals.len()));
            let cut = split.min(originals.len());
            b.merge_items(key, &originals[..cut]).await.unwrap();
            b.merge_items(key, &originals[cut..]).await.unwrap();
            b.merge_items(key, &originals[..cut]).await.unwrap();
            let read = |s: &DataStore| {
                let s = s.clone();
                async move { s.get_json::<Vec<Item>>(key).await.unwrap().unwrap() }
            };
            let (ia, ib) = (read(&a).await, read(&b).await);
            assert_eq!(ia, ib);
            let ids: HashSet<&str> = ia.iter().map(|i| i.item_id.as_str()).collect();
            assert_eq!(ids.len(), ia.len(), "duplicate item_id in the stored file");
        });
    }

    /// The content hash ignores case and whitespace only.
    #[test]
    fn content_hash_normalises_only_case_and_space(words in prop::collection::vec("[a-zA-Z]{1,8}", 1..12), spaces in prop::collection::vec("[ \t\n]{1,3}", 12)) {
        let plain = words.join(" ");
        let spaced: String = words.iter().zip(spaces.iter()).map(|(w, s)| format!("{w}{s}")).collect();
        prop_assert_eq!(content_hash(&plain), content_hash(&spaced.to_uppercase()));
        let changed = format!("{plain}x");
        prop_assert_ne!(content_hash(&plain), content_hash(&changed));
    }
}
