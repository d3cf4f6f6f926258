//! Character-set detection and decoding for fetched documents (feeds and HTML pages).
//!
//! The order follows what works on real servers: a byte-order mark wins (it cannot be wrong by
//! accident), then the HTTP `charset`, then what the document says about itself (XML prolog,
//! `<meta charset>`), then UTF-8 when the bytes are UTF-8, else a statistical guess
//! (chardetng, Firefox's detector) for legacy charsets nobody declared. A document that claims UTF-8 but is not is still decoded: if it
//! has no valid multi-byte sequence at all it is really Latin-1/Windows-1252 and is read as
//! such, otherwise the bad bytes become U+FFFD. Either way `had_errors` tells the caller to
//! flag the source as malformed instead of dropping it.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How far into the document we look for an XML prolog or `<meta>` charset.
const SNIFF_LIMIT: usize = 4096;

/// Decodes `body` to text. Returns the text, the encoding used, and whether the bytes did not
/// fit that encoding (replacement characters were inserted or the declared charset was wrong).
pub fn decode(body: &[u8], content_type: Option<&str>) -> (String, &'static Encoding, bool) {
    if let Some((enc, bom_len)) = Encoding::for_bom(body) {
        let rest = body.get(bom_len..).unwrap_or_default();
        return decode_with(enc, rest);
    }
    if let Some(enc) = utf16_without_bom(body) {
        return decode_with(enc, body);
    }
    let http = content_type.and_then(charset_param).and_then(usable_label);
    let declared = declared_charset(body).and_then(usable_label);
    let chosen = match (http, declared) {
        // A server default like `charset=ISO-8859-1` in front of a document that says UTF-8
        // and is valid UTF-8: the document is right.
        (Some(h), Some(d)) if h != d && d == UTF_8 && is_utf8_with_multibyte(body) => UTF_8,
        (Some(h), _) => h,
        (None, Some(d)) => d,
        (None, None) if std::str::from_utf8(body).is_ok() => UTF_8,
        (None, None) => {
            // Nothing declared and not UTF-8: a legacy charset the publisher never named
            // (EUC-JP, KOI8-R, Latin-1...). Guess it from byte statistics rather than
            // replacing every non-ASCII character.
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(body, true);
            let guessed = detector.guess(None, false);
            let (text, _) = guessed.decode_without_bom_handling(body);
            return (text.into_owned(), guessed, true);
        }
    };
    decode_with(chosen, body)
}

/// Decodes with `enc`, applying the "UTF-8 that is really Latin-1" rescue.
fn decode_with(enc: &'static Encoding, bytes: &[u8]) -> (String, &'static Encoding, bool) {
    if enc == UTF_8 {
        if let Ok(s) = std::str::from_utf8(bytes) {
            return (s.to_owned(), UTF_8, false);
        }
        if !has_valid_multibyte(bytes) {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            return (text.into_owned(), WINDOWS_1252, true);
        }
        return (String::from_utf8_lossy(bytes).into_owned(), UTF_8, true);
    }
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    (text.into_owned(), enc, had_errors)
}

/// Maps a charset label to an encoding we can decode with. UTF-16 labels on a document that
/// is not UTF-16 (already handled by BOM/NUL sniffing) and the WHATWG "replacement" encoding
/// are ignored: trusting them would turn a readable document into garbage.
fn usable_label(label: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(label.trim().as_bytes())?;
    if enc == UTF_16LE || enc == UTF_16BE || enc == encoding_rs::REPLACEMENT {
        return None;
    }
    Some(enc)
}

/// UTF-16 without a BOM is recognisable from `<` followed or preceded by a NUL byte.
fn utf16_without_bom(body: &[u8]) -> Option<&'static Encoding> {
    match body {
        [b'<', 0, c, 0, ..] if *c != 0 => Some(UTF_16LE),
        [0, b'<', 0, c, ..] if *c != 0 => Some(UTF_16BE),
        _ => None,
    }
}

/// The `charset` parameter of a Content-Type header value.
pub fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\''))
            .filter(|v| !v.is_empty())
    })
}

/// The charset a document declares about itself: `<?xml ... encoding="..."?>`, `<meta
/// charset="...">` or `<meta http-equiv="Content-Type" content="...; charset=...">`.
pub fn declared_charset(body: &[u8]) -> Option<&str> {
    let head = body.get(..body.len().min(SNIFF_LIMIT)).unwrap_or_default();
    // Only the ASCII-compatible prefix matters: the declaration is ASCII by definition.
    let ascii_len = head
        .iter()
        .position(|b| !b.is_ascii())
        .unwrap_or(head.len());
    let head = std::str::from_utf8(head.get(..ascii_len).unwrap_or_default()).ok()?;
    if let Some(start) = head.find("<?xml") {
        let decl = &head[start..];
        let decl = &decl[..decl.find("?>").unwrap_or(decl.len())];
        if let Some(v) = attr_value(decl, "encoding") {
            return Some(v);
        }
    }
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower.get(from..).and_then(|s| s.find("<meta")) {
        let start = from + p;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &head[start..end];
        if let Some(content) = attr_value(tag, "content")
            && tag.to_ascii_lowercase().contains("http-equiv")
            && let Some(cs) = charset_param(content)
        {
            return Some(cs);
        }
        if let Some(v) = attr_value(tag, "charset") {
            return Some(v);
        }
        from = end;
    }
    None
}

