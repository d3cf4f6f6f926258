//! `vectora-inbox deploy-core`: deploys the s0 stacks (buckets, then the role) for a new environment.

use anyhow::bail;
use aws_sdk_cloudformation::types::Capability;

use crate::aws::{AwsTarget, Clients};
use crate::changeset::{DeployOptions, StackOutcome, StackSpec, deploy_stack};
use crate::naming::{Env, Naming};
use crate::progress::Progress;
use crate::stacks::{describe_stack, read_required_stack, resolve_core};
use crate::templates;

/// `vectora-inbox deploy-core`: which environment, how.
#[derive(Debug, Clone)]
pub struct DeployCoreRequest {
    pub env: Env,
    pub project: String,
    /// Show the change sets, change nothing.
    pub dry_run: bool,
    /// Update s0 stacks that older templates created (they hold the live buckets).
    pub force: bool,
    /// Seconds to wait for CloudFormation.
    pub wait_timeout: u64,
    pub aws: AwsTarget,
}

/// The `deploy-core` command: s0-core, then s0-iam (which needs s0-core's bucket names).
pub async fn run_deploy_core(
    args: &DeployCoreRequest,
    progress: &dyn Progress,
) -> anyhow::Result<Vec<StackOutcome>> {
    let naming = Naming::new(&args.project, args.env);
    let clients = Clients::new(&args.aws).await;
    let options = DeployOptions::for_command(args.dry_run, args.wait_timeout, &args.aws);
    // Older s0-core stacks have outputs but no CodeBucketName: `deploy` uses them as they are, and
    // replacing their template would try to create buckets that already exist.
    if let Some(stack) = describe_stack(&clients, &naming.core_stack()).await? {
        let outputs: Vec<&str> = stack
            .outputs()
            .iter()
            .filter_map(|o| o.output_key())
            .collect();
        if !outputs.is_empty() && !outputs.contains(&"CodeBucketName") && !args.force {
            bail!(
                "stack {} was created by an older template (no CodeBucketName output); `vectora-inbox deploy` \
                 works with it as it is. Pass --force to replace its template anyway",
                naming.core_stack()
            );
        }
    }
    let core_spec = StackSpec {
        name: naming.core_stack(),
        template_body: templates::S0_CORE.to_owned(),
        parameters: vec![
            ("ProjectName".into(), Some(naming.project.clone())),
            ("Env".into(), Some(naming.env.to_string())),
        ],
        capabilities: vec![],
    };
    let core_outcome = deploy_stack(&clients, &core_spec, &options, progress).await?;

    let (config_bucket, data_bucket) = if args.dry_run
        && describe_stack(&clients, &naming.core_stack())
            .await?
            .is_none()
    {
        (
            naming.config_bucket(),
            format!("{}-data-{}", naming.project, naming.env),
        )
    } else {
        let view = read_required_stack(&clients, &naming.core_stack(), &naming).await?;
        let core = resolve_core(&view, &naming)?;
        (core.config_bucket, core.data_bucket)
    };
    let iam_spec = StackSpec {
        name: naming.iam_stack(),
        template_body: templates::S0_IAM.to_owned(),
        parameters: vec![
            ("ProjectName".into(), Some(naming.project.clone())),
            ("Env".into(), Some(naming.env.to_string())),
            ("ConfigBucketName".into(), Some(config_bucket)),
            ("DataBucketName".into(), Some(data_bucket)),
        ],
        capabilities: vec![Capability::CapabilityNamedIam],
    };
    let iam_outcome = deploy_stack(&clients, &iam_spec, &options, progress).await?;
    Ok(vec![core_outcome, iam_outcome])
}
