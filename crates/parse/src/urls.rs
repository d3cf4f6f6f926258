//! URL helpers: resolution against a base and canonical forms for deduplication.

use url::Url;

/// Resolves `href` (possibly relative, possibly with stray whitespace or control characters,
/// possibly a `javascript:` link to a page, see [`javascript_target`]) against `base`. `None` when there is no link: an empty href or a bare `#fragment` points
/// back at the page itself, and unparseable hrefs point nowhere.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = javascript_target(href).unwrap_or(href);
    let cleaned: std::borrow::Cow<'_, str> = if href.chars().any(char::is_control) {
        href.chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .into()
    } else {
        href.into()
    };
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned.starts_with('#') {
        return None;
    }
    base.join(same_site_path(base, cleaned).unwrap_or(cleaned))
        .ok()
}

/// The path of an absolute link to the base's own origin, written exactly as the base writes it
/// (`https://www.example.com/news/x` on `https://www.example.com/news/`): resolving the path
/// alone gives the same URL without parsing the host again (most of the cost of resolving, and
/// most sites write their own links in full). `None` for anything else, and for a remainder
/// that would read as another host (`//evil.example`, `/\evil.example`).
fn same_site_path<'h>(base: &Url, href: &'h str) -> Option<&'h str> {
    let origin = &base[..url::Position::BeforePath];
    let path = href.strip_prefix(origin)?;
    let mut chars = path.chars();
    (chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'))).then_some(path)
}

/// The page a `javascript:` link opens (`javascript:popUp('releases/0119.html')`,
/// `javascript:window.open("https://…")`): its first quoted argument that reads as a path or a
/// URL. `None` for other hrefs and for scripts that name no page.
pub fn javascript_target(href: &str) -> Option<&str> {
    let h = href.trim();
    if !h
        .get(..11)
        .is_some_and(|p| p.eq_ignore_ascii_case("javascript:"))
    {
        return None;
    }
    let mut rest = &h[11..];
    while let Some(open) = rest.find(['\'', '"']) {
        let quote = rest[open..].chars().next()?;
        let body = &rest[open + 1..];
        let close = body.find(quote)?;
        let arg = body[..close].trim();
        let looks_like_page = arg.starts_with("http://")
            || arg.starts_with("https://")
            || (!arg.contains(' ') && (arg.contains('/') || arg.contains(".htm")));
        if looks_like_page {
            return Some(arg);
        }
        rest = &body[close + 1..];
    }
    None
}

/// Canonical form of a URL for deduplication: lower-case scheme and host, default port
/// dropped, no fragment, no tracking parameters (utm_*, fbclid, gclid...), no trailing slash
/// on the path. The remaining query is kept byte for byte (re-encoding it could change what
/// the server returns). Text that is not an absolute URL is returned trimmed. Idempotent.
pub fn canonicalize(url: &str) -> String {
    // One pass can leave a form the URL parser normalises further (a trailing `.` segment left by
    // the slash trimming: `h:/./` → `h:/.` → `h:/`): repeat until nothing changes.
    let mut s = canonical_pass(url);
    for _ in 0..4 {
        let next = canonical_pass(&s);
        if next == s {
            break;
        }
        s = next;
    }
    s
}

