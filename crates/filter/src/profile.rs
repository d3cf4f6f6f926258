//! A compiled ingestion profile and its evaluation (rules in the crate documentation).

use crate::decision::{Decision, ExclusionHit, GroupMatch};
use crate::expr::Expr;
use crate::terms::TermSet;
use crate::text::normalize;
use crate::{IngestionMode, NamedTerms, ProfileDef, ProfileError, ProfileMode};

/// Tolerance when comparing summed weights with `minimum_total_weight` (2.5 + 0.5 must reach 3.0).
const WEIGHT_EPSILON: f64 = 1e-9;

/// A compiled profile: built once at config load, evaluated for every item.
#[derive(Debug, Clone)]
pub struct Profile {
    def: ProfileDef,
    terms: TermSet,
    /// For each exclusion scope of `def`, its index in `terms`.
    exclusion_scopes: Vec<usize>,
    /// For each group of `def`, the indexes of its scopes in `terms`.
    group_scopes: Vec<Vec<usize>>,
    /// Required-signal rule for balanced / strict runs of require_* profiles.
    logic: Logic,
    warnings: Vec<ProfileError>,
}

/// How the satisfied groups combine in balanced / strict runs.
#[derive(Debug, Clone)]
enum Logic {
    /// `combination_logic` as configured.
    Configured(Expr),
    /// No combination_logic, require_signals: any group.
    AnyGroup,
    /// No combination_logic, require_multi_signals: every group.
    AllGroups,
}

impl Profile {
    /// Compiles terms, patterns and the combination expression; returns every problem found.
    ///
    /// Errors: an invalid pattern or empty term (key: the scope's name), an unknown group id
    /// or syntax error in `combination_logic`, a duplicate or empty `group_id`, `min_matches`
    /// of 0, a negative or non-finite weight, a require_* profile without groups.
    /// Oddities that are legal but probably unintended (a group whose scopes are all empty,
    /// settings the mode ignores) become [`Profile::warnings`].
    pub fn compile(def: ProfileDef) -> Result<Profile, Vec<ProfileError>> {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let requires_signals = matches!(
            def.mode,
            ProfileMode::RequireSignals | ProfileMode::RequireMultiSignals
        );

        // One table of distinct scopes, so a scope used twice is scanned once.
        let mut scopes: Vec<NamedTerms> = Vec::new();
        let mut index_of = |scope: &NamedTerms| match scopes.iter().position(|s| s == scope) {
            Some(i) => i,
            None => {
                scopes.push(scope.clone());
                scopes.len() - 1
            }
        };
        let exclusion_scopes: Vec<usize> = def.exclusions.iter().map(&mut index_of).collect();
        let group_scopes: Vec<Vec<usize>> = def
            .groups
            .iter()
            .map(|g| g.scopes.iter().map(&mut index_of).collect())
            .collect();

        for (i, group) in def.groups.iter().enumerate() {
            let key = |field: &str| format!("required_signal_groups[{i}].{field}");
            if group.group_id.trim().is_empty() {
                errors.push(err(key("group_id"), "is empty"));
            } else if def.groups[..i].iter().any(|g| g.group_id == group.group_id) {
                errors.push(err(
                    key("group_id"),
                    &format!("{:?} is defined twice", group.group_id),
                ));
            }
            if group.min_matches == 0 {
                errors.push(err(
                    key("min_matches"),
                    "must be at least 1 (0 would satisfy the group on any text)",
                ));
            }
            if !(group.weight.is_finite() && group.weight >= 0.0) {
                errors.push(err(
                    key("weight"),
                    &format!("must be a non-negative number, got {}", group.weight),
                ));
            }
            let term_count: usize = group.scopes.iter().map(|s| s.terms.len()).sum();
            if requires_signals && term_count < group.min_matches {
                let scopes = group
                    .scopes
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                warnings.push(err(
                    key("scopes"),
                    &format!(
                        "group {:?} has {term_count} terms ({}) but needs {} matches: it can never be satisfied",
                        group.group_id,
                        if scopes.is_empty() { "no scopes" } else { &scopes },
                        group.min_matches
                    ),
                ));
            }
        }
        if !(def.minimum_total_weight.is_finite() && def.minimum_total_weight >= 0.0) {
            errors.push(err(
                "minimum_total_weight".into(),
                &format!(
                    "must be a non-negative number, got {}",
                    def.minimum_total_weight
                ),
            ));
        }

        let logic_src = def
            .combination_logic
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut logic = match def.mode {
            ProfileMode::RequireMultiSignals => Logic::AllGroups,
            _ => Logic::AnyGroup,
        };
        if requires_signals {
            if def.groups.is_empty() {
                errors.push(err(
                    "required_signal_groups".into(),
                    "a require_signals / require_multi_signals profile needs at least one group",
                ));
            }
            if let Some(src) = logic_src {
                let ids: Vec<&str> = def.groups.iter().map(|g| g.group_id.as_str()).collect();
                match Expr::parse(src, &ids) {
                    Ok(expr) => logic = Logic::Configured(expr),
                    Err(e) => errors.push(err("combination_logic".into(), &e.to_string())),
                }
            }
        } else {
            let ignored: Vec<&str> = [
                (!def.groups.is_empty()).then_some("required_signal_groups"),
                logic_src.map(|_| "combination_logic"),
                (def.mode == ProfileMode::IngestAll && !def.exclusions.is_empty())
                    .then_some("exclusion_scopes"),
            ]
            .into_iter()
            .flatten()
            .collect();
            for key in ignored {
                warnings.push(err(key.into(), &format!("ignored by mode {:?}", def.mode)));
            }
        }

        let terms = match TermSet::compile(&scopes, def.case_sensitive) {
            Ok(terms) => Some(terms),
            Err(mut term_errors) => {
                errors.append(&mut term_errors);
                None
            }
        };
        match terms {
            Some(terms) if errors.is_empty() => Ok(Profile {
                def,
                terms,
                exclusion_scopes,
                group_scopes,
                logic,
                warnings,
            }),
            _ => Err(errors),
        }
    }

    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The definition this profile was compiled from.
    pub fn def(&self) -> &ProfileDef {
        &self.def
    }

