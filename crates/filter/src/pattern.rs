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
//! a `.` inside a word or number (`U.S`, `3.5`) does not stop it (an abbreviation followed by a
//! space, `Dr. Kim`, does). `.*` and `.+` are bounded to [`MAX_SPAN`] bytes (as many characters
//! for Latin text). So `seeks.*engineer` matches "Nanexa seeks experienced process engineer" but
//! not "seeks" in one paragraph and "engineer" in another, and a scraped listing glued into one
//! long line cannot make two headlines match as one. The regex crate guarantees matching linear
//! in the text, so no pattern can run away.
//!
//! **Word boundaries.** Like literal terms, a pattern whose first (last) character is a word
//! character only matches at a word start (end): `\b` is added there. A pattern that starts or
//! ends with a group or class gets no boundary at that edge; write `\b` explicitly if needed.
//!
//! **Two compiled forms.** Unicode word boundaries stop the regex crate's fast DFA on non-ASCII
//! text, which made a set of patterns fifty times slower on real (accented) text. So every
//! pattern is compiled twice, see [`PatternSources`]: a *fast* form whose boundaries at ASCII
//! edges are ASCII boundaries (they accept every match the Unicode ones accept, and a few more
//! next to non-ASCII letters), run all together as one set; and the *exact* form, run only on
//! the few patterns the set flagged, to confirm.

use crate::text::{is_word_char, normalize_term};

/// Longest span, in bytes of sentence text, that one `.*` or `.+` may cover.
pub const MAX_SPAN: usize = 200;

/// One "any character in the same sentence" step: a byte that is not a line break or a
/// sentence terminator, or a terminator immediately followed by a byte that is neither
/// whitespace nor a terminator (the `.` of `U.S` or `3.5`). Byte classes (`(?-u:…)`) keep the
/// bounded repetition small for the DFA; multi-byte characters simply count as several steps.
const SENTENCE_STEP: &str = r"(?:(?-u:[^\n.!?])|[.!?](?-u:[^\s.!?]))";

/// Whether a configured term is a regular expression rather than a literal (see module doc).
pub fn is_pattern(term: &str) -> bool {
    [".*", ".+", ".?", ".{", "\\", "|", "["]
        .iter()
        .any(|marker| term.contains(marker))
}

/// The two regex sources compiled for one pattern term (both for `regex::bytes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternSources {
    /// Same as `exact` but with ASCII word boundaries at ASCII edges: DFA-friendly, a superset.
    pub fast: String,
    /// The pattern as specified: Unicode word boundaries.
    pub exact: String,
}

/// Translates a configured pattern into the regex sources actually compiled: whitespace and
/// typography normalised like texts, wildcards bounded to a sentence, word boundaries added at
/// word-character edges. Case is left alone (case-insensitivity is a regex flag, because
/// lower-casing would turn `\S` into `\s`).
pub fn translate(term: &str) -> PatternSources {
    let term = normalize_term(term, true);
    let body = bounded_body(&term);
    let edge = |c: Option<char>| match c {
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => (r"(?-u:\b)", r"\b"),
        Some(c) if is_word_char(c) => (r"\b", r"\b"),
        _ => ("", ""),
    };
    let (fast_left, exact_left) = edge(term.chars().next());
    let (fast_right, exact_right) = edge(term.chars().next_back());
    PatternSources {
        fast: format!("{fast_left}{body}{fast_right}"),
        exact: format!("{exact_left}{body}{exact_right}"),
    }
}

/// The pattern with every unescaped `.` outside a class replaced by a sentence step, and `.*`
/// / `.+` bounded to [`MAX_SPAN`] steps.
fn bounded_body(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 64);
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
                out.push_str(SENTENCE_STEP);
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::bytes::{Regex, RegexBuilder};

    /// Both forms, checked to agree on every test text.
    struct Both(Regex, Regex);

    impl Both {
        fn is_match(&self, text: &str) -> bool {
            let exact = self.1.is_match(text.as_bytes());
            assert!(
                !exact || self.0.is_match(text.as_bytes()),
                "fast form must accept {text:?}"
            );
            exact
        }
    }

    fn compiled(term: &str) -> Both {
        let sources = translate(term);
        let build = |s: &str| RegexBuilder::new(s).case_insensitive(true).build().unwrap();
        Both(build(&sources.fast), build(&sources.exact))
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
        assert_eq!(translate("a[.]b").exact, r"\ba[.]b\b");
        assert_eq!(translate(r"a\.b").exact, r"\ba\.b\b");
        assert_eq!(translate("[]a]x").exact, r"[]a]x\b");
        assert_eq!(translate("[]a]x").fast, r"[]a]x(?-u:\b)");
        let re = compiled(r"q\d+w");
        assert!(re.is_match("dosed Q4W"));
        assert!(!re.is_match("dosed q4weeks"));
    }

    #[test]
    fn pattern_edges_that_are_not_word_characters_get_no_boundary() {
        let re = compiled("(engineer|director).*seeks");
        assert!(re.is_match("reengineer seeks"));
    }

    #[test]
    fn fast_form_is_looser_only_next_to_non_ascii_letters() {
        let re = compiled("seeks.*engineer");
        // Fast (ASCII) boundary accepts "é" as a non-word neighbour; the exact form does not.
        assert!(re.0.is_match("réseeks an engineer".as_bytes()));
        assert!(!re.is_match("réseeks an engineer"));
        // Non-ASCII edges use Unicode boundaries in both forms.
        let re = compiled("études.*cliniques");
        assert!(re.is_match("Les études cliniques"));
        assert!(!re.is_match("Les préétudes cliniques"));
        assert_eq!(
            translate("études.*x").fast,
            translate("études.*x").exact.replace(r"x\b", r"x(?-u:\b)")
        );
    }

    #[test]
    fn multi_byte_text_inside_a_span() {
        let re = compiled("publishes.*financial results");
        assert!(re.is_match(
            "Medincell publishes its consolidated half-year – “April–September” – financial results"
        ));
    }
}
