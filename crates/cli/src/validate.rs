//! `vectora-inbox validate`: every config problem, each with its file and key.

use crate::ingest::load_config;
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct ValidateArgs {
    /// Config root: a folder or s3://bucket[/prefix]. Default: ./config, else the bundled config.
    #[arg(long)]
    pub config: Option<String>,
    /// Print the diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
    /// AWS profile for an s3:// config (credentials in the environment take precedence).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
}

pub async fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let access = crate::aws_profile::use_profile(args.profile.as_deref()).await?;
    let (mut config, origin) = load_config(args.config.as_deref(), &access).await?;
    config.build_all_profiles();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&config.diagnostics())?);
    } else {
        for d in config.diagnostics() {
            eprintln!("{d}");
        }
    }
    let errors = config.diagnostics().iter().filter(|d| d.is_error()).count();
    let warnings = config
        .diagnostics()
        .iter()
        .filter(|d| d.is_problem())
        .count()
        - errors;
    if errors + warnings == 0 {
        if !args.json {
            println!("{origin}: OK: {}", config.summary());
        }
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{origin}: {errors} error(s), {warnings} warning(s)");
        Ok(ExitCode::from(1))
    }
}

/// The validation `config push` runs before uploading anything: the folder must hold the
/// expected files and load without a single problem.
pub fn require_valid_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    use vectora_core::config::paths::{LayoutError, check_layout};
    match check_layout(dir) {
        Err(LayoutError::Invalid { problems, .. }) => anyhow::bail!(
            "config folder {} is invalid, nothing uploaded:\n  {}",
            dir.display(),
            problems.join("\n  ")
        ),
        other => other?,
    }
    let mut config = vectora_core::config::load_dir_blocking(dir)?;
    config.build_all_profiles();
    let problems: Vec<String> = config
        .diagnostics()
        .iter()
        .filter(|d| d.is_problem())
        .map(|d| d.to_string())
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} is not a valid config ({} problem(s)):\n  {}",
            dir.display(),
            problems.len(),
            problems.join("\n  ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_layout_uploads_nothing_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let err = require_valid_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("nothing uploaded"), "{err}");
        assert!(err.contains("source_catalog.yaml is missing"), "{err}");
        assert!(err.contains("clients/ has no client"), "{err}");
        let absent = require_valid_dir(&dir.path().join("absent")).unwrap_err();
        assert!(absent.to_string().contains("does not exist"), "{absent}");
    }

    #[test]
    fn the_bundled_config_folder_can_be_pushed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        require_valid_dir(&root).unwrap();
    }
}
