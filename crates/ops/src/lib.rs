//! Packaging and deployment of vectora-inbox (the CLI's `package`, `deploy`, `deploy-core`,
//! `invoke` and `config push` subcommands). Kept out of the Lambda binary so `bootstrap` stays small.
//!
//! A library without a front: commands take plain request structs and return their outcomes;
//! what happens while they run goes to a [`progress::Progress`] the caller passes. The command
//! line (clap types, terminal output) is the CLI crate's.

pub mod arch;
pub mod aws;
pub mod build;
pub mod bundle;
pub mod changeset;
pub mod config_push;
pub mod deploy;
pub mod deploy_core;
pub mod elf;
pub mod fan_out;
pub mod invoke;
pub mod naming;
pub mod package;
pub mod progress;
pub mod stacks;
pub mod templates;
pub mod validate;
