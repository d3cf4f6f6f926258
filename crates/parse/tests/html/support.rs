//! Shared by the HTML fixture tests: loading the saved newsroom pages, their hand-checked
//! expectations and the configured rules of the reference `html_extractors.yaml`.
#![allow(dead_code)]

use chrono::NaiveDate;
use serde_json::Value;
use std::path::{Path, PathBuf};
use url::Url;
use vectora_parse::dates::ParseContext;
use vectora_parse::html::{ListingRules, SelectorList};

pub struct Fixture {
    pub name: String,
    pub html: String,
    pub page_url: Url,
    pub ctx: ParseContext,
    /// "generic" or "configured:<source>"
    pub modes: Vec<String>,
    pub expected: Vec<Expected>,
}

pub struct Expected {
    pub title: String,
    pub url: String,
    pub date: Option<NaiveDate>,
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/html")
}

pub fn load_all() -> Vec<Fixture> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").exists())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| load(d)).collect()
}

fn load(dir: &Path) -> Fixture {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let html = std::fs::read_to_string(dir.join("page.html")).unwrap();
    let exp: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let today = exp["today"].as_str().unwrap_or("2026-02-20");
    let modes = exp["modes"]
        .as_array()
        .map(|a| a.iter().map(|m| m.as_str().unwrap().to_string()).collect())
        .unwrap_or_else(|| vec!["generic".to_string()]);
    let expected = exp["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Expected {
            title: e["title"].as_str().unwrap().to_string(),
            url: e["url"].as_str().unwrap().to_string(),
            date: e["date"]
                .as_str()
                .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()),
        })
        .collect();
    Fixture {
        name,
        html,
        page_url: Url::parse(exp["page_url"].as_str().unwrap()).unwrap(),
        ctx: ParseContext::new(NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap()),
        modes,
        expected,
    }
}

fn sel(s: &str) -> Option<SelectorList> {
    Some(SelectorList::parse(s).unwrap())
}

const DEFAULT_FORMATS: [&str; 6] = [
    "%Y-%m-%d",
    "%B %d, %Y",
    "%d %B %Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y.%m.%d",
];

/// The rules the engine builds for a source of the reference `html_extractors.yaml` (copied
/// verbatim: the selectors are loose on purpose, as in production).
pub fn reference_rules(source: &str) -> ListingRules {
    let (sels, own_format, base): ([&str; 6], &str, &str) = match source {
        "camurus" => (
            [
                "div.press-releases, div.news-list, main",
                "div.press-release-item, div.news-item, article, div[class*='press'], div[class*='news']",
                "h3 a, h2 a, h4 a, a[class*='title'], .title a",
                "h3 a, h2 a, h4 a, a[class*='title'], .title a",
                "time, .date, .published, span[class*='date'], div[class*='date']",
                "div.excerpt, .summary, .description, p",
            ],
            "%B %d, %Y",
            "https://www.camurus.com",
        ),
        "peptron" => (
            [
                "table.board_list, table[class*='list'], .news-table, main",
                "tr, li, div.news-item",
                "td.subject a, td[class*='title'] a, .title a, a",
                "td.subject a, td[class*='title'] a, .title a, a",
                "td.date, td[class*='date'], .date, time",
                "td.content, .content, .summary",
            ],
            "%Y.%m.%d",
            "https://www.peptron.co.kr",
        ),
        other => panic!("no reference rules for {other}"),
    };
    let mut date_formats = vec![own_format.to_string()];
    date_formats.extend(DEFAULT_FORMATS.iter().map(|s| s.to_string()));
    ListingRules {
        container: sel(sels[0]),
        item: sel(sels[1]),
        title: sel(sels[2]),
        url: sel(sels[3]),
        date: sel(sels[4]),
        description: sel(sels[5]),
        date_formats,
        base_url: Some(Url::parse(base).unwrap()),
        max_items: 20,
        allow_empty: false,
    }
}

/// Parses a fixture in one mode.
pub fn run(f: &Fixture, mode: &str) -> vectora_parse::Parsed {
    let rules = mode.strip_prefix("configured:").map(reference_rules);
    vectora_parse::html::parse_listing_with(&f.html, &f.page_url, rules.as_ref(), &f.ctx)
        .unwrap_or_else(|e| panic!("{} ({mode}): {e}", f.name))
}
