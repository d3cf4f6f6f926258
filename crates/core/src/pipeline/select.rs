//! The select stage: a source's entries to items — those with a link and a title, in the window
//! (undated ones as the temporal mode says), kept by the source's profile. What is left out is
//! counted, and recorded with its reason for the run report.

use super::source::SourceRunContext;
use crate::config::SourceDef;
use crate::model::{
    FILTERED_RECORDED, FilteredEntry, Item, SourceContext, SourceOutcome, TemporalMode,
};
use serde_json::{Map, Value};
use vectora_filter::Profile;
use vectora_parse::Entry;

/// What the select stage kept of a source's entries.
#[derive(Debug, Default)]
pub(super) struct Selected {
    pub(super) items: Vec<Item>,
    /// Entries left out: unusable, out of the window, or refused by the profile.
    pub(super) filtered_out: usize,
}

/// Entries (each with its provider metadata) to items; notes what it leaves out in `outcome`.
pub(super) fn select(
    source: &SourceDef,
    profile: Option<&Profile>,
    entries: Vec<(Entry, Map<String, Value>)>,
    ctx: &SourceRunContext<'_>,
    outcome: &mut SourceOutcome,
) -> Selected {
    let sctx = SourceContext {
        source_key: &source.key,
        source_type: &source.source_type,
        language: &source.language,
        tags: &source.tags,
    };
    let unusable = entries.iter().filter(|(e, _)| !usable(e)).count();
    if unusable > 0 {
        outcome.warnings.push(format!(
            "{unusable} entr(y/ies) without a link or a title were left out"
        ));
    }
    let mut selected = Selected::default();
    for (entry, extra) in entries {
        match verdict(&entry, profile, ctx) {
            Verdict::Keep => {
                selected
                    .items
                    .push(Item::from_entry(entry, &sctx, ctx.now).with_extra(extra));
            }
            Verdict::Drop(reason) => {
                selected.filtered_out += 1;
                if let Some(reason) = reason {
                    tracing::debug!(source_key = %source.key, title = %entry.title, %reason, "filtered out");
                    record_filtered(outcome, &entry, &reason);
                }
            }
        }
    }
    selected
}

/// Whether an entry becomes an item; a dropped one carries the reason worth reporting.
enum Verdict {
    Keep,
    Drop(Option<String>),
}

fn usable(entry: &Entry) -> bool {
    !entry.url.trim().is_empty() && !entry.title.trim().is_empty()
}

fn verdict(entry: &Entry, profile: Option<&Profile>, ctx: &SourceRunContext<'_>) -> Verdict {
    if !usable(entry) {
        // Counted in the source's warning, not one by one.
        return Verdict::Drop(None);
    }
    let in_window = match entry.published {
        Some(d) => ctx.window.contains(d),
        None => ctx.temporal_mode == TemporalMode::Flexible,
    };
    if !in_window {
        // A dated entry out of the window is ordinary; an undated one is the mode's choice.
        let why = entry
            .published
            .is_none()
            .then(|| "undated (temporal_mode strict drops undated items)".to_string());
        return Verdict::Drop(why);
    }
    match profile.map(|p| p.evaluate(&entry.title, &entry.content, ctx.ingestion_mode)) {
        Some(decision) if !decision.keep => Verdict::Drop(Some(decision.reason)),
        _ => Verdict::Keep,
    }
}

/// Keeps the filter's verdict on a left-out entry for the run report (bounded per source).
fn record_filtered(outcome: &mut SourceOutcome, entry: &Entry, reason: &str) {
    if outcome.filtered.len() < FILTERED_RECORDED {
        outcome.filtered.push(FilteredEntry {
            title: entry.title.clone(),
            url: entry.url.clone(),
            published_at: entry.published,
            reason: reason.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceStatus;
    use crate::window::Window;
    use chrono::{NaiveDate, TimeZone, Utc};
    use vectora_filter::IngestionMode;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn entry(title: &str, url: &str, published: Option<&str>) -> (Entry, Map<String, Value>) {
        let e = Entry {
            title: title.into(),
            url: url.into(),
            published: published.map(d),
            date_source: None,
            content: String::new(),
            author: None,
            tags: vec![],
        };
        (e, Map::new())
    }

    fn ctx(temporal_mode: TemporalMode) -> SourceRunContext<'static> {
        SourceRunContext {
            client_id: "c",
            use_state: true,
            now: Utc.with_ymd_and_hms(2025, 12, 15, 6, 0, 0).unwrap(),
            window: Window {
                from: d("2025-12-01"),
                to: d("2025-12-15"),
            },
            ingestion_mode: IngestionMode::Balanced,
            temporal_mode,
            deadline: None,
        }
    }

    fn bundled() -> crate::config::Config {
        crate::config::parse_files(&crate::config::bundled::files())
    }

    #[test]
    fn the_window_and_the_temporal_mode_decide_without_a_profile() {
        let cfg = bundled();
        let source = cfg.sources.values().next().unwrap();
        let entries = || {
            vec![
                entry("In the window", "https://a.example/1", Some("2025-12-10")),
                entry("Too old", "https://a.example/2", Some("2025-11-30")),
                entry("Undated", "https://a.example/3", None),
                entry("", "https://a.example/4", Some("2025-12-10")),
                entry("No link", " ", Some("2025-12-10")),
            ]
        };
        let mut o = SourceOutcome::new(&source.key, SourceStatus::Ok);
        let flexible = select(
            source,
            None,
            entries(),
            &ctx(TemporalMode::Flexible),
            &mut o,
        );
        let titles: Vec<&str> = flexible.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["In the window", "Undated"]);
        assert_eq!(flexible.filtered_out, 3);
        assert_eq!(
            o.warnings,
            ["2 entr(y/ies) without a link or a title were left out"]
        );
        assert!(
            o.filtered.is_empty(),
            "an out-of-window date is not worth a line"
        );

        let mut o = SourceOutcome::new(&source.key, SourceStatus::Ok);
        let strict = select(source, None, entries(), &ctx(TemporalMode::Strict), &mut o);
        assert_eq!(strict.items.len(), 1);
        assert_eq!(strict.filtered_out, 4);
        assert_eq!(o.filtered.len(), 1);
        assert!(
            o.filtered[0].reason.starts_with("undated"),
            "{:?}",
            o.filtered
        );
        assert_eq!(strict.items[0].source_key, source.key);
    }

    #[test]
    fn the_profile_refuses_with_its_reason() {
        let cfg = bundled();
        let (source, profile) = cfg
            .sources
            .values()
            .find_map(|s| {
                let p = cfg.profiles.get(s.profile.as_ref()?)?;
                p.prepare().ok()?;
                // A profile that refuses a job advert (the bundled ones exclude HR content).
                (!p.evaluate(
                    "Senior engineer wanted: we are hiring",
                    "",
                    IngestionMode::Balanced,
                )
                .keep)
                    .then_some((s, p))
            })
            .expect("a bundled source whose profile excludes job adverts");
        let entries = vec![entry(
            "Senior engineer wanted: we are hiring",
            "https://a.example/jobs",
            Some("2025-12-10"),
        )];
        let mut o = SourceOutcome::new(&source.key, SourceStatus::Ok);
        let kept = select(
            source,
            Some(profile),
            entries,
            &ctx(TemporalMode::Flexible),
            &mut o,
        );
        assert!(kept.items.is_empty());
        assert_eq!(kept.filtered_out, 1);
        assert_eq!(o.filtered.len(), 1);
        assert_eq!(o.filtered[0].url, "https://a.example/jobs");
        assert!(!o.filtered[0].reason.is_empty());
    }
}
