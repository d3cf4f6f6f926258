//! RSS / Atom / JSON Feed parsing.
//!
//! Bytes are decoded ([`crate::encoding`]), the format is recognised from the content, XML is
//! read by a forgiving reader ([`xml`]) so broken feeds still give their entries, and each
//! format module ([`rss`], [`atom`], [`json`]) maps its elements onto [`Entry`]. Shared rules
//! (link resolution, dates, authors, tags) live in [`fields`].

mod atom;
mod date;
mod fields;
mod json;
mod rss;
mod xml;

use crate::dates::ParseContext;
use crate::{DocFormat, Entry, ParseError, Parsed};
use url::Url;

/// How many bytes at the start of a document are inspected to recognise its format.
const DETECT_LIMIT: usize = 8192;

/// Parses a feed document with today's date as the plausibility reference. See
/// [`parse_feed_with`].
pub fn parse_feed(
    body: &[u8],
    content_type: Option<&str>,
    feed_url: &Url,
) -> Result<Parsed, ParseError> {
    parse_feed_with(body, content_type, feed_url, &ParseContext::from_clock())
}

/// Parses a feed document. `content_type` is the HTTP Content-Type, used for the charset.
///
/// Broken documents give what could be recovered, with `malformed = true` and a warning; only
/// documents that are not feeds at all (HTML pages, empty bodies, unreadable JSON) are errors.
/// A date that `ctx` finds implausible (before 1995, after tomorrow: a placeholder or an event
/// announced ahead) is dropped, as on HTML pages, and counted in a warning: an entry left
/// undated is honest, a wrong date is not.
pub fn parse_feed_with(
    body: &[u8],
    content_type: Option<&str>,
    feed_url: &Url,
    ctx: &ParseContext,
) -> Result<Parsed, ParseError> {
    let (text, encoding, had_errors) = crate::encoding::decode(body, content_type);
    let mut warnings = Vec::new();
    if had_errors {
        warnings.push(format!(
            "bytes are not valid in the declared (or default) character set; decoded as {}",
            encoding.name()
        ));
    }
    let format = detect_text(&text);
    let (mut entries, problems) = match format {
        Some(DocFormat::JsonFeed) => (json::entries(&text, feed_url)?, Vec::new()),
        Some(DocFormat::Html) => {
            return Err(ParseError::NotAFeed("the document is an HTML page".into()));
        }
        Some(DocFormat::Rss | DocFormat::Atom) | None => xml_entries(&text, feed_url)?,
    };
    if !problems.is_empty() {
        warnings.push(format!(
            "feed is malformed ({}); recovered {} entries",
            problems.join("; "),
            entries.len()
        ));
    }
    let implausible = drop_implausible_dates(&mut entries, ctx);
    if implausible > 0 {
        warnings.push(format!(
            "{implausible} entries have a date before 1995 or in the future; left undated"
        ));
    }
    let without_link = entries.iter().filter(|e| e.url.is_empty()).count();
    if without_link > 0 {
        warnings.push(format!("{without_link} entries have no usable link"));
    }
    Ok(Parsed {
        entries,
        malformed: had_errors || !problems.is_empty(),
        warnings,
    })
}

/// Clears the dates `ctx` finds implausible; returns how many.
fn drop_implausible_dates(entries: &mut [Entry], ctx: &ParseContext) -> usize {
    let mut dropped = 0;
    for e in entries {
        if e.published.is_some_and(|d| !ctx.is_plausible(d)) {
            e.published = None;
            e.date_source = None;
            dropped += 1;
        }
    }
    dropped
}

