//! `vectora-inbox deploy`: read the s0 stacks, package and upload the code under its content hash,
//! deploy the s1 stack through a change set, then smoke-test the function.

use std::path::PathBuf;

use anyhow::bail;
use aws_sdk_cloudformation::types::Capability;

use crate::aws::{AwsTarget, Clients};
use crate::changeset::{DeployOptions, StackOutcome, StackSpec, deploy_stack};
use crate::fan_out::{self, FanOutDeploy};
use crate::invoke::{InvokeOutcome, invoke_function, test_event};
use crate::naming::{Env, Naming, code_key};
use crate::package::{BuildOptions, package_local, upload_package};
use crate::progress::{Event, FunctionSummary, Progress};
use crate::stacks::{
    CoreInfo, RoleInfo, StackView, describe_stack, read_required_stack, resolve_core, resolve_role,
};
use crate::templates;

/// `vectora-inbox deploy`: what to deploy where.
#[derive(Debug, Clone)]
pub struct DeployRequest {
    pub env: Env,
    pub project: String,
    /// Show the plan and the change set, change nothing (no upload, no execution).
    pub dry_run: bool,
    /// Do not invoke the test event after deploying.
    pub skip_test: bool,
    /// Send the test invocation to this endpoint (a Lambda runtime emulator), every other call to
    /// the main endpoint.
    pub invoke_endpoint_url: Option<String>,
    /// `Some("")` removes the schedule; `None` keeps the deployed one. With `fan_out` it targets
    /// the state machine (and the function's own schedule is removed).
    pub schedule: Option<String>,
    /// `Some("")` removes it; `None` keeps the deployed one.
    pub alarm_email: Option<String>,
    /// `Some("")` removes it; `None` keeps the deployed one.
    pub alarm_topic_arn: Option<String>,
    /// Also deploy the fan-out stack (infra/s2-fan-out.yaml); the schedule moves to it.
    pub fan_out: bool,
    /// `KEY=VALUE` overrides of template parameters.
    pub parameters: Vec<String>,
    /// Deploy this template instead of the built-in infra/s1-ingest-v2.yaml.
    pub template: Option<PathBuf>,
    /// Seconds to wait for CloudFormation.
    pub wait_timeout: u64,
    pub build: BuildOptions,
    pub aws: AwsTarget,
}

/// What `deploy` did.
#[derive(Clone, Debug)]
pub struct DeployOutcome {
    pub stack: StackOutcome,
    /// The fan-out stack's outcome (with --fan-out).
    pub fan_out: Option<StackOutcome>,
    pub code_key: String,
    pub sha256: String,
    pub test: TestInvocation,
}

/// The smoke test at the end of a deploy.
#[derive(Clone, Debug)]
pub enum TestInvocation {
    /// A dry run deploys nothing to test.
    NotRun,
    /// `skip_test`.
    Skipped,
    Ran(InvokeOutcome),
}

/// The fan-out stack's `ScheduleExpression` (`None` keeps the deployed one): the one asked for,
/// else its own once deployed, else the one s1 had, which it takes over (s1's is then removed).
pub fn fan_out_schedule(
    requested: Option<&str>,
    fan_out_exists: bool,
    s1_deployed: Option<&str>,
) -> Option<String> {
    match requested {
        Some(expr) => Some(expr.to_owned()),
        None if fan_out_exists => None,
        None => Some(s1_deployed.unwrap_or_default().to_owned()),
    }
}

/// Splits `KEY=VALUE`.
pub fn parse_override(text: &str) -> anyhow::Result<(String, String)> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => bail!("--parameter {text:?} is not KEY=VALUE"),
    }
}

/// An optional parameter's value: the one given, else the deployed one (`None`: use the previous
/// value) when the deployed stack has the parameter, else empty (a new stack, or one deployed
/// from an older template without it).
fn keep_or_empty(given: &Option<String>, key: &str, deployed_keys: &[String]) -> Option<String> {
    match given {
        Some(v) => Some(v.clone()),
        None if deployed_keys.iter().any(|k| k == key) => None,
        None => Some(String::new()),
    }
}

