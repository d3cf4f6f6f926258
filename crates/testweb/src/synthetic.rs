//! Synthetic newsroom sites for benchmarks: one per listener, each with an HTML news listing, an RSS
//! feed and an article page per entry, all derived deterministically from `(seed, site index, today)`.
//!
//! Paths inside a synthetic site: `/` (home), `/news/` (listing), `/news/<slug>/` (article), `/feed/`
//! (RSS 2.0), `/news-undated/` (the listing, its two newest entries without a date: their article
//! pages have it), `/feed-truncated/` (the feed cut off in its third item). On a listener started for site *i* they are served at the root; on any listener they are
//! also reachable as `/synthetic/<i>/...`.

use chrono::{Duration as Days, NaiveDate};

/// Small deterministic generator (SplitMix64). Chosen over `rand` so that a seed produces the same sites
/// with every dependency version: benchmark results and expected counts stay comparable over time.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-enough value in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SYLLABLES: &[&str] = &[
    "ar", "bel", "cor", "dex", "el", "fen", "gal", "hel", "ix", "jun", "kor", "lum", "mer", "nov",
    "or", "pax", "quil", "ros", "sol", "tar", "ul", "vex", "wyn", "zen",
];
const COMPANY_SUFFIXES: &[&str] = &[
    "Therapeutics",
    "Pharma",
    "Biosciences",
    "Biopharma",
    "Medicines",
];
const MOLECULES: &[&str] = &[
    "aripiprazole",
    "risperidone",
    "paliperidone",
    "buprenorphine",
    "semaglutide",
    "leuprolide",
    "octreotide",
    "cabotegravir",
    "naltrexone",
    "olanzapine",
];
const INDICATIONS: &[&str] = &[
    "schizophrenia",
    "opioid use disorder",
    "type 2 diabetes",
    "prostate cancer",
    "acromegaly",
    "HIV prevention",
    "bipolar I disorder",
    "postoperative pain",
];
const TECHNOLOGIES: &[&str] = &[
    "in-situ forming depot",
    "PLGA microsphere",
    "liquid crystalline depot",
    "polymeric implant-free depot",
    "lipid nanoparticle suspension",
];
const PARTNERS: &[&str] = &[
    "Teva",
    "Novo Nordisk",
    "Eli Lilly",
    "AbbVie",
    "Gilead Sciences",
    "Otsuka",
];
const CONFERENCES: &[&str] = &[
    "the Controlled Release Society Annual Meeting",
    "the J.P. Morgan Healthcare Conference",
    "BIO-Europe",
    "the ASCP Annual Meeting",
];

/// One generated news entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticEntry {
    pub title: String,
    /// URL segment under `/news/`.
    pub slug: String,
    pub published: NaiveDate,
    pub summary: String,
    /// Whether the entry is written as long-acting-injectable news (false: job ad, financial notice,
    /// conference appearance).
    pub lai_relevant: bool,
}

impl SyntheticEntry {
    /// Path of the article inside its site.
    pub fn path(&self) -> String {
        format!("/news/{}/", self.slug)
    }
}

/// One synthetic site.
#[derive(Debug, Clone)]
pub struct SyntheticSite {
    pub seed: u64,
    pub index: usize,
    /// Entries are dated within the 30 days up to and including this day.
    pub today: NaiveDate,
}

impl SyntheticSite {
    pub fn new(seed: u64, index: usize, today: NaiveDate) -> Self {
        Self { seed, index, today }
    }

    fn rng(&self, stream: u64) -> SplitMix64 {
        SplitMix64(
            self.seed
                ^ (self.index as u64).wrapping_mul(0xA076_1D64_78BD_642F)
                ^ stream.wrapping_mul(0xE703_7ED1_A0B4_28DB),
        )
    }

    /// The company publishing this site, e.g. "Korlum Therapeutics".
    pub fn company(&self) -> String {
        let mut rng = self.rng(1);
        let first = rng.pick(SYLLABLES);
        let second = rng.pick(SYLLABLES);
        let third = rng.pick(SYLLABLES);
        let mut name = format!("{first}{second}{third}");
        if let Some(initial) = name.get(0..1) {
            name = initial.to_ascii_uppercase() + name.get(1..).unwrap_or_default();
        }
        format!("{name} {}", rng.pick(COMPANY_SUFFIXES))
    }

