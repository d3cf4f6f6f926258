//! Builds `bootstrap` in release mode for provided.al2023. Target installation is never implicit: a
//! missing Rust standard library for the target is an error that says the `rustup` command to run.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::arch::Arch;
use crate::elf::GlibcVersion;
use crate::progress::{Event, Progress};

/// How the release binary is compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builder {
    /// cargo-zigbuild when installed (links against glibc 2.34 exactly), else plain cargo for the
    /// host architecture (the package validation then proves the glibc requirement).
    Auto,
    /// Plain `cargo build` (native, or cross with a configured linker).
    Cargo,
    /// `cargo zigbuild --target <triple>.2.34` (PyPI: cargo-zigbuild, which brings zig).
    Zigbuild,
}

impl Builder {
    /// Every builder with its name, in the order fronts list them.
    pub const ALL: [(Builder, &'static str); 3] = [
        (Builder::Auto, "auto"),
        (Builder::Cargo, "cargo"),
        (Builder::Zigbuild, "zigbuild"),
    ];

    pub fn name(self) -> &'static str {
        Builder::ALL
            .iter()
            .find(|(b, _)| *b == self)
            .map_or("auto", |(_, name)| name)
    }
}

/// Parses a builder's name (`auto`, `cargo`, `zigbuild`).
impl std::str::FromStr for Builder {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Builder::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(b, _)| *b)
            .ok_or_else(|| format!("unknown builder {name:?} (auto, cargo or zigbuild)"))
    }
}

/// What to build.
#[derive(Clone, Debug)]
pub struct BuildRequest {
    /// Workspace root (where `cargo` is run).
    pub workspace: PathBuf,
    pub arch: Arch,
    pub builder: Builder,
    /// Cargo package holding the Lambda binary.
    pub package: String,
    pub bin: String,
    /// Cargo profile (`release` unless the caller asks for another, e.g. the tests' `ci`).
    pub profile: String,
}

impl BuildRequest {
    /// The Lambda binary of this repository.
    pub fn bootstrap(workspace: PathBuf, arch: Arch, builder: Builder) -> Self {
        BuildRequest {
            workspace,
            arch,
            builder,
            package: "vectora-lambda".to_owned(),
            bin: "bootstrap".to_owned(),
            profile: "release".to_owned(),
        }
    }

    /// The same build with another Cargo profile.
    pub fn with_profile(mut self, profile: &str) -> Self {
        self.profile = profile.to_owned();
        self
    }
}

fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// True when `program --version` runs.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Errors unless the Rust standard library for `arch` is installed in the active toolchain.
pub fn ensure_target_installed(arch: Arch) -> anyhow::Result<()> {
    let triple = arch.rust_target();
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .context("cannot run `rustc --print sysroot`: is a Rust toolchain installed?")?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let libdir = Path::new(&sysroot)
        .join("lib/rustlib")
        .join(triple)
        .join("lib");
    let has_std = std::fs::read_dir(&libdir)
        .map(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("libstd-") && name.ends_with(".rlib")
            })
        })
        .unwrap_or(false);
    if !has_std {
        bail!(
            "the Rust standard library for {triple} is not installed (looked in {}); install it with \
             `rustup target add {triple}` (needs network access to the Rust toolchain server; where that \
             is not reachable, build on a machine that has it)",
            libdir.display()
        );
    }
    Ok(())
}

/// Resolves `Auto` to a concrete builder, or explains what is missing.
pub fn resolve_builder(builder: Builder, arch: Arch) -> anyhow::Result<Builder> {
    let zig = || runs("cargo-zigbuild", &["--version"]);
    match builder {
        Builder::Auto if zig() => Ok(Builder::Zigbuild),
        Builder::Auto if Arch::host() == Some(arch) => Ok(Builder::Cargo),
        Builder::Auto => bail!(
            "cross-building for {arch} needs cargo-zigbuild: `pip install cargo-zigbuild` (it brings zig), \
             then `rustup target add {}`",
            arch.rust_target()
        ),
        Builder::Zigbuild if !zig() => bail!(
            "--builder zigbuild: cargo-zigbuild is not installed; `pip install cargo-zigbuild`"
        ),
        other => Ok(other),
    }
}

/// Builds the binary and returns the path cargo reports for it.
pub fn build(request: &BuildRequest, progress: &dyn Progress) -> anyhow::Result<PathBuf> {
    ensure_target_installed(request.arch)?;
    let builder = resolve_builder(request.builder, request.arch)?;
    let triple = request.arch.rust_target();
    let mut command = Command::new(cargo_program());
    let target = match builder {
        Builder::Zigbuild => {
            command.arg("zigbuild");
            let glibc = GlibcVersion::AL2023;
            format!("{triple}.{}.{}", glibc.major, glibc.minor)
        }
        _ => {
            command.arg("build");
            triple.to_owned()
        }
    };
    command
        .args([
            "--profile",
            &request.profile,
            "--package",
            &request.package,
            "--bin",
            &request.bin,
        ])
        .args(["--target", &target])
        .arg("--message-format=json-render-diagnostics")
        .current_dir(&request.workspace)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    progress.report(Event::Building {
        bin: &request.bin,
        arch: request.arch,
        builder,
        target: &target,
        profile: &request.profile,
        workspace: &request.workspace,
    });
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", cargo_program()))?;
    let mut executable = None;
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.context("cannot read cargo's output")?;
            if let Some(path) = executable_from_message(&line, &request.bin) {
                executable = Some(path);
            }
        }
    }
    let status = child.wait().context("cargo did not finish")?;
    if !status.success() {
        bail!("building {} for {target} failed ({status})", request.bin);
    }
    executable.with_context(|| {
        format!(
            "cargo finished but reported no executable named {}",
            request.bin
        )
    })
}

/// Extracts the executable path from one line of cargo's JSON messages, if it is the wanted binary.
pub fn executable_from_message(line: &str, bin: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    let target = message.get("target")?;
    let is_bin = target
        .get("kind")?
        .as_array()?
        .iter()
        .any(|k| k.as_str() == Some("bin"));
    if !is_bin || target.get("name")?.as_str()? != bin {
        return None;
    }
    message.get("executable")?.as_str().map(PathBuf::from)
}

/// The workspace root: the nearest ancestor of `start` whose Cargo.toml has a `[workspace]`.
pub fn find_workspace(start: &Path) -> anyhow::Result<PathBuf> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest)
            && text.lines().any(|l| l.trim() == "[workspace]")
        {
            return Ok(dir.to_owned());
        }
    }
    bail!(
        "no Cargo workspace found from {} upwards: run `package` inside the vectora-inbox repository, pass \
         --workspace DIR, or pass a prebuilt binary with --binary",
        start.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_bootstrap_artifact_from_cargo_messages() {
        let bin = r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"bootstrap"},"executable":"/t/x86_64-unknown-linux-gnu/release/bootstrap"}"#;
        let lib = r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"vectora_core"},"executable":null}"#;
        let other = r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"vectora-inbox"},"executable":"/t/vectora-inbox"}"#;
        assert_eq!(
            executable_from_message(bin, "bootstrap"),
            Some(PathBuf::from(
                "/t/x86_64-unknown-linux-gnu/release/bootstrap"
            ))
        );
        assert_eq!(executable_from_message(lib, "bootstrap"), None);
        assert_eq!(executable_from_message(other, "bootstrap"), None);
        assert_eq!(executable_from_message("Compiling foo", "bootstrap"), None);
    }

    #[test]
    fn finds_this_workspace() {
        let root = find_workspace(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert!(root.join("crates/ops").is_dir());
    }
}
