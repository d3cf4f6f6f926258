//! Ingestion-profile filtering: decides whether an item is relevant enough to keep.
//!
//! Profiles come from `ingestion_profiles.yaml`; the config crate resolves scope references into
//! term lists and hands them over as a [`ProfileDef`]. [`Profile::compile`] checks everything at
//! config load (terms, pattern syntax, combination logic), so every bad pattern or expression
//! surfaces before a run starts; the matchers themselves are built on first use (or by
//! [`Profile::prepare`]), since a run rarely needs every profile of a config.
//! [`Profile::evaluate`] then decides on each item in time linear in its text.
//!
//! # Matching
//! Title and content are matched together (joined by a line break). Terms match whole words:
//! a boundary is required at each edge of a term whose character is a letter, digit or `_`, so
//! `oral` does not match "moral", `event` not "prevent", while `PharmaShell®` matches
//! "PharmaShell®-based" and `Merck & Co` matches "Merck & Co, Inc.". Texts and terms get the
//! same light normalisation (typographic apostrophes, Unicode hyphens, whitespace runs, and case
//! unless `case_sensitive`); hyphen and space variants are *not* merged, config lists both.
//! The config's `partial_matching: true` (substring matching, the old system's "moral" bug) is
//! deliberately not honoured. Terms containing `.*`, `.+`, `.?`, `.{`, `\`, `|` or `[` are
//! regular expressions whose wildcards stay within one sentence and 200 bytes; see
//! [`pattern`]. Details of counting in [`terms`].
//!
//! # Profile modes
//! - `ingest_all`: every item is kept, nothing is checked.
//! - `exclude_only`: kept unless a term of an exclusion scope matches.
//! - `require_signals` / `require_multi_signals`: exclusions first, then signal groups. A group
//!   is *satisfied* when at least `min_matches` distinct terms of its scopes are found (a term
//!   inside a longer found term of the same group does not count separately). The item is kept
//!   when `combination_logic` (a boolean expression over group ids, see [`expr`]) holds **and**
//!   the summed weight of satisfied groups reaches `minimum_total_weight`. Without
//!   `combination_logic`, `require_signals` needs any one group and `require_multi_signals`
//!   needs every group.
//!
//! # Ingestion modes (run-level `ingestion_mode`)
//! `minimum_text_length` is compared with the number of characters of title and content
//! together, after whitespace runs are collapsed.
//!
//! - `balanced` (default): the profile as configured. `minimum_text_length` applies to
//!   require_* profiles, where it guards signal detection; exclude_only profiles keep short
//!   items, because for a pure player a bare headline is still a real press release.
//! - `strict`: balanced, plus `minimum_text_length` applies to exclude_only profiles too (a bare
//!   title or an attachment stub is dropped).
//! - `broad`: exclusions still apply; `minimum_text_length` is not enforced; a require_*
//!   profile keeps an item when any one group is satisfied, ignoring `combination_logic` and
//!   `minimum_total_weight`.
//!
//! `ingest_all` profiles keep everything in every mode.
//!
//! Every [`Decision`] carries a one-line reason for reports, e.g.
//! `excluded by exclusion_scopes.hr_recruitment_terms: "hiring"`,
//! `missing signals: entity_signals AND (technology_signals OR trademark_signals) not satisfied
//! (matched: technology_signals ("LAI"))`,
//! `kept: matched entity_signals ("Camurus"), technology_signals ("FluidCrystal") (weight 4.0)`.

mod decision;
pub mod expr;
pub mod pattern;
mod profile;
pub mod terms;
pub mod text;

pub use decision::{Decision, DecisionKind, ExclusionHit, GroupMatch};
pub use profile::Profile;
pub use terms::{Scan, TermRef, TermSet};

use serde::{Deserialize, Serialize};

/// `signal_requirements.mode` of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileMode {
    /// Keep unless an exclusion scope matches.
    ExcludeOnly,
    /// Exclusions, then signal groups (default combination: any group).
    RequireSignals,
    /// Exclusions, then signal groups (default combination: every group).
    RequireMultiSignals,
    /// Keep everything.
    IngestAll,
}

/// The run-level `ingestion_mode` of the Lambda event / CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestionMode {
    /// Balanced, and `minimum_text_length` for exclude_only profiles too.
    Strict,
    /// The profile as configured.
    #[default]
    Balanced,
    /// Exclusions only, plus any one signal group for require_* profiles.
    Broad,
}

/// A named list of terms (a resolved scope reference such as `lai_keywords.core_phrases`).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTerms {
    pub name: String,
    pub terms: Vec<String>,
}

/// One `required_signal_groups` entry with its scopes resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalGroupDef {
    pub group_id: String,
    pub scopes: Vec<NamedTerms>,
    pub min_matches: usize,
    pub weight: f64,
}

/// A profile as configured, scope references already resolved to term lists.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileDef {
    pub name: String,
    pub mode: ProfileMode,
    pub exclusions: Vec<NamedTerms>,
    pub groups: Vec<SignalGroupDef>,
    pub combination_logic: Option<String>,
    pub minimum_total_weight: f64,
    pub case_sensitive: bool,
    pub minimum_text_length: usize,
}

/// A config problem found while compiling a profile; `key` says where (e.g.
/// `required_signal_groups[1].scopes`, `combination_logic`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ProfileError {
    pub key: String,
    pub message: String,
}