    /// 10 to 20 entries, newest first, dated within the last 30 days.
    pub fn entries(&self) -> Vec<SyntheticEntry> {
        let company = self.company();
        let mut rng = self.rng(2);
        let count = 10 + rng.below(11);
        let mut entries: Vec<SyntheticEntry> = (0..count)
            .map(|n| {
                let published = self.today - Days::days(rng.below(30) as i64);
                let (title, summary, lai_relevant) = headline(&mut rng, &company, published);
                let slug = format!("{}-{n}", slugify(&title));
                SyntheticEntry {
                    title,
                    slug,
                    published,
                    summary,
                    lai_relevant,
                }
            })
            .collect();
        entries.sort_by(|a, b| b.published.cmp(&a.published).then(a.slug.cmp(&b.slug)));
        entries
    }

    /// The HTML news listing; `site_url` is the site's origin (plus mount prefix), no trailing slash.
    pub fn news_page(&self, site_url: &str) -> String {
        self.listing(site_url, 0)
    }

    /// The news listing with its newest `undated` entries shown without a date (as newsrooms
    /// often show their latest releases): their dates are only on their article pages.
    pub fn news_page_undated(&self, site_url: &str, undated: usize) -> String {
        self.listing(site_url, undated)
    }

    /// The RSS feed cut off in the middle of its third item, as a server that drops the connection
    /// mid-write leaves it (closing tags missing): the first two items are whole.
    pub fn feed_truncated(&self, site_url: &str) -> String {
        let feed = self.feed(site_url);
        let cut = feed
            .match_indices("<item>")
            .nth(2)
            .map_or(feed.len() / 2, |(at, _)| {
                at + "<item>\n  <title>".len() + 10
            });
        feed.get(..cut).unwrap_or(&feed).to_string()
    }

    fn listing(&self, site_url: &str, undated: usize) -> String {
        let company = escape(&self.company());
        let mut html = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>News - {company}</title></head>\n<body>\n<header class=\"site-header\"><a href=\"{site_url}/\">{company}</a>\n<nav><a href=\"{site_url}/news/\">News</a> <a href=\"{site_url}/feed/\">RSS</a></nav></header>\n<main>\n<h1>News</h1>\n<div class=\"news-list\">\n"
        );
        for (n, entry) in self.entries().iter().enumerate() {
            let time = if n < undated {
                String::new()
            } else {
                format!(
                    "  <time datetime=\"{}\">{}</time>\n",
                    entry.published.format("%Y-%m-%d"),
                    entry.published.format("%B %-d, %Y")
                )
            };
            html.push_str(&format!(
                "<article class=\"news-item\">\n  <h3><a href=\"{site_url}{path}\">{title}</a></h3>\n{time}  <p class=\"excerpt\">{summary}</p>\n</article>\n",
                path = entry.path(),
                title = escape(&entry.title),
                summary = escape(&entry.summary),
            ));
        }
        html.push_str("</div>\n</main>\n<footer>&copy; 2025</footer>\n</body>\n</html>\n");
        html
    }

    /// The RSS 2.0 feed of the same entries.
    pub fn feed(&self, site_url: &str) -> String {
        let company = escape(&self.company());
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n<title>{company} News</title>\n<link>{site_url}/news/</link>\n<description>Press releases from {company}</description>\n<language>en-us</language>\n"
        );
        for entry in self.entries() {
            let pub_date = entry
                .published
                .and_hms_opt(9, 30, 0)
                .map(|t| t.format("%a, %d %b %Y %H:%M:%S +0000").to_string())
                .unwrap_or_default();
            xml.push_str(&format!(
                "<item>\n  <title>{title}</title>\n  <link>{site_url}{path}</link>\n  <guid isPermaLink=\"true\">{site_url}{path}</guid>\n  <pubDate>{pub_date}</pubDate>\n  <description>{summary}</description>\n</item>\n",
                title = escape(&entry.title),
                path = entry.path(),
                summary = escape(&entry.summary),
            ));
        }
        xml.push_str("</channel>\n</rss>\n");
        xml
    }

    /// The article page for `slug`, if the site has such an entry.
    pub fn article_page(&self, slug: &str, site_url: &str) -> Option<String> {
        let entry = self.entries().into_iter().find(|e| e.slug == slug)?;
        let company = escape(&self.company());
        Some(format!(
            "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title} - {company}</title>\n<meta property=\"article:published_time\" content=\"{iso}T09:30:00+00:00\"></head>\n<body>\n<main>\n<article class=\"press-release\">\n<h1>{title}</h1>\n<time datetime=\"{iso}\">{display}</time>\n<p>{summary}</p>\n<p>About {company}: {company} develops medicines for chronic conditions. More at <a href=\"{site_url}/\">our website</a>.</p>\n</article>\n</main>\n</body>\n</html>\n",
            title = escape(&entry.title),
            iso = entry.published.format("%Y-%m-%d"),
            display = entry.published.format("%B %-d, %Y"),
            summary = escape(&entry.summary),
        ))
    }

    /// A home page linking to the news listing and the feed.
    pub fn home_page(&self, site_url: &str) -> String {
        let company = escape(&self.company());
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{company}</title></head>\n<body><h1>{company}</h1><p><a href=\"{site_url}/news/\">News</a> | <a href=\"{site_url}/feed/\">RSS feed</a></p></body></html>\n"
        )
    }
}

