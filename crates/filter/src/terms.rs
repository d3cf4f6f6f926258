//! Whole-word matching of many named term lists against a text in one pass.
//!
//! A [`TermSet`] is compiled once from the scopes a profile uses. Literal terms of every scope
//! go into one Aho-Corasick automaton (overlapping search, so a rejected long match never hides
//! a valid shorter one) and each occurrence is checked for word boundaries with
//! [`on_word_boundaries`]; pattern terms (see [`crate::pattern`]) go into one [`RegexSet`] of
//! their fast forms, and only the patterns it flags are confirmed with their exact form.
//! Scanning a text is therefore one automaton pass plus one regex-set pass (plus one pass per
//! flagged pattern), linear in the text whatever the number of terms.
//!
//! Case: when the set is case-insensitive, terms and texts are lower-cased by
//! [`normalize`] (full Unicode lower-casing, not ASCII only) and patterns are compiled with the
//! case-insensitive flag.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::pattern::{PatternSources, is_pattern, translate};
use crate::text::{normalize, normalize_term, on_word_boundaries};
use crate::{NamedTerms, ProfileError};

/// Compiled-program size limit per pattern: generous for a few bounded wildcards, small
/// enough that a pathological pattern is reported instead of eating memory.
const PATTERN_SIZE_LIMIT: usize = 16 * 1024 * 1024;

/// Identifies one configured term: its scope (index in the list given to
/// [`TermSet::compile`]) and its position in that scope's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TermRef {
    pub scope: usize,
    pub term: usize,
}

/// Many named term lists compiled for whole-word matching.
#[derive(Debug, Clone)]
pub struct TermSet {
    scopes: Vec<NamedTerms>,
    case_sensitive: bool,
    /// Automaton over the distinct normalised literal terms; `None` when there are none.
    literals: Option<AhoCorasick>,
    /// For each automaton pattern id, every configured term that normalises to it.
    literal_owners: Vec<Vec<TermRef>>,
    /// The fast forms of the distinct pattern terms; `None` when there are none.
    patterns: Option<RegexSet>,
    /// The exact form of each pattern, by regex-set index, to confirm what the set flags.
    exact_patterns: Vec<Regex>,
    /// For each regex-set index, every configured term that translates to it.
    pattern_owners: Vec<Vec<TermRef>>,
}

/// One whole-word occurrence of a literal term in a normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Occurrence {
    start: usize,
    end: usize,
    literal: usize,
}

/// The terms of a set sorted into distinct literals and distinct patterns, every pattern's
/// syntax checked, before anything is built. Shared by [`TermSet::check`] (cheap, at config load)
/// and [`TermSet::compile`] (the automata, on first use).
struct Inventory {
    literal_texts: Vec<String>,
    /// For each distinct literal, every configured term that normalises to it.
    literal_owners: Vec<Vec<TermRef>>,
    /// Distinct patterns (by exact source), with every configured term that translates to each.
    patterns: Vec<PatternSources>,
    pattern_owners: Vec<Vec<TermRef>>,
    errors: Vec<ProfileError>,
}

impl Inventory {
    fn take(scopes: &[NamedTerms], case_sensitive: bool) -> Inventory {
        let mut inv = Inventory {
            literal_texts: Vec::new(),
            literal_owners: Vec::new(),
            patterns: Vec::new(),
            pattern_owners: Vec::new(),
            errors: Vec::new(),
        };
        let mut literal_ids: HashMap<String, usize> = HashMap::new();
        let mut pattern_ids: HashMap<String, usize> = HashMap::new();
        for (scope_idx, scope) in scopes.iter().enumerate() {
            for (term_idx, term) in scope.terms.iter().enumerate() {
                let owner = TermRef {
                    scope: scope_idx,
                    term: term_idx,
                };
                // Checked after normalisation: a lone soft hyphen is empty too.
                if normalize_term(term, true).is_empty() {
                    inv.errors.push(ProfileError {
                        key: scope.name.clone(),
                        message: format!(
                            "term #{} is empty; it would match everything",
                            term_idx + 1
                        ),
                    });
                    continue;
                }
                if is_pattern(term) {
                    let sources = translate(term);
                    if let Some(&id) = pattern_ids.get(&sources.exact) {
                        inv.pattern_owners[id].push(owner);
                        continue;
                    }
                    // Checked alone so that an error names its term.
                    match check_syntax(&sources.exact, case_sensitive) {
                        Ok(()) => {
                            pattern_ids.insert(sources.exact.clone(), inv.patterns.len());
                            inv.patterns.push(sources);
                            inv.pattern_owners.push(vec![owner]);
                        }
                        Err(message) => inv.errors.push(ProfileError {
                            key: scope.name.clone(),
                            message: format!("invalid pattern {term:?}: {message}"),
                        }),
                    }
                } else {
                    let normalised = normalize_term(term, case_sensitive);
                    let id = *literal_ids.entry(normalised.clone()).or_insert_with(|| {
                        inv.literal_texts.push(normalised);
                        inv.literal_owners.push(Vec::new());
                        inv.literal_texts.len() - 1
                    });
                    inv.literal_owners[id].push(owner);
                }
            }
        }
        inv
    }
}

