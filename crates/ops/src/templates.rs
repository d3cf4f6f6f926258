//! The CloudFormation templates of `infra/`, compiled in so the CLI deploys the templates of its own
//! version from any directory. `--template FILE` overrides them.

use std::path::Path;

use anyhow::Context;

pub const S0_CORE: &str = include_str!("../../../infra/s0-core.yaml");
pub const S0_IAM: &str = include_str!("../../../infra/s0-iam.yaml");
pub const S1_INGEST_V2: &str = include_str!("../../../infra/s1-ingest-v2.yaml");
pub const S2_FAN_OUT: &str = include_str!("../../../infra/s2-fan-out.yaml");
/// The fan-out state machine's definition (Amazon States Language), `${FunctionArn}` substituted by
/// CloudFormation (`DefinitionSubstitutions`).
pub const FAN_OUT_DEFINITION: &str = include_str!("../../../infra/s2-fan-out.asl.json");

/// The built-in template, or the file given instead.
pub fn load(builtin: &str, file: Option<&Path>) -> anyhow::Result<String> {
    match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read template {}", path.display())),
        None => Ok(builtin.to_owned()),
    }
}
