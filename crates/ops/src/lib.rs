//! Packaging and deployment of vectora-inbox (the CLI's `package`, `deploy`, `deploy-core`,
//! `invoke` and `config push` subcommands). Kept out of the Lambda binary so `bootstrap` stays small.
