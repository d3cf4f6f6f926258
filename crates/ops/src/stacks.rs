//! Reading what the s0 stacks provide (bucket names, role ARN), whichever template created them: the
//! existing deployments' older stacks (IngestNormalizeRoleArn, no code-bucket output) and this repo's
//! templates (IngestV2RoleArn, CodeBucketName). When a stack reports no outputs at all (an emulator
//! after a change-set deploy does), the same values are read from its resources' physical ids.

use std::collections::BTreeMap;

use anyhow::bail;
use aws_sdk_cloudformation::types::Stack;

use crate::aws::{Clients, explain};
use crate::naming::Naming;

/// Output name → value.
pub type Outputs = BTreeMap<String, String>;
/// Logical resource id → physical id.
pub type Resources = BTreeMap<String, String>;

/// What `deploy` needs from s0-core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreInfo {
    pub config_bucket: String,
    pub data_bucket: String,
    pub code_bucket: String,
    /// True when the code bucket name came from the naming convention (older s0-core stacks).
    pub code_bucket_by_convention: bool,
}

/// What `deploy` needs from s0-iam.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleInfo {
    pub arn: String,
    pub name: String,
    /// The output (or resource) it was read from, for the plan shown to the user.
    pub source: String,
}

/// A stack as far as `deploy` cares: status, id, outputs, and (only when outputs are absent) resources.
#[derive(Clone, Debug, Default)]
pub struct StackView {
    pub name: String,
    pub id: String,
    pub status: String,
    pub outputs: Outputs,
    pub resources: Resources,
}

/// Describes a stack; `Ok(None)` when it does not exist.
pub async fn describe_stack(clients: &Clients, name: &str) -> anyhow::Result<Option<Stack>> {
    match clients.cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks().first().cloned()),
        Err(e) => {
            let text = explain(&e);
            if text.contains("does not exist") {
                Ok(None)
            } else {
                bail!("cannot describe stack {name}: {text}")
            }
        }
    }
}

/// Reads a stack the s1 deployment depends on; a missing stack says which command creates it.
pub async fn read_required_stack(
    clients: &Clients,
    name: &str,
    naming: &Naming,
) -> anyhow::Result<StackView> {
    let Some(stack) = describe_stack(clients, name).await? else {
        bail!(
            "stack {name} does not exist in region {}: create it with `vectora-inbox deploy-core --env {}` \
             (or check --region/--profile/--project)",
            clients.region,
            naming.env
        );
    };
    let status = stack
        .stack_status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    if !status.ends_with("_COMPLETE")
        || status.starts_with("DELETE")
        || status == "ROLLBACK_COMPLETE"
    {
        bail!(
            "stack {name} is in state {status}, not usable; fix it with `vectora-inbox deploy-core --env {}`",
            naming.env
        );
    }
    let outputs: Outputs = stack
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
        .collect();
    let mut resources = Resources::new();
    if outputs.is_empty() {
        let out = clients
            .cfn
            .describe_stack_resources()
            .stack_name(name)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot list resources of {name}: {}", explain(&e)))?;
        resources = out
            .stack_resources()
            .iter()
            .filter_map(|r| {
                Some((
                    r.logical_resource_id()?.to_owned(),
                    r.physical_resource_id()?.to_owned(),
                ))
            })
            .collect();
    }
    Ok(StackView {
        name: name.to_owned(),
        id: stack.stack_id().unwrap_or_default().to_owned(),
        status,
        outputs,
        resources,
    })
}

fn pick(view: &StackView, output: &str, resource: &str) -> Option<String> {
    view.outputs
        .get(output)
        .or_else(|| view.resources.get(resource))
        .filter(|v| !v.is_empty())
        .cloned()
}

/// Bucket names from s0-core.
pub fn resolve_core(view: &StackView, naming: &Naming) -> anyhow::Result<CoreInfo> {
    let missing = |what: &str| {
        anyhow::anyhow!(
            "stack {} has no {what} output (outputs: {:?})",
            view.name,
            view.outputs.keys().collect::<Vec<_>>()
        )
    };
    let config_bucket = pick(view, "ConfigBucketName", "ConfigBucket")
        .ok_or_else(|| missing("ConfigBucketName"))?;
    let data_bucket =
        pick(view, "DataBucketName", "DataBucket").ok_or_else(|| missing("DataBucketName"))?;
    let (code_bucket, code_bucket_by_convention) =
        match pick(view, "CodeBucketName", "LambdaCodeBucket") {
            Some(b) => (b, false),
            None => (naming.code_bucket(), true),
        };
    Ok(CoreInfo {
        config_bucket,
        data_bucket,
        code_bucket,
        code_bucket_by_convention,
    })
}

