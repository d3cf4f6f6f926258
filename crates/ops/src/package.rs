//! `vectora-inbox package`: build (or take) the bootstrap, zip it alone, validate the zip, print what
//! was produced, optionally upload it under its content-addressed key.

use std::path::PathBuf;

use anyhow::{Context, bail};
use aws_sdk_s3::primitives::ByteStream;

use crate::arch::Arch;
use crate::aws::{AwsArgs, Clients, explain};
use crate::build::{BuildRequest, Builder, build, find_workspace};
use crate::bundle::write_bootstrap_zip;
use crate::naming::{code_key, latest_key};
use crate::validate::{Limits, ValidatedPackage, validate_zip};

/// How the zip is obtained; shared by `package` and `deploy`.
#[derive(clap::Args, Debug, Clone)]
pub struct BuildArgs {
    /// Lambda architecture to build for.
    #[arg(long, value_enum, default_value_t = Arch::X86_64)]
    pub arch: Arch,
    /// Folder the zip is written to.
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,
    /// How to compile (auto: cargo-zigbuild pinned to glibc 2.34 when installed, else native cargo).
    #[arg(long, value_enum, default_value_t = Builder::Auto)]
    pub builder: Builder,
    /// Cargo profile of the build: `release` ships; the test suite packages with `ci` (thin LTO).
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

impl BuildArgs {
    /// Defaults of the command line, for callers that build args in code.
    pub fn new(arch: Arch) -> Self {
        BuildArgs {
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

/// What `package` produced.
#[derive(Clone, Debug)]
pub struct PackageOutcome {
    pub package: ValidatedPackage,
    /// `s3://bucket/key` of every upload (empty without --upload).
    pub uploaded: Vec<String>,
}

/// Produces a validated zip according to `args` (no network).
pub fn package_local(args: &BuildArgs) -> anyhow::Result<ValidatedPackage> {
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

/// Prints a package the way `package` and `deploy` report it.
pub fn print_package(package: &ValidatedPackage) {
    println!("package: {}", package.path.display());
    println!(
        "  size: {} bytes zipped, {} bytes unzipped",
        package.zipped_bytes, package.unzipped_bytes
    );
    println!("  sha256: {}", package.sha256);
    let glibc = package
        .max_glibc
        .map(|v| format!("glibc >= {v}"))
        .unwrap_or_else(|| "no glibc".to_owned());
    println!("  arch: {}, needs {glibc}", package.arch);
}

/// Uploads the zip. Without an explicit key it goes to the content-addressed key (skipped when it is
/// already there: same key, same bytes) and to latest.zip. Returns the `s3://` URIs written.
pub async fn upload_package(
    clients: &Clients,
    package: &ValidatedPackage,
    bucket: &str,
    key: Option<&str>,
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
            println!("  s3://{bucket}/{key} already uploaded (same content)");
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
        println!("  uploaded s3://{bucket}/{key}");
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
pub async fn run_package(args: &PackageArgs) -> anyhow::Result<PackageOutcome> {
    let package = package_local(&args.build)?;
    print_package(&package);
    let mut uploaded = Vec::new();
    if args.upload {
        let Some(bucket) = &args.bucket else {
            bail!("--upload needs --bucket");
        };
        let clients = Clients::new(&args.aws).await;
        uploaded = upload_package(&clients, &package, bucket, args.key.as_deref()).await?;
    }
    Ok(PackageOutcome { package, uploaded })
}
