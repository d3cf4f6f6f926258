//! The fixture suite: saved newsroom pages of distinct templates, each with a hand-checked list
//! of its press releases. URL precision/recall and date accuracy are computed over the whole
//! suite and must stay above the bars of issue 3.

#[path = "html/support.rs"]
mod html_support;

use html_support::{load_all, run};
use std::collections::HashMap;
use vectora_parse::urls::canonicalize;

#[derive(Default)]
struct Score {
    expected: usize,
    found: usize,
    matched: usize,
    dated: usize,
    dates_right: usize,
    titles_right: usize,
}

#[test]
fn suite_meets_the_precision_recall_and_date_bars() {
    let fixtures = load_all();
    let mut total = Score::default();
    let mut report = Vec::new();
    for f in &fixtures {
        for mode in &f.modes {
            let parsed = run(f, mode);
            let expected: HashMap<String, &html_support::Expected> = f
                .expected
                .iter()
                .map(|e| (canonicalize(&e.url), e))
                .collect();
            let mut s = Score {
                expected: expected.len(),
                found: parsed.entries.len(),
                ..Score::default()
            };
            let mut problems = Vec::new();
            for e in &parsed.entries {
                let Some(want) = expected.get(&canonicalize(&e.url)) else {
                    problems.push(format!("  extra: {} <{}>", e.title, e.url));
                    continue;
                };
                s.matched += 1;
                if want.title == e.title {
                    s.titles_right += 1;
                } else {
                    problems.push(format!("  title: got {:?}, want {:?}", e.title, want.title));
                }
                // A date is judged wherever the page shows one or the parser claims one.
                if want.date.is_some() || e.published.is_some() {
                    s.dated += 1;
                    if want.date == e.published {
                        s.dates_right += 1;
                    } else {
                        problems.push(format!(
                            "  date: {} got {:?}, want {:?}",
                            e.url, e.published, want.date
                        ));
                    }
                }
            }
            for (k, want) in &expected {
                if !parsed.entries.iter().any(|e| &canonicalize(&e.url) == k) {
                    problems.push(format!("  missing: {} <{}>", want.title, want.url));
                }
            }
            report.push(format!(
                "{} [{mode}]: {}/{} found, {} extra{}",
                f.name,
                s.matched,
                s.expected,
                s.found - s.matched,
                if problems.is_empty() {
                    String::new()
                } else {
                    format!("\n{}", problems.join("\n"))
                }
            ));
            total.expected += s.expected;
            total.found += s.found;
            total.matched += s.matched;
            total.dated += s.dated;
            total.dates_right += s.dates_right;
            total.titles_right += s.titles_right;
        }
    }
    let precision = total.matched as f64 / total.found.max(1) as f64;
    let recall = total.matched as f64 / total.expected.max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(f64::EPSILON);
    let date_acc = total.dates_right as f64 / total.dated.max(1) as f64;
    let title_acc = total.titles_right as f64 / total.matched.max(1) as f64;
    let summary = format!(
        "{}\n\nURL precision {precision:.3} recall {recall:.3} F1 {f1:.3}; date accuracy {date_acc:.3} ({}/{}); title accuracy {title_acc:.3}",
        report.join("\n"),
        total.dates_right,
        total.dated
    );
    println!("{summary}");
    assert!(
        fixtures.len() >= 20,
        "the suite needs at least 20 templates, has {}",
        fixtures.len()
    );
    assert!(f1 >= 0.97, "URL F1 below 0.97\n{summary}");
    assert!(date_acc >= 0.97, "date accuracy below 0.97\n{summary}");
    assert!(title_acc >= 0.95, "title accuracy below 0.95\n{summary}");
}
