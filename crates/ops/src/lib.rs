//! Packaging and deployment of vectora-inbox (the CLI's `package`, `deploy`, `deploy-core`,
//! `invoke` and `config push` subcommands). Kept out of the Lambda binary so `bootstrap` stays small.

pub mod arch;
pub mod aws;
pub mod build;
pub mod bundle;
pub mod elf;
pub mod naming;
pub mod package;
pub mod validate;