fn canonical_pass(url: &str) -> String {
    let Ok(mut u) = Url::parse(url.trim()) else {
        return url.trim().to_string();
    };
    u.set_fragment(None);
    let kept: Option<String> = u.query().map(|q| {
        q.split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                let key = pair.split('=').next().unwrap_or_default();
                !is_tracking_param(key)
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    u.set_query(kept.as_deref().filter(|q| !q.is_empty()));
    if !u.cannot_be_a_base() {
        let trimmed = u.path().trim_end_matches('/').to_string();
        u.set_path(if trimmed.is_empty() { "/" } else { &trimmed });
    }
    let mut s = u.to_string();
    // `https://host/` and `https://host` are the same page: drop the root slash.
    if u.query().is_none() && u.path() == "/" && s.ends_with('/') {
        s.pop();
    }
    s
}

fn is_tracking_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_")
        || matches!(
            k.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "mc_cid"
                | "mc_eid"
                | "_hsenc"
                | "_hsmi"
                | "igshid"
                | "ref_src"
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn own_site_links_resolve_as_written_in_full() {
        let base = Url::parse("https://www.example.com:8443/news/?page=2").unwrap();
        for (href, want) in [
            (
                "https://www.example.com:8443/news/a?b=1#c",
                "https://www.example.com:8443/news/a?b=1#c",
            ),
            (
                "https://www.example.com:8443/../x/./y",
                "https://www.example.com:8443/x/y",
            ),
            (
                "https://www.example.com:8443//evil.example/x",
                "https://www.example.com:8443//evil.example/x",
            ),
            (
                "https://www.example.com:8443/\\evil.example/x",
                "https://www.example.com:8443//evil.example/x",
            ),
            (
                "https://www.example.com:84/x",
                "https://www.example.com:84/x",
            ),
            (
                "HTTPS://WWW.EXAMPLE.COM:8443/x",
                "https://www.example.com:8443/x",
            ),
            (
                "https://www.example.com:8443",
                "https://www.example.com:8443/",
            ),
        ] {
            assert_eq!(
                resolve(&base, href).map(String::from).as_deref(),
                Some(want),
                "{href}"
            );
        }
        let base = Url::parse("https://www.example.com/news/").unwrap();
        for (href, want) in [
            (
                "https://www.example.com.evil.example/x",
                "https://www.example.com.evil.example/x",
            ),
            (
                "https://www.example.com@evil.example/x",
                "https://www.example.com@evil.example/x",
            ),
            ("https://www.example.com/x", "https://www.example.com/x"),
        ] {
            assert_eq!(
                resolve(&base, href).map(String::from).as_deref(),
                Some(want),
                "{href}"
            );
        }
    }

    use super::*;

    #[test]
    fn canonical_form_is_a_fixed_point_even_with_dot_segments() {
        // Found by the `urls` fuzz target: a dot segment left by the slash trimming.
        for input in [
            "h:/././/",
            "h\u{6}\u{0}:/././/",
            "x:/a/./",
            "https://e.example/a/./b/.",
        ] {
            let base = Url::parse("https://www.example.com/news/list.html?page=2").unwrap();
            for text in [
                input.to_string(),
                resolve(&base, input)
                    .map(|u| u.to_string())
                    .unwrap_or_default(),
            ] {
                let once = canonicalize(&text);
                assert_eq!(canonicalize(&once), once, "{text:?}");
            }
        }
    }

    #[test]
    fn a_javascript_link_to_a_page_resolves_to_that_page() {
        let base = Url::parse("http://energy.example.com/press_releases.html").unwrap();
        let r = |h: &str| resolve(&base, h).map(|u| u.to_string());
        assert_eq!(
            r("javascript:popUp('press_releases_files/articles/0119owens.html')").as_deref(),
            Some("http://energy.example.com/press_releases_files/articles/0119owens.html")
        );
        assert_eq!(
            r("JavaScript:window.open(\"https://other.example/a\", 'w', 'width=600')").as_deref(),
            Some("https://other.example/a")
        );
        assert_eq!(javascript_target("javascript:void(0)"), None);
        assert_eq!(javascript_target("javascript:alert('Hello there')"), None);
        assert_eq!(javascript_target("/news/a.html"), None);
    }

    fn base() -> Url {
        Url::parse("https://www.example.com/news/list.html?page=2").unwrap()
    }

    #[test]
    fn resolves_relative_protocol_relative_and_dirty_hrefs() {
        let r = |h: &str| resolve(&base(), h).map(|u| u.to_string());
        assert_eq!(
            r("item-1.html").as_deref(),
            Some("https://www.example.com/news/item-1.html")
        );
        assert_eq!(
            r("/press/a").as_deref(),
            Some("https://www.example.com/press/a")
        );
        assert_eq!(
            r("//cdn.example.org/x").as_deref(),
            Some("https://cdn.example.org/x")
        );
        assert_eq!(
            r("\n\t https://other.example/a b \r\n").as_deref(),
            Some("https://other.example/a%20b")
        );
        assert_eq!(
            r("../up?x=1#frag").as_deref(),
            Some("https://www.example.com/up?x=1#frag")
        );
        assert_eq!(r(""), None);
        assert_eq!(r("   "), None);
        assert_eq!(r("#top"), None);
        assert_eq!(r("http://[::1"), None);
    }

    #[test]
    fn canonical_form_drops_tracking_fragment_and_trailing_slash() {
        assert_eq!(
            canonicalize(
                " HTTPS://WWW.Example.COM:443/News/Item/?utm_source=rss&id=7&fbclid=x#comments "
            ),
            "https://www.example.com/News/Item?id=7"
        );
        assert_eq!(
            canonicalize("https://example.com/?utm_medium=feed"),
            "https://example.com"
        );
        assert_eq!(canonicalize("https://example.com"), "https://example.com");
        assert_eq!(
            canonicalize("https://example.com/a?q=a%20b&flag"),
            "https://example.com/a?q=a%20b&flag"
        );
        assert_eq!(
            canonicalize("https://example.com/a?&&x=1&"),
            "https://example.com/a?x=1"
        );
        assert_eq!(
            canonicalize("mailto:press@example.com"),
            "mailto:press@example.com"
        );
        assert_eq!(canonicalize("  not a url "), "not a url");
    }

    /// Property: canonical forms are fixed points, never carry fragments or tracking
    /// parameters, and equal URLs that differ only in tracking noise map to one form.
    #[test]
    fn canonicalize_properties_hold_on_generated_urls() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut pick = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let hosts = [
            "example.com",
            "WWW.Example.com",
            "sub.example.org:8443",
            "example.net:443",
        ];
        let segs = ["", "a", "b/", "News", "x y", "%C3%A9", "..", "c.html"];
        let params = [
            "id=1",
            "utm_source=rss",
            "q=a%20b",
            "fbclid=z",
            "flag",
            "",
            "UTM_Medium=x",
            "p=1/2",
        ];
        for _ in 0..2000 {
            let scheme = ["http", "https", "HTTPS"][pick(3)];
            let path: Vec<&str> = (0..pick(4)).map(|_| segs[pick(segs.len())]).collect();
            let query: Vec<&str> = (0..pick(4)).map(|_| params[pick(params.len())]).collect();
            let frag = ["", "#x", "#"][pick(3)];
            let q = if query.is_empty() {
                String::new()
            } else {
                format!("?{}", query.join("&"))
            };
            let raw = format!(
                "{scheme}://{}/{}{q}{frag}",
                hosts[pick(hosts.len())],
                path.join("/")
            );
            let c = canonicalize(&raw);
            assert_eq!(canonicalize(&c), c, "not idempotent for {raw}");
            assert!(!c.contains('#'), "fragment kept: {raw} -> {c}");
            assert!(
                !c.to_ascii_lowercase().contains("utm_") && !c.contains("fbclid"),
                "{raw} -> {c}"
            );
            let noisy = format!(
                "{}{}utm_campaign=x",
                raw.split('#').next().unwrap(),
                if q.is_empty() { "?" } else { "&" }
            );
            assert_eq!(
                canonicalize(&noisy),
                c,
                "tracking noise changed the form of {raw}"
            );
        }
    }
}
