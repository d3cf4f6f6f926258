//! The verdict on one item and its one-line, report-ready reason.

use serde::Serialize;

/// Terms quoted per group or exclusion scope in a reason before the rest is summarised.
const TERMS_SHOWN: usize = 3;

/// What decided the fate of an item (for counters; the reason says it in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// `ingest_all` profile: nothing checked.
    IngestAll,
    /// Passed every check.
    Kept,
    /// Title and text shorter than `minimum_text_length`.
    TooShort,
    /// A term of an exclusion scope matched.
    Excluded,
    /// Signal groups, combination logic or minimum weight not satisfied.
    MissingSignals,
    /// The profile's matchers could not be built (see [`crate::Profile::prepare`]): nothing is
    /// kept rather than everything, and callers are expected to have reported the error.
    ProfileUnusable,
}

/// An exclusion scope that matched, with the terms found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExclusionHit {
    pub scope: String,
    pub terms: Vec<String>,
}

/// A signal group with at least one term found in the item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMatch {
    pub group_id: String,
    /// Distinct terms found, as configured, in order of appearance (patterns last).
    pub terms: Vec<String>,
    pub min_matches: usize,
    /// Whether at least `min_matches` distinct terms were found.
    pub satisfied: bool,
    pub weight: f64,
}

/// The verdict on one item, with a reason suitable for a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub keep: bool,
    /// One line, e.g. `excluded by exclusion_scopes.hr_recruitment_terms: "hiring"`.
    pub reason: String,
    pub kind: DecisionKind,
    /// Set when `kind` is [`DecisionKind::Excluded`].
    pub excluded_by: Option<ExclusionHit>,
    /// Groups with at least one term found (empty for exclude_only / ingest_all profiles).
    pub groups: Vec<GroupMatch>,
    /// Sum of the weights of satisfied groups.
    pub total_weight: f64,
}

impl Decision {
    pub(crate) fn ingest_all() -> Decision {
        Decision::plain(
            true,
            DecisionKind::IngestAll,
            "kept: profile ingests everything (ingest_all)".into(),
        )
    }

    pub(crate) fn too_short(length: usize, minimum: usize) -> Decision {
        Decision::plain(
            false,
            DecisionKind::TooShort,
            format!("too short: {length} characters of text, minimum {minimum}"),
        )
    }

    pub(crate) fn excluded(hit: ExclusionHit) -> Decision {
        let reason = format!("excluded by {}: {}", hit.scope, quote_terms(&hit.terms));
        Decision {
            excluded_by: Some(hit),
            ..Decision::plain(false, DecisionKind::Excluded, reason)
        }
    }

    pub(crate) fn unusable(profile: &str, errors: &[crate::ProfileError]) -> Decision {
        let first = errors
            .first()
            .map_or_else(|| "unknown error".to_string(), ToString::to_string);
        Decision::plain(
            false,
            DecisionKind::ProfileUnusable,
            format!("profile {profile} cannot be used: {first}"),
        )
    }

    pub(crate) fn no_exclusion() -> Decision {
        Decision::plain(
            true,
            DecisionKind::Kept,
            "kept: no exclusion matched".into(),
        )
    }

    /// A kept require_* item; `qualifier` such as ` (broad)` goes after `kept`.
    pub(crate) fn signals_kept(
        groups: Vec<GroupMatch>,
        total_weight: f64,
        qualifier: &str,
    ) -> Decision {
        let reason = format!(
            "kept{qualifier}: matched {} (weight {total_weight:.1})",
            describe_groups(&groups, true)
        );
        Decision {
            groups,
            total_weight,
            ..Decision::plain(true, DecisionKind::Kept, reason)
        }
    }

    /// A dropped require_* item; `what` says which requirement failed.
    pub(crate) fn signals_missing(
        groups: Vec<GroupMatch>,
        total_weight: f64,
        what: String,
    ) -> Decision {
        let reason = format!(
            "missing signals: {what} (matched: {})",
            describe_groups(&groups, false)
        );
        Decision {
            groups,
            total_weight,
            ..Decision::plain(false, DecisionKind::MissingSignals, reason)
        }
    }

    fn plain(keep: bool, kind: DecisionKind, reason: String) -> Decision {
        Decision {
            keep,
            reason,
            kind,
            excluded_by: None,
            groups: Vec::new(),
            total_weight: 0.0,
        }
    }
}

/// `"a", "b", "c" and 2 more`.
fn quote_terms(terms: &[String]) -> String {
    let mut out = terms
        .iter()
        .take(TERMS_SHOWN)
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if terms.len() > TERMS_SHOWN {
        out.push_str(&format!(" and {} more", terms.len() - TERMS_SHOWN));
    }
    out
}

/// `entity_signals ("Nanexa", "Moderna"), technology_signals 1/2 ("LAI")`; only satisfied
/// groups when `satisfied_only`; `none` when there is nothing to list.
fn describe_groups(groups: &[GroupMatch], satisfied_only: bool) -> String {
    let shown: Vec<String> = groups
        .iter()
        .filter(|g| g.satisfied || !satisfied_only)
        .map(|g| {
            let count = if g.satisfied {
                String::new()
            } else {
                format!(" {}/{}", g.terms.len(), g.min_matches)
            };
            format!("{}{count} ({})", g.group_id, quote_terms(&g.terms))
        })
        .collect();
    if shown.is_empty() {
        "none".into()
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, terms: &[&str], min: usize, weight: f64) -> GroupMatch {
        GroupMatch {
            group_id: id.into(),
            terms: terms.iter().map(|t| t.to_string()).collect(),
            min_matches: min,
            satisfied: terms.len() >= min,
            weight,
        }
    }

    #[test]
    fn exclusion_reason_quotes_terms_and_summarises_the_rest() {
        let d = Decision::excluded(ExclusionHit {
            scope: "exclusion_scopes.hr_recruitment_terms".into(),
            terms: vec!["hiring".into()],
        });
        assert!(!d.keep);
        assert_eq!(
            d.reason,
            r#"excluded by exclusion_scopes.hr_recruitment_terms: "hiring""#
        );
        let many: Vec<String> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(quote_terms(&many), r#""a", "b", "c" and 2 more"#);
    }

    #[test]
    fn kept_reason_lists_satisfied_groups_with_weight() {
        let d = Decision::signals_kept(
            vec![
                group("entity_signals", &["Nanexa"], 1, 2.0),
                group("technology_signals", &["PharmaShell®"], 1, 2.0),
            ],
            4.0,
            "",
        );
        assert_eq!(
            d.reason,
            r#"kept: matched entity_signals ("Nanexa"), technology_signals ("PharmaShell®") (weight 4.0)"#
        );
    }

    #[test]
    fn missing_reason_shows_partial_groups() {
        let d = Decision::signals_missing(
            vec![group("tech", &["LAI"], 2, 3.0)],
            0.0,
            "tech AND entity not satisfied".into(),
        );
        assert_eq!(
            d.reason,
            r#"missing signals: tech AND entity not satisfied (matched: tech 1/2 ("LAI"))"#
        );
        let d = Decision::signals_missing(Vec::new(), 0.0, "x not satisfied".into());
        assert_eq!(d.reason, "missing signals: x not satisfied (matched: none)");
    }
}
