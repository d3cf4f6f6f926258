//! S3 locations (`--config s3://…`, `--data s3://…`) under a named AWS profile.
//!
//! The engine's S3 client reads credentials from the environment only (which is all the Lambda
//! needs). On a workstation credentials usually live in a profile (`~/.aws/config`, SSO,
//! `credential_process`): aws-config resolves those, and this module hands its provider and the
//! profile's region to the locations the command opens ([`S3Access::locate`]). Credentials in the
//! environment still win, as in every AWS tool.

use anyhow::bail;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_types::error::display::DisplayErrorContext;
use object_store::aws::AwsCredential;
use std::sync::Arc;
use vectora_core::store::{Location, S3Auth};

/// aws-config's (cached, refreshed) credentials, in the shape object_store asks for.
#[derive(Debug)]
struct ProfileCredentials {
    profile: String,
    provider: SharedCredentialsProvider,
}

#[async_trait::async_trait]
impl object_store::CredentialProvider for ProfileCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let c = self.provider.provide_credentials().await.map_err(|e| {
            object_store::Error::Generic {
                store: "S3",
                source: format!(
                    "no credentials from AWS profile `{}`: {}",
                    self.profile,
                    DisplayErrorContext(&e)
                )
                .into(),
            }
        })?;
        Ok(Arc::new(AwsCredential {
            key_id: c.access_key_id().to_string(),
            secret_key: c.secret_access_key().to_string(),
            token: c.session_token().map(str::to_string),
        }))
    }
}

/// How a command's S3 locations are read: with a named profile's credentials, or (the default)
/// with the environment's.
#[derive(Debug, Clone, Default)]
pub struct S3Access(Option<S3Auth>);

impl S3Access {
    /// Parses a `--config` / `--data` argument into a location that carries these credentials.
    pub fn locate(&self, arg: &str) -> anyhow::Result<Location> {
        Ok(Location::parse(arg)?.with_s3_auth(self.0.clone()))
    }
}

/// The credentials of `profile` for the command's S3 locations, unless credentials are set in
/// the environment (`AWS_ACCESS_KEY_ID`). Nothing is read until an S3 location is used.
pub async fn use_profile(profile: Option<&str>) -> anyhow::Result<S3Access> {
    let Some(profile) = profile.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(S3Access::default());
    };
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        return Ok(S3Access::default());
    }
    let config = aws_config::defaults(BehaviorVersion::latest())
        .profile_name(profile)
        .load()
        .await;
    let Some(provider) = config.credentials_provider() else {
        bail!("AWS profile `{profile}`: the SDK found no way to get credentials");
    };
    Ok(S3Access(Some(S3Auth {
        credentials: Arc::new(ProfileCredentials {
            profile: profile.to_string(),
            provider,
        }),
        region: config.region().map(ToString::to_string),
    })))
}