/// The function's role from s0-iam: this repo's IngestV2RoleArn, else the older stacks'
/// IngestNormalizeRoleArn (which the existing ingest-v2 deployment reuses).
pub fn resolve_role(view: &StackView) -> anyhow::Result<RoleInfo> {
    for output in ["IngestV2RoleArn", "IngestNormalizeRoleArn"] {
        if let Some(arn) = view.outputs.get(output).filter(|v| !v.is_empty()) {
            return Ok(RoleInfo {
                arn: arn.clone(),
                name: role_name_from_arn(arn),
                source: format!("{} output {output}", view.name),
            });
        }
    }
    if let Some(name) = view.resources.get("IngestV2Role")
        && let Some(account) = account_from_arn(&view.id)
    {
        let partition = view.id.split(':').nth(1).unwrap_or("aws");
        return Ok(RoleInfo {
            arn: format!("arn:{partition}:iam::{account}:role/{name}"),
            name: name.clone(),
            source: format!("{} resource IngestV2Role", view.name),
        });
    }
    bail!(
        "stack {} outputs neither IngestV2RoleArn nor IngestNormalizeRoleArn (outputs: {:?})",
        view.name,
        view.outputs.keys().collect::<Vec<_>>()
    )
}

/// `arn:aws:iam::123:role/service-role/name` → `name`.
pub fn role_name_from_arn(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

/// The account id (5th field) of an ARN.
pub fn account_from_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::Env;

    fn view(outputs: &[(&str, &str)], resources: &[(&str, &str)]) -> StackView {
        StackView {
            name: "vectora-inbox-s0-x-dev".into(),
            id: "arn:aws:cloudformation:eu-west-3:786469175371:stack/vectora-inbox-s0-iam-dev/abc"
                .into(),
            status: "UPDATE_COMPLETE".into(),
            outputs: outputs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            resources: resources
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn older_core_stack_uses_the_code_bucket_convention() {
        let v = view(
            &[
                ("ConfigBucketName", "vectora-inbox-config-dev"),
                ("ConfigBucketArn", "arn:aws:s3:::vectora-inbox-config-dev"),
                ("DataBucketName", "vectora-inbox-data-dev"),
                ("NewslettersBucketName", "vectora-inbox-newsletters-dev"),
            ],
            &[],
        );
        let core = resolve_core(&v, &Naming::new("vectora-inbox", Env::Dev)).unwrap();
        assert_eq!(core.config_bucket, "vectora-inbox-config-dev");
        assert_eq!(core.data_bucket, "vectora-inbox-data-dev");
        assert_eq!(core.code_bucket, "vectora-inbox-lambda-code-dev");
        assert!(core.code_bucket_by_convention);
    }

    #[test]
    fn new_core_stack_outputs_its_code_bucket() {
        let v = view(
            &[
                ("ConfigBucketName", "c"),
                ("DataBucketName", "d"),
                ("CodeBucketName", "code-x"),
            ],
            &[],
        );
        let core = resolve_core(&v, &Naming::new("p", Env::Prod)).unwrap();
        assert_eq!(core.code_bucket, "code-x");
        assert!(!core.code_bucket_by_convention);
    }

    #[test]
    fn core_stack_without_outputs_is_read_from_resources() {
        let v = view(
            &[],
            &[
                ("ConfigBucket", "p-config-dev"),
                ("DataBucket", "p-data-dev"),
                ("LambdaCodeBucket", "p-lambda-code-dev"),
            ],
        );
        let core = resolve_core(&v, &Naming::new("p", Env::Dev)).unwrap();
        assert_eq!(core.data_bucket, "p-data-dev");
        assert_eq!(core.code_bucket, "p-lambda-code-dev");
        let empty = view(&[("Other", "x")], &[]);
        let err = resolve_core(&empty, &Naming::new("p", Env::Dev)).unwrap_err();
        assert!(err.to_string().contains("ConfigBucketName"), "{err}");
    }

    #[test]
    fn role_prefers_ingest_v2_then_the_older_ingest_normalize_role() {
        let older = view(
            &[
                (
                    "IngestNormalizeRoleArn",
                    "arn:aws:iam::786469175371:role/vectora-inbox-ingest-normalize-dev",
                ),
                ("EngineRoleArn", "arn:aws:iam::786469175371:role/engine"),
            ],
            &[],
        );
        let role = resolve_role(&older).unwrap();
        assert_eq!(role.name, "vectora-inbox-ingest-normalize-dev");
        assert!(role.source.contains("IngestNormalizeRoleArn"));

        let both = view(
            &[
                ("IngestNormalizeRoleArn", "arn:aws:iam::1:role/old"),
                ("IngestV2RoleArn", "arn:aws:iam::1:role/service-role/new"),
            ],
            &[],
        );
        let role = resolve_role(&both).unwrap();
        assert_eq!(role.arn, "arn:aws:iam::1:role/service-role/new");
        assert_eq!(role.name, "new");

        let from_resources = view(&[], &[("IngestV2Role", "vectora-inbox-ingest-v2-dev")]);
        let role = resolve_role(&from_resources).unwrap();
        assert_eq!(
            role.arn,
            "arn:aws:iam::786469175371:role/vectora-inbox-ingest-v2-dev"
        );

        let none = view(&[("EngineRoleArn", "arn:aws:iam::1:role/engine")], &[]);
        assert!(resolve_role(&none).is_err());
    }
}
