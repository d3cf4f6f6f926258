//! `--profile` for s3:// locations: credentials and region from a named AWS profile (the AWS
//! config file, as on a workstation), not only from the environment; environment credentials
//! still win. S3 is moto on 127.0.0.1; nothing else is ever contacted.

mod support;

use std::path::Path;
use std::process::Command;
use support::moto::Moto;
use support::{cli, run};

/// A clean AWS environment: moto as the endpoint, the profile files in `home`, no credentials or
/// region from the caller, and the instance metadata service pointed at a closed loopback port.
fn aws_env<'a>(c: &'a mut Command, moto: &Moto, home: &Path) -> &'a mut Command {
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        c.env_remove(var);
    }
    c.env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_METADATA_ENDPOINT", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", home)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn s3_config_is_read_with_the_named_profiles_credentials() {
    let moto = Moto::start();
    moto.create_bucket("profile-config");
    let bundled = support::bad_configs::bundled_dir();
    for rel in support::files_under(&bundled) {
        let bytes = std::fs::read(bundled.join(&rel)).unwrap();
        moto.put("profile-config", &rel.to_string_lossy(), &bytes);
    }
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config"),
        "[profile vectora-test]\nregion = eu-west-3\naws_access_key_id = profile-key\naws_secret_access_key = profile-secret\n",
    )
    .unwrap();

    let validate = |extra: &[&str]| {
        run(aws_env(&mut cli(), &moto, home.path())
            .args(["validate", "--config", "s3://profile-config"])
            .args(extra))
    };

    // Without a profile or credentials, the bucket is not readable: what follows proves the
    // profile's credentials are the ones used.
    let out = validate(&[]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stdout));

    let out = validate(&["--profile", "vectora-test"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("s3://profile-config: OK: 1 client(s)"),
        "{}",
        text(&out.stdout)
    );

    // AWS_PROFILE names it too.
    let out = run(aws_env(&mut cli(), &moto, home.path())
        .env("AWS_PROFILE", "vectora-test")
        .args(["validate", "--config", "s3://profile-config"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A profile that does not exist: a clear error naming it, nothing read.
    let out = validate(&["--profile", "nobody"]);
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("nobody"), "{err}");

    // Credentials in the environment win over the profile (as in every AWS tool).
    let out = run(aws_env(&mut cli(), &moto, home.path())
        .env("AWS_ACCESS_KEY_ID", "env-key")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .args([
            "validate",
            "--config",
            "s3://profile-config",
            "--profile",
            "nobody",
        ]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
