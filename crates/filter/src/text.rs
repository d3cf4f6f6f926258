//! Text normalisation shared by terms and the texts they are matched against.
//!
//! Terms and item texts go through the same [`normalize`] so that a term written
//! `long-acting injectable` still matches text scraped as `long‑acting\u{a0}injectable`
//! (non-breaking hyphen, non-breaking space) or `Medincell’s` (typographic apostrophe). The
//! normalisation is deliberately small: it never merges hyphen and space variants (config lists
//! those as separate terms) and never touches dashes used as ranges (`January–March`).

/// Whether `c` belongs to a word for boundary purposes: letters, digits and `_`, in any script.
///
/// A term only needs a boundary at an edge whose character is a word character, so `Merck & Co`
/// needs one after `Co` but `PharmaShell®` needs none after `®`.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Normalises `text` for matching: typographic apostrophes and quotes become ASCII, Unicode
/// hyphens become `-`, runs of horizontal whitespace become one space, runs of whitespace that
/// contain a line break become one `\n` (line breaks are kept because patterns never span them),
/// and, unless `case_sensitive`, everything is lower-cased.
///
/// Linear in the length of `text`.
pub fn normalize(text: &str, case_sensitive: bool) -> String {
    let mut out = String::with_capacity(text.len());
    // Pending whitespace run: None, Some(false) = spaces only, Some(true) = contains a newline.
    let mut pending_ws: Option<bool> = None;
    for c in text.chars() {
        if c.is_whitespace() {
            let newline = matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
            pending_ws = Some(pending_ws.unwrap_or(false) || newline);
            continue;
        }
        if let Some(newline) = pending_ws.take() {
            out.push(if newline { '\n' } else { ' ' });
        }
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => '"',
            '\u{2010}' | '\u{2011}' => '-',
            '\u{AD}' => continue, // soft hyphen: invisible, splits words in scraped HTML
            other => other,
        };
        if case_sensitive {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    if let Some(newline) = pending_ws {
        out.push(if newline { '\n' } else { ' ' });
    }
    out
}

/// Normalises a configured term: like [`normalize`], with surrounding whitespace removed.
pub fn normalize_term(term: &str, case_sensitive: bool) -> String {
    normalize(term.trim(), case_sensitive)
}

/// Whether the match `text[start..end]` stands on word boundaries: at each edge whose matched
/// character is a word character, the neighbouring character (if any) must not be one.
///
/// `start` and `end` must be char boundaries of `text` (they are, for matches returned by
/// aho-corasick on a `&str`); if they are not, the match is rejected rather than panicking.
pub fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let (Some(before), Some(matched), Some(after)) =
        (text.get(..start), text.get(start..end), text.get(end..))
    else {
        return false;
    };
    let left_ok = match (matched.chars().next(), before.chars().next_back()) {
        (Some(first), Some(prev)) if is_word_char(first) => !is_word_char(prev),
        _ => true,
    };
    let right_ok = match (matched.chars().next_back(), after.chars().next()) {
        (Some(last), Some(next)) if is_word_char(last) => !is_word_char(next),
        _ => true,
    };
    left_ok && right_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_typography_and_whitespace_but_not_dashes() {
        let got = normalize(
            "Medincell’s  long\u{2011}acting\u{a0}drug\r\n\n  January–March",
            false,
        );
        assert_eq!(got, "medincell's long-acting drug\njanuary–march");
    }

    #[test]
    fn normalize_keeps_case_when_case_sensitive() {
        assert_eq!(normalize("  PharmaShell® ", true), " PharmaShell® ");
        assert_eq!(normalize_term("  PharmaShell® ", true), "PharmaShell®");
    }

    #[test]
    fn normalize_lowercases_non_ascii() {
        assert_eq!(normalize("ÉTUDE Über", false), "étude über");
    }

    #[test]
    fn boundaries_only_where_the_term_edge_is_a_word_character() {
        // "oral" inside "moral" is not a word match.
        let t = "a moral choice";
        let s = t.find("oral").unwrap();
        assert!(!on_word_boundaries(t, s, s + 4));
        // "PharmaShell®" followed by "-based": the right edge is "®", so no boundary needed.
        let t = "pharmashell®-based products";
        assert!(on_word_boundaries(t, 0, "pharmashell®".len()));
        // "89bio" at the start of the text, followed by a comma.
        assert!(on_word_boundaries("89bio, inc", 0, 5));
        // "q4w" inside "q4weeks" is rejected.
        assert!(!on_word_boundaries("dosed q4weeks", 6, 9));
        // A non-word left edge ("-") needs no boundary even after a letter.
        assert!(on_word_boundaries("abc-def", 3, 7));
    }

    #[test]
    fn boundaries_reject_offsets_that_are_not_char_boundaries() {
        let t = "é";
        assert!(!on_word_boundaries(t, 1, 2));
        assert!(!on_word_boundaries(t, 0, 9));
    }
}