    /// Legal but suspicious settings found at compile time (same shape as errors).
    pub fn warnings(&self) -> &[ProfileError] {
        &self.warnings
    }

    /// Decides on an item from its title and text. Never panics; linear in the text length.
    ///
    /// Checks, in order: `ingest_all` keeps everything; `minimum_text_length` (when it applies,
    /// see the crate documentation); exclusion scopes (first matching scope, in config order,
    /// names the reason); for require_* profiles the signal groups.
    pub fn evaluate(&self, title: &str, content: &str, mode: IngestionMode) -> Decision {
        if self.def.mode == ProfileMode::IngestAll {
            return Decision::ingest_all();
        }
        let text = normalize(&format!("{title}\n{content}"), self.def.case_sensitive);
        let length = text.trim().chars().count();
        if self.length_applies(mode) && length < self.def.minimum_text_length {
            return Decision::too_short(length, self.def.minimum_text_length);
        }
        let scan = self.terms.scan_normalized(&text);
        for &scope in &self.exclusion_scopes {
            let terms = scan.matched_terms(&[scope]);
            if !terms.is_empty() {
                let name = self
                    .terms
                    .scopes()
                    .get(scope)
                    .map_or("", |s| s.name.as_str());
                return Decision::excluded(ExclusionHit {
                    scope: name.to_string(),
                    terms: terms.into_iter().map(String::from).collect(),
                });
            }
        }
        if self.def.mode == ProfileMode::ExcludeOnly {
            return Decision::no_exclusion();
        }

        let mut satisfied = vec![false; self.def.groups.len()];
        let mut found = Vec::new();
        let mut total_weight = 0.0;
        for (i, (group, scopes)) in self.def.groups.iter().zip(&self.group_scopes).enumerate() {
            let terms: Vec<String> = scan
                .matched_terms(scopes)
                .into_iter()
                .map(String::from)
                .collect();
            if terms.len() >= group.min_matches {
                satisfied[i] = true;
                total_weight += group.weight;
            }
            if !terms.is_empty() {
                found.push(GroupMatch {
                    group_id: group.group_id.clone(),
                    min_matches: group.min_matches,
                    satisfied: satisfied[i],
                    weight: group.weight,
                    terms,
                });
            }
        }

        if mode == IngestionMode::Broad {
            return if satisfied.contains(&true) {
                Decision::signals_kept(found, total_weight, " (broad)")
            } else {
                Decision::signals_missing(
                    found,
                    total_weight,
                    "no signal group satisfied (broad)".into(),
                )
            };
        }
        let is_satisfied = |g: usize| satisfied.get(g).copied().unwrap_or(false);
        let logic_ok = match &self.logic {
            Logic::Configured(expr) => expr.eval(&is_satisfied),
            Logic::AnyGroup => satisfied.contains(&true),
            Logic::AllGroups => !satisfied.is_empty() && !satisfied.contains(&false),
        };
        if !logic_ok {
            let what = format!("{} not satisfied", self.logic_text());
            return Decision::signals_missing(found, total_weight, what);
        }
        if total_weight + WEIGHT_EPSILON < self.def.minimum_total_weight {
            let what = format!(
                "total weight {total_weight:.1} below minimum {:.1}",
                self.def.minimum_total_weight
            );
            return Decision::signals_missing(found, total_weight, what);
        }
        Decision::signals_kept(found, total_weight, "")
    }

    /// Whether `minimum_text_length` is enforced for this profile in this run mode.
    fn length_applies(&self, mode: IngestionMode) -> bool {
        match mode {
            IngestionMode::Broad => false,
            IngestionMode::Strict => true,
            IngestionMode::Balanced => self.def.mode != ProfileMode::ExcludeOnly,
        }
    }

    /// The effective combination rule, as an expression over group ids.
    fn logic_text(&self) -> String {
        let ids: Vec<&str> = self
            .def
            .groups
            .iter()
            .map(|g| g.group_id.as_str())
            .collect();
        match &self.logic {
            Logic::Configured(expr) => expr.display(&ids).to_string(),
            Logic::AnyGroup => ids.join(" OR "),
            Logic::AllGroups => ids.join(" AND "),
        }
    }
}

fn err(key: String, message: &str) -> ProfileError {
    ProfileError {
        key,
        message: message.to_string(),
    }
}
