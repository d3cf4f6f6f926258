//! Terms that are regular expressions (`seeks.*engineer`, `publishes.*financial results`).
//!
//! **Detection.** A term is a pattern when it contains `.*`, `.+`, `.?`, `.{`, a backslash, a
//! `|` or a `[`. Other regex metacharacters are far more common in plain names than in patterns
//! (`ASTA Medica (Baxter)`, `Merck & Co`, `Inc.`, `PharmaShell®`), so they alone keep a term
//! literal.
//!
//! **Bounded wildcards.** In a pattern, an unescaped `.` outside a character class means "any
//! character in the same sentence": it never matches a line break, nor a `.`, `!` or `?` that
//! ends a sentence (one followed by whitespace, the end of the text or another terminator);
//! a `.` inside a word or number (`U.S`, `3.5`) does not stop it. `.*` and `.+` are bounded
//! to [`MAX_SPAN`] characters. So `seeks.*engineer` matches "Nanexa seeks experienced process
//! engineer" but not "seeks" in one paragraph and "engineer" in another, and a scraped listing
//! glued into one long line cannot make two headlines match as one. The regex crate guarantees
//! matching linear in the text, so no pattern can run away.
//!
//! **Word boundaries.** Like literal terms, a pattern whose first (last) character is a word
//! character only matches at a word start (end): `\b` is added there. A pattern that starts or
//! ends with a group or class gets no boundary at that edge; write `\b` explicitly if needed.

use crate::text::{is_word_char, normalize_term};

/// Longest span, in sentence characters, that one `.*` or `.+` may cover.
pub const MAX_SPAN: usize = 200;

/// One "any character in the same sentence" step: a character that is not a line break or a
/// sentence terminator, or a terminator immediately followed by a non-space, non-terminator
/// character (the `.` of `U.S` or `3.5`).
const SENTENCE_CHAR: &str = r"(?:[^\n.!?]|[.!?][^\s.!?])";

/// Whether a configured term is a regular expression rather than a literal (see module doc).
pub fn is_pattern(term: &str) -> bool {
    [".*", ".+", ".?", ".{", "\\", "|", "["]
        .iter()
        .any(|marker| term.contains(marker))
}

/// Translates a configured pattern into the regex source actually compiled: whitespace and
/// typography normalised like texts, wildcards bounded to a sentence, word boundaries added at
/// word-character edges. Case is left alone (case-insensitivity is a regex flag, because
/// lower-casing would turn `\S` into `\s`).
pub fn to_regex_source(term: &str) -> String {
    let term = normalize_term(term, true);
    let mut out = String::with_capacity(term.len() + 64);
    if term.chars().next().is_some_and(is_word_char) {
        out.push_str(r"\b");
    }
    let mut chars = term.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal member, not the end of the class.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '.' if !in_class => {
                out.push_str(SENTENCE_CHAR);
                match chars.peek() {
                    Some('*') => {
                        chars.next();
                        out.push_str(&format!("{{0,{MAX_SPAN}}}"));
                    }
                    Some('+') => {
                        chars.next();
                        out.push_str(&format!("{{1,{MAX_SPAN}}}"));
                    }
                    _ => {}
                }
            }
            other => out.push(other),
        }
    }
    if ends_with_word_char(&term) {
        out.push_str(r"\b");
    }
    out
}

/// Whether the pattern's last character is a word character (a letter, or the class letter of
/// an escape such as `\d`, after which a boundary is equally wanted).
fn ends_with_word_char(term: &str) -> bool {
    term.chars().next_back().is_some_and(is_word_char)
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::RegexBuilder;

    fn compiled(term: &str) -> regex::Regex {
        RegexBuilder::new(&to_regex_source(term))
            .case_insensitive(true)
            .build()
            .unwrap()
    }

    #[test]
    fn detection_keeps_names_with_punctuation_literal() {
        assert!(is_pattern("seeks.*engineer"));
        assert!(is_pattern("publishes.*financial results"));
        assert!(is_pattern(r"q\d+w"));
        assert!(is_pattern("colou[r]"));
        for literal in [
            "ASTA Medica (Baxter)",
            "Merck & Co",
            "PharmaShell®",
            "Fc-fusion",
            "LeaderMed Health Group Ltd;",
            "Chongqing Chen'an Biopharmaceutical Co LtdCo Ltd",
            "U.S. FDA",
        ] {
            assert!(!is_pattern(literal), "{literal}");
        }
    }

    #[test]
    fn wildcard_stays_in_one_sentence() {
        let re = compiled("seeks.*engineer");
        assert!(re.is_match("Nanexa seeks experienced process engineer"));
        assert!(re.is_match("Nanexa seeks a 3.5 FTE U.S-based engineer"));
        assert!(!re.is_match("Nanexa seeks partners. Our engineer team grows"));
        assert!(!re.is_match("Nanexa seeks partners\nengineer"));
        assert!(!re.is_match("Nanexa seeks partners! engineer"));
    }

    #[test]
    fn wildcard_is_bounded() {
        let re = compiled("seeks.*engineer");
        let near = format!("seeks {} engineer", "x".repeat(MAX_SPAN - 2));
        let far = format!("seeks {} engineer", "x".repeat(MAX_SPAN + 1));
        assert!(re.is_match(&near));
        assert!(!re.is_match(&far));
    }

    #[test]
    fn patterns_are_bounded_to_whole_words() {
        let re = compiled("seeks.*engineer");
        assert!(!re.is_match("Nanexa seeks experienced process engineering staff"));
        assert!(!re.is_match("he reseeks an engineer"));
        let re = compiled("interim report.*january");
        assert!(re.is_match("Camurus publishes interim report January–March 2026"));
    }

    #[test]
    fn character_classes_and_escapes_pass_through() {
        assert_eq!(to_regex_source("a[.]b"), r"\ba[.]b\b");
        assert_eq!(to_regex_source(r"a\.b"), r"\ba\.b\b");
        assert_eq!(to_regex_source("[]a]x"), r"[]a]x\b");
        let re = compiled(r"q\d+w");
        assert!(re.is_match("dosed Q4W"));
        assert!(!re.is_match("dosed q4weeks"));
    }

    #[test]
    fn pattern_edges_that_are_not_word_characters_get_no_boundary() {
        let re = compiled("(engineer|director).*seeks");
        assert!(re.is_match("reengineer seeks"));
    }
}
