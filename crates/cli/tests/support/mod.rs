//! Support for the CLI's reliability tests: the broken-config table, a moto S3 emulator, and a
//! minimal HTTP client to read the emulator back (the CLI crate has no HTTP client of its own).
#![allow(dead_code)]

pub mod bad_configs;
pub mod moto;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `vectora-inbox` binary built for these tests.
pub fn cli() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vectora-inbox"));
    // Only what a test sets reaches the child: no stray AWS settings or log levels.
    c.env_remove("LOG_LEVEL")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_S3");
    c
}

/// Runs a command to completion.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("spawn vectora-inbox")
}

/// Every file under `dir`, relative, sorted (empty when `dir` does not exist).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.push(rel.to_path_buf());
            }
        }
    }
    out.sort();
    out
}
