//! `sources discover`: from any page of a site, find its feeds and newsroom pages, read each as
//! ingestion would, and rank them.
//!
//! Bounded and polite: robots.txt first (per origin), at most `max_requests` requests in all,
//! through the engine's fetcher (per-host interval, retries, address guard, body cap). Order of
//! exploration: the page given (its English page when it is only a language chooser), the feeds
//! it announces and links to, the newsroom pages it links from its chrome (and the feeds those
//! announce), then well-known feed paths while no feed has been found.

use super::extractor::{BetterSelectors, better_selectors};
use super::links::{looks_like_feed_link, news_score, same_site};
use super::proposal::{CatalogEntry, propose};
use super::rank::rank;
use super::robots::Robots;
use super::verdict::{EntryStats, Verdict};
use crate::Engine;
use crate::config::{SourceDef, SourceKind};
use crate::fetch::{FetchOptions, Fetched};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use tokio::time::Instant;
use url::Url;
use vectora_parse::DocFormat;
use vectora_parse::html::SiteLinks;

/// Requests one discovery may send, robots.txt included.
pub const DEFAULT_MAX_REQUESTS: u32 = 15;

/// Feed paths tried when no page announces or links a feed.
const WELL_KNOWN_FEEDS: &[&str] = &[
    "/feed",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/news/feed",
    "/index.xml",
    "/feed.json",
];

/// Newsroom pages read per discovery (the best-scored links).
const NEWS_PAGES: usize = 3;
/// Feeds taken from one page's announcements or links.
const FEEDS_PER_PAGE: usize = 3;

#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    pub max_requests: u32,
    /// Bounds plausible dates, as in a run.
    pub today: NaiveDate,
    pub deadline: Option<Instant>,
}

/// What a candidate is, read from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    Rss,
    Atom,
    Json,
    Html,
}

impl CandidateKind {
    pub fn is_feed(self) -> bool {
        self != CandidateKind::Html
    }
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateKind::Rss => "rss",
            CandidateKind::Atom => "atom",
            CandidateKind::Json => "json",
            CandidateKind::Html => "html",
        }
    }
}

/// How a candidate was found (for the proposal's guesses and the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundBy {
    /// The URL given.
    Given,
    /// `<link rel="alternate">` on a page.
    Announced,
    /// A link of a page, with its text.
    Link(String),
    WellKnown,
}

/// One feed or listing page read during discovery.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub kind: CandidateKind,
    pub url: String,
    #[serde(flatten)]
    pub stats: EntryStats,
    #[serde(skip)]
    pub verdict: Verdict,
    /// Why it is not `ok`, or a parser warning.
    #[serde(skip)]
    pub note: Option<String>,
    #[serde(skip)]
    pub found_by: FoundBy,
    /// Entry URLs and titles, to see whether two candidates list the same releases.
    #[serde(skip)]
    pub(crate) releases: Vec<String>,
    /// Configured selectors that read this page better than the generic extractor.
    #[serde(skip)]
    pub selectors: Option<BetterSelectors>,
}

impl Candidate {
    /// A candidate from what the parser found (entries without a link or a title left out,
    /// as ingestion leaves them out).
    fn read(
        kind: CandidateKind,
        url: String,
        parsed: &vectora_parse::Parsed,
        found_by: FoundBy,
        script_shell: bool,
    ) -> Candidate {
        let usable: Vec<_> = parsed
            .entries
            .iter()
            .filter(|e| !e.url.trim().is_empty() && !e.title.trim().is_empty())
            .collect();
        let stats = EntryStats::of_entries(&parsed.entries);
        let releases = usable
            .iter()
            .flat_map(|e| {
                [
                    e.url.trim_end_matches('/').to_string(),
                    e.title.to_lowercase(),
                ]
            })
            .collect();
        let note = if stats.entries == 0 && script_shell {
            Some("the page is a JavaScript shell: its content is rendered in the browser".into())
        } else {
            parsed.warnings.first().cloned()
        };
        Candidate {
            kind,
            url,
            stats,
            verdict: stats.verdict(),
            note,
            found_by,
            releases,
            selectors: None,
        }
    }
}

