//! A compiled ingestion profile and its evaluation (rules in the crate documentation).

use crate::decision::{Decision, ExclusionHit, GroupMatch};
use crate::expr::Expr;
use crate::terms::{Scan, TermSet};
use crate::text::normalize;
use crate::{IngestionMode, NamedTerms, ProfileDef, ProfileError, ProfileMode, SignalGroupDef};
use std::sync::OnceLock;

/// Tolerance when comparing summed weights with `minimum_total_weight` (2.5 + 0.5 must reach 3.0).
const WEIGHT_EPSILON: f64 = 1e-9;

/// A checked profile: validated once at config load, its matchers built on first use, evaluated
/// for every item.
///
/// Building the automata and regexes of every profile of a config costs several milliseconds
/// each, most of a Lambda cold start, while a run usually needs one or two profiles; so
/// [`Profile::compile`] checks everything that can be checked without building them (pattern
/// syntax included) and the build happens once, on the first [`Profile::prepare`] or
/// [`Profile::evaluate`].
#[derive(Debug, Clone)]
pub struct Profile {
    def: ProfileDef,
    /// The distinct scopes the profile uses (exclusions and groups), the matcher's input.
    scopes: Vec<NamedTerms>,
    /// Built on first use; errors already keyed where the profile references the scope.
    terms: OnceLock<Result<TermSet, Vec<ProfileError>>>,
    /// For each exclusion scope of `def`, its index in `scopes`.
    exclusion_scopes: Vec<usize>,
    /// For each group of `def`, the indexes of its scopes in `scopes`.
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
    /// Checks terms, patterns and the combination expression; returns every problem found. The
    /// term matchers themselves are built later (see the type's documentation).
    ///
    /// Errors: an invalid pattern or empty term (keyed where the profile references the scope, e.g.
    /// `exclusion_scopes[4]`, the message naming scope and term), an unknown group id
    /// or syntax error in `combination_logic`, a duplicate or empty `group_id`, `min_matches`
    /// of 0, a negative or non-finite weight, a require_* profile without groups.
    /// Oddities that are legal but probably unintended (a group whose scopes are all empty,
    /// settings the mode ignores) become [`Profile::warnings`].
    pub fn compile(def: ProfileDef) -> Result<Profile, Vec<ProfileError>> {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let table = ScopeTable::of(&def);
        for (i, group) in def.groups.iter().enumerate() {
            check_group(&def, i, group, &mut errors, &mut warnings);
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
        let logic = combination(&def, &mut errors, &mut warnings);
        if let Err(term_errors) = TermSet::check(&table.scopes, def.case_sensitive) {
            errors.extend(term_errors.into_iter().map(|e| at_reference(&def, e)));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Profile {
            def,
            scopes: table.scopes,
            terms: OnceLock::new(),
            exclusion_scopes: table.exclusions,
            group_scopes: table.groups,
            logic,
            warnings,
        })
    }

    /// Builds the term matchers now if they are not built yet (later calls are free). Fails only
    /// for what [`Profile::compile`] cannot see without building: a pattern whose compiled form
    /// exceeds the size limit. Callers that need every problem up front (`validate`, before a
    /// config is published) call this on every profile.
    pub fn prepare(&self) -> Result<(), Vec<ProfileError>> {
        self.matcher().map(drop).map_err(<[ProfileError]>::to_vec)
    }

    fn matcher(&self) -> Result<&TermSet, &[ProfileError]> {
        self.terms
            .get_or_init(|| {
                TermSet::compile(&self.scopes, self.def.case_sensitive).map_err(|errors| {
                    errors
                        .into_iter()
                        .map(|e| at_reference(&self.def, e))
                        .collect()
                })
            })
            .as_ref()
            .map_err(Vec::as_slice)
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
        let matcher = match self.matcher() {
            Ok(m) => m,
            Err(errors) => return Decision::unusable(&self.def.name, errors),
        };
        let scan = matcher.scan_normalized(&text);
        if let Some(hit) = self.first_exclusion(&scan) {
            return Decision::excluded(hit);
        }
        if self.def.mode == ProfileMode::ExcludeOnly {
            return Decision::no_exclusion();
        }
        self.decide_signals(self.match_groups(&scan), mode)
    }

    /// The first exclusion scope, in config order, with a term in the text.
    fn first_exclusion(&self, scan: &Scan<'_>) -> Option<ExclusionHit> {
        self.exclusion_scopes.iter().find_map(|&scope| {
            let terms = scan.matched_terms(&[scope]);
            (!terms.is_empty()).then(|| ExclusionHit {
                scope: self
                    .scopes
                    .get(scope)
                    .map_or("", |s| s.name.as_str())
                    .to_string(),
                terms: terms.into_iter().map(String::from).collect(),
            })
        })
    }

    /// Each signal group's matches: satisfied when it has `min_matches` distinct terms.
    fn match_groups(&self, scan: &Scan<'_>) -> GroupScan {
        let mut out = GroupScan {
            satisfied: vec![false; self.def.groups.len()],
            found: Vec::new(),
            total_weight: 0.0,
        };
        for (i, (group, scopes)) in self.def.groups.iter().zip(&self.group_scopes).enumerate() {
            let terms: Vec<String> = scan
                .matched_terms(scopes)
                .into_iter()
                .map(String::from)
                .collect();
            if terms.len() >= group.min_matches {
                out.satisfied[i] = true;
                out.total_weight += group.weight;
            }
            if !terms.is_empty() {
                out.found.push(GroupMatch {
                    group_id: group.group_id.clone(),
                    min_matches: group.min_matches,
                    satisfied: out.satisfied[i],
                    weight: group.weight,
                    terms,
                });
            }
        }
        out
    }

    /// A require_* profile's verdict from its groups: in a broad run any satisfied group keeps
    /// the item; otherwise the combination rule, then `minimum_total_weight`.
    fn decide_signals(&self, groups: GroupScan, mode: IngestionMode) -> Decision {
        let GroupScan {
            satisfied,
            found,
            total_weight,
        } = groups;
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

/// The signal groups matched against one text.
struct GroupScan {
    /// Per group of the definition, in order.
    satisfied: Vec<bool>,
    /// The groups with at least one term in the text.
    found: Vec<GroupMatch>,
    /// Sum of the satisfied groups' weights.
    total_weight: f64,
}

/// One table of distinct scopes, so a scope used twice (an exclusion and a group, two groups) is
/// scanned once; exclusions and groups refer to it by index.
struct ScopeTable {
    scopes: Vec<NamedTerms>,
    exclusions: Vec<usize>,
    groups: Vec<Vec<usize>>,
}

impl ScopeTable {
    fn of(def: &ProfileDef) -> ScopeTable {
        let mut scopes: Vec<NamedTerms> = Vec::new();
        let mut index_of = |scope: &NamedTerms| match scopes.iter().position(|s| s == scope) {
            Some(i) => i,
            None => {
                scopes.push(scope.clone());
                scopes.len() - 1
            }
        };
        let exclusions = def.exclusions.iter().map(&mut index_of).collect();
        let groups = def
            .groups
            .iter()
            .map(|g| g.scopes.iter().map(&mut index_of).collect())
            .collect();
        ScopeTable {
            scopes,
            exclusions,
            groups,
        }
    }
}

fn requires_signals(def: &ProfileDef) -> bool {
    matches!(
        def.mode,
        ProfileMode::RequireSignals | ProfileMode::RequireMultiSignals
    )
}

/// One `required_signal_groups` entry: its id (present, not defined twice), `min_matches`,
/// weight; a warning when its scopes hold fewer terms than it needs matches.
fn check_group(
    def: &ProfileDef,
    i: usize,
    group: &SignalGroupDef,
    errors: &mut Vec<ProfileError>,
    warnings: &mut Vec<ProfileError>,
) {
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
    if requires_signals(def) && term_count < group.min_matches {
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

/// How satisfied groups combine: `combination_logic` parsed against the group ids, else the
/// mode's default. Settings the mode ignores are warnings.
fn combination(
    def: &ProfileDef,
    errors: &mut Vec<ProfileError>,
    warnings: &mut Vec<ProfileError>,
) -> Logic {
    let logic_src = def
        .combination_logic
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let default = match def.mode {
        ProfileMode::RequireMultiSignals => Logic::AllGroups,
        _ => Logic::AnyGroup,
    };
    if !requires_signals(def) {
        let ignored = [
            (!def.groups.is_empty()).then_some("required_signal_groups"),
            logic_src.map(|_| "combination_logic"),
            (def.mode == ProfileMode::IngestAll && !def.exclusions.is_empty())
                .then_some("exclusion_scopes"),
        ];
        for key in ignored.into_iter().flatten() {
            warnings.push(err(key.into(), &format!("ignored by mode {:?}", def.mode)));
        }
        return default;
    }
    if def.groups.is_empty() {
        errors.push(err(
            "required_signal_groups".into(),
            "a require_signals / require_multi_signals profile needs at least one group",
        ));
    }
    let Some(src) = logic_src else {
        return default;
    };
    let ids: Vec<&str> = def.groups.iter().map(|g| g.group_id.as_str()).collect();
    match Expr::parse(src, &ids) {
        Ok(expr) => Logic::Configured(expr),
        Err(e) => {
            errors.push(err("combination_logic".into(), &e.to_string()));
            default
        }
    }
}

/// Re-keys a [`TermSet`] error (keyed by scope name) to where the profile references that
/// scope, e.g. `exclusion_scopes[4]`, keeping the scope name at the head of the message.
fn at_reference(def: &ProfileDef, e: ProfileError) -> ProfileError {
    let in_exclusions = def
        .exclusions
        .iter()
        .position(|s| s.name == e.key)
        .map(|i| format!("exclusion_scopes[{i}]"));
    let in_groups = || {
        def.groups.iter().enumerate().find_map(|(g, group)| {
            let k = group.scopes.iter().position(|s| s.name == e.key)?;
            Some(format!("required_signal_groups[{g}].scopes[{k}]"))
        })
    };
    match in_exclusions.or_else(in_groups) {
        Some(key) => ProfileError {
            key,
            message: format!("scope {}: {}", e.key, e.message),
        },
        None => e,
    }
}

fn err(key: String, message: &str) -> ProfileError {
    ProfileError {
        key,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DecisionKind, SignalGroupDef};

    fn scope(name: &str, terms: &[&str]) -> NamedTerms {
        NamedTerms {
            name: name.into(),
            terms: terms.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn group(id: &str, scopes: Vec<NamedTerms>, min_matches: usize, weight: f64) -> SignalGroupDef {
        SignalGroupDef {
            group_id: id.into(),
            scopes,
            min_matches,
            weight,
        }
    }

    fn def(mode: ProfileMode) -> ProfileDef {
        ProfileDef {
            name: "test".into(),
            mode,
            exclusions: vec![scope("exclusion_scopes.hr", &["hiring", "seeks.*engineer"])],
            groups: vec![
                group(
                    "entity",
                    vec![scope("companies", &["Nanexa", "Camurus", "Merck & Co"])],
                    1,
                    2.0,
                ),
                group(
                    "tech",
                    vec![scope(
                        "core",
                        &["long-acting", "long-acting injectable", "LAI"],
                    )],
                    1,
                    2.0,
                ),
                group(
                    "brand",
                    vec![scope("trademarks", &["UZEDY®", "Sublocade"])],
                    1,
                    1.5,
                ),
            ],
            combination_logic: Some("entity AND (tech OR brand)".into()),
            minimum_total_weight: 3.0,
            case_sensitive: false,
            minimum_text_length: 20,
        }
    }

    #[test]
    fn a_scope_used_twice_is_one_entry_of_the_table() {
        let shared = scope("lai", &["depot"]);
        let mut d = def(ProfileMode::RequireSignals);
        d.exclusions = vec![shared.clone()];
        d.groups = vec![group("g", vec![shared, scope("x", &["y"])], 1, 1.0)];
        let table = ScopeTable::of(&d);
        assert_eq!(table.scopes.len(), 2);
        assert_eq!(table.exclusions, vec![0]);
        assert_eq!(table.groups, vec![vec![0, 1]]);
    }

    fn keep(p: &Profile, title: &str, mode: IngestionMode) -> bool {
        p.evaluate(title, "", mode).keep
    }

    const BALANCED: IngestionMode = IngestionMode::Balanced;

    #[test]
    fn combination_logic_decides() {
        let p = Profile::compile(def(ProfileMode::RequireMultiSignals)).unwrap();
        let d = p.evaluate(
            "Camurus reports data on its long-acting injectable",
            "",
            BALANCED,
        );
        assert!(d.keep, "{}", d.reason);
        assert_eq!(d.kind, DecisionKind::Kept);
        assert_eq!(d.total_weight, 4.0);
        assert_eq!(
            d.reason,
            r#"kept: matched entity ("Camurus"), tech ("long-acting injectable") (weight 4.0)"#
        );
        let d = p.evaluate("A long-acting injectable for schizophrenia", "", BALANCED);
        assert!(!d.keep);
        assert_eq!(
            d.reason,
            r#"missing signals: entity AND (tech OR brand) not satisfied (matched: tech ("long-acting injectable"))"#
        );
        assert!(keep(&p, "Sublocade sales grow at Camurus", BALANCED));
    }

    #[test]
    fn minimum_weight_applies_on_top_of_the_logic() {
        let mut d = def(ProfileMode::RequireSignals);
        d.combination_logic = Some("entity OR brand".into());
        d.minimum_total_weight = 3.0;
        let p = Profile::compile(d).unwrap();
        let dec = p.evaluate("Nanexa opens a new office in Uppsala", "", BALANCED);
        assert!(!dec.keep);
        assert_eq!(
            dec.reason,
            r#"missing signals: total weight 2.0 below minimum 3.0 (matched: entity ("Nanexa"))"#
        );
        assert!(keep(&p, "Nanexa licenses Sublocade know-how", BALANCED));
    }

    #[test]
    fn default_logic_any_for_require_signals_all_for_multi() {
        let mut d = def(ProfileMode::RequireSignals);
        d.combination_logic = None;
        d.minimum_total_weight = 0.0;
        let any = Profile::compile(d.clone()).unwrap();
        d.mode = ProfileMode::RequireMultiSignals;
        let all = Profile::compile(d).unwrap();
        let one = "Sublocade label update announced today";
        let three = "Camurus: Sublocade is a long-acting injectable";
        assert!(keep(&any, one, BALANCED));
        assert!(!keep(&all, one, BALANCED));
        assert!(keep(&all, three, BALANCED));
        assert!(
            all.evaluate(one, "", BALANCED)
                .reason
                .contains("entity AND tech AND brand not satisfied")
        );
    }

    #[test]
    fn exclusions_come_first_and_name_scope_and_term() {
        let p = Profile::compile(def(ProfileMode::RequireMultiSignals)).unwrap();
        let d = p.evaluate("Camurus is hiring for its LAI plant", "", BALANCED);
        assert!(!d.keep);
        assert_eq!(d.kind, DecisionKind::Excluded);
        assert_eq!(d.reason, r#"excluded by exclusion_scopes.hr: "hiring""#);
        let d = p.evaluate("Nanexa seeks experienced process engineer", "", BALANCED);
        assert_eq!(
            d.reason,
            r#"excluded by exclusion_scopes.hr: "seeks.*engineer""#
        );
        // Broad mode still applies exclusions.
        assert!(!keep(
            &p,
            "Camurus is hiring for its LAI plant",
            IngestionMode::Broad
        ));
    }

    #[test]
    fn exclude_only_and_ingest_all() {
        let p = Profile::compile(def(ProfileMode::ExcludeOnly)).unwrap();
        assert!(keep(
            &p,
            "Medincell wins a grant to fight malaria",
            BALANCED
        ));
        assert!(!keep(&p, "We are hiring", BALANCED));
        assert_eq!(
            p.evaluate("Something", "", BALANCED).reason,
            "kept: no exclusion matched"
        );
        // The groups and logic are ignored, and said so.
        assert!(
            p.warnings()
                .iter()
                .any(|w| w.key == "required_signal_groups")
        );
        assert!(p.warnings().iter().any(|w| w.key == "combination_logic"));

        let p = Profile::compile(def(ProfileMode::IngestAll)).unwrap();
        let d = p.evaluate("We are hiring", "", IngestionMode::Strict);
        assert!(d.keep);
        assert_eq!(d.kind, DecisionKind::IngestAll);
    }

    #[test]
    fn minimum_text_length_by_mode() {
        let short = "Camurus LAI"; // 11 characters < 20
        let multi = Profile::compile(def(ProfileMode::RequireMultiSignals)).unwrap();
        let d = multi.evaluate(short, "", BALANCED);
        assert_eq!(d.kind, DecisionKind::TooShort);
        assert_eq!(d.reason, "too short: 11 characters of text, minimum 20");
        assert!(keep(&multi, short, IngestionMode::Broad));

        let exclude_only = Profile::compile(def(ProfileMode::ExcludeOnly)).unwrap();
        assert!(keep(&exclude_only, short, BALANCED));
        assert!(keep(&exclude_only, short, IngestionMode::Broad));
        assert!(!keep(&exclude_only, short, IngestionMode::Strict));
        // Title and content count together; whitespace runs count once.
        assert!(
            exclude_only
                .evaluate("Camurus", "   an update      on LAI", IngestionMode::Strict)
                .keep
        );
    }

    #[test]
    fn broad_relaxes_signal_requirements() {
        let p = Profile::compile(def(ProfileMode::RequireMultiSignals)).unwrap();
        let text = "A long-acting injectable for schizophrenia";
        assert!(!keep(&p, text, BALANCED));
        let d = p.evaluate(text, "", IngestionMode::Broad);
        assert!(d.keep);
        assert_eq!(
            d.reason,
            r#"kept (broad): matched tech ("long-acting injectable") (weight 2.0)"#
        );
        let d = p.evaluate(
            "Nothing relevant in this headline",
            "",
            IngestionMode::Broad,
        );
        assert!(!d.keep);
        assert_eq!(
            d.reason,
            "missing signals: no signal group satisfied (broad) (matched: none)"
        );
    }

    #[test]
    fn strict_keeps_the_configured_signal_rules() {
        let p = Profile::compile(def(ProfileMode::RequireMultiSignals)).unwrap();
        let text = "Camurus reports data on its long-acting injectable";
        assert!(keep(&p, text, IngestionMode::Strict));
        assert!(!keep(
            &p,
            "A long-acting injectable for schizophrenia",
            IngestionMode::Strict
        ));
    }

    #[test]
    fn min_matches_counts_distinct_terms() {
        let mut d = def(ProfileMode::RequireSignals);
        d.groups = vec![group(
            "tech",
            vec![scope(
                "core",
                &["long-acting", "long-acting injectable", "LAI"],
            )],
            2,
            3.0,
        )];
        d.combination_logic = None;
        d.minimum_total_weight = 0.0;
        let p = Profile::compile(d).unwrap();
        // "long-acting" inside "long-acting injectable" and a repeated term do not add up.
        let d = p.evaluate(
            "A long-acting injectable, a long-acting injectable",
            "",
            BALANCED,
        );
        assert!(!d.keep);
        assert!(
            d.reason.contains(r#"tech 1/2 ("long-acting injectable")"#),
            "{}",
            d.reason
        );
        assert!(keep(
            &p,
            "A long-acting injectable (LAI) for schizophrenia",
            BALANCED
        ));
    }

    #[test]
    fn case_sensitive_profiles() {
        let mut d = def(ProfileMode::RequireSignals);
        d.case_sensitive = true;
        d.combination_logic = Some("tech".into());
        d.minimum_total_weight = 0.0;
        let p = Profile::compile(d).unwrap();
        assert!(keep(&p, "Results for the LAI formulation", BALANCED));
        assert!(!keep(&p, "Results for the lai formulation", BALANCED));
        assert!(!keep(
            &p,
            "Results for the Long-Acting formulation",
            BALANCED
        ));
    }

    /// The matchers are built on first use; what only building can find (a pattern too large to
    /// compile) is reported by `prepare`, keyed like a load error, and such a profile keeps nothing.
    #[test]
    fn matchers_are_built_on_first_use_and_build_errors_are_keyed() {
        let p = Profile::compile(def(ProfileMode::RequireSignals)).unwrap();
        assert!(p.terms.get().is_none(), "nothing built by compile");
        assert!(keep(
            &p,
            "Camurus reports LAI data for its FluidCrystal depot",
            BALANCED
        ));
        assert!(matches!(p.terms.get(), Some(Ok(_))));
        assert_eq!(p.prepare(), Ok(()));

        let mut d = def(ProfileMode::ExcludeOnly);
        d.exclusions[0].terms.push(r"\w{5000}\w{5000}".into());
        let p = Profile::compile(d).expect("the syntax is valid: compile accepts it");
        let errors = p.prepare().unwrap_err();
        assert_eq!(errors[0].key, "exclusion_scopes[0]");
        assert!(
            errors[0]
                .message
                .starts_with("scope exclusion_scopes.hr: invalid pattern"),
            "{}",
            errors[0].message
        );
        let d = p.evaluate("Camurus reports LAI data", "", BALANCED);
        assert!(!d.keep);
        assert_eq!(d.kind, DecisionKind::ProfileUnusable);
        assert!(
            d.reason
                .starts_with("profile test cannot be used: exclusion_scopes[0]: "),
            "{}",
            d.reason
        );
    }

    #[test]
    fn combination_logic_errors_are_keyed() {
        let mut d = def(ProfileMode::RequireMultiSignals);
        d.combination_logic = Some("entity AND (tech OR brands)".into());
        let errors = Profile::compile(d.clone()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key, "combination_logic");
        assert!(
            errors[0].message.contains("\"brands\""),
            "{}",
            errors[0].message
        );

        d.combination_logic = Some("entity AND (tech OR brand".into());
        let errors = Profile::compile(d.clone()).unwrap_err();
        assert_eq!(errors[0].key, "combination_logic");
        assert!(
            errors[0]
                .to_string()
                .starts_with("combination_logic: missing ')'"),
            "{}",
            errors[0]
        );

        // Blank logic means "not configured".
        d.combination_logic = Some("  ".into());
        assert!(Profile::compile(d).is_ok());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut d = def(ProfileMode::RequireSignals);
        d.groups[1].group_id = "entity".into();
        d.groups[2].min_matches = 0;
        d.groups[0].weight = f64::NAN;
        d.minimum_total_weight = -1.0;
        d.exclusions[0].terms.push("seeks.*(engineer".into());
        let errors = Profile::compile(d).unwrap_err();
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "required_signal_groups[0].weight",
                "required_signal_groups[1].group_id",
                "required_signal_groups[2].min_matches",
                "minimum_total_weight",
                // "tech" no longer exists after the rename above.
                "combination_logic",
                "exclusion_scopes[0]",
            ]
        );
        assert!(
            errors[5]
                .message
                .starts_with("scope exclusion_scopes.hr: invalid pattern")
        );
        assert!(errors[5].message.contains("seeks.*(engineer"));
    }

    #[test]
    fn require_mode_without_groups_is_an_error() {
        let mut d = def(ProfileMode::RequireSignals);
        d.groups.clear();
        d.combination_logic = None;
        let errors = Profile::compile(d).unwrap_err();
        assert_eq!(errors[0].key, "required_signal_groups");
    }

    #[test]
    fn a_group_without_terms_is_a_warning() {
        let mut d = def(ProfileMode::RequireMultiSignals);
        d.groups[2].scopes = vec![
            scope("addiction_keywords", &[]),
            scope("psychiatry_keywords", &[]),
        ];
        let p = Profile::compile(d).unwrap();
        let w = &p.warnings()[0];
        assert_eq!(w.key, "required_signal_groups[2].scopes");
        assert!(
            w.message
                .contains("addiction_keywords, psychiatry_keywords"),
            "{}",
            w.message
        );
        assert!(keep(
            &p,
            "Camurus reports data on its long-acting injectable",
            BALANCED
        ));
    }

    #[test]
    fn odd_inputs_never_panic() {
        let long_line = "Camurus seeks ".to_string() + &"x ".repeat(100_000) + "engineer";
        let inputs = [
            "",
            "\n\n\t ",
            "İSTANBUL İLAÇ long-acting Camurus",
            "\u{301}\u{301}LAI\u{301} Camurus\u{200d}LAI",
            "🧪 Camurus 🧪 LAI 🧪 hiring🧪",
            "\0\u{fffd}\u{feff}Merck & Co\u{0}",
            &long_line,
        ];
        for mode in [
            ProfileMode::ExcludeOnly,
            ProfileMode::RequireSignals,
            ProfileMode::RequireMultiSignals,
        ] {
            let p = Profile::compile(def(mode)).unwrap();
            for text in &inputs {
                for run in [IngestionMode::Strict, BALANCED, IngestionMode::Broad] {
                    let d = p.evaluate(text, text, run);
                    assert!(!d.reason.is_empty());
                }
            }
        }
        // The pattern cannot reach across 200 KB of filler.
        let p = Profile::compile(def(ProfileMode::ExcludeOnly)).unwrap();
        assert!(p.evaluate(&long_line, "", BALANCED).keep);
    }

    #[test]
    fn title_and_content_do_not_glue_into_one_word() {
        let p = Profile::compile(def(ProfileMode::ExcludeOnly)).unwrap();
        // "…process" + "engineer" from different fields: the line break ends the pattern's sentence.
        assert!(
            p.evaluate(
                "Nanexa seeks partners",
                "engineer workshop notes for the team",
                BALANCED
            )
            .keep
        );
    }
}