/// Parses a pattern the way [`RegexBuilder`] will (same parser, same flags) without compiling
/// it: syntax errors surface at config load for a fraction of the cost of building the matcher.
fn check_syntax(source: &str, case_sensitive: bool) -> Result<(), String> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(!case_sensitive)
        // `regex::bytes` may match invalid UTF-8; its parser is configured the same way.
        .utf8(false)
        .build()
        .parse(source)
        .map(drop)
        .map_err(|e| one_line(&e.to_string()))
}

impl TermSet {
    /// Checks the scopes without building anything: every empty term and every pattern with a
    /// syntax error is reported, keyed by its scope's name and naming the term. What remains for
    /// [`TermSet::compile`] to find is a pattern too large to compile (see `PATTERN_SIZE_LIMIT`).
    pub fn check(scopes: &[NamedTerms], case_sensitive: bool) -> Result<(), Vec<ProfileError>> {
        let inv = Inventory::take(scopes, case_sensitive);
        if inv.errors.is_empty() {
            Ok(())
        } else {
            Err(inv.errors)
        }
    }

    /// Compiles the scopes. Reports what [`TermSet::check`] reports, plus patterns that exceed
    /// the compiled-size limit.
    pub fn compile(
        scopes: &[NamedTerms],
        case_sensitive: bool,
    ) -> Result<TermSet, Vec<ProfileError>> {
        let Inventory {
            literal_texts,
            literal_owners,
            patterns: pattern_sources,
            pattern_owners,
            mut errors,
        } = Inventory::take(scopes, case_sensitive);

        let exact_patterns = exact_patterns(
            scopes,
            &pattern_sources,
            &pattern_owners,
            case_sensitive,
            &mut errors,
        );
        let literals = literal_automaton(scopes, &literal_texts, &mut errors);
        let patterns = fast_pattern_set(scopes, &pattern_sources, case_sensitive, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TermSet {
            scopes: scopes.to_vec(),
            case_sensitive,
            literals,
            literal_owners,
            patterns,
            exact_patterns,
            pattern_owners,
        })
    }

    /// The scopes, in the order given to [`TermSet::compile`].
    pub fn scopes(&self) -> &[NamedTerms] {
        &self.scopes
    }

    /// Whether matching distinguishes case.
    pub fn case_sensitive(&self) -> bool {
        self.case_sensitive
    }

    /// The configured spelling of a term.
    pub fn term(&self, r: TermRef) -> &str {
        self.scopes
            .get(r.scope)
            .and_then(|s| s.terms.get(r.term))
            .map_or("", String::as_str)
    }

