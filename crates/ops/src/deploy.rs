//! `vectora-inbox deploy`: read the s0 stacks, package and upload the code under its content hash,
//! deploy the s1 stack through a change set, then smoke-test the function.

use std::path::PathBuf;

use anyhow::bail;
use aws_sdk_cloudformation::types::Capability;

use crate::aws::{AwsArgs, Clients};
use crate::changeset::{DeployOptions, StackOutcome, StackSpec, deploy_stack};
use crate::fan_out::{self, FanOutDeploy};
use crate::invoke::{invoke_function, test_event};
use crate::naming::{Env, Naming, code_key};
use crate::package::{BuildArgs, package_local, print_package, upload_package};
use crate::stacks::{describe_stack, read_required_stack, resolve_core, resolve_role};
use crate::templates;

/// `vectora-inbox deploy --env dev|stage|prod [--dry-run] [--skip-test] [--schedule EXPR] …`.
#[derive(clap::Args, Debug, Clone)]
pub struct DeployArgs {
    #[arg(long, value_enum)]
    pub env: Env,
    /// Show the plan and the change set, change nothing (no upload, no execution).
    #[arg(long)]
    pub dry_run: bool,
    /// Do not invoke the test event after deploying.
    #[arg(long)]
    pub skip_test: bool,
    /// Send the test invocation to this endpoint, e.g. a local Lambda runtime emulator
    /// (`cargo lambda watch`), while every other call goes to --endpoint-url / AWS.
    #[arg(long, value_name = "URL")]
    pub invoke_endpoint_url: Option<String>,
    /// EventBridge schedule, e.g. "cron(0 6 * * ? *)"; "" removes it; absent keeps the deployed one.
    /// With --fan-out it targets the state machine (and the function's own schedule is removed).
    #[arg(long, value_name = "EXPR")]
    pub schedule: Option<String>,
    /// E-mail address the alarms notify (through an SNS topic the stack creates, or
    /// --alarm-topic-arn); "" removes it; absent keeps the deployed one.
    #[arg(long, value_name = "ADDRESS")]
    pub alarm_email: Option<String>,
    /// Existing SNS topic the alarms notify; "" removes it; absent keeps the deployed one.
    #[arg(long, value_name = "ARN")]
    pub alarm_topic_arn: Option<String>,
    /// Also deploy the fan-out stack (infra/s2-fan-out.yaml): a Step Functions state machine that
    /// runs each client in its own invocation; the schedule moves to it. Off: s1 alone, as before.
    #[arg(long)]
    pub fan_out: bool,
    #[arg(long, default_value = "vectora-inbox")]
    pub project: String,
    /// Override any template parameter (repeatable), e.g. --parameter LambdaMemorySize=1024.
    #[arg(long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,
    /// Deploy this template instead of the built-in infra/s1-ingest-v2.yaml.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// Give up waiting for CloudFormation after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
    pub wait_timeout: u64,
    #[command(flatten)]
    pub build: BuildArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// What `deploy` did.
#[derive(Clone, Debug)]
pub struct DeployOutcome {
    pub stack: StackOutcome,
    /// The fan-out stack's outcome (with --fan-out).
    pub fan_out: Option<StackOutcome>,
    pub code_key: String,
    pub sha256: String,
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

/// The `deploy` command.
pub async fn run_deploy(args: &DeployArgs) -> anyhow::Result<DeployOutcome> {
    let naming = Naming::new(&args.project, args.env);
    let overrides = args
        .parameters
        .iter()
        .map(|p| parse_override(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let template = templates::load(templates::S1_INGEST_V2, args.template.as_deref())?;
    let clients = Clients::new(&args.aws)
        .await
        .with_invoke_endpoint(args.invoke_endpoint_url.as_deref());
    let options = DeployOptions::for_command(args.dry_run, args.wait_timeout, &args.aws);

    // (b) first: a missing s0 stack is reported before a long build.
    let core_view = read_required_stack(&clients, &naming.core_stack(), &naming).await?;
    let iam_view = read_required_stack(&clients, &naming.iam_stack(), &naming).await?;
    let core = resolve_core(&core_view, &naming)?;
    let role = resolve_role(&iam_view)?;
    println!(
        "deploying {} to {} ({})",
        naming.function(),
        naming.ingest_stack(),
        clients.region
    );
    println!("  config bucket: {}", core.config_bucket);
    println!("  data bucket:   {}", core.data_bucket);
    println!(
        "  code bucket:   {}{}",
        core.code_bucket,
        if core.code_bucket_by_convention {
            " (by convention: s0-core has no CodeBucketName output)"
        } else {
            ""
        }
    );
    println!("  role:          {} (from {})", role.arn, role.source);

    // (a) package, upload under the content hash (CloudFormation sees every code change).
    let package = package_local(&args.build)?;
    print_package(&package);
    let key = code_key(&package.sha256);
    if args.dry_run {
        println!(
            "dry run: would upload s3://{}/{key} and latest.zip",
            core.code_bucket
        );
    } else {
        upload_package(&clients, &package, &core.code_bucket, None).await?;
    }

    // (c) change set.
    let deployed = describe_stack(&clients, &naming.ingest_stack())
        .await?
        .filter(|s| {
            s.stack_status()
                .map(|st| !matches!(st.as_str(), "REVIEW_IN_PROGRESS" | "ROLLBACK_COMPLETE"))
                .unwrap_or(false)
        });
    // Parameters of the deployed stack: only those can keep their previous value.
    let deployed_keys: Vec<String> = deployed
        .iter()
        .flat_map(|s| s.parameters())
        .filter_map(|p| p.parameter_key().map(str::to_owned))
        .collect();
    let keep = |given: &Option<String>, key: &str| keep_or_empty(given, key, &deployed_keys);
    let fan_out_exists = describe_stack(&clients, &naming.fan_out_stack())
        .await?
        .is_some();
    let s1_schedule = deployed
        .iter()
        .flat_map(|s| s.parameters())
        .find(|p| p.parameter_key() == Some("ScheduleExpression"))
        .and_then(|p| p.parameter_value());
    let fan_out_schedule = fan_out_schedule(args.schedule.as_deref(), fan_out_exists, s1_schedule);
    if fan_out_exists && !args.fan_out {
        println!(
            "note: stack {} exists and keeps its schedule; deploy with --fan-out to update it",
            naming.fan_out_stack()
        );
    }
    let mut parameters: Vec<(String, Option<String>)> = vec![
        ("ProjectName".into(), Some(naming.project.clone())),
        ("Env".into(), Some(naming.env.to_string())),
        ("ConfigBucketName".into(), Some(core.config_bucket.clone())),
        ("DataBucketName".into(), Some(core.data_bucket.clone())),
        ("IngestV2RoleArn".into(), Some(role.arn.clone())),
        ("IngestV2RoleName".into(), Some(role.name.clone())),
        ("IngestV2CodeBucket".into(), Some(core.code_bucket.clone())),
        ("IngestV2CodeKey".into(), Some(key.clone())),
        (
            "Architecture".into(),
            Some(package.arch.lambda_name().to_owned()),
        ),
        // With fan-out the schedule is the state machine's: the function's own rule goes.
        (
            "ScheduleExpression".into(),
            match args.fan_out {
                true => Some(String::new()),
                false => keep(&args.schedule, "ScheduleExpression"),
            },
        ),
        ("AlarmEmail".into(), keep(&args.alarm_email, "AlarmEmail")),
        (
            "AlarmTopicArn".into(),
            keep(&args.alarm_topic_arn, "AlarmTopicArn"),
        ),
    ];
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
    let outcome = deploy_stack(&clients, &spec, &options).await?;
    let fan_out = match args.fan_out {
        true => {
            let arn = fan_out::function_arn(&core_view.id, &clients.region, &naming.function())?;
            let spec = FanOutDeploy {
                template: templates::S2_FAN_OUT,
                definition: templates::FAN_OUT_DEFINITION,
                code_bucket: &core.code_bucket,
                function_arn: &arn,
                schedule: fan_out_schedule,
            };
            Some(fan_out::deploy_fan_out(&clients, &naming, &spec, &options).await?)
        }
        false => None,
    };
    if matches!(outcome, StackOutcome::DryRun { .. }) {
        return Ok(DeployOutcome {
            stack: outcome,
            fan_out,
            code_key: key,
            sha256: package.sha256,
        });
    }

    // The function as deployed (read from Lambda itself: emulators may not return stack outputs).
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
        println!(
            "function {}: runtime {}, {} MB, timeout {} s, architectures {:?}, code sha256 (base64) {}",
            conf.function_name().unwrap_or_default(),
            conf.runtime().map(|r| r.as_str()).unwrap_or("?"),
            conf.memory_size().unwrap_or_default(),
            conf.timeout().unwrap_or_default(),
            conf.architectures()
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>(),
            conf.code_sha256().unwrap_or("?")
        );
    }

    // (d) smoke test.
    if args.skip_test {
        println!("test invocation skipped (--skip-test)");
    } else {
        invoke_function(
            &clients,
            &naming.function(),
            &naming.log_group(),
            &test_event(),
        )
        .await?;
    }
    Ok(DeployOutcome {
        stack: outcome,
        fan_out,
        code_key: key,
        sha256: package.sha256,
    })
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