/// Reads an XML feed: finds the feed element (wherever stray markup put it) and dispatches on
/// its vocabulary.
fn xml_entries(text: &str, feed_url: &Url) -> Result<(Vec<Entry>, Vec<&'static str>), ParseError> {
    let doc = xml::parse(text);
    let root = doc
        .find(&|e| {
            let l = e.local.to_ascii_lowercase();
            matches!(l.as_str(), "rss" | "rdf" | "channel")
                || (matches!(l.as_str(), "feed" | "entry")
                    && (e.ns.is_atom() || e.ns == xml::Ns::None))
        })
        .ok_or_else(|| {
            if doc
                .find(&|e| e.local.eq_ignore_ascii_case("html"))
                .is_some()
            {
                ParseError::NotAFeed("the document is an HTML page".into())
            } else if doc.roots.is_empty() {
                ParseError::NotAFeed("empty or non-XML document".into())
            } else {
                ParseError::NotAFeed("no rss, RDF or Atom feed element".into())
            }
        })?;
    let base = fields::base_of(feed_url, root);
    let entries = if root.local.eq_ignore_ascii_case("entry") {
        // An Atom entry document: the root is the one entry.
        atom::entry_document(root, &base)
    } else if root.local.eq_ignore_ascii_case("feed") {
        atom::entries(root, &base)
    } else {
        rss::entries(root, &base)
    };
    Ok((entries, doc.problems))
}

/// Recognises a document's format from its content (never from a file name or URL): JSON
/// Feed, RSS (0.9x, 1.0/RDF, 2.0), Atom (0.3, 1.0) or an HTML page. `None` when it is none
/// of these.
pub fn detect_format(body: &[u8]) -> Option<DocFormat> {
    let head = body.get(..body.len().min(DETECT_LIMIT)).unwrap_or_default();
    let (text, _, _) = crate::encoding::decode(head, None);
    detect_text(&text)
}

fn detect_text(text: &str) -> Option<DocFormat> {
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if trimmed.starts_with('{') {
        let head: String = trimmed.chars().take(DETECT_LIMIT).collect();
        return (head.contains("jsonfeed.org") || head.contains("\"items\""))
            .then_some(DocFormat::JsonFeed);
    }
    // Look at start tags in order, skipping the prolog, comments, DOCTYPE and stray markup
    // (PHP warnings printed before the feed are common).
    let mut rest = trimmed;
    let mut budget = 64;
    while let Some(p) = rest.find('<') {
        budget -= 1;
        if budget == 0 {
            break;
        }
        rest = &rest[p + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'))
            .collect::<String>()
            .to_ascii_lowercase();
        let local = name.rsplit(':').next().unwrap_or_default();
        match local {
            "rss" | "rdf" | "channel" => return Some(DocFormat::Rss),
            "feed" | "entry" => return Some(DocFormat::Atom),
            "html" | "head" | "body" => return Some(DocFormat::Html),
            _ => {}
        }
        if rest
            .get(..8)
            .is_some_and(|h| h.eq_ignore_ascii_case("!doctype"))
        {
            let decl: String = rest
                .chars()
                .take(20)
                .collect::<String>()
                .to_ascii_lowercase();
            if decl.contains("html") {
                return Some(DocFormat::Html);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_from_content() {
        assert_eq!(
            detect_format(b"\xEF\xBB\xBF  <?xml version='1.0'?><rss version='2.0'>"),
            Some(DocFormat::Rss)
        );
        assert_eq!(
            detect_format(b"<?xml version='1.0'?><!-- x --><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"),
            Some(DocFormat::Rss)
        );
        assert_eq!(
            detect_format(b"<feed xmlns='http://www.w3.org/2005/Atom'>"),
            Some(DocFormat::Atom)
        );
        assert_eq!(
            detect_format(br#"{"version": "https://jsonfeed.org/version/1.1", "items": []}"#),
            Some(DocFormat::JsonFeed)
        );
        assert_eq!(
            detect_format(b"<!DOCTYPE html><html><head>"),
            Some(DocFormat::Html)
        );
        assert_eq!(
            detect_format(b"<br />\n<b>Warning</b>: x<br />\n<?xml version='1.0'?><rss>"),
            Some(DocFormat::Rss)
        );
        assert_eq!(detect_format(b"hello"), None);
        assert_eq!(detect_format(b""), None);
        assert_eq!(detect_format(br#"{"a": 1}"#), None);
    }
}
