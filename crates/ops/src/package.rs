//! `vectora-inbox package`: build (or take) the bootstrap, zip it alone, validate the zip, print what
//! was produced, optionally upload it under its content-addressed key.

use std::path::PathBuf;

use anyhow::{Context, bail};
use aws_sdk_s3::primitives::ByteStream;

use crate::arch::Arch;
use crate::aws::{AwsTarget, Clients, explain};
use crate::build::{BuildRequest, Builder, build, find_workspace};
use crate::bundle::write_bootstrap_zip;
use crate::naming::{code_key, latest_key};
use crate::progress::{Event, Progress};
use crate::validate::{Limits, ValidatedPackage, validate_zip};

/// How the zip is obtained; shared by `package` and `deploy`.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Lambda architecture to build for.
    pub arch: Arch,
    /// Folder the zip is written to.
    pub out: PathBuf,
    pub builder: Builder,
    /// Cargo profile of the build: `release` ships; the test suite packages with `ci`.
    pub cargo_profile: String,
    /// Zip this prebuilt bootstrap instead of building one.
    pub binary: Option<PathBuf>,
    /// Use (and validate) this existing zip instead of building one.
    pub zip: Option<PathBuf>,
    /// Cargo workspace to build in (`None`: found from the current directory).
    pub workspace: Option<PathBuf>,
}

impl BuildOptions {
    /// The shipped build for `arch`, into `dist/`.
    pub fn new(arch: Arch) -> Self {
        BuildOptions {
            arch,
            out: PathBuf::from("dist"),
            builder: Builder::Auto,
            cargo_profile: "release".to_owned(),
            binary: None,
            zip: None,
            workspace: None,
        }
    }
}

/// Where `package` uploads the zip.
#[derive(Debug, Clone)]
pub struct UploadTarget {
    /// The s0-core code bucket, e.g. vectora-inbox-lambda-code-dev.
    pub bucket: String,
    /// `None`: lambda/ingest-v2/<sha256>.zip and lambda/ingest-v2/latest.zip.
    pub key: Option<String>,
}

/// `vectora-inbox package`: build (or take) a zip, validate it, optionally upload it.
#[derive(Debug, Clone)]
pub struct PackageRequest {
    pub build: BuildOptions,
    pub upload: Option<UploadTarget>,
    pub aws: AwsTarget,
}

/// What `package` produced.
#[derive(Clone, Debug)]
pub struct PackageOutcome {
    pub package: ValidatedPackage,
    /// `s3://bucket/key` of every upload (empty without --upload).
    pub uploaded: Vec<String>,
}

/// Produces a validated zip according to `args` (no network).
pub fn package_local(
    args: &BuildOptions,
    progress: &dyn Progress,
) -> anyhow::Result<ValidatedPackage> {
    let limits = Limits::default();
    if let Some(zip) = &args.zip {
        return validate_zip(zip, args.arch, &limits).map_err(anyhow::Error::from);
    }
    let binary = match &args.binary {
        Some(binary) => {
            if !binary.is_file() {
                bail!(
                    "bootstrap binary {} does not exist (build it with `cargo build --release -p vectora-lambda --bin bootstrap`, or drop --binary to let package build it)",
                    binary.display()
                );
            }
            binary.clone()
        }
        None => {
            let workspace = match &args.workspace {
                Some(dir) => dir.clone(),
                None => find_workspace(
                    &std::env::current_dir().context("cannot read the current directory")?,
                )?,
            };
            build(
                &BuildRequest::bootstrap(workspace, args.arch, args.builder)
                    .with_profile(&args.cargo_profile),
                progress,
            )?
        }
    };
    let zip_path = args
        .out
        .join(format!("vectora-inbox-ingest-v2-{}.zip", args.arch));
    write_bootstrap_zip(&binary, &zip_path)?;
    validate_zip(&zip_path, args.arch, &limits).map_err(|e| {
        // Never leave an invalid zip where an upload could pick it up.
        let _ = std::fs::remove_file(&zip_path);
        anyhow::Error::from(e)
    })
}

/// Uploads the zip. Without an explicit key it goes to the content-addressed key (skipped when it is
/// already there: same key, same bytes) and to latest.zip. Returns the `s3://` URIs written.
pub async fn upload_package(
    clients: &Clients,
    package: &ValidatedPackage,
    bucket: &str,
    key: Option<&str>,
    progress: &dyn Progress,
) -> anyhow::Result<Vec<String>> {
    let explicit = key;
    let keys = match key {
        Some(k) => vec![k.to_owned()],
        None => vec![code_key(&package.sha256), latest_key()],
    };
    let mut uploaded = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let content_addressed = explicit.is_none() && i == 0;
        if content_addressed && object_exists(clients, bucket, key).await? {
            progress.report(Event::AlreadyUploaded { bucket, key });
            uploaded.push(format!("s3://{bucket}/{key}"));
            continue;
        }
        let body = ByteStream::from_path(&package.path)
            .await
            .with_context(|| format!("cannot read {}", package.path.display()))?;
        clients
            .s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(body)
            .content_type("application/zip")
            .metadata("sha256", &package.sha256)
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!("upload to s3://{bucket}/{key} failed: {}", explain(&e))
            })?;
        progress.report(Event::Uploaded { bucket, key });
        uploaded.push(format!("s3://{bucket}/{key}"));
    }
    Ok(uploaded)
}

/// True when the object exists; a missing bucket is an error that names the bucket.
pub(crate) async fn object_exists(
    clients: &Clients,
    bucket: &str,
    key: &str,
) -> anyhow::Result<bool> {
    match clients
        .s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) => {
            let not_found = e
                .as_service_error()
                .map(|s| s.is_not_found())
                .unwrap_or(false);
            if not_found {
                Ok(false)
            } else {
                Err(anyhow::anyhow!(
                    "cannot check s3://{bucket}/{key} (does the bucket exist? `vectora-inbox deploy-core` creates it): {}",
                    explain(&e)
                ))
            }
        }
    }
}

/// The `package` command.
pub async fn run_package(
    request: &PackageRequest,
    progress: &dyn Progress,
) -> anyhow::Result<PackageOutcome> {
    let package = package_local(&request.build, progress)?;
    progress.report(Event::Packaged(&package));
    let mut uploaded = Vec::new();
    if let Some(target) = &request.upload {
        let clients = Clients::new(&request.aws).await;
        uploaded = upload_package(
            &clients,
            &package,
            &target.bucket,
            target.key.as_deref(),
            progress,
        )
        .await?;
    }
    Ok(PackageOutcome { package, uploaded })
}
