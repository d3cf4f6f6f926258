//! JSON Feed 1.0 and 1.1 items.

use super::fields::{Draft, clean_author, first_date, is_absolute_web_url, push_tag, web_url};
use crate::text::{clean_inline, html_to_text};
use crate::{Entry, ParseError};
use serde_json::Value;
use url::Url;

/// Every item of the feed. A document that is not valid JSON cannot be partly recovered, so
/// it is an error (the XML formats recover instead).
pub(super) fn entries(text: &str, feed_url: &Url) -> Result<Vec<Entry>, ParseError> {
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{FEFF}'))
        .map_err(|e| ParseError::Malformed(format!("JSON Feed is not valid JSON: {e}")))?;
    let items = doc
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::NotAFeed("JSON document without an `items` array".into()))?;
    // Relative item URLs are resolved against the feed's own address.
    let base = doc
        .get("feed_url")
        .and_then(Value::as_str)
        .and_then(|u| crate::urls::resolve(feed_url, u))
        .unwrap_or_else(|| feed_url.clone());
    Ok(items
        .iter()
        .filter_map(|item| draft(item, &base).finish())
        .collect())
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn draft(item: &Value, base: &Url) -> Draft {
    // JSON Feed titles are plain text (the spec's `content_html` is where markup goes):
    // "Die Rückkehr von <i> und <b>" keeps its angle brackets.
    let title = str_field(item, "title")
        .map(crate::text::collapse_whitespace)
        .unwrap_or_default();
    let url = str_field(item, "url")
        .and_then(|u| web_url(base, u))
        .or_else(|| str_field(item, "external_url").and_then(|u| web_url(base, u)))
        .or_else(|| {
            str_field(item, "id")
                .filter(|id| is_absolute_web_url(id))
                .and_then(|u| web_url(base, u))
        });
    let published = first_date(
        ["date_published", "date_modified"]
            .iter()
            .filter_map(|k| str_field(item, k).map(str::to_string)),
    );
    let content = str_field(item, "summary")
        .map(clean_inline)
        .or_else(|| str_field(item, "content_text").map(clean_inline))
        .or_else(|| str_field(item, "content_html").map(html_to_text))
        .unwrap_or_default();
    // 1.1 has `authors` (a list), 1.0 has `author`.
    let author = item
        .get("authors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(item.get("author"))
        .find_map(|a| a.get("name").and_then(Value::as_str).and_then(clean_author));
    let mut tags = Vec::new();
    for t in item
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(s) = t.as_str() {
            push_tag(&mut tags, s);
        }
    }
    Draft {
        title,
        url,
        published,
        content,
        author,
        tags,
    }
}