/// A title, a summary and whether it is LAI news. About one entry in five is noise. The draws
/// from `rng` come in a fixed order (the four picks, the kind, then the noise's own picks) so a
/// seed always gives the same site.
fn headline(rng: &mut SplitMix64, company: &str, published: NaiveDate) -> (String, String, bool) {
    let topic = Topic {
        company,
        molecule: rng.pick(MOLECULES),
        indication: rng.pick(INDICATIONS),
        technology: rng.pick(TECHNOLOGIES),
        partner: rng.pick(PARTNERS),
    };
    match rng.below(10) {
        kind @ 0..=2 => {
            let (title, summary) = noise_headline(kind, rng, company, published);
            (title, summary, false)
        }
        kind => {
            let (title, summary) = lai_headline(kind, &topic);
            (title, summary, true)
        }
    }
}

/// What an LAI headline is about.
struct Topic<'a> {
    company: &'a str,
    molecule: &'a str,
    indication: &'a str,
    technology: &'a str,
    partner: &'a str,
}

/// The entries a relevance filter must drop: a job offer, an investor conference, a quarterly
/// report (kinds 0, 1, 2).
fn noise_headline(
    kind: usize,
    rng: &mut SplitMix64,
    company: &str,
    published: NaiveDate,
) -> (String, String) {
    match kind {
        0 => (
            format!("{company} Is Hiring: Senior Process Engineer, Sterile Manufacturing"),
            format!(
                "Join our team in a position available now at our fill-finish site. {company} is recruiting an experienced engineer."
            ),
        ),
        1 => (
            format!("{company} to Participate in Upcoming Investor Healthcare Conference"),
            format!(
                "Management to present a company overview at {}.",
                rng.pick(CONFERENCES)
            ),
        ),
        _ => {
            let quarter = (published
                .format("%m")
                .to_string()
                .parse::<u32>()
                .unwrap_or(1)
                - 1)
                / 3
                + 1;
            (
                format!(
                    "{company} Publishes Interim Report for Q{quarter} {}",
                    published.format("%Y")
                ),
                format!(
                    "{company} reports quarterly results, cash flow and financial guidance for the period."
                ),
            )
        }
    }
}

