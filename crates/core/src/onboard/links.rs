//! Which links of a page may lead to the site's news: newsroom pages (by what their text or URL
//! says, in the languages of the sources we watch) and feeds behind links.

use url::Url;
use vectora_parse::html::PageLink;

/// Words that name a newsroom, with their weight: press releases beat news, news beats media.
const NEWS_WORDS: &[(&str, u32)] = &[
    ("press release", 3),
    ("press-release", 3),
    ("pressrelease", 3),
    ("communiqués", 3),
    ("communiques", 3),
    ("communiqué", 3),
    ("pressemitteilung", 3),
    ("pressmeddelande", 3),
    ("보도자료", 3),
    ("newsroom", 3),
    ("news", 2),
    ("actualités", 2),
    ("actualites", 2),
    ("nyheter", 2),
    ("press", 2),
    ("presse", 2),
    ("media", 1),
];

/// Words of a link that leads to a feed, whatever its URL ends with.
const FEED_WORDS: &[&str] = &["rss", "atom", "feed", "syndication"];

/// Link texts that mention news but lead elsewhere.
const NOT_NEWS: &[&str] = &[
    "newsletter",
    "subscribe to",
    "sign up",
    "media kit",
    "social media",
];

/// How strongly a link says "newsroom" (0: not at all). Chrome links (navigation, header,
/// footer) get a bonus: that is where a site links its newsroom from.
pub fn news_score(link: &PageLink) -> u32 {
    let text = link.text.to_lowercase();
    if NOT_NEWS.iter().any(|w| text.contains(w)) || is_document(&link.url) {
        return 0;
    }
    let path = percent_decoded_path(&link.url);
    let best = |hay: &str| {
        NEWS_WORDS
            .iter()
            .filter(|(w, _)| hay.contains(w))
            .map(|(_, s)| *s)
            .max()
            .unwrap_or(0)
    };
    let score = best(&text).max(best(&path));
    if score == 0 {
        return 0;
    }
    score * 2 + u32::from(link.in_chrome)
}

/// Whether a link's text or URL says it leads to a feed.
pub fn looks_like_feed_link(link: &PageLink) -> bool {
    let text = link.text.to_lowercase();
    let path = percent_decoded_path(&link.url);
    FEED_WORDS
        .iter()
        .any(|w| text.split(|c: char| !c.is_alphanumeric()).any(|t| t == *w) || path.contains(w))
}

/// Same site: the same host, or a host under the same domain (`news.example.com` for
/// `www.example.com`).
pub fn same_site(a: &Url, b: &Url) -> bool {
    match (a.host_str(), b.host_str()) {
        (Some(x), Some(y)) if x == y => a.port_or_known_default() == b.port_or_known_default(),
        (Some(x), Some(y)) => {
            let (dx, dy) = (site_domain(x), site_domain(y));
            !dx.is_empty() && dx == dy && x.parse::<std::net::IpAddr>().is_err()
        }
        _ => false,
    }
}

/// The registrable part of a host, approximated: the last two labels, or three under a
/// country's second-level domain (`peptron.co.kr`).
pub fn site_domain(host: &str) -> String {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let n = labels.len();
    let take = if n >= 3 && is_second_level(labels[n - 2]) {
        3
    } else {
        2
    };
    labels[n.saturating_sub(take)..].join(".")
}

fn is_second_level(label: &str) -> bool {
    matches!(
        label,
        "co" | "com" | "ac" | "or" | "ne" | "go" | "org" | "net" | "gov" | "edu"
    )
}

fn is_document(url: &Url) -> bool {
    let p = url.path().to_ascii_lowercase();
    [
        ".pdf", ".jpg", ".jpeg", ".png", ".zip", ".doc", ".docx", ".mp4",
    ]
    .iter()
    .any(|ext| p.ends_with(ext))
}

fn percent_decoded_path(url: &Url) -> String {
    url::form_urlencoded::parse(url.path().as_bytes())
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(text: &str, url: &str, in_chrome: bool) -> PageLink {
        PageLink {
            url: Url::parse(url).unwrap(),
            text: text.into(),
            in_chrome,
        }
    }

    #[test]
    fn press_releases_in_the_footer_outrank_a_media_link() {
        let pr = news_score(&link("Press releases", "https://x.com/investors/pr", true));
        let media = news_score(&link("Media", "https://x.com/media", true));
        assert!(pr > media && media > 0, "{pr} vs {media}");
    }

    #[test]
    fn newsroom_words_in_other_languages_count_in_text_and_url() {
        assert!(news_score(&link("보도자료", "https://x.co.kr/board", false)) > 0);
        assert!(
            news_score(&link(
                "Aktuelles",
                "https://x.de/pressemitteilungen/",
                false
            )) > 0
        );
        assert!(news_score(&link("Läs mer", "https://x.se/sv/pressmeddelanden", false)) > 0);
        assert!(news_score(&link("Actualités", "https://x.fr/fr/a", false)) > 0);
        assert_eq!(
            news_score(&link("Our pipeline", "https://x.com/pipeline", true)),
            0
        );
    }

    #[test]
    fn newsletters_and_pdfs_are_not_newsrooms() {
        assert_eq!(
            news_score(&link("Newsletter", "https://x.com/news/letter", true)),
            0
        );
        assert_eq!(news_score(&link("News", "https://x.com/news.pdf", true)), 0);
    }

    #[test]
    fn feed_links_are_recognised_by_their_words() {
        assert!(looks_like_feed_link(&link(
            "RSS",
            "https://x.com/subscribe",
            false
        )));
        assert!(looks_like_feed_link(&link(
            "Subscribe",
            "https://x.com/feed/",
            false
        )));
        assert!(!looks_like_feed_link(&link(
            "Subscribe",
            "https://x.com/newsletter",
            false
        )));
    }

    #[test]
    fn site_domain_handles_country_second_levels() {
        assert_eq!(site_domain("www.peptron.co.kr"), "peptron.co.kr");
        assert_eq!(site_domain("news.camurus.com"), "camurus.com");
        let a = Url::parse("https://www.camurus.com/").unwrap();
        assert!(same_site(
            &a,
            &Url::parse("https://ir.camurus.com/x").unwrap()
        ));
        assert!(!same_site(
            &a,
            &Url::parse("https://twitter.com/camurus").unwrap()
        ));
    }
}
