#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the Python tools the tests use (moto's S3
# emulator, cfn-lint, cargo-lambda) and Debian's chromium (headless, for the report test), checks
# formatting and lints, runs every Rust test (unit, integration against the local test web on
# 127.0.0.1 and against moto's S3), then the end-to-end scripts under scripts/ci/ (CloudFormation
# lint, Lambda runtime emulator, deploy against the AWS emulator). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "Python test tools"
python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt

step "Headless Chromium (renders the report in crates/cli/tests/report.rs)"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: install Debian's chromium package (apt-get install chromium) as root" >&2
    exit 1
  fi
fi
chromium --version

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "cargo test (workspace)"
# moto's S3 emulator is started by the tests that need it (see crates/core/tests/support).
cargo test --workspace --no-fail-fast 2>&1 | tee "$CARGO_TARGET_DIR/test-output.txt"

for script in scripts/ci/*.sh; do
  step "$script"
  bash "$script"
done

step "all tests passed"
