//! The catalog entry proposed for the best candidate, as data (`--json`) and as YAML ready to
//! paste under `sources:` of `canonical/sources/source_catalog.yaml`.

use super::discover::{Candidate, FoundBy};
use super::links::site_domain;
use super::verdict::Verdict;
use serde::Serialize;
use url::Url;
use vectora_parse::html::SiteLinks;

/// A proposed `source_catalog.yaml` entry. `ingestion_profile` is the user's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogEntry {
    pub source_key: String,
    pub company_id: String,
    pub homepage_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rss_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    pub ingestion_mode: String,
    pub enabled: bool,
    /// Guessed: `press_corporate` (a company's own newsroom) or `press_sector` (trade press).
    pub source_type: String,
    /// Left for the user (`null`).
    pub ingestion_profile: Option<String>,
}

/// Words of a site's title that say it is a news publication, not a company.
const PUBLICATION_WORDS: &[&str] = &[
    "news",
    "times",
    "journal",
    "magazine",
    "review",
    "daily",
    "weekly",
    "today",
    "wire",
    "insider",
    "report",
    "endpoints",
    "fierce",
];

/// The entry for the best candidate that lists entries, if any.
pub fn propose(
    start: &Url,
    home: Option<&SiteLinks>,
    ranked: &[Candidate],
) -> Option<CatalogEntry> {
    let best = ranked
        .iter()
        .find(|c| matches!(c.verdict, Verdict::Ok | Verdict::Undated))?;
    let company_id = company_id(start);
    let source_type = guess_source_type(home, best);
    let mut homepage = start.clone();
    homepage.set_path("/");
    homepage.set_query(None);
    homepage.set_fragment(None);
    let feed = best.kind.is_feed();
    Some(CatalogEntry {
        source_key: format!("{source_type}__{company_id}"),
        company_id,
        homepage_url: homepage.to_string(),
        rss_url: feed.then(|| best.url.clone()),
        html_url: (!feed).then(|| best.url.clone()),
        ingestion_mode: if feed { "rss" } else { "html" }.to_string(),
        enabled: true,
        source_type: source_type.to_string(),
        ingestion_profile: None,
    })
}

/// `company_id` from the domain (`www.89bio.com` → `89bio`); an IP address gives
/// `site_<ip>_<port>`. Only letters, digits and `_`, so that the source key is valid.
fn company_id(url: &Url) -> String {
    let host = url.host_str().unwrap_or("site");
    let raw = if host.parse::<std::net::IpAddr>().is_ok() || !host.contains('.') {
        match url.port() {
            Some(p) => format!("site_{host}_{p}"),
            None => format!("site_{host}"),
        }
    } else {
        site_domain(host)
            .split('.')
            .next()
            .unwrap_or(host)
            .to_string()
    };
    let id: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    id.chars().take(40).collect()
}

fn guess_source_type(home: Option<&SiteLinks>, best: &Candidate) -> &'static str {
    let says_press_release = match &best.found_by {
        FoundBy::Link(text) => text.to_lowercase().contains("press"),
        _ => false,
    } || best.url.to_lowercase().contains("press");
    let title = home.map(|h| h.title.to_lowercase()).unwrap_or_default();
    let publication = title
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| PUBLICATION_WORDS.contains(&w));
    if publication && !says_press_release {
        "press_sector"
    } else {
        "press_corporate"
    }
}

impl CatalogEntry {
    /// The entry as YAML, indented as an item of the catalog's `sources:` list, with the
    /// profile line commented out for the user to choose from `profiles`.
    pub fn to_yaml(&self, profiles: &[String]) -> String {
        let mut y = String::new();
        y.push_str(&format!("- source_key: {}\n", self.source_key));
        y.push_str(&format!("  company_id: {}\n", self.company_id));
        y.push_str(&format!("  homepage_url: {}\n", quoted(&self.homepage_url)));
        if let Some(u) = &self.rss_url {
            y.push_str(&format!("  rss_url: {}\n", quoted(u)));
        }
        if let Some(u) = &self.html_url {
            y.push_str(&format!("  html_url: {}\n", quoted(u)));
        }
        y.push_str(&format!("  ingestion_mode: {}\n", self.ingestion_mode));
        y.push_str(&format!("  enabled: {}\n", self.enabled));
        y.push_str(&format!(
            "  source_type: {}   # guessed: press_corporate (company newsroom) or press_sector (trade press)\n",
            self.source_type
        ));
        let choices = if profiles.is_empty() {
            "see canonical/ingestion/ingestion_profiles.yaml".to_string()
        } else {
            format!("one of {}", profiles.join(", "))
        };
        y.push_str(&format!("  # ingestion_profile: CHOOSE   # {choices}\n"));
        y
    }
}

/// A single-quoted YAML scalar.
pub(super) fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_id_comes_from_the_registrable_domain() {
        let id = |u: &str| company_id(&Url::parse(u).unwrap());
        assert_eq!(id("https://89bio.com/"), "89bio");
        assert_eq!(id("https://www.peptron.co.kr/eng/"), "peptron");
        assert_eq!(id("https://ir.camurus.com/news"), "camurus");
        assert_eq!(id("http://127.0.0.1:8123/"), "site_127_0_0_1_8123");
    }
}
