//! What the ops commands report while they run, as typed events the front renders.
//!
//! A deploy takes minutes and its steps (change set, execution, uploads, the test invocation) must
//! be seen as they happen, so a command cannot just return its story at the end. The library emits
//! [`Event`]s to a [`Progress`] the caller passes, and never prints: the CLI renders them as lines
//! on the terminal, a test records them. A trait rather than `tracing`: these lines are the
//! commands' output that users read and the e2e scripts check, not diagnostics behind a log filter
//! (the CLI's filter defaults to `error`), and a typed event is tested without parsing text.

use std::path::Path;

use serde_json::Value;

use crate::arch::Arch;
use crate::build::Builder;
use crate::stacks::{CoreInfo, RoleInfo};
use crate::validate::ValidatedPackage;

/// Receives the events of a running command, in order.
pub trait Progress: Sync {
    fn report(&self, event: Event<'_>);
}

/// Drops every event (callers that only want the returned values).
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn report(&self, _: Event<'_>) {}
}

/// One line of a change set: what CloudFormation will do to one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceChange {
    pub action: String,
    pub logical_id: String,
    pub resource_type: String,
    /// `True`, `False` or `Conditional` for modifications; `None` otherwise.
    pub replacement: Option<String>,
}

/// The deployed function as Lambda describes it after a deploy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSummary {
    pub name: String,
    pub runtime: String,
    pub memory_mb: i32,
    pub timeout_s: i32,
    pub architectures: Vec<String>,
    /// Base64 sha256 of the code, as Lambda reports it.
    pub code_sha256: String,
}

/// Something that happened during a command.
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// cargo starts building the bootstrap.
    Building {
        bin: &'a str,
        arch: Arch,
        builder: Builder,
        target: &'a str,
        profile: &'a str,
        workspace: &'a Path,
    },
    /// A zip passed validation.
    Packaged(&'a ValidatedPackage),
    /// An object was written to S3.
    Uploaded {
        bucket: &'a str,
        key: &'a str,
    },
    /// A content-addressed object was already there (same key, same bytes): not uploaded again.
    AlreadyUploaded {
        bucket: &'a str,
        key: &'a str,
    },
    /// `config push --dry-run`: this file would be uploaded.
    WouldUpload {
        bucket: &'a str,
        key: &'a str,
    },
    /// `deploy --dry-run`: the code zip (and latest.zip) would be uploaded.
    WouldUploadCode {
        bucket: &'a str,
        key: &'a str,
    },
    /// `deploy --fan-out --dry-run`: the state machine's definition would be uploaded.
    WouldUploadDefinition {
        bucket: &'a str,
        key: &'a str,
    },
    /// `config push`: the folder passed validation.
    ConfigValid {
        dir: &'a Path,
        files: usize,
    },
    /// `deploy`: where the function goes, read from the s0 stacks.
    DeployTarget {
        function: &'a str,
        stack: &'a str,
        region: &'a str,
        core: &'a CoreInfo,
        role: &'a RoleInfo,
    },
    /// `deploy` without --fan-out while the fan-out stack exists: that stack is left as it is.
    FanOutKept {
        stack: &'a str,
    },
    /// A stack whose first creation failed can only be deleted; `dry_run`: it would be.
    StackRecreated {
        stack: &'a str,
        status: &'a str,
        dry_run: bool,
    },
    ChangeSetCreating {
        stack: &'a str,
        change_set: &'a str,
        create: bool,
    },
    /// The template and parameters equal what is deployed.
    StackUnchanged {
        stack: &'a str,
    },
    ChangeSetComputed {
        stack: &'a str,
        changes: &'a [ResourceChange],
    },
    /// `--dry-run`: the change set was shown and deleted.
    ChangeSetDiscarded {
        stack: &'a str,
    },
    StackExecuting {
        stack: &'a str,
    },
    /// The stack reached a complete state.
    StackSettled {
        stack: &'a str,
        status: &'a str,
    },
    /// The stack ended failed or rolled back; `reasons`: each failed resource, oldest first.
    StackFailed {
        stack: &'a str,
        status: &'a str,
        reasons: &'a [String],
    },
    /// `deploy`: the function as deployed.
    FunctionDeployed(&'a FunctionSummary),
    Invoking {
        function: &'a str,
        /// The invoke endpoint, when it is not the main one.
        endpoint: Option<&'a str>,
        event: &'a Value,
    },
    /// The log group held no line of this request after the wait.
    NoLogLines {
        request_id: &'a str,
        log_group: &'a str,
        waited_s: u64,
    },
    /// The function's last log lines (shown before its answer is checked).
    LogTail {
        function: &'a str,
        lines: &'a [String],
    },
    /// `invoke --fan-out`: the execution started.
    ExecutionStarted {
        arn: &'a str,
        input: &'a Value,
    },
}
