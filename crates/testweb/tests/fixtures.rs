//! Each fixture site's `expected.json` against what the test web actually serves, and its `lai_keep`
//! labels against the bundled LAI config.
//!
//! The checks here re-derive everything from the served bytes with deliberately simple means (regex link
//! extraction, entity decoding, chrono date parsing, a small re-implementation of the profiles' term
//! matching), independent of the engine's parser and filter crates, so a wrong label or a broken fixture
//! is caught here rather than blamed on the engine.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use vectora_testweb::lai_config::LAI_SITES;
use vectora_testweb::{TestWeb, TestWebConfig, fixture_sites_dir, fixture_today};

#[derive(Debug, Deserialize)]
struct Expected {
    site: String,
    source_key: String,
    listing_path: String,
    format: String,
    date_format: String,
    fixture_today: NaiveDate,
    entries: Vec<Entry>,
    not_entries: Vec<NotEntry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    title: String,
    path: String,
    published: Option<NaiveDate>,
    date_text: Option<String>,
    summary: String,
    lai_keep: bool,
    noise: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NotEntry {
    text: String,
    path: String,
    why: String,
}

fn load_expected(site: &str) -> Expected {
    let path = fixture_sites_dir().join(site).join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes the entities and CDATA wrappers the fixtures use, and collapses whitespace.
fn normalize(text: &str) -> String {
    static NUMERIC: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"&#(x?)([0-9a-fA-F]+);").unwrap());
    let text = text.replace("<![CDATA[", "").replace("]]>", "");
    let text = NUMERIC.replace_all(&text, |c: &regex::Captures<'_>| {
        let radix = if c[1].is_empty() { 10 } else { 16 };
        u32::from_str_radix(&c[2], radix)
            .ok()
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_default()
    });
    let text = text
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&raquo;", "»")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn strip_tags(html: &str) -> String {
    static TAGS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)<script.*?</script>|<[^>]+>").unwrap());
    normalize(&TAGS.replace_all(html, " "))
}

