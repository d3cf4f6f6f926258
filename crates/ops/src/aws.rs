//! AWS client construction shared by every command: one place honours the profile, region,
//! endpoint and invoke endpoint, so the same code runs against AWS and against local
//! emulators.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_lambda::config::retry::RetryConfig;

/// Where and as whom AWS calls are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsTarget {
    /// AWS profile (credentials in the environment, e.g. AWS_ACCESS_KEY_ID, take precedence).
    pub profile: String,
    pub region: String,
    /// Every AWS call goes to this endpoint (an emulator such as moto_server in tests).
    pub endpoint_url: Option<String>,
}

/// The profile and region of the existing deployment.
pub const DEFAULT_PROFILE: &str = "rag-lai-prod";
pub const DEFAULT_REGION: &str = "eu-west-3";

impl Default for AwsTarget {
    fn default() -> Self {
        AwsTarget {
            profile: DEFAULT_PROFILE.to_owned(),
            region: DEFAULT_REGION.to_owned(),
            endpoint_url: None,
        }
    }
}

/// The clients the commands use, built once from one SdkConfig.
#[derive(Clone, Debug)]
pub struct Clients {
    pub cfn: aws_sdk_cloudformation::Client,
    pub s3: aws_sdk_s3::Client,
    /// Lambda's control plane (get-function and the like).
    pub lambda: aws_sdk_lambda::Client,
    /// The client that sends Lambda Invoke calls: the same as `lambda`, unless
    /// [`Clients::with_invoke_endpoint`] pointed it elsewhere.
    pub invoker: aws_sdk_lambda::Client,
    /// Where `invoker` sends its calls when that is not where `lambda` does (for messages).
    pub invoke_endpoint: Option<String>,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// Step Functions (the fan-out state machine's executions).
    pub sfn: aws_sdk_sfn::Client,
    pub region: String,
}

/// Loads the shared SDK configuration.
pub async fn sdk_config(args: &AwsTarget) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(args.region.clone()))
        .profile_name(&args.profile);
    if let Some(url) = &args.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

impl Clients {
    pub async fn new(args: &AwsTarget) -> Self {
        Clients::from_config(&sdk_config(args).await, args)
    }

    /// The clients of an already loaded configuration (tests give their own credentials).
    pub fn from_config(config: &SdkConfig, args: &AwsTarget) -> Self {
        // Emulators serve buckets under the path, not as virtual hosts.
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(args.endpoint_url.is_some())
            .build();
        let lambda = aws_sdk_lambda::Client::new(config);
        Clients {
            cfn: aws_sdk_cloudformation::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            invoker: lambda.clone(),
            invoke_endpoint: None,
            lambda,
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            sfn: aws_sdk_sfn::Client::new(config),
            region: args.region.clone(),
        }
    }

    /// Sends the Lambda Invoke call, and only that, to `url` (`None` changes nothing).
    ///
    /// Used with a Lambda runtime emulator (`cargo lambda watch`), which runs the real function
    /// where the AWS emulator (moto without Docker) can only echo the event. Same credentials,
    /// region and signing as every other call. Retries are off for that endpoint: the emulator
    /// answers a function's crash with HTTP 500 (Lambda answers 200 with `X-Amz-Function-Error`),
    /// and the SDK would retry that 500, running the function again.
    pub fn with_invoke_endpoint(mut self, url: Option<&str>) -> Self {
        if let Some(url) = url {
            let config = self
                .lambda
                .config()
                .to_builder()
                .endpoint_url(url)
                .retry_config(RetryConfig::disabled())
                .build();
            self.invoker = aws_sdk_lambda::Client::from_conf(config);
            self.invoke_endpoint = Some(url.to_owned());
        }
        self
    }
}

/// A one-line account of an SDK error: `Code: message` for service errors, the full cause chain for
/// transport errors (the plain Display says only "service error"; the Debug form dumps the response).
pub fn explain<E, R>(error: &aws_sdk_cloudformation::error::SdkError<E, R>) -> String
where
    E: aws_sdk_cloudformation::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| service.to_string())
        ),
        None => aws_sdk_cloudformation::error::DisplayErrorContext(error).to_string(),
    }
}
