//! The command lines of the deployment commands (`package`, `deploy`, `deploy-core`, `invoke`,
//! `config push`), turned into the ops library's requests. Clap lives here, in the binary, so the
//! library has no command-line types (as ripgrep keeps clap in its binary).

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use vectora_ops::arch::Arch;
use vectora_ops::aws::{AwsTarget, DEFAULT_PROFILE, DEFAULT_REGION};
use vectora_ops::build::Builder;
use vectora_ops::config_push::PushRequest;
use vectora_ops::deploy::DeployRequest;
use vectora_ops::deploy_core::DeployCoreRequest;
use vectora_ops::invoke::InvokeRequest;
use vectora_ops::naming::Env;
use vectora_ops::package::{BuildOptions, PackageRequest, UploadTarget};

/// `--arch`: Lambda's names.
fn arch_parser() -> impl TypedValueParser<Value = Arch> {
    PossibleValuesParser::new(Arch::ALL.map(|a| PossibleValue::new(a.lambda_name())))
        .try_map(|name| name.parse::<Arch>())
}

/// `--env`.
fn env_parser() -> impl TypedValueParser<Value = Env> {
    PossibleValuesParser::new(Env::ALL.map(|e| PossibleValue::new(e.as_str())))
        .try_map(|name| name.parse::<Env>())
}

/// `--builder`, each value with its meaning.
fn builder_parser() -> impl TypedValueParser<Value = Builder> {
    let help = |builder: Builder| match builder {
        Builder::Auto => {
            "cargo-zigbuild when installed (links against glibc 2.34 exactly), else plain cargo for \
             the host architecture (the package validation then proves the glibc requirement)"
        }
        Builder::Cargo => "Plain `cargo build` (native, or cross with a configured linker)",
        Builder::Zigbuild => {
            "`cargo zigbuild --target <triple>.2.34` (PyPI: cargo-zigbuild, which brings zig)"
        }
    };
    PossibleValuesParser::new(
        Builder::ALL.map(|(builder, name)| PossibleValue::new(name).help(help(builder))),
    )
    .try_map(|name| name.parse::<Builder>())
}

/// Where and as whom AWS calls are made.
#[derive(clap::Args, Debug, Clone)]
pub struct AwsArgs {
    /// AWS profile (credentials in the environment, e.g. AWS_ACCESS_KEY_ID, take precedence).
    #[arg(long, default_value = DEFAULT_PROFILE)]
    pub profile: String,
    /// AWS region.
    #[arg(long, default_value = DEFAULT_REGION)]
    pub region: String,
    /// Send every AWS call to this endpoint (an emulator such as moto_server in tests); `deploy` and
    /// `invoke` can send their Lambda Invoke call elsewhere with --invoke-endpoint-url.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl From<AwsArgs> for AwsTarget {
    fn from(a: AwsArgs) -> Self {
        AwsTarget {
            profile: a.profile,
            region: a.region,
            endpoint_url: a.endpoint_url,
        }
    }
}

/// How the zip is obtained; shared by `package` and `deploy`.
#[derive(clap::Args, Debug, Clone)]
pub struct BuildArgs {
    /// Lambda architecture to build for.
    #[arg(long, value_parser = arch_parser(), default_value = "x86_64")]
    pub arch: Arch,
    /// Folder the zip is written to.
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,
    /// How to compile (auto: cargo-zigbuild pinned to glibc 2.34 when installed, else native cargo).
    #[arg(long, value_parser = builder_parser(), default_value = "auto")]
    pub builder: Builder,
    /// Cargo profile of the build: `release` ships; the test suite packages with `ci`.
    #[arg(long, value_name = "NAME", default_value = "release")]
    pub cargo_profile: String,
    /// Zip this prebuilt bootstrap instead of building one.
    #[arg(long, value_name = "FILE", conflicts_with = "zip")]
    pub binary: Option<PathBuf>,
    /// Use (and validate) this existing zip instead of building one.
    #[arg(long, value_name = "ZIP")]
    pub zip: Option<PathBuf>,
    /// Cargo workspace to build in (default: found from the current directory).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
}

impl From<BuildArgs> for BuildOptions {
    fn from(a: BuildArgs) -> Self {
        BuildOptions {
            arch: a.arch,
            out: a.out,
            builder: a.builder,
            cargo_profile: a.cargo_profile,
            binary: a.binary,
            zip: a.zip,
            workspace: a.workspace,
        }
    }
}

/// `vectora-inbox package [--arch x86_64|arm64] [--out DIR] [--upload --bucket B [--key K]]`.
#[derive(clap::Args, Debug, Clone)]
pub struct PackageArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Upload the zip to S3 after validation.
    #[arg(long, requires = "bucket")]
    pub upload: bool,
    /// Bucket to upload to (the s0-core code bucket, e.g. vectora-inbox-lambda-code-dev).
    #[arg(long, requires = "upload")]
    pub bucket: Option<String>,
    /// Key to upload to (default: lambda/ingest-v2/<sha256>.zip and lambda/ingest-v2/latest.zip).
    #[arg(long, requires = "upload")]
    pub key: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

impl From<PackageArgs> for PackageRequest {
    fn from(a: PackageArgs) -> Self {
        // clap makes --upload and --bucket require each other.
        let upload = match (a.upload, a.bucket) {
            (true, Some(bucket)) => Some(UploadTarget { bucket, key: a.key }),
            _ => None,
        };
        PackageRequest {
            build: a.build.into(),
            upload,
            aws: a.aws.into(),
        }
    }
}

