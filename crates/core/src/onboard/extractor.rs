//! Configured selectors that read a candidate page better than the generic extractor: the
//! `html_extractors.yaml` extractors of the config are tried on it (sites built on the same CMS
//! share their markup), and the best one that finds more dated entries, or as many and more
//! entries, is proposed for the new source.

use super::proposal::quoted;
use super::verdict::EntryStats;
use crate::config::{Config, SourceDef};
use crate::fetch::Fetched;
use chrono::NaiveDate;
use std::sync::Arc;
use vectora_parse::html::{ListingRules, SelectorList};

/// An extractor of the config that beats the generic extractor on a page.
#[derive(Debug, Clone)]
pub struct BetterSelectors {
    /// The configured extractor whose selectors are reused.
    pub from: String,
    pub rules: Arc<ListingRules>,
    pub stats: EntryStats,
    /// Its own `date_format` (the config's default patterns follow it in `rules`).
    pub date_format: Option<String>,
}

/// The configured extractor that reads `fetched` best, if it beats `generic`. Each is applied
/// through the engine's own parse dispatch, as ingestion would apply it.
pub fn better_selectors(
    config: &Config,
    source: &SourceDef,
    fetched: &Fetched,
    today: NaiveDate,
    generic: &EntryStats,
) -> Option<BetterSelectors> {
    let mut best: Option<BetterSelectors> = None;
    for (key, rules) in &config.extractors {
        if rules.container.is_none() && rules.item.is_none() {
            continue;
        }
        let as_configured = SourceDef {
            key: key.clone(),
            allow_empty: true,
            ..source.clone()
        };
        let Ok(parsed) = crate::parse::parse_document(config, &as_configured, fetched, today)
        else {
            continue;
        };
        let stats = EntryStats::of_entries(&parsed.entries);
        let bar = best.as_ref().map(|b| b.stats).unwrap_or(*generic);
        if (stats.dated, stats.entries) > (bar.dated, bar.entries) {
            let own = rules.date_formats.len() > config.extraction.date_formats.len();
            best = Some(BetterSelectors {
                from: key.clone(),
                rules: rules.clone(),
                stats,
                date_format: own.then(|| rules.date_formats.first().cloned()).flatten(),
            });
        }
    }
    best
}

impl BetterSelectors {
    /// The `html_extractors.yaml` entry for `source_key`, indented under `extractors:`.
    pub fn to_yaml(&self, source_key: &str) -> String {
        let mut y = format!("  {source_key}:\n");
        y.push_str(&format!(
            "    description: selectors of {} (they read this page better than the generic extractor)\n",
            self.from
        ));
        y.push_str("    selectors:\n");
        let fields: [(&str, &Option<SelectorList>); 6] = [
            ("container", &self.rules.container),
            ("item", &self.rules.item),
            ("title", &self.rules.title),
            ("url", &self.rules.url),
            ("date", &self.rules.date),
            ("description", &self.rules.description),
        ];
        for (name, sel) in fields {
            if let Some(s) = sel {
                y.push_str(&format!("      {name}: {}\n", quoted(s.as_str())));
            }
        }
        if let Some(f) = &self.date_format {
            y.push_str(&format!("    date_format: {}\n", quoted(f)));
        }
        y.push_str(&format!("    max_items: {}\n", self.rules.max_items));
        y
    }
}