/// Every link target in a page or feed, resolved against the page URL as a browser would.
fn links(body: &str, page_url: &str) -> BTreeSet<String> {
    let base = url::Url::parse(page_url).unwrap();
    let href = Regex::new(r#"href=["']([^"']+)["']|<link>([^<]+)</link>"#).unwrap();
    href.captures_iter(body)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .filter_map(|m| base.join(&m.as_str().replace("&amp;", "&")).ok())
        .map(|u| u.to_string())
        .collect()
}

/// Parses a displayed date with the site's format; ordinal suffixes ("18th") are dropped first.
fn parse_date_text(expected: &Expected, text: &str) -> NaiveDate {
    if expected.format == "rss" {
        return chrono::DateTime::parse_from_rfc2822(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .date_naive();
    }
    let ordinal = Regex::new(r"(\d+)(st|nd|rd|th)\b").unwrap();
    let text = ordinal.replace_all(text, "$1");
    let format = match expected.date_format.as_str() {
        "%B %-d(st|nd|rd|th), %Y" => "%B %d, %Y",
        "%-d %B, %Y" => "%d %B, %Y",
        other => other,
    };
    NaiveDate::parse_from_str(&text, format).unwrap_or_else(|e| panic!("{text} with {format}: {e}"))
}

async fn check_site_against_server(web: &TestWeb, expected: &Expected) -> HashMap<String, String> {
    let http = common::client();
    let site = &expected.site;
    let page_url = web.site_url(site, &expected.listing_path);
    let response = http.get(&page_url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{page_url}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    let body = response.text().await.unwrap();
    match expected.format.as_str() {
        "rss" => {
            assert!(
                content_type.starts_with("application/rss+xml"),
                "{content_type}"
            );
            assert_eq!(
                body.matches("<item>").count(),
                expected.entries.len(),
                "{site}: one entry per item"
            );
        }
        _ => assert!(content_type.starts_with("text/html"), "{content_type}"),
    }
    assert!(!body.contains("{{"), "{site}: unsubstituted template");
    let page_text = normalize(&body);
    let page_links = links(&body, &page_url);

    let mut article_texts = HashMap::new();
    let mut seen = BTreeSet::new();
    for entry in &expected.entries {
        let url = web.site_url(site, &entry.path);
        assert!(
            seen.insert(url.clone()),
            "{site}: entry listed twice: {url}"
        );
        assert!(
            page_links.contains(&url),
            "{site}: {url} is not linked from {page_url}"
        );
        assert!(
            page_text.contains(&normalize(&entry.title)),
            "{site}: title not in page: {}",
            entry.title
        );
        if !entry.summary.is_empty() {
            assert!(
                page_text.contains(&normalize(&entry.summary)),
                "{site}: summary not in page: {}",
                entry.summary
            );
        }
        match (&entry.date_text, entry.published) {
            (Some(text), Some(published)) => {
                assert!(
                    body.contains(text.as_str()),
                    "{site}: date text {text} not in page"
                );
                assert_eq!(
                    parse_date_text(expected, text),
                    published,
                    "{site}: {}",
                    entry.title
                );
                assert!(
                    published <= expected.fixture_today,
                    "{site}: dated after the fixture day"
                );
            }
            (None, None) => {}
            other => panic!("{site}: date_text and published must come together: {other:?}"),
        }
        assert_eq!(
            entry.lai_keep,
            entry.noise.is_none(),
            "{site}: noise reason iff not kept: {}",
            entry.title
        );

        let article = http.get(&url).send().await.unwrap();
        assert_eq!(article.status(), 200, "{url}");
        let article_type = article.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        let article_body = article.bytes().await.unwrap();
        if article_type == "application/pdf" {
            assert!(article_body.starts_with(b"%PDF-"), "{url}");
        } else {
            let text = strip_tags(&String::from_utf8_lossy(&article_body));
            assert!(
                text.contains(&normalize(&entry.title)),
                "{url}: article without its title"
            );
            article_texts.insert(entry.title.clone(), text);
        }
    }
    for not_entry in &expected.not_entries {
        let url = web.site_url(site, &not_entry.path);
        assert!(
            page_links.contains(&url),
            "{site}: trap {url} ({}) is not in the page",
            not_entry.why
        );
        assert!(
            !seen.contains(&url),
            "{site}: {url} is both an entry and not an entry"
        );
        assert!(
            page_text.contains(&normalize(&not_entry.text)),
            "{site}: {}",
            not_entry.text
        );
    }
    article_texts
}

#[tokio::test]
async fn every_expected_json_matches_the_served_site_under_sites_prefix() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    for (_, site) in LAI_SITES {
        let expected = load_expected(site);
        assert_eq!(expected.site, *site);
        assert_eq!(expected.fixture_today, fixture_today());
        assert!(expected.entries.len() >= 5, "{site}: too few entries");
        assert!(
            expected.entries.iter().any(|e| !e.lai_keep),
            "{site}: no noise entry"
        );
        check_site_against_server(&web, &expected).await;
    }
}

#[tokio::test]
async fn every_expected_json_matches_the_served_site_on_its_own_port() {
    let web = TestWeb::start(TestWebConfig {
        site_ports: true,
        ..TestWebConfig::default()
    })
    .await
    .unwrap();
    for (_, site) in LAI_SITES {
        let base = web.site_base_url(site);
        assert!(!base.contains("/sites/"), "{site} has its own port: {base}");
        check_site_against_server(&web, &load_expected(site)).await;
    }
}

// ----------------------------------------------------------------------------------------------------
// lai_keep against the configured profiles.

fn load_yaml(relative: &str) -> Value {
    let path = vectora_testweb::bundled_config_dir().join(relative);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A scope reference such as `exclusion_scopes.hr_content` or `lai_companies_global`.
fn scope_terms(scopes: &HashMap<String, Value>, reference: &str) -> Vec<String> {
    let mut value: Option<&Value> = None;
    for part in reference.split('.') {
        value = match value {
            None => scopes.get(part),
            Some(v) => v.get(part),
        };
    }
    value
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("scope {reference} not found"))
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect()
}

fn all_scopes() -> HashMap<String, Value> {
    let mut scopes = HashMap::new();
    for file in [
        "company",
        "exclusion",
        "molecule",
        "technology",
        "trademark",
    ] {
        let value = load_yaml(&format!("canonical/scopes/{file}_scopes.yaml"));
        for (key, inner) in value.as_object().unwrap() {
            scopes.insert(key.clone(), inner.clone());
        }
        scopes.insert(format!("{file}_scopes"), value);
    }
    scopes
}

/// Case-insensitive term matchers. With `word_edges`, a term edge that is a word character must sit on
/// a word boundary (the engine's filter semantics); without, plain substring matching (the stricter
/// check for texts that must NOT match). Plain terms are searched directly; only the few `.*` patterns
/// are compiled as regexes (compiling a thousand regexes costs seconds in a debug build).
struct Terms {
    word_edges: bool,
    plain: Vec<String>,
    patterns: Vec<(String, Regex)>,
}

impl Terms {
    fn new(terms: &[String], word_edges: bool) -> Terms {
        let (patterns, plain): (Vec<&String>, Vec<&String>) =
            terms.iter().partition(|t| t.contains(".*"));
        Terms {
            word_edges,
            plain: plain.into_iter().map(|t| t.to_lowercase()).collect(),
            patterns: patterns
                .into_iter()
                .map(|t| {
                    let source = if word_edges {
                        format!(r"(?i)\b{t}\b")
                    } else {
                        format!("(?i){t}")
                    };
                    (t.clone(), Regex::new(&source).unwrap())
                })
                .collect(),
        }
    }

    fn plain_match(&self, haystack: &str, term: &str) -> bool {
        haystack.match_indices(term).any(|(at, _)| {
            if !self.word_edges {
                return true;
            }
            let before = haystack[..at].chars().next_back();
            let after = haystack[at + term.len()..].chars().next();
            let first = term.chars().next();
            let last = term.chars().next_back();
            let edge_ok = |edge: Option<char>, neighbour: Option<char>| {
                !edge.is_some_and(char::is_alphanumeric)
                    || !neighbour.is_some_and(char::is_alphanumeric)
            };
            edge_ok(first, before) && edge_ok(last, after)
        })
    }

    fn first_match(&self, text: &str) -> Option<&str> {
        let lower = text.to_lowercase();
        self.plain
            .iter()
            .find(|term| self.plain_match(&lower, term))
            .map(String::as_str)
            .or_else(|| {
                self.patterns
                    .iter()
                    .find(|(_, re)| re.is_match(text))
                    .map(|(t, _)| t.as_str())
            })
    }
}

fn profile_terms(profiles: &Value, profile: &str, key: &str) -> Vec<String> {
    profiles["profiles"][profile]["signal_requirements"][key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn lai_keep_labels_agree_with_the_configured_profiles() {
    let web = TestWeb::start(TestWebConfig::default()).await.unwrap();
    let scopes = all_scopes();
    let profiles = load_yaml("canonical/ingestion/ingestion_profiles.yaml");
    let catalog = load_yaml("canonical/sources/source_catalog.yaml");
    let corporate = "corporate_pure_player_broad";
    let exclusions: Vec<String> = profile_terms(&profiles, corporate, "exclusion_scopes")
        .iter()
        .flat_map(|scope| scope_terms(&scopes, scope))
        .collect();
    let corporate_substring = Terms::new(&exclusions, false);
    let corporate_words = Terms::new(&exclusions, true);
    let press = &profiles["profiles"]["press_technology_focused"]["signal_requirements"];
    let press_groups: HashMap<String, Terms> = press["required_signal_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let terms: Vec<String> = g["scopes"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| scope_terms(&scopes, s.as_str().unwrap()))
                .collect();
            (
                g["group_id"].as_str().unwrap().to_string(),
                Terms::new(&terms, true),
            )
        })
        .collect();
    let anti_lai = Terms::new(
        &scope_terms(&scopes, "exclusion_scopes.anti_lai_routes"),
        true,
    );

    for (source_key, site) in LAI_SITES {
        let expected = load_expected(site);
        assert_eq!(expected.source_key, *source_key);
        let source = catalog["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source_key"] == *source_key)
            .unwrap();
        let profile = source["ingestion_profile"].as_str().unwrap();
        let articles = check_site_against_server(&web, &expected).await;

        for entry in &expected.entries {
            let listing_text = normalize(&format!("{} {}", entry.title, entry.summary));
            let article_text = articles.get(&entry.title).cloned().unwrap_or_default();
            match profile {
                "corporate_pure_player_broad" => {
                    if entry.lai_keep {
                        // Kept whichever text the engine filters on, and even under substring matching.
                        for text in [&listing_text, &article_text] {
                            assert_eq!(
                                corporate_substring.first_match(text),
                                None,
                                "{site}: {} should be kept",
                                entry.title
                            );
                        }
                    } else {
                        assert!(
                            corporate_words.first_match(&listing_text).is_some(),
                            "{site}: {} is labelled noise but no exclusion term matches",
                            entry.title
                        );
                    }
                }
                "press_technology_focused" => {
                    let hit =
                        |group: &str| press_groups[group].first_match(&listing_text).is_some();
                    let keep = hit("entity_signals")
                        && (hit("technology_signals") || hit("trademark_signals"))
                        && anti_lai.first_match(&listing_text).is_none();
                    assert_eq!(keep, entry.lai_keep, "{site}: {}", entry.title);
                }
                other => panic!("{site}: unexpected profile {other}"),
            }
        }
    }
}
