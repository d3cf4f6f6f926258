//! Where config is read from and data written to: a local folder or `s3://bucket[/prefix]`.

use super::StoreError;
use object_store::ObjectStore;
use object_store::path::Path;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    S3 {
        bucket: String,
        prefix: String,
        /// Credentials other than the environment's, travelling with the location that uses
        /// them ([`Location::with_s3_auth`]); `None`: the usual AWS environment.
        auth: Option<S3Auth>,
    },
}

impl Location {
    /// `s3://bucket[/prefix]` or a folder path.
    pub fn parse(s: &str) -> Result<Location, StoreError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(StoreError::InvalidLocation(s.to_string()));
        }
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let valid_bucket = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                });
            if !valid_bucket || prefix.split('/').any(|seg| seg == "..") {
                return Err(StoreError::InvalidLocation(s.to_string()));
            }
            return Ok(Location::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
                auth: None,
            });
        }
        if s.contains("://") {
            return Err(StoreError::InvalidLocation(s.to_string()));
        }
        Ok(Location::Local(PathBuf::from(s)))
    }

    /// The same location, read and written with `auth` when it is on S3 (a local folder needs
    /// none). `None` keeps the environment's credentials.
    pub fn with_s3_auth(self, auth: Option<S3Auth>) -> Location {
        match self {
            Location::S3 { bucket, prefix, .. } => Location::S3 {
                bucket,
                prefix,
                auth,
            },
            local => local,
        }
    }

    /// Opens an object store rooted at this location, with the path prefix to use inside it.
    pub fn open(&self) -> Result<(Arc<dyn ObjectStore>, Path), StoreError> {
        match self {
            Location::Local(dir) => {
                let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| StoreError::backend(self, &e))?
                    .with_automatic_cleanup(true);
                Ok((Arc::new(fs), Path::default()))
            }
            Location::S3 {
                bucket,
                prefix,
                auth,
            } => {
                let store = s3_builder(bucket, auth.as_ref())
                    .build()
                    .map_err(|e| StoreError::backend(self, &e))?;
                Ok((Arc::new(store), Path::from(prefix.as_str())))
            }
        }
    }

    pub fn display_key(&self, key: &str) -> String {
        match self {
            Location::Local(dir) => dir.join(key).display().to_string(),
            Location::S3 { bucket, prefix, .. } if prefix.is_empty() => {
                format!("s3://{bucket}/{key}")
            }
            Location::S3 { bucket, prefix, .. } => format!("s3://{bucket}/{prefix}/{key}"),
        }
    }
}

/// Credentials (and a region) for an S3 location from a better source than the environment, such
/// as the CLI's `--profile`. The Lambda never sets one (its role's credentials are in its
/// environment).
#[derive(Debug, Clone)]
pub struct S3Auth {
    pub credentials: object_store::aws::AwsCredentialProvider,
    /// Used when neither `AWS_REGION` nor `AWS_DEFAULT_REGION` is set.
    pub region: Option<String>,
}

/// Two auths are the same when they share one credential provider (providers cannot be
/// compared otherwise), so that locations stay comparable.
impl PartialEq for S3Auth {
    fn eq(&self, other: &S3Auth) -> bool {
        Arc::ptr_eq(&self.credentials, &other.credentials) && self.region == other.region
    }
}

impl Eq for S3Auth {}

/// S3 client settings from the usual AWS environment (credentials, region), honouring
/// `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` so that an emulator can stand in for S3, and the
/// location's own [`S3Auth`] if any.
fn s3_builder(bucket: &str, auth: Option<&S3Auth>) -> object_store::aws::AmazonS3Builder {
    // `AmazonS3Builder::from_env`, on top of client options that trust the shared TLS roots.
    let mut b = object_store::aws::AmazonS3Builder::new()
        .with_client_options(crate::tls::object_store_roots(Default::default()));
    for (key, value) in std::env::vars() {
        if key.starts_with("AWS_")
            && let Ok(key) = key.to_ascii_lowercase().parse()
        {
            b = b.with_config(key, value);
        }
    }
    let mut b = b.with_bucket_name(bucket);
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok();
    if let Some(auth) = auth {
        b = b.with_credentials(auth.credentials.clone());
    }
    let region = region
        .filter(|r| !r.is_empty())
        .or_else(|| auth.and_then(|a| a.region.clone()));
    if let Some(r) = region {
        b = b.with_region(r);
    }
    let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .ok();
    if let Some(e) = endpoint.filter(|e| !e.is_empty()) {
        b = b
            .with_allow_http(e.starts_with("http://"))
            .with_endpoint(e)
            .with_virtual_hosted_style_request(false);
    }
    b
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(dir) => write!(f, "{}", dir.display()),
            Location::S3 { bucket, prefix, .. } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Location::S3 { bucket, prefix, .. } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// Joins a relative key (with `/`) under a root path.
pub fn join(root: &Path, key: &str) -> Path {
    let mut parts: Vec<String> = root.parts().map(|p| p.as_ref().to_string()).collect();
    parts.extend(key.split('/').filter(|s| !s.is_empty()).map(str::to_string));
    Path::from_iter(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locations() {
        assert_eq!(
            Location::parse("s3://my-bucket").unwrap(),
            Location::S3 {
                bucket: "my-bucket".into(),
                prefix: "".into(),
                auth: None,
            }
        );
        assert_eq!(
            Location::parse("s3://my-bucket/a/b/").unwrap(),
            Location::S3 {
                bucket: "my-bucket".into(),
                prefix: "a/b".into(),
                auth: None,
            }
        );
        assert_eq!(
            Location::parse("./data").unwrap(),
            Location::Local("./data".into())
        );
        assert!(Location::parse("s3://").is_err());
        assert!(Location::parse("s3://Bad_Bucket").is_err());
        assert!(Location::parse("s3://bucket/../x").is_err());
        assert!(Location::parse("gs://x").is_err());
        assert_eq!(
            Location::parse("s3://b-1/p")
                .unwrap()
                .display_key("k/x.json"),
            "s3://b-1/p/k/x.json"
        );
    }

    #[test]
    fn joins_keys_under_a_prefix() {
        assert_eq!(
            join(&Path::from("p/q"), "a/b.json").as_ref(),
            "p/q/a/b.json"
        );
        assert_eq!(join(&Path::default(), "a/b.json").as_ref(), "a/b.json");
    }
}
