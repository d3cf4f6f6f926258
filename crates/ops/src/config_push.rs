//! `vectora-inbox config push`: validate a config folder, then upload it to the config bucket. An
//! invalid folder uploads nothing. Validation is a callback so the CLI can pass the engine's
//! layout check and full config validation (`vectora_core::config`, which owns the config paths).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use aws_sdk_s3::primitives::ByteStream;
use md5::{Digest, Md5};

use crate::aws::{AwsTarget, Clients, explain};
use crate::naming::{Env, Naming};
use crate::progress::{Event, Progress};
use crate::stacks::{read_required_stack, resolve_core};

/// `vectora-inbox config push`: which folder to which bucket.
#[derive(Debug, Clone)]
pub struct PushRequest {
    pub env: Env,
    pub project: String,
    /// Config folder, laid out like the bucket (clients/, canonical/...).
    pub config: PathBuf,
    /// Upload to this bucket instead of the s0-core stack's ConfigBucketName.
    pub bucket: Option<String>,
    /// Validate and list what would be uploaded; upload nothing.
    pub dry_run: bool,
    pub aws: AwsTarget,
}

/// Validates a config folder; an error stops the push before any upload.
pub type ConfigValidator<'a> = &'a (dyn Fn(&Path) -> anyhow::Result<()> + Sync);

/// Every regular file under `dir` (hidden files and folders skipped) with its bucket key, sorted.
pub fn collect_files(dir: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .with_context(|| format!("cannot list {}", current.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", current.display()))?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                let key = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                files.push((path, key));
            }
        }
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(files)
}

/// What the push did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushReport {
    pub bucket: String,
    /// Keys uploaded (in a dry run: to upload).
    pub uploaded: Vec<String>,
    pub unchanged: Vec<String>,
    pub dry_run: bool,
}

/// The `config push` command. `validate` runs before anything touches the network; a file whose
/// bucket copy has the same MD5 (its ETag) is not uploaded again.
pub async fn run_config_push(
    args: &PushRequest,
    validate: ConfigValidator<'_>,
    progress: &dyn Progress,
) -> anyhow::Result<PushReport> {
    validate(&args.config)?;
    let files = collect_files(&args.config)?;
    progress.report(Event::ConfigValid {
        dir: &args.config,
        files: files.len(),
    });
    let naming = Naming::new(&args.project, args.env);
    let clients = Clients::new(&args.aws).await;
    let bucket = match &args.bucket {
        Some(b) => b.clone(),
        None => {
            let view = read_required_stack(&clients, &naming.core_stack(), &naming).await?;
            resolve_core(&view, &naming)?.config_bucket
        }
    };
    let mut report = PushReport {
        bucket: bucket.clone(),
        dry_run: args.dry_run,
        ..PushReport::default()
    };
    for (path, key) in files {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if is_in_bucket(&clients, &bucket, &key, &bytes).await? {
            report.unchanged.push(key);
            continue;
        }
        if args.dry_run {
            progress.report(Event::WouldUpload {
                bucket: &bucket,
                key: &key,
            });
        } else {
            upload_file(&clients, &bucket, &key, bytes).await?;
            progress.report(Event::Uploaded {
                bucket: &bucket,
                key: &key,
            });
        }
        report.uploaded.push(key);
    }
    Ok(report)
}

/// True when the bucket holds `key` with these bytes (its ETag is their MD5: single-part uploads).
async fn is_in_bucket(
    clients: &Clients,
    bucket: &str,
    key: &str,
    bytes: &[u8],
) -> anyhow::Result<bool> {
    let md5 = hex::encode(Md5::digest(bytes));
    match clients
        .s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
    {
        Ok(head) => Ok(head.e_tag().map(|t| t.trim_matches('"')) == Some(md5.as_str())),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
        Err(e) => bail!(
            "cannot read s3://{bucket}/{key} (does the bucket exist?): {}",
            explain(&e)
        ),
    }
}

async fn upload_file(
    clients: &Clients,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<()> {
    clients
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(bytes))
        .content_type(if key.ends_with(".yaml") || key.ends_with(".yml") {
            "application/yaml"
        } else {
            "application/octet-stream"
        })
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("upload of s3://{bucket}/{key} failed: {}", explain(&e)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_config() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
    }

    #[test]
    fn keys_mirror_the_bucket() {
        let files = collect_files(&repo_config()).unwrap();
        let keys: Vec<&str> = files.iter().map(|(_, k)| k.as_str()).collect();
        assert!(keys.contains(&"clients/lai_weekly_v3.yaml"));
        assert!(keys.contains(&"canonical/sources/source_catalog.yaml"));
        assert!(
            keys.iter()
                .all(|k| !k.starts_with('/') && !k.contains('\\'))
        );
    }
}
