//! Names of stacks, functions, buckets and keys, derived from project and environment exactly as the
//! existing deployment named them (so old stacks are found without configuration).

use std::fmt;

/// A deployment environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    Dev,
    Stage,
    Prod,
}

impl Env {
    /// Every environment, in the order fronts list them.
    pub const ALL: [Env; 3] = [Env::Dev, Env::Stage, Env::Prod];

    pub fn as_str(self) -> &'static str {
        match self {
            Env::Dev => "dev",
            Env::Stage => "stage",
            Env::Prod => "prod",
        }
    }
}

/// Parses an environment's name (`dev`, `stage`, `prod`).
impl std::str::FromStr for Env {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Env::ALL
            .into_iter()
            .find(|e| e.as_str() == name)
            .ok_or_else(|| format!("unknown environment {name:?} (dev, stage or prod)"))
    }
}

impl fmt::Display for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Prefix of the content-addressed code keys in the code bucket.
pub const CODE_PREFIX: &str = "lambda/ingest-v2/";

/// Prefix of the content-addressed fan-out definitions in the code bucket.
pub const DEFINITION_PREFIX: &str = "stepfunctions/fan-out/";

/// Project + environment, the two inputs of every name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naming {
    pub project: String,
    pub env: Env,
}

impl Naming {
    pub fn new(project: impl Into<String>, env: Env) -> Self {
        Naming {
            project: project.into(),
            env,
        }
    }
    pub fn core_stack(&self) -> String {
        format!("{}-s0-core-{}", self.project, self.env)
    }
    pub fn iam_stack(&self) -> String {
        format!("{}-s0-iam-{}", self.project, self.env)
    }
    pub fn ingest_stack(&self) -> String {
        format!("{}-s1-ingest-v2-{}", self.project, self.env)
    }
    pub fn fan_out_stack(&self) -> String {
        format!("{}-s2-fan-out-{}", self.project, self.env)
    }
    pub fn state_machine(&self) -> String {
        format!("{}-fan-out-{}", self.project, self.env)
    }
    pub fn function(&self) -> String {
        format!("{}-ingest-v2-{}", self.project, self.env)
    }
    pub fn log_group(&self) -> String {
        format!("/aws/lambda/{}", self.function())
    }
    /// The code bucket's conventional name (older s0-core stacks do not output it).
    pub fn code_bucket(&self) -> String {
        format!("{}-lambda-code-{}", self.project, self.env)
    }
    pub fn config_bucket(&self) -> String {
        format!("{}-config-{}", self.project, self.env)
    }
}

/// Content-addressed key of a zip: a new key for every code change, so CloudFormation sees a change.
pub fn code_key(sha256: &str) -> String {
    format!("{CODE_PREFIX}{sha256}.zip")
}

/// Content-addressed key of a state machine definition.
pub fn definition_key(sha256: &str) -> String {
    format!("{DEFINITION_PREFIX}{sha256}.asl.json")
}

/// The moving pointer to the last uploaded zip (what the seed's scripts used).
pub fn latest_key() -> String {
    format!("{CODE_PREFIX}latest.zip")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_existing_deployment() {
        let n = Naming::new("vectora-inbox", Env::Dev);
        assert_eq!(n.core_stack(), "vectora-inbox-s0-core-dev");
        assert_eq!(n.iam_stack(), "vectora-inbox-s0-iam-dev");
        assert_eq!(n.ingest_stack(), "vectora-inbox-s1-ingest-v2-dev");
        assert_eq!(n.function(), "vectora-inbox-ingest-v2-dev");
        assert_eq!(n.log_group(), "/aws/lambda/vectora-inbox-ingest-v2-dev");
        assert_eq!(n.code_bucket(), "vectora-inbox-lambda-code-dev");
        assert_eq!(code_key("ab12"), "lambda/ingest-v2/ab12.zip");
        assert_eq!(latest_key(), "lambda/ingest-v2/latest.zip");
        assert_eq!(n.fan_out_stack(), "vectora-inbox-s2-fan-out-dev");
        assert_eq!(n.state_machine(), "vectora-inbox-fan-out-dev");
        assert_eq!(
            definition_key("ab12"),
            "stepfunctions/fan-out/ab12.asl.json"
        );
    }
}