/// The `deploy` command: the s0 stacks read first (a missing one is reported before a long
/// build), the code packaged and uploaded under its content hash (CloudFormation sees every code
/// change), the s1 stack (and with `fan_out` the s2 stack) deployed, then the smoke test.
pub async fn run_deploy(
    request: &DeployRequest,
    progress: &dyn Progress,
) -> anyhow::Result<DeployOutcome> {
    let naming = Naming::new(&request.project, request.env);
    let overrides = request
        .parameters
        .iter()
        .map(|p| parse_override(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let template = templates::load(templates::S1_INGEST_V2, request.template.as_deref())?;
    let clients = Clients::new(&request.aws)
        .await
        .with_invoke_endpoint(request.invoke_endpoint_url.as_deref());
    let options = DeployOptions::for_command(request.dry_run, request.wait_timeout, &request.aws);
    let target = read_target(&clients, &naming, progress).await?;
    let (key, sha256, arch) = upload_code(request, &clients, &target.core, progress).await?;
    let s1 = S1Deployed::read(&clients, &naming).await?;
    if s1.fan_out_exists && !request.fan_out {
        progress.report(Event::FanOutKept {
            stack: &naming.fan_out_stack(),
        });
    }
    let mut parameters = s1_parameters(request, &naming, &target, &s1, &key, arch);
    for (k, v) in overrides {
        match parameters.iter_mut().find(|(pk, _)| *pk == k) {
            Some(slot) => slot.1 = Some(v),
            None => parameters.push((k, Some(v))),
        }
    }
    let spec = StackSpec {
        name: naming.ingest_stack(),
        template_body: template,
        parameters,
        capabilities: vec![Capability::CapabilityIam],
    };
    let stack = deploy_stack(&clients, &spec, &options, progress).await?;
    let fan_out = match request.fan_out {
        true => Some(
            deploy_fan_out_stack(request, &clients, &naming, &target, &s1, &options, progress)
                .await?,
        ),
        false => None,
    };
    let test = match stack {
        StackOutcome::DryRun { .. } => TestInvocation::NotRun,
        _ => smoke_test(request, &clients, &naming, progress).await?,
    };
    Ok(DeployOutcome {
        stack,
        fan_out,
        code_key: key,
        sha256,
        test,
    })
}

/// What the s0 stacks give the deploy.
struct Target {
    core_view: StackView,
    core: CoreInfo,
    role: RoleInfo,
}

/// Reads the s0 stacks (each required) and reports where the function goes.
async fn read_target(
    clients: &Clients,
    naming: &Naming,
    progress: &dyn Progress,
) -> anyhow::Result<Target> {
    let core_view = read_required_stack(clients, &naming.core_stack(), naming).await?;
    let iam_view = read_required_stack(clients, &naming.iam_stack(), naming).await?;
    let core = resolve_core(&core_view, naming)?;
    let role = resolve_role(&iam_view)?;
    progress.report(Event::DeployTarget {
        function: &naming.function(),
        stack: &naming.ingest_stack(),
        region: &clients.region,
        core: &core,
        role: &role,
    });
    Ok(Target {
        core_view,
        core,
        role,
    })
}

/// Packages the code and uploads it (not in a dry run); returns its key, sha256 and architecture.
async fn upload_code(
    request: &DeployRequest,
    clients: &Clients,
    core: &CoreInfo,
    progress: &dyn Progress,
) -> anyhow::Result<(String, String, crate::arch::Arch)> {
    let package = package_local(&request.build, progress)?;
    progress.report(Event::Packaged(&package));
    let key = code_key(&package.sha256);
    if request.dry_run {
        progress.report(Event::WouldUploadCode {
            bucket: &core.code_bucket,
            key: &key,
        });
    } else {
        upload_package(clients, &package, &core.code_bucket, None, progress).await?;
    }
    Ok((key, package.sha256, package.arch))
}

/// What is deployed already: the s1 stack's parameters, whether the fan-out stack exists.
struct S1Deployed {
    /// Parameters of the deployed s1 stack: only those can keep their previous value.
    keys: Vec<String>,
    schedule: Option<String>,
    fan_out_exists: bool,
}

impl S1Deployed {
    async fn read(clients: &Clients, naming: &Naming) -> anyhow::Result<S1Deployed> {
        let deployed = describe_stack(clients, &naming.ingest_stack())
            .await?
            .filter(|s| {
                s.stack_status()
                    .map(|st| !matches!(st.as_str(), "REVIEW_IN_PROGRESS" | "ROLLBACK_COMPLETE"))
                    .unwrap_or(false)
            });
        let parameters = deployed.iter().flat_map(|s| s.parameters());
        Ok(S1Deployed {
            keys: parameters
                .clone()
                .filter_map(|p| p.parameter_key().map(str::to_owned))
                .collect(),
            schedule: parameters
                .clone()
                .find(|p| p.parameter_key() == Some("ScheduleExpression"))
                .and_then(|p| p.parameter_value().map(str::to_owned)),
            fan_out_exists: describe_stack(clients, &naming.fan_out_stack())
                .await?
                .is_some(),
        })
    }
}

/// The s1 stack's parameters before the overrides.
fn s1_parameters(
    request: &DeployRequest,
    naming: &Naming,
    target: &Target,
    s1: &S1Deployed,
    key: &str,
    arch: crate::arch::Arch,
) -> Vec<(String, Option<String>)> {
    let keep = |given: &Option<String>, key: &str| keep_or_empty(given, key, &s1.keys);
    let (core, role) = (&target.core, &target.role);
    vec![
        ("ProjectName".into(), Some(naming.project.clone())),
        ("Env".into(), Some(naming.env.to_string())),
        ("ConfigBucketName".into(), Some(core.config_bucket.clone())),
        ("DataBucketName".into(), Some(core.data_bucket.clone())),
        ("IngestV2RoleArn".into(), Some(role.arn.clone())),
        ("IngestV2RoleName".into(), Some(role.name.clone())),
        ("IngestV2CodeBucket".into(), Some(core.code_bucket.clone())),
        ("IngestV2CodeKey".into(), Some(key.to_owned())),
        ("Architecture".into(), Some(arch.lambda_name().to_owned())),
        // With fan-out the schedule is the state machine's: the function's own rule goes.
        (
            "ScheduleExpression".into(),
            match request.fan_out {
                true => Some(String::new()),
                false => keep(&request.schedule, "ScheduleExpression"),
            },
        ),
        (
            "AlarmEmail".into(),
            keep(&request.alarm_email, "AlarmEmail"),
        ),
        (
            "AlarmTopicArn".into(),
            keep(&request.alarm_topic_arn, "AlarmTopicArn"),
        ),
    ]
}

/// The fan-out stack, after s1, with the schedule it takes over.
async fn deploy_fan_out_stack(
    request: &DeployRequest,
    clients: &Clients,
    naming: &Naming,
    target: &Target,
    s1: &S1Deployed,
    options: &DeployOptions,
    progress: &dyn Progress,
) -> anyhow::Result<StackOutcome> {
    let arn = fan_out::function_arn(&target.core_view.id, &clients.region, &naming.function())?;
    let spec = FanOutDeploy {
        template: templates::S2_FAN_OUT,
        definition: templates::FAN_OUT_DEFINITION,
        code_bucket: &target.core.code_bucket,
        function_arn: &arn,
        schedule: fan_out_schedule(
            request.schedule.as_deref(),
            s1.fan_out_exists,
            s1.schedule.as_deref(),
        ),
    };
    fan_out::deploy_fan_out(clients, naming, &spec, options, progress).await
}

/// Reports the function as deployed (read from Lambda itself: emulators may not return stack
/// outputs), then runs the test event unless `skip_test`.
async fn smoke_test(
    request: &DeployRequest,
    clients: &Clients,
    naming: &Naming,
    progress: &dyn Progress,
) -> anyhow::Result<TestInvocation> {
    let function = clients
        .lambda
        .get_function()
        .function_name(naming.function())
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "stack deployed but function {} is not readable: {}",
                naming.function(),
                crate::aws::explain(&e)
            )
        })?;
    if let Some(conf) = function.configuration() {
        progress.report(Event::FunctionDeployed(&FunctionSummary {
            name: conf.function_name().unwrap_or_default().to_owned(),
            runtime: conf.runtime().map(|r| r.as_str()).unwrap_or("?").to_owned(),
            memory_mb: conf.memory_size().unwrap_or_default(),
            timeout_s: conf.timeout().unwrap_or_default(),
            architectures: conf
                .architectures()
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            code_sha256: conf.code_sha256().unwrap_or("?").to_owned(),
        }));
    }
    if request.skip_test {
        return Ok(TestInvocation::Skipped);
    }
    let outcome = invoke_function(
        clients,
        &naming.function(),
        &naming.log_group(),
        &test_event(),
        progress,
    )
    .await?;
    Ok(TestInvocation::Ran(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_overrides_are_key_value() {
        assert_eq!(
            parse_override("LambdaMemorySize=1024").unwrap(),
            ("LambdaMemorySize".into(), "1024".into())
        );
        assert_eq!(
            parse_override("ScheduleExpression=rate(1 day)").unwrap().1,
            "rate(1 day)"
        );
        assert_eq!(parse_override("LogLevel=").unwrap().1, "");
        assert!(parse_override("LambdaMemorySize").is_err());
        assert!(parse_override("=3").is_err());
    }

    #[test]
    fn optional_parameters_keep_the_deployed_value_only_where_it_exists() {
        let deployed = vec!["ScheduleExpression".to_string()];
        let given = Some("ops@example.com".to_string());
        assert_eq!(
            keep_or_empty(&given, "AlarmEmail", &deployed),
            given,
            "given wins"
        );
        assert_eq!(keep_or_empty(&None, "ScheduleExpression", &deployed), None);
        // A stack from before the alarms: the parameter is new, no previous value to keep.
        assert_eq!(
            keep_or_empty(&None, "AlarmEmail", &deployed),
            Some(String::new())
        );
        assert_eq!(keep_or_empty(&None, "AlarmEmail", &[]), Some(String::new()));
    }

    #[test]
    fn the_schedule_moves_to_the_fan_out_stack() {
        let own = |s: &str| Some(s.to_owned());
        // The state machine takes s1's schedule on its first deploy, then keeps its own.
        assert_eq!(
            fan_out_schedule(None, false, Some("cron(0 6 * * ? *)")),
            own("cron(0 6 * * ? *)")
        );
        assert_eq!(fan_out_schedule(None, false, None), own(""));
        assert_eq!(fan_out_schedule(None, true, Some("rate(1 day)")), None);
        assert_eq!(
            fan_out_schedule(Some("rate(2 days)"), true, None),
            own("rate(2 days)")
        );
    }
}