/// Value of `name="..."` / `name='...'` / `name=bare` inside a tag, ASCII case-insensitive.
fn attr_value<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower.get(from..).and_then(|s| s.find(name)) {
        let at = from + p;
        from = at + name.len();
        let before_ok = at == 0
            || lower
                .as_bytes()
                .get(at - 1)
                .is_some_and(|b| b.is_ascii_whitespace());
        let rest = tag.get(at + name.len()..)?.trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        if !before_ok {
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next()?,
            _ => rest
                .split(|c: char| c.is_whitespace() || matches!(c, '>' | '/' | ';' | '"' | '\''))
                .next()?,
        };
        return Some(value.trim()).filter(|v| !v.is_empty());
    }
    None
}

/// True when `bytes` contains at least one well-formed UTF-8 multi-byte sequence: the sign
/// that a document with some invalid bytes is UTF-8 with damage, not Latin-1.
fn has_valid_multibyte(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let len = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => {
                i += 1;
                continue;
            }
        };
        if let Some(seq) = bytes.get(i..i + len)
            && std::str::from_utf8(seq).is_ok()
        {
            return true;
        }
        i += 1;
    }
    false
}

/// Valid UTF-8 that actually uses multi-byte sequences (pure ASCII proves nothing).
fn is_utf8_with_multibyte(bytes: &[u8]) -> bool {
    !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_wins_over_everything() {
        let mut body = vec![0xEF, 0xBB, 0xBF];
        body.extend_from_slice(
            "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><a>é</a>".as_bytes(),
        );
        let (text, enc, bad) = decode(&body, Some("text/xml; charset=windows-1251"));
        assert_eq!(enc, UTF_8);
        assert!(!bad);
        assert!(text.ends_with("<a>é</a>"));
    }

    #[test]
    fn http_charset_then_prolog() {
        let body = b"<?xml version='1.0' encoding='windows-1251'?><t>\xcf\xf0\xe8</t>";
        let (text, enc, _) = decode(body, None);
        assert_eq!(enc.name(), "windows-1251");
        assert!(text.contains("При"));
        let (_, enc, _) = decode(body, Some("application/rss+xml; charset=\"ISO-8859-1\""));
        assert_eq!(enc, WINDOWS_1252);
    }

    #[test]
    fn declared_utf8_that_is_latin1_is_rescued() {
        let body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Caf\xe9 cr\xe8me</t>";
        let (text, enc, bad) = decode(body, None);
        assert!(bad);
        assert_eq!(enc, WINDOWS_1252);
        assert!(text.contains("Café crème"));
        // Real UTF-8 with one stray byte keeps its UTF-8 and gets a replacement character.
        let mixed = "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Café \u{2014} x</t>"
            .as_bytes()
            .iter()
            .copied()
            .chain([0xff])
            .collect::<Vec<_>>();
        let (text, enc, bad) = decode(&mixed, None);
        assert!(bad);
        assert_eq!(enc, UTF_8);
        assert!(text.contains("Café \u{2014}") && text.ends_with('\u{FFFD}'));
    }

    #[test]
    fn undeclared_legacy_charsets_are_guessed() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS
            .encode("<rss><title>ゲーム三昧な正月を過ごしています</title></rss>");
        let (text, enc, bad) = decode(&sjis, None);
        assert!(bad, "undeclared non-UTF-8 is reported");
        assert_eq!(enc, encoding_rs::SHIFT_JIS);
        assert!(text.contains("ゲーム三昧な正月"));
    }

    #[test]
    fn gb2312_and_meta_charset() {
        let body = b"<?xml version=\"1.0\" encoding=\"gb2312\"?><t>\xd6\xd0\xce\xc4</t>";
        let (text, _, bad) = decode(body, None);
        assert!(!bad);
        assert!(text.contains("中文"));
        let html = b"<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb18030'></head>";
        assert_eq!(declared_charset(html), Some("gb18030"));
        assert_eq!(declared_charset(b"<meta charset=utf-8>"), Some("utf-8"));
    }

    #[test]
    fn server_default_latin1_does_not_break_valid_utf8() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>Zürich</t>".as_bytes();
        let (text, enc, _) = decode(body, Some("text/xml; charset=iso-8859-1"));
        assert_eq!(enc, UTF_8);
        assert!(text.contains("Zürich"));
    }

    #[test]
    fn utf16_with_and_without_bom_and_bogus_labels() {
        let utf16: Vec<u8> = "<?xml version=\"1.0\"?><t>ü</t>"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let (text, enc, _) = decode(&utf16, None);
        assert_eq!(enc, UTF_16LE);
        assert!(text.contains("<t>ü</t>"));
        // A prolog saying utf-16 on bytes that are not: ignore the label.
        let (text, enc, _) = decode(b"<?xml version='1.0' encoding='utf-16'?><t>x</t>", None);
        assert_eq!(enc, UTF_8);
        assert!(text.ends_with("<t>x</t>"));
        let (_, enc, _) = decode(b"<t/>", Some("text/xml; charset=bogus-charset"));
        assert_eq!(enc, UTF_8);
    }
}