/// `vectora-inbox deploy --env dev|stage|prod [--dry-run] [--skip-test] [--schedule EXPR] …`.
#[derive(clap::Args, Debug, Clone)]
pub struct DeployArgs {
    #[arg(long, value_parser = env_parser())]
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

impl From<DeployArgs> for DeployRequest {
    fn from(a: DeployArgs) -> Self {
        DeployRequest {
            env: a.env,
            project: a.project,
            dry_run: a.dry_run,
            skip_test: a.skip_test,
            invoke_endpoint_url: a.invoke_endpoint_url,
            schedule: a.schedule,
            alarm_email: a.alarm_email,
            alarm_topic_arn: a.alarm_topic_arn,
            fan_out: a.fan_out,
            parameters: a.parameters,
            template: a.template,
            wait_timeout: a.wait_timeout,
            build: a.build.into(),
            aws: a.aws.into(),
        }
    }
}

/// `vectora-inbox deploy-core --env dev|stage|prod [--dry-run]`.
#[derive(clap::Args, Debug, Clone)]
pub struct DeployCoreArgs {
    #[arg(long, value_parser = env_parser())]
    pub env: Env,
    #[arg(long, default_value = "vectora-inbox")]
    pub project: String,
    /// Show the change sets, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Update s0 stacks that older templates created (they hold the live buckets: read docs/deploy.md first).
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
    pub wait_timeout: u64,
    #[command(flatten)]
    pub aws: AwsArgs,
}

impl From<DeployCoreArgs> for DeployCoreRequest {
    fn from(a: DeployCoreArgs) -> Self {
        DeployCoreRequest {
            env: a.env,
            project: a.project,
            dry_run: a.dry_run,
            force: a.force,
            wait_timeout: a.wait_timeout,
            aws: a.aws.into(),
        }
    }
}

/// `vectora-inbox invoke --env … [--event FILE | --client ID …]`.
#[derive(clap::Args, Debug, Clone)]
pub struct InvokeArgs {
    #[arg(long, value_parser = env_parser())]
    pub env: Env,
    #[arg(long, default_value = "vectora-inbox")]
    pub project: String,
    /// JSON event file ("-" for stdin). Without --event or --client the event is {} (every active
    /// client, like the schedule).
    #[arg(long, value_name = "FILE", conflicts_with = "client")]
    pub event: Option<PathBuf>,
    /// Run one client.
    #[arg(long, value_name = "ID")]
    pub client: Option<String>,
    /// Restrict the client to these source keys (repeat or comma-separate).
    #[arg(
        long = "source",
        value_name = "KEY",
        value_delimiter = ',',
        requires = "client"
    )]
    pub sources: Vec<String>,
    #[arg(long, value_name = "N", requires = "client")]
    pub period_days: Option<u32>,
    #[arg(long, value_name = "YYYY-MM-DD", requires_all = ["client", "to_date"])]
    pub from_date: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD", requires_all = ["client", "from_date"])]
    pub to_date: Option<String>,
    /// Ask the function to write nothing (event "dry_run": true).
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long)]
    pub force_refresh: bool,
    /// Function name (default {project}-ingest-v2-{env}).
    #[arg(long, value_name = "NAME", conflicts_with = "fan_out")]
    pub function: Option<String>,
    /// Send the invocation (the Lambda Invoke call only) to this endpoint, e.g. a local Lambda
    /// runtime emulator (`cargo lambda watch`), while every other call, the log tail included,
    /// goes to --endpoint-url / AWS.
    #[arg(long, value_name = "URL", conflicts_with = "fan_out")]
    pub invoke_endpoint_url: Option<String>,
    /// Run the event as an execution of the fan-out state machine (one invocation per client,
    /// `deploy --fan-out`) and wait for its summary, instead of one invocation.
    #[arg(long)]
    pub fan_out: bool,
    /// The state machine to execute (default: the fan-out stack's).
    #[arg(long, value_name = "ARN", requires = "fan_out")]
    pub state_machine: Option<String>,
    /// With --fan-out: give up waiting for the execution after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub wait_timeout: u64,
    #[command(flatten)]
    pub aws: AwsArgs,
}

impl From<InvokeArgs> for InvokeRequest {
    fn from(a: InvokeArgs) -> Self {
        InvokeRequest {
            env: a.env,
            project: a.project,
            event: a.event,
            client: a.client,
            sources: a.sources,
            period_days: a.period_days,
            from_date: a.from_date,
            to_date: a.to_date,
            dry_run: a.dry_run,
            force_refresh: a.force_refresh,
            function: a.function,
            invoke_endpoint_url: a.invoke_endpoint_url,
            state_machine: a.state_machine,
            wait_timeout: a.wait_timeout,
            aws: a.aws.into(),
        }
    }
}

/// `vectora-inbox config push --env dev [--config DIR]`.
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigPushArgs {
    #[arg(long, value_parser = env_parser())]
    pub env: Env,
    #[arg(long, default_value = "vectora-inbox")]
    pub project: String,
    /// Config folder, laid out like the bucket (clients/, canonical/...).
    #[arg(long, value_name = "DIR", default_value = "config")]
    pub config: PathBuf,
    /// Upload to this bucket instead of the s0-core stack's ConfigBucketName.
    #[arg(long, value_name = "BUCKET")]
    pub bucket: Option<String>,
    /// Validate and list what would be uploaded; upload nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

impl From<ConfigPushArgs> for PushRequest {
    fn from(a: ConfigPushArgs) -> Self {
        PushRequest {
            env: a.env,
            project: a.project,
            config: a.config,
            bucket: a.bucket,
            dry_run: a.dry_run,
            aws: a.aws.into(),
        }
    }
}