    /// Normalises `text` the way this set expects and scans it.
    pub fn scan(&self, text: &str) -> Scan<'_> {
        self.scan_normalized(&normalize(text, self.case_sensitive))
    }

    /// Scans a text already passed through [`normalize`] with this set's case sensitivity.
    pub(crate) fn scan_normalized(&self, text: &str) -> Scan<'_> {
        let mut occurrences = Vec::new();
        if let Some(ac) = &self.literals {
            for m in ac.find_overlapping_iter(text) {
                if on_word_boundaries(text, m.start(), m.end()) {
                    occurrences.push(Occurrence {
                        start: m.start(),
                        end: m.end(),
                        literal: m.pattern().as_usize(),
                    });
                }
            }
        }
        // Longest first among equal starts, so containment can be decided in one sweep.
        occurrences.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let patterns = self
            .patterns
            .as_ref()
            .map(|set| {
                set.matches(text.as_bytes())
                    .into_iter()
                    .filter(|&i| {
                        self.exact_patterns
                            .get(i)
                            .is_some_and(|re| re.is_match(text.as_bytes()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Scan {
            set: self,
            occurrences,
            patterns,
        }
    }
}

/// The exact form of each distinct pattern, compiled; one too large to compile is an error
/// naming its first term.
fn exact_patterns(
    scopes: &[NamedTerms],
    sources: &[PatternSources],
    owners: &[Vec<TermRef>],
    case_sensitive: bool,
    errors: &mut Vec<ProfileError>,
) -> Vec<Regex> {
    let mut exact_patterns = Vec::with_capacity(sources.len());
    for (sources, owners) in sources.iter().zip(owners) {
        match RegexBuilder::new(&sources.exact)
            .case_insensitive(!case_sensitive)
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
        {
            Ok(exact) => exact_patterns.push(exact),
            Err(err) => {
                let owner = owners
                    .first()
                    .copied()
                    .unwrap_or(TermRef { scope: 0, term: 0 });
                let scope = scopes.get(owner.scope);
                let term = scope.and_then(|s| s.terms.get(owner.term));
                errors.push(ProfileError {
                    key: scope.map_or_else(String::new, |s| s.name.clone()),
                    message: format!(
                        "invalid pattern {:?}: {}",
                        term.map_or("", String::as_str),
                        one_line(&err.to_string())
                    ),
                });
            }
        }
    }
    exact_patterns
}

/// One automaton over every distinct literal; `None` when there are none (or on failure,
/// reported).
fn literal_automaton(
    scopes: &[NamedTerms],
    literal_texts: &[String],
    errors: &mut Vec<ProfileError>,
) -> Option<AhoCorasick> {
    if literal_texts.is_empty() {
        return None;
    }
    match AhoCorasick::new(literal_texts) {
        Ok(ac) => Some(ac),
        Err(err) => {
            errors.push(ProfileError {
                key: scope_list(scopes),
                message: format!("cannot build the term matcher: {err}"),
            });
            None
        }
    }
}

/// One regex set of the patterns' fast forms, which flags the patterns to confirm; `None` when
/// there are none (or on failure, reported).
fn fast_pattern_set(
    scopes: &[NamedTerms],
    sources: &[PatternSources],
    case_sensitive: bool,
    errors: &mut Vec<ProfileError>,
) -> Option<RegexSet> {
    let fast_sources: Vec<&str> = sources.iter().map(|p| p.fast.as_str()).collect();
    if fast_sources.is_empty() {
        return None;
    }
    match RegexSetBuilder::new(&fast_sources)
        .case_insensitive(!case_sensitive)
        .size_limit(PATTERN_SIZE_LIMIT.saturating_mul(fast_sources.len()))
        .build()
    {
        Ok(set) => Some(set),
        Err(err) => {
            errors.push(ProfileError {
                key: scope_list(scopes),
                message: format!(
                    "cannot combine the patterns: {}",
                    one_line(&err.to_string())
                ),
            });
            None
        }
    }
}

/// The terms found in one text.
#[derive(Debug, Clone)]
pub struct Scan<'a> {
    set: &'a TermSet,
    /// Whole-word literal occurrences, by start then longest first.
    occurrences: Vec<Occurrence>,
    /// Indexes into the regex set of the patterns that matched.
    patterns: Vec<usize>,
}

impl<'a> Scan<'a> {
    /// The distinct terms of `scopes` found in the text, literals in order of appearance then
    /// patterns.
    ///
    /// A literal occurrence lying inside a longer occurrence of a term of the same scopes is not
    /// counted: "long-acting injectable" is one signal, not also "long-acting". Terms that
    /// normalise to the same text ("PharmaShell", "Pharmashell" without case) or appear in
    /// several of `scopes` count once. The returned reference is the first owner among `scopes`.
    pub fn distinct_terms(&self, scopes: &[usize]) -> Vec<TermRef> {
        let first_owner =
            |owners: &[TermRef]| owners.iter().copied().find(|o| scopes.contains(&o.scope));
        let mut found: Vec<TermRef> = Vec::new();
        let mut seen_literals: Vec<usize> = Vec::new();
        // End of the furthest-reaching occurrence so far; every occurrence ends after 0 because
        // empty terms are rejected at compile time.
        let mut covered_to = 0usize;
        for occ in &self.occurrences {
            let Some(owner) = self
                .set
                .literal_owners
                .get(occ.literal)
                .and_then(|o| first_owner(o))
            else {
                continue;
            };
            let contained = occ.end <= covered_to;
            covered_to = covered_to.max(occ.end);
            if contained || seen_literals.contains(&occ.literal) {
                continue;
            }
            seen_literals.push(occ.literal);
            found.push(owner);
        }
        for &p in &self.patterns {
            if let Some(owner) = self.set.pattern_owners.get(p).and_then(|o| first_owner(o)) {
                found.push(owner);
            }
        }
        found
    }

    /// The configured spellings of [`Scan::distinct_terms`].
    pub fn matched_terms(&self, scopes: &[usize]) -> Vec<&'a str> {
        let set: &'a TermSet = self.set;
        self.distinct_terms(scopes)
            .into_iter()
            .map(|r| set.term(r))
            .collect()
    }
}

/// Names the scopes for an error that concerns them all.
fn scope_list(scopes: &[NamedTerms]) -> String {
    scopes
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Regex errors span several lines (source, caret, message); a report wants one.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(name: &str, terms: &[&str]) -> NamedTerms {
        NamedTerms {
            name: name.into(),
            terms: terms.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn found(set: &TermSet, text: &str, scopes: &[usize]) -> Vec<String> {
        set.scan(text)
            .matched_terms(scopes)
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn whole_words_only() {
        let set = TermSet::compile(&[scope("routes", &["oral", "event", "LAI"])], false).unwrap();
        assert!(found(&set, "A moral duty to prevent relapse; the LAIs", &[0]).is_empty());
        assert_eq!(
            found(&set, "Oral route, an event, an LAI.", &[0]),
            ["oral", "event", "LAI"]
        );
    }

    #[test]
    fn edges_that_are_not_word_characters_need_no_boundary() {
        let set = TermSet::compile(
            &[scope(
                "t",
                &[
                    "PharmaShell®",
                    "Merck & Co",
                    "Fc-fusion",
                    "89bio",
                    "q4w",
                    "6-month",
                ],
            )],
            false,
        )
        .unwrap();
        let text =
            "PharmaShell®-based; Merck & Co, Inc. and 89bio's Fc-fusion, dosed q4w for 6-month";
        assert_eq!(
            found(&set, text, &[0]),
            [
                "PharmaShell®",
                "Merck & Co",
                "89bio",
                "Fc-fusion",
                "q4w",
                "6-month"
            ]
        );
        assert!(found(&set, "Merck & Company, 189bio, q4weekly, 16-monthly", &[0]).is_empty());
    }

    #[test]
    fn rejected_long_match_does_not_hide_a_shorter_valid_one() {
        let set = TermSet::compile(&[scope("t", &["Fc", "Fc-fusion"])], false).unwrap();
        assert_eq!(found(&set, "new Fc-fusions", &[0]), ["Fc"]);
    }

    #[test]
    fn contained_terms_and_spelling_variants_count_once() {
        let set = TermSet::compile(
            &[
                scope("core", &["long-acting", "long-acting injectable"]),
                scope("hp", &["PharmaShell", "Pharmashell"]),
            ],
            false,
        )
        .unwrap();
        let scan =
            set.scan("A long-acting injectable using PHARMASHELL and Pharmashell; long-acting too");
        assert_eq!(
            scan.matched_terms(&[0]),
            ["long-acting injectable", "long-acting"]
        );
        assert_eq!(scan.matched_terms(&[1]), ["PharmaShell"]);
        assert_eq!(scan.matched_terms(&[0, 1]).len(), 3);
    }

    #[test]
    fn case_sensitivity() {
        let scopes = [scope("t", &["LAI", "Medincell"])];
        let sensitive = TermSet::compile(&scopes, true).unwrap();
        let insensitive = TermSet::compile(&scopes, false).unwrap();
        let text = "lai formulations by MEDINCELL";
        assert!(found(&sensitive, text, &[0]).is_empty());
        assert_eq!(found(&insensitive, text, &[0]), ["LAI", "Medincell"]);
    }

    #[test]
    fn patterns_match_within_their_scope() {
        let set = TermSet::compile(
            &[
                scope("hr", &["hiring", "seeks.*engineer"]),
                scope("fin", &["publishes.*financial results"]),
            ],
            false,
        )
        .unwrap();
        let scan = set.scan("Nanexa seeks experienced process engineer");
        assert_eq!(scan.matched_terms(&[0]), ["seeks.*engineer"]);
        assert!(scan.matched_terms(&[1]).is_empty());
        let scan = set.scan("Nanexa seeks partners.\nEngineer wanted");
        assert!(scan.matched_terms(&[0, 1]).is_empty());
    }

    #[test]
    fn same_term_in_two_scopes_is_reported_for_each() {
        let set = TermSet::compile(
            &[scope("a", &["job opening"]), scope("b", &["Job Opening"])],
            false,
        )
        .unwrap();
        let scan = set.scan("A job opening in Uppsala");
        assert_eq!(scan.matched_terms(&[0]), ["job opening"]);
        assert_eq!(scan.matched_terms(&[1]), ["Job Opening"]);
    }

    #[test]
    fn invalid_patterns_and_empty_terms_are_reported_with_scope_and_term() {
        let errors = TermSet::compile(
            &[
                scope("exclusion_scopes.hr", &["seeks.*(engineer", "ok"]),
                scope("x", &["  ", "\u{ad}"]),
            ],
            false,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0].key, "exclusion_scopes.hr");
        assert!(
            errors[0].message.contains("\"seeks.*(engineer\""),
            "{}",
            errors[0].message
        );
        assert!(!errors[0].message.contains('\n'));
        assert_eq!(errors[1].key, "x");
        assert_eq!(
            errors[2].message,
            "term #2 is empty; it would match everything"
        );
    }

    #[test]
    fn check_finds_what_compile_finds_without_building() {
        let scopes = [
            scope(
                "exclusion_scopes.hr",
                &["seeks.*(engineer", "ok", "a[z-a]|b"],
            ),
            scope("x", &["  ", "valid.*pattern", "seeks.*(engineer"]),
        ];
        for case_sensitive in [false, true] {
            let checked = TermSet::check(&scopes, case_sensitive).unwrap_err();
            let compiled = TermSet::compile(&scopes, case_sensitive).unwrap_err();
            assert_eq!(checked, compiled);
            let keys: Vec<&str> = checked.iter().map(|e| e.key.as_str()).collect();
            assert_eq!(
                keys,
                ["exclusion_scopes.hr", "exclusion_scopes.hr", "x", "x"]
            );
            assert!(
                checked[1].message.contains("\"a[z-a]|b\""),
                "{}",
                checked[1]
            );
        }
        assert_eq!(
            TermSet::check(&[scope("ok", &["fine.*term", "plain"])], false),
            Ok(())
        );
    }

    /// A pattern can be valid yet too large to compile: only building finds out, and says which.
    #[test]
    fn oversized_patterns_pass_the_check_and_fail_the_build() {
        let scopes = [scope("huge", &["ok", OVERSIZED])];
        assert_eq!(TermSet::check(&scopes, false), Ok(()));
        let errors = TermSet::compile(&scopes, false).unwrap_err();
        assert_eq!(errors[0].key, "huge");
        assert!(
            errors[0].message.contains("invalid pattern"),
            "{}",
            errors[0]
        );
        assert!(errors[0].message.contains("size limit"), "{}", errors[0]);
    }

    /// Unicode word characters repeated far beyond any real term: past `PATTERN_SIZE_LIMIT`.
    const OVERSIZED: &str = r"\w{5000}\w{5000}";

    #[test]
    fn empty_set_matches_nothing() {
        let set = TermSet::compile(&[scope("none", &[])], false).unwrap();
        assert!(found(&set, "anything at all", &[0]).is_empty());
    }
}
