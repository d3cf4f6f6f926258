//! RSS / Atom / JSON Feed parsing.

use crate::{Parsed, ParseError};
use url::Url;

/// Parses a feed document. `content_type` is the HTTP Content-Type, used for the charset.
pub fn parse_feed(body: &[u8], content_type: Option<&str>, feed_url: &Url) -> Result<Parsed, ParseError> {
    let _ = (body, content_type, feed_url);
    Err(ParseError::NotAFeed("not implemented".into()))
}
