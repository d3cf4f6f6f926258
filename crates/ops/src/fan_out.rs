//! The fan-out stack (`infra/s2-fan-out.yaml`): `deploy --fan-out` uploads the state machine's
//! definition under its content hash and deploys the stack after s1; `invoke --fan-out` starts an
//! execution and waits for its summary.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_cloudformation::types::Capability;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::aws::{Clients, explain};
use crate::changeset::{DeployOptions, StackOutcome, StackSpec, deploy_stack};
use crate::naming::{Naming, definition_key};
use crate::package::object_exists;
use crate::progress::{Event, Progress};
use crate::stacks::describe_stack;

/// What the fan-out stack is deployed from.
#[derive(Clone, Debug)]
pub struct FanOutDeploy<'a> {
    pub template: &'a str,
    pub definition: &'a str,
    pub code_bucket: &'a str,
    pub function_arn: &'a str,
    /// `Some(expr)` sets the schedule (`""` removes it); `None` keeps the deployed one.
    pub schedule: Option<String>,
}

/// The value of parameter `key` of a deployed stack, `None` when the stack or parameter is absent.
pub async fn stack_parameter(
    clients: &Clients,
    stack: &str,
    key: &str,
) -> anyhow::Result<Option<String>> {
    Ok(describe_stack(clients, stack).await?.and_then(|s| {
        s.parameters()
            .iter()
            .find(|p| p.parameter_key() == Some(key))
            .and_then(|p| p.parameter_value().map(str::to_owned))
    }))
}

/// The function's ARN from the account and partition of a stack id (no call: in a dry run the
/// function may not exist yet).
pub fn function_arn(stack_id: &str, region: &str, function: &str) -> anyhow::Result<String> {
    let mut fields = stack_id.split(':');
    let partition = fields.nth(1).filter(|p| !p.is_empty());
    let account = fields.nth(2).filter(|a| !a.is_empty());
    match (partition, account) {
        (Some(p), Some(a)) => Ok(format!("arn:{p}:lambda:{region}:{a}:function:{function}")),
        _ => bail!("cannot read the account from stack id {stack_id:?}"),
    }
}

/// Uploads the definition (content-addressed, once) and deploys the fan-out stack.
pub async fn deploy_fan_out(
    clients: &Clients,
    naming: &Naming,
    spec: &FanOutDeploy<'_>,
    options: &DeployOptions,
    progress: &dyn Progress,
) -> anyhow::Result<StackOutcome> {
    let _: Value = serde_json::from_str(spec.definition)
        .context("the fan-out definition (infra/s2-fan-out.asl.json) is not JSON")?;
    let sha = hex::encode(Sha256::digest(spec.definition.as_bytes()));
    let key = definition_key(&sha);
    let bucket = spec.code_bucket;
    if options.dry_run {
        progress.report(Event::WouldUploadDefinition { bucket, key: &key });
    } else if object_exists(clients, bucket, &key).await? {
        progress.report(Event::AlreadyUploaded { bucket, key: &key });
    } else {
        clients
            .s3
            .put_object()
            .bucket(bucket)
            .key(&key)
            .body(ByteStream::from(spec.definition.as_bytes().to_vec()))
            .content_type("application/json")
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!("upload to s3://{bucket}/{key} failed: {}", explain(&e))
            })?;
        progress.report(Event::Uploaded { bucket, key: &key });
    }
    let parameters = vec![
        ("ProjectName".into(), Some(naming.project.clone())),
        ("Env".into(), Some(naming.env.to_string())),
        ("FunctionArn".into(), Some(spec.function_arn.to_owned())),
        ("DefinitionBucket".into(), Some(bucket.to_owned())),
        ("DefinitionKey".into(), Some(key)),
        ("ScheduleExpression".into(), spec.schedule.clone()),
    ];
    let stack = StackSpec {
        name: naming.fan_out_stack(),
        template_body: spec.template.to_owned(),
        parameters,
        capabilities: vec![Capability::CapabilityNamedIam],
    };
    deploy_stack(clients, &stack, options, progress).await
}

