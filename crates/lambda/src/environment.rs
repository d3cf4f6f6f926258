//! The function's settings, read once from the environment at cold start.

use std::time::Duration;
use vectora_core::fetch::guard;
use vectora_core::store::Location;

/// What the environment says. Empty values count as absent (CloudFormation writes `""` for an
/// unset parameter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `ENV`: dev | stage | prod (a metrics dimension and a log field).
    pub env: Option<String>,
    /// `PROJECT_NAME`: the metrics namespace.
    pub project_name: Option<String>,
    /// `CONFIG_BUCKET`: bucket name (or `s3://bucket[/prefix]`) of the config, read only.
    pub config_bucket: Option<String>,
    /// `DATA_BUCKET`: bucket name (or `s3://bucket[/prefix]`) where items are written.
    pub data_bucket: Option<String>,
    /// `LOG_LEVEL`, falling back to Lambda's own `AWS_LAMBDA_LOG_LEVEL`.
    pub log_level: Option<String>,
    /// `AWS_LAMBDA_LOG_FORMAT=JSON`: one JSON object per log line.
    pub json_logs: bool,
    /// `VECTORA_ALLOW_PRIVATE_NETWORKS=1` (or true/yes/on, as for the CLI): let the fetcher reach
    /// loopback/private addresses. Only for tests against a local web; never set in a deployment.
    pub allow_private_networks: bool,
    /// `CONFIG_MAX_AGE_SECONDS`: reload the config when the cached copy is older than this. Unset:
    /// the config read at cold start serves the container's whole life.
    pub config_max_age: Option<Duration>,
}

/// A deployment problem: the function cannot run at all (answered with a 500).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentError(pub String);

impl std::fmt::Display for DeploymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeploymentError {}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Settings {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Settings {
        let get = |k: &str| {
            lookup(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Settings {
            env: get("ENV"),
            project_name: get("PROJECT_NAME"),
            config_bucket: get("CONFIG_BUCKET"),
            data_bucket: get("DATA_BUCKET"),
            log_level: get("LOG_LEVEL").or_else(|| get("AWS_LAMBDA_LOG_LEVEL")),
            json_logs: get("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json")),
            // The CLI's rule (`parse_switch`); a value that is not a switch leaves it off.
            allow_private_networks: get(guard::ALLOW_PRIVATE_NETWORKS_ENV)
                .is_some_and(|v| guard::parse_switch(&v).unwrap_or(false)),
            config_max_age: get("CONFIG_MAX_AGE_SECONDS")
                .and_then(|s| s.parse::<u64>().ok())
                .map(Duration::from_secs),
        }
    }

    /// The config and data locations, or what is missing or wrong.
    pub fn locations(&self) -> Result<(Location, Location), DeploymentError> {
        let missing: Vec<&str> = [
            ("CONFIG_BUCKET", &self.config_bucket),
            ("DATA_BUCKET", &self.data_bucket),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .collect();
        if !missing.is_empty() {
            return Err(DeploymentError(format!(
                "missing environment variable(s): {} (bucket names of the config and data buckets)",
                missing.join(", ")
            )));
        }
        let config = bucket_location(
            "CONFIG_BUCKET",
            self.config_bucket.as_deref().unwrap_or_default(),
        )?;
        let data = bucket_location(
            "DATA_BUCKET",
            self.data_bucket.as_deref().unwrap_or_default(),
        )?;
        Ok((config, data))
    }

    /// Metrics namespace: the project name, so that two projects in one account stay apart.
    pub fn metrics_namespace(&self) -> &str {
        self.project_name.as_deref().unwrap_or("vectora-inbox")
    }

    /// The `Environment` metrics dimension.
    pub fn env_name(&self) -> &str {
        self.env.as_deref().unwrap_or("unset")
    }
}

/// A bucket name becomes `s3://name`; an `s3://` URL is taken as it is. A local path is refused:
/// the function only ever reads and writes S3.
fn bucket_location(var: &str, value: &str) -> Result<Location, DeploymentError> {
    let url = if value.starts_with("s3://") {
        value.to_string()
    } else {
        format!("s3://{value}")
    };
    match Location::parse(&url) {
        Ok(loc @ Location::S3 { .. }) => Ok(loc),
        _ => Err(DeploymentError(format!(
            "{var} `{value}` is not a valid S3 bucket name"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn bucket_names_become_s3_locations() {
        let s = settings(&[
            ("CONFIG_BUCKET", "vectora-inbox-config-dev"),
            ("DATA_BUCKET", "s3://vectora-inbox-data-dev/x"),
        ]);
        let (c, d) = s.locations().unwrap();
        assert_eq!(c.to_string(), "s3://vectora-inbox-config-dev");
        assert_eq!(d.to_string(), "s3://vectora-inbox-data-dev/x");
    }

    #[test]
    fn missing_or_empty_buckets_are_named() {
        let e = settings(&[("CONFIG_BUCKET", "  ")])
            .locations()
            .unwrap_err();
        assert!(
            e.0.contains("CONFIG_BUCKET") && e.0.contains("DATA_BUCKET"),
            "{e}"
        );
        let e = settings(&[("CONFIG_BUCKET", "c-bucket")])
            .locations()
            .unwrap_err();
        assert!(
            e.0.contains("DATA_BUCKET") && !e.0.contains("CONFIG_BUCKET"),
            "{e}"
        );
    }

    #[test]
    fn invalid_bucket_names_are_refused() {
        for bad in ["Bad_Bucket", "ab", "../data", "gs://x"] {
            let e = settings(&[("CONFIG_BUCKET", "config-b"), ("DATA_BUCKET", bad)])
                .locations()
                .unwrap_err();
            assert!(e.0.contains("DATA_BUCKET"), "{bad}: {e}");
        }
    }

    #[test]
    fn logging_and_test_switches() {
        let s = settings(&[
            ("LOG_LEVEL", "DEBUG"),
            ("AWS_LAMBDA_LOG_FORMAT", "json"),
            ("VECTORA_ALLOW_PRIVATE_NETWORKS", "1"),
        ]);
        assert_eq!(s.log_level.as_deref(), Some("DEBUG"));
        assert!(s.json_logs && s.allow_private_networks);
        let s = settings(&[
            ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
            ("AWS_LAMBDA_LOG_FORMAT", "Text"),
            ("VECTORA_ALLOW_PRIVATE_NETWORKS", "off"),
        ]);
        assert_eq!(s.log_level.as_deref(), Some("WARN"));
        assert!(!s.json_logs && !s.allow_private_networks);
        // The same words as the CLI's flag.
        for (value, on) in [
            ("true", true),
            ("YES", true),
            ("on", true),
            ("0", false),
            ("maybe", false),
        ] {
            let s = settings(&[("VECTORA_ALLOW_PRIVATE_NETWORKS", value)]);
            assert_eq!(s.allow_private_networks, on, "{value}");
        }
        assert_eq!(
            settings(&[("CONFIG_MAX_AGE_SECONDS", "300")]).config_max_age,
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            settings(&[("CONFIG_MAX_AGE_SECONDS", "soon")]).config_max_age,
            None
        );
    }
}
