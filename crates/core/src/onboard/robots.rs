//! robots.txt, read once per discovery and obeyed for every page it fetches (RFC 9309, matched
//! by the `robotstxt` crate, a port of Google's parser).

use crate::fetch::{FetchOptions, Fetcher};
use url::Url;

/// The product token matched against `User-agent:` lines.
pub const ROBOTS_AGENT: &str = "vectora-inbox";

/// RFC 9309 asks crawlers to read at least 500 KiB; the rest is ignored.
const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// A site's robots rules.
#[derive(Debug, Clone)]
pub enum Robots {
    /// No robots.txt (4xx): everything may be fetched.
    AllowAll,
    /// The file's text.
    Rules(String),
    /// robots.txt could not be read (5xx, unreachable): RFC 9309 says assume complete disallow.
    Unreadable(String),
}

impl Robots {
    /// Fetches `/robots.txt` of `site`'s origin. Returns the rules and the requests spent.
    pub async fn fetch(fetcher: &Fetcher, site: &Url, opts: &FetchOptions) -> (Robots, u32) {
        let Ok(url) = site.join("/robots.txt") else {
            return (Robots::AllowAll, 0);
        };
        match fetcher.fetch(&url, opts).await {
            Ok(f) => {
                let body = f
                    .body
                    .get(..f.body.len().min(MAX_ROBOTS_BYTES))
                    .unwrap_or_default();
                let text = String::from_utf8_lossy(body).into_owned();
                (Robots::Rules(text), f.attempts)
            }
            Err(e) if e.http_status.is_some_and(|s| (400..500).contains(&s)) => {
                (Robots::AllowAll, e.attempts)
            }
            Err(e) => (
                Robots::Unreadable(format!("{url}: {}", e.message)),
                e.attempts,
            ),
        }
    }

    /// Why a URL this refuses is not read.
    pub fn refusal(&self) -> String {
        match self {
            Robots::Unreadable(why) => {
                format!("robots.txt could not be read ({why}): nothing is read from the site")
            }
            _ => "disallowed by robots.txt".to_string(),
        }
    }

    /// Whether `url` may be fetched.
    pub fn allows(&self, url: &Url) -> bool {
        match self {
            Robots::AllowAll => true,
            Robots::Unreadable(_) => false,
            Robots::Rules(text) => robotstxt::DefaultMatcher::default()
                .one_agent_allowed_by_robots(text, ROBOTS_AGENT, url.as_str()),
        }
    }
}