/// The result of one discovery.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    /// Best first.
    pub candidates: Vec<Candidate>,
    /// A catalog entry for the best candidate with entries; `None` when nothing lists any.
    pub catalog_entry: Option<CatalogEntry>,
    /// The `html_extractors.yaml` entry for it, when configured selectors read its page better
    /// than the generic extractor.
    #[serde(
        rename = "html_extractors_entry",
        skip_serializing_if = "Option::is_none"
    )]
    pub extractor_entry: Option<String>,
    /// URLs not read, with why (robots.txt, request budget).
    #[serde(skip)]
    pub not_read: Vec<(String, String)>,
    #[serde(skip)]
    pub requests: u32,
}

/// Why a discovery could not start.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DiscoverError {
    #[error("not read: {0}")]
    Disallowed(String),
    #[error("{url}: {message}")]
    Unreachable { url: String, message: String },
}

/// A URL waiting to be read.
struct Pending {
    url: Url,
    found_by: FoundBy,
    /// Kept only when its content is a feed (well-known paths: a soft 404 page is no newsroom).
    feeds_only: bool,
}

/// The state of one discovery: budget, robots per origin, what was seen.
struct Explorer<'a> {
    engine: &'a Engine,
    opts: &'a DiscoverOptions,
    fetch_opts: FetchOptions,
    spent: u32,
    robots: HashMap<String, Robots>,
    seen: Vec<Url>,
    candidates: Vec<Candidate>,
    not_read: Vec<(String, String)>,
    homepage: Option<SiteLinks>,
}

impl Engine {
    /// Finds the news sources of the site of `start` (see the module docs).
    pub async fn discover(
        &self,
        start: &Url,
        opts: &DiscoverOptions,
    ) -> Result<Discovery, DiscoverError> {
        let mut ex = Explorer {
            engine: self,
            opts,
            fetch_opts: FetchOptions {
                deadline: opts.deadline,
                ..FetchOptions::default()
            },
            spent: 0,
            robots: HashMap::new(),
            seen: Vec::new(),
            candidates: Vec::new(),
            not_read: Vec::new(),
            homepage: None,
        };
        let (mut queue, mut site) = ex.read_start(start).await?;
        // A language chooser ("English", /en/) in front of the site: explore from there.
        let chooser = ex.homepage.as_ref().and_then(|h| language_home(h, &site));
        if let (true, Some(lang)) = (queue.is_empty() && ex.candidates.is_empty(), chooser)
            && !ex.seen.contains(&lang)
            && let Ok((q, s)) = ex.read_start(&lang).await
        {
            (queue, site) = (q, s);
        }
        ex.explore(&mut queue).await;
        if !ex.candidates.iter().any(|c| c.kind.is_feed()) {
            let mut wk: VecDeque<Pending> = WELL_KNOWN_FEEDS
                .iter()
                .filter_map(|p| site.join(p).ok())
                .map(|url| Pending {
                    url,
                    found_by: FoundBy::WellKnown,
                    feeds_only: true,
                })
                .collect();
            ex.explore(&mut wk).await;
        }
        let mut candidates = ex.candidates;
        rank(&mut candidates);
        let catalog_entry = propose(&site, ex.homepage.as_ref(), &candidates);
        let extractor_entry = catalog_entry.as_ref().and_then(|e| {
            let url = e.html_url.as_ref()?;
            let chosen = candidates.iter().find(|c| &c.url == url)?;
            Some(chosen.selectors.as_ref()?.to_yaml(&e.source_key))
        });
        Ok(Discovery {
            candidates,
            catalog_entry,
            extractor_entry,
            not_read: ex.not_read,
            requests: ex.spent,
        })
    }
}

