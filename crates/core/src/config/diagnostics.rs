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

/// What a diagnostic is attached to: everything, or only one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Global,
    Client(String),
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
}

/// Diagnostics quote config values: bound them so that one absurd value cannot flood a terminal
/// or a log line.
const MAX_MESSAGE_CHARS: usize = 500;
const MAX_KEY_CHARS: usize = 200;

fn bounded(s: String, max: usize) -> String {
    crate::model::truncate_message(&s, max)
}

impl Diagnostic {
    pub fn error(file: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            file: file.to_string(),
            key: bounded(key.into(), MAX_KEY_CHARS),
            message: bounded(message.into(), MAX_MESSAGE_CHARS),
            scope: Scope::Global,
        }
    }
    pub fn warning(file: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            file: file.to_string(),
            key: bounded(key.into(), MAX_KEY_CHARS),
            message: bounded(message.into(), MAX_MESSAGE_CHARS),
            scope: Scope::Global,
        }
    }
    pub fn info(file: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Info,
            file: file.to_string(),
            key: bounded(key.into(), MAX_KEY_CHARS),
            message: bounded(message.into(), MAX_MESSAGE_CHARS),
            scope: Scope::Global,
        }
    }
    /// Errors and warnings are problems; infos are not.
    pub fn is_problem(&self) -> bool {
        self.severity != Severity::Info
    }
    pub fn for_client(mut self, client_id: &str) -> Self {
        self.scope = Scope::Client(client_id.to_string());
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