/// The LAI news a relevance filter must keep: trial results, a licence, an approval, an
/// enrolment (kinds 3 to 9).
fn lai_headline(kind: usize, topic: &Topic) -> (String, String) {
    let Topic {
        company,
        molecule,
        indication,
        technology,
        partner,
    } = topic;
    match kind {
        3 | 4 => (
            format!(
                "{company} Reports Positive Phase 3 Results for Long-Acting Injectable {} in {indication}",
                capitalize(molecule)
            ),
            format!(
                "The once-monthly subcutaneous {molecule} injection met its primary endpoint, supporting a regulatory submission for {indication}."
            ),
        ),
        5 | 6 => (
            format!(
                "{company} and {partner} Sign License Agreement for {} Technology",
                capitalize(technology)
            ),
            format!(
                "The partnership applies the {technology} long-acting injectable platform to {molecule}, aiming at a 3-month dosing interval."
            ),
        ),
        7 => (
            format!(
                "{company} Receives FDA Approval for Extended-Release {} Injectable Suspension",
                capitalize(molecule)
            ),
            format!(
                "The approval covers a long-acting formulation of {molecule} for adults with {indication}."
            ),
        ),
        _ => (
            format!(
                "{company} Completes Enrollment in Phase 2 Trial of Once-Monthly {} Depot",
                capitalize(molecule)
            ),
            format!(
                "The trial evaluates an intramuscular long-acting depot of {molecule} in {indication}."
            ),
        ),
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Lower-case ASCII words joined by dashes, at most 60 characters, the way CMSs build slugs.
fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug: String = slug.trim_end_matches('-').chars().take(60).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Minimal escaping for text placed in HTML or XML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 12, 15).unwrap_or_default()
    }

    #[test]
    fn same_seed_same_site_different_index_different_site() {
        let a = SyntheticSite::new(7, 3, today());
        let b = SyntheticSite::new(7, 3, today());
        let c = SyntheticSite::new(7, 4, today());
        assert_eq!(a.entries(), b.entries());
        assert_ne!(a.entries(), c.entries());
    }

    #[test]
    fn entries_are_10_to_20_within_30_days_newest_first_with_unique_slugs() {
        for index in 0..200 {
            let site = SyntheticSite::new(42, index, today());
            let entries = site.entries();
            assert!(
                (10..=20).contains(&entries.len()),
                "site {index}: {}",
                entries.len()
            );
            for entry in &entries {
                let age = (today() - entry.published).num_days();
                assert!((0..30).contains(&age), "site {index}: {age} days old");
            }
            assert!(entries.windows(2).all(|w| w[0].published >= w[1].published));
            let mut slugs: Vec<&str> = entries.iter().map(|e| e.slug.as_str()).collect();
            slugs.sort_unstable();
            slugs.dedup();
            assert_eq!(slugs.len(), entries.len());
        }
    }

    #[test]
    fn pages_link_every_entry_and_articles_resolve() {
        let site = SyntheticSite::new(1, 0, today());
        let page = site.news_page("http://h");
        let feed = site.feed("http://h");
        for entry in site.entries() {
            assert!(page.contains(&format!("http://h{}", entry.path())));
            assert!(feed.contains(&format!("<link>http://h{}</link>", entry.path())));
            assert!(site.article_page(&entry.slug, "http://h").is_some());
        }
        assert!(site.article_page("no-such-entry", "http://h").is_none());
        assert_eq!(feed.matches("<item>").count(), site.entries().len());
    }

    #[test]
    fn undated_listing_and_truncated_feed() {
        let site = SyntheticSite::new(1, 0, today());
        let entries = site.entries();
        let page = site.news_page_undated("http://h", 2);
        assert_eq!(page.matches("<time").count(), entries.len() - 2);
        assert!(page.contains(&format!("http://h{}", entries[0].path())));
        assert_eq!(
            site.news_page_undated("http://h", 0),
            site.news_page("http://h")
        );
        let cut = site.feed_truncated("http://h");
        assert!(site.feed("http://h").starts_with(&cut));
        assert_eq!(cut.matches("</item>").count(), 2);
        assert!(!cut.contains("</rss>"));
    }

    #[test]
    fn slugify_makes_url_segments() {
        assert_eq!(
            slugify("Acme & Co: Phase 3 Results!"),
            "acme-co-phase-3-results"
        );
        assert_eq!(slugify(""), "");
    }
}
