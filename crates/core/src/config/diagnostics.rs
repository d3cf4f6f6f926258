//! Config problems, each naming the file and the key, so a user can go straight to the line.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing, not a problem (e.g. a profile group that can never be satisfied because
    /// its scopes are empty). `validate` prints it and still succeeds.
    Info,
    /// Reported, not fatal: the run goes on without the thing named (unknown bouquet, unknown
    /// or disabled source...). `validate` still fails on it.
    Warning,
    /// Makes the file (or the client that uses it) unusable: nothing runs with it.
    Error,
}

/// What an error stops. Validation is strict (every error fails `validate`); a run is forgiving:
/// it stops only what the problem belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every run: the config cannot be used at all (no catalog, an unreadable catalog).
    Global,
    /// One client (its file): that client fails, the others run.
    Client(String),
    /// One catalog source, by `source_key` (for an entry without a usable key, its position
    /// `sources[i]`, which no client can name): that source fails with `config_error`.
    Source(String),
    /// One ingestion profile: every source using it fails with `config_error`.
    Profile(String),
    /// Nothing stops: the file's problem is reported, and whatever depends on the file carries a
    /// diagnostic of its own (a broken scope file makes the profiles using it fail).
    File,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path of the file, relative to the config root (e.g. `canonical/sources/source_catalog.yaml`).
    pub file: String,
    /// Dotted key inside the file (e.g. `sources[3].rss_url`); empty for the whole file.
    pub key: String,
    pub message: String,
    pub scope: Scope,
    /// A canonical file (or profile) the config lacks, taken from the bundled config: said
    /// everywhere (validate, run reports, logs), but not a problem of the config.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bundled_fallback: bool,
}

/// Diagnostics quote config values: bound them so that one absurd value cannot flood a terminal
/// or a log line.
const MAX_MESSAGE_CHARS: usize = 500;
const MAX_KEY_CHARS: usize = 200;

fn bounded(s: String, max: usize) -> String {
    crate::model::truncate_message(&s, max)
}

impl Diagnostic {
    fn new(severity: Severity, file: &str, key: String, message: String) -> Self {
        Self {
            severity,
            file: file.to_string(),
            key: bounded(key, MAX_KEY_CHARS),
            message: bounded(message, MAX_MESSAGE_CHARS),
            scope: Scope::Global,
            bundled_fallback: false,
        }
    }
    pub fn error(file: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, key.into(), message.into())
    }
    pub fn warning(file: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, file, key.into(), message.into())
    }
    pub fn info(file: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, file, key.into(), message.into())
    }
    /// The warning that `file` (or a part of it, `key`) is taken from the bundled config.
    pub fn bundled_fallback(
        file: &str,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let mut d = Self::new(Severity::Warning, file, key.into(), message.into());
        d.bundled_fallback = true;
        d
    }
    /// Errors and warnings are problems; infos and bundled fallbacks are not.
    pub fn is_problem(&self) -> bool {
        self.severity != Severity::Info && !self.bundled_fallback
    }
    pub fn for_client(self, client_id: &str) -> Self {
        self.scoped(Scope::Client(client_id.to_string()))
    }
    pub fn for_source(self, source_key: &str) -> Self {
        self.scoped(Scope::Source(source_key.to_string()))
    }
    pub fn for_profile(self, profile: &str) -> Self {
        self.scoped(Scope::Profile(profile.to_string()))
    }
    pub fn scoped(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Info => "note",
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.key.is_empty() {
            write!(f, "{sev}: {}: {}", self.file, self.message)
        } else {
            write!(f, "{sev}: {}: {}: {}", self.file, self.key, self.message)
        }
    }
}

/// A config that cannot be used, with every problem found.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ConfigErrors(pub Vec<Diagnostic>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors: Vec<_> = self.0.iter().filter(|d| d.is_error()).collect();
        write!(f, "invalid configuration ({} error(s))", errors.len())?;
        for d in errors {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}