impl Explorer<'_> {
    /// Reads the page given: it fails the discovery when it cannot be read.
    /// Returns what to read next and where the page really is (after redirects): the site
    /// is explored from there.
    async fn read_start(&mut self, start: &Url) -> Result<(VecDeque<Pending>, Url), DiscoverError> {
        if let Err(why) = self.allowed(start).await {
            return Err(DiscoverError::Disallowed(format!("{start} ({why})")));
        }
        self.seen.push(start.clone());
        let fetched = self
            .fetch(start)
            .await
            .map_err(|message| DiscoverError::Unreachable {
                url: start.to_string(),
                message,
            })?;
        let site = fetched.final_url.clone();
        if !self.seen.contains(&site) {
            self.seen.push(site.clone());
        }
        let mut queue = VecDeque::new();
        match kind_of(&fetched) {
            Some(kind) if kind.is_feed() => {
                self.evaluate(&fetched, kind, FoundBy::Given, false).await;
            }
            _ => {
                let links = self.page_links(&fetched);
                // The page's own listing, when the URL given is not the site's front page.
                if !site.path().trim_matches('/').is_empty() {
                    let shell = links.script_shell;
                    self.evaluate(&fetched, CandidateKind::Html, FoundBy::Given, shell)
                        .await;
                }
                queue.extend(feeds_of(&links, &site));
                queue.extend(newsrooms_of(&links, &site));
                self.homepage = Some(links);
            }
        }
        Ok((queue, site))
    }

    /// Reads pending URLs in order while the budget lasts; newsroom pages add their feeds.
    async fn explore(&mut self, queue: &mut VecDeque<Pending>) {
        while let Some(p) = queue.pop_front() {
            let feed_found = self.candidates.iter().any(|c| c.kind.is_feed());
            if self.seen.contains(&p.url) || (p.found_by == FoundBy::WellKnown && feed_found) {
                continue;
            }
            self.seen.push(p.url.clone());
            if self.spent >= self.opts.max_requests {
                self.not_read
                    .push((p.url.to_string(), "request budget spent".into()));
                continue;
            }
            if let Err(why) = self.allowed(&p.url).await {
                if !p.feeds_only {
                    self.candidates.push(unread(&p, Verdict::Disallowed, &why));
                }
                self.not_read.push((p.url.to_string(), why));
                continue;
            }
            let fetched = match self.fetch(&p.url).await {
                Ok(f) => f,
                Err(message) => {
                    if !p.feeds_only || p.found_by == FoundBy::Announced {
                        self.candidates
                            .push(unread(&p, Verdict::Unreachable, &message));
                    }
                    continue;
                }
            };
            match kind_of(&fetched) {
                Some(kind) if kind.is_feed() => {
                    self.evaluate(&fetched, kind, p.found_by, false).await;
                }
                Some(CandidateKind::Html) if !p.feeds_only => {
                    let links = self.page_links(&fetched);
                    for f in feeds_of(&links, &p.url).into_iter().rev() {
                        queue.push_front(f);
                    }
                    let shell = links.script_shell;
                    self.evaluate(&fetched, CandidateKind::Html, p.found_by, shell)
                        .await;
                }
                _ => {}
            }
        }
    }

    /// Whether robots.txt of the URL's origin allows it (read once per origin, counted);
    /// the reason when not.
    async fn allowed(&mut self, url: &Url) -> Result<(), String> {
        let origin = url.origin().ascii_serialization();
        if !self.robots.contains_key(&origin) {
            let (robots, spent) = Robots::fetch(self.engine.fetcher(), url, &self.fetch_opts).await;
            self.spent += spent;
            self.robots.insert(origin.clone(), robots);
        }
        match self.robots.get(&origin) {
            Some(r) if r.allows(url) => Ok(()),
            Some(r) => Err(r.refusal()),
            None => Err("robots.txt not read".into()),
        }
    }

    async fn fetch(&mut self, url: &Url) -> Result<Fetched, String> {
        let result = self.engine.fetcher().fetch(url, &self.fetch_opts).await;
        match result {
            Ok(f) => {
                self.spent += f.attempts;
                Ok(f)
            }
            Err(e) => {
                self.spent += e.attempts;
                Err(e.message)
            }
        }
    }

    fn page_links(&self, fetched: &Fetched) -> SiteLinks {
        let (html, _, _) =
            vectora_parse::encoding::decode(&fetched.body, fetched.content_type.as_deref());
        vectora_parse::html::site_links(&html, &fetched.final_url)
    }

    /// Parses a document exactly as ingestion parses a source of that kind (same dispatch,
    /// same extraction defaults) and records it as a candidate.
    async fn evaluate(
        &mut self,
        fetched: &Fetched,
        kind: CandidateKind,
        found_by: FoundBy,
        script_shell: bool,
    ) {
        let url = fetched.final_url.clone();
        if self.candidates.iter().any(|c| c.url == url.as_str()) {
            return;
        }
        let source = SourceDef {
            key: "discovered".into(),
            company_id: None,
            kind: if kind.is_feed() {
                SourceKind::Rss
            } else {
                SourceKind::Html
            },
            enabled: true,
            url: Some(url.clone()),
            homepage_url: None,
            source_type: "unknown".into(),
            language: "en".into(),
            tags: Vec::new(),
            profile: None,
            min_interval_ms: None,
            ssl_verify: true,
            allow_empty: true,
            article_fallback: 0,
            article_content: false,
            api: None,
        };
        let config = self.engine.shared_config();
        let (fetched, today) = (fetched.clone(), self.opts.today);
        let parsed = tokio::task::spawn_blocking(move || {
            let parsed = crate::parse::parse_document(&config, &source, &fetched, today)?;
            let generic = EntryStats::of_entries(&parsed.entries);
            let better = (source.kind == SourceKind::Html)
                .then(|| better_selectors(&config, &source, &fetched, today, &generic))
                .flatten();
            Ok::<_, vectora_parse::ParseError>((parsed, better))
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
        let candidate = match parsed {
            Ok((p, better)) => {
                let mut c = Candidate::read(kind, url.to_string(), &p, found_by, script_shell);
                if let Some(b) = better {
                    c.note = Some(format!(
                        "read with the configured selectors of {} (the generic extractor finds {} entries, {} dated)",
                        b.from, c.stats.entries, c.stats.dated
                    ));
                    c.stats = b.stats;
                    c.verdict = b.stats.verdict();
                    c.selectors = Some(b);
                }
                c
            }
            Err(message) => Candidate {
                kind,
                url: url.to_string(),
                stats: EntryStats::default(),
                verdict: Verdict::Broken,
                note: Some(message),
                found_by,
                releases: Vec::new(),
                selectors: None,
            },
        };
        self.candidates.push(candidate);
    }
}

/// The candidate kind of a fetched document, from its content (never its URL or extension).
fn kind_of(fetched: &Fetched) -> Option<CandidateKind> {
    match vectora_parse::feed::detect_format(&fetched.body)? {
        DocFormat::Rss => Some(CandidateKind::Rss),
        DocFormat::Atom => Some(CandidateKind::Atom),
        DocFormat::JsonFeed => Some(CandidateKind::Json),
        DocFormat::Html => Some(CandidateKind::Html),
    }
}

/// Feeds a page announces, then feeds it links to (by the link's words), same site only.
fn feeds_of(links: &SiteLinks, page: &Url) -> Vec<Pending> {
    let announced = links
        .feeds
        .iter()
        .filter(|f| same_site(&f.url, page))
        .map(|f| (f.url.clone(), FoundBy::Announced));
    let linked = links
        .links
        .iter()
        .filter(|l| same_site(&l.url, page) && looks_like_feed_link(l))
        .map(|l| (l.url.clone(), FoundBy::Link(l.text.clone())));
    announced
        .take(FEEDS_PER_PAGE)
        .chain(linked.take(FEEDS_PER_PAGE))
        .map(|(url, found_by)| Pending {
            url,
            found_by,
            feeds_only: true,
        })
        .collect()
}

/// The best-scored newsroom links of a page (same site, not the page itself).
fn newsrooms_of(links: &SiteLinks, page: &Url) -> Vec<Pending> {
    let mut scored: Vec<(u32, usize, &vectora_parse::html::PageLink)> = links
        .links
        .iter()
        .enumerate()
        .filter(|(_, l)| same_site(&l.url, page) && &l.url != page && !looks_like_feed_link(l))
        .map(|(i, l)| (news_score(l), i, l))
        .filter(|(s, _, _)| *s > 0)
        .collect();
    // Highest score first; among equals, the first on the page.
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(NEWS_PAGES)
        .map(|(_, _, l)| Pending {
            url: l.url.clone(),
            found_by: FoundBy::Link(l.text.clone()),
            feeds_only: false,
        })
        .collect()
}

/// Link texts and path segments of a site's English home behind a language chooser.
const ENGLISH: &[&str] = &["english", "en", "eng", "en-us", "en-gb", "en_us", "en_gb"];

/// The same-site link to the English version of a page that is only a language chooser.
fn language_home(links: &SiteLinks, page: &Url) -> Option<Url> {
    links
        .links
        .iter()
        .filter(|l| same_site(&l.url, page) && &l.url != page)
        .find(|l| {
            let path = l.url.path().trim_matches('/').to_ascii_lowercase();
            ENGLISH.contains(&l.text.to_lowercase().as_str()) || ENGLISH.contains(&path.as_str())
        })
        .map(|l| l.url.clone())
}

/// A candidate that could not be read.
fn unread(p: &Pending, verdict: Verdict, why: &str) -> Candidate {
    Candidate {
        kind: CandidateKind::Html,
        url: p.url.to_string(),
        stats: EntryStats::default(),
        verdict,
        note: Some(why.to_string()),
        found_by: p.found_by.clone(),
        releases: Vec::new(),
        selectors: None,
    }
}
