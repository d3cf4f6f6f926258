//! URL helpers: resolution against a base and canonical forms for deduplication.

use url::Url;

/// Resolves `href` (possibly relative, possibly with stray whitespace) against `base`.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let cleaned: String = href.chars().filter(|c| !c.is_control()).collect();
    base.join(cleaned.trim()).ok()
}

/// Canonical form of a URL for deduplication: lower-case scheme and host, no fragment, no
/// tracking parameters (utm_*, fbclid, gclid...), no trailing slash on the path.
pub fn canonicalize(url: &str) -> String {
    let Ok(mut u) = Url::parse(url.trim()) else {
        return url.trim().to_string();
    };
    u.set_fragment(None);
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = u.path().trim_end_matches('/').to_string();
    u.set_path(if path.is_empty() { "/" } else { &path });
    let mut s = u.to_string();
    if s.ends_with('/') && u.query().is_none() {
        s.pop();
    }
    s
}

fn is_tracking_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_")
        || matches!(
            k.as_str(),
            "fbclid" | "gclid" | "dclid" | "msclkid" | "mc_cid" | "mc_eid" | "_hsenc" | "_hsmi" | "igshid" | "ref_src"
        )
}