/// The deployed state machine's ARN: the fan-out stack's output, else its resource's physical id
/// (emulators may report no outputs).
pub async fn state_machine_arn(clients: &Clients, naming: &Naming) -> anyhow::Result<String> {
    let name = naming.fan_out_stack();
    let Some(stack) = describe_stack(clients, &name).await? else {
        bail!(
            "stack {name} does not exist: deploy it with `vectora-inbox deploy --env {} --fan-out`",
            naming.env
        );
    };
    if let Some(arn) = stack
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some("StateMachineArn"))
        .and_then(|o| o.output_value())
    {
        return Ok(arn.to_owned());
    }
    let resources = clients
        .cfn
        .describe_stack_resources()
        .stack_name(&name)
        .logical_resource_id("FanOutStateMachine")
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot list resources of {name}: {}", explain(&e)))?;
    resources
        .stack_resources()
        .first()
        .and_then(|r| r.physical_resource_id())
        .map(str::to_owned)
        .with_context(|| format!("stack {name} has no state machine"))
}

/// A finished execution.
#[derive(Clone, Debug)]
pub struct ExecutionOutcome {
    pub execution_arn: String,
    /// The summary (the execution's output).
    pub summary: Value,
}

/// Starts an execution of `state_machine` with `input` and waits (polling every `poll`) until it
/// ends; a failed, timed-out or aborted execution is an error that carries its error and cause.
pub async fn run_execution(
    clients: &Clients,
    state_machine: &str,
    input: &Value,
    poll: Duration,
    timeout: Duration,
    progress: &dyn Progress,
) -> anyhow::Result<ExecutionOutcome> {
    let started = clients
        .sfn
        .start_execution()
        .state_machine_arn(state_machine)
        .input(input.to_string())
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot start {state_machine}: {}", explain(&e)))?;
    let arn = started.execution_arn().to_owned();
    progress.report(Event::ExecutionStarted { arn: &arn, input });
    let begun = Instant::now();
    loop {
        let ex = clients
            .sfn
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot describe {arn}: {}", explain(&e)))?;
        match ex.status() {
            ExecutionStatus::Running | ExecutionStatus::PendingRedrive => {}
            ExecutionStatus::Succeeded => {
                let output = ex.output().unwrap_or("null");
                let summary = serde_json::from_str(output)
                    .with_context(|| format!("execution {arn} output is not JSON: {output}"))?;
                return Ok(ExecutionOutcome {
                    execution_arn: arn,
                    summary,
                });
            }
            other => bail!(
                "execution {arn} ended {}: {} — {} (its history: `aws stepfunctions get-execution-history --execution-arn {arn}`)",
                other.as_str(),
                ex.error().unwrap_or("no error"),
                ex.cause().unwrap_or("no cause")
            ),
        }
        if begun.elapsed() >= timeout {
            bail!(
                "execution {arn} still running after {} s (it goes on; --wait-timeout waits longer)",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_function_arn_comes_from_the_stack_account() {
        let id =
            "arn:aws:cloudformation:eu-west-3:123456789012:stack/vectora-inbox-s0-core-dev/abc";
        assert_eq!(
            function_arn(id, "eu-west-3", "vectora-inbox-ingest-v2-dev").unwrap(),
            "arn:aws:lambda:eu-west-3:123456789012:function:vectora-inbox-ingest-v2-dev"
        );
        assert!(function_arn("not-an-arn", "eu-west-3", "f").is_err());
    }

    #[test]
    fn the_built_in_definition_is_the_one_the_template_deploys() {
        let def: Value = serde_json::from_str(crate::templates::FAN_OUT_DEFINITION).unwrap();
        let map = &def["States"]["Clients"];
        assert_eq!(
            map["ItemProcessor"]["ProcessorConfig"]["Mode"],
            "DISTRIBUTED"
        );
        assert!(map["ToleratedFailurePercentage"].is_f64());
        assert!(map.get("ItemBatcher").is_none());
        assert!(map["MaxConcurrency"].as_u64().is_some_and(|n| n > 0));
        assert!(
            crate::templates::S2_FAN_OUT.contains("FunctionArn: !Ref FunctionArn"),
            "the template substitutes the definition's ${{FunctionArn}}"
        );
    }
}
