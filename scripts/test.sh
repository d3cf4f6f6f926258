#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the Python tools the tests use (moto's S3
# emulator, cfn-lint, cargo-lambda) and Debian's chromium, checks formatting and lints, runs every
# Rust test (unit, integration against the local test web on 127.0.0.1 and against moto's S3),
# builds the Lambda packages once, then the end-to-end scripts under scripts/ci/ (CloudFormation
# lint, fuzz smoke, Lambda runtime emulator, deploy and fan-out against the AWS emulator). Exits
# non-zero on the first failure; prints every step's duration at the end either way.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

STEP_NAMES=()
STEP_SECONDS=()
durations() {
  local rc=$? i total=0
  printf '\n==> step durations\n'
  for i in "${!STEP_NAMES[@]}"; do
    printf '%7ss  %s\n' "${STEP_SECONDS[$i]}" "${STEP_NAMES[$i]}"
    total=$((total + STEP_SECONDS[i]))
  done
  printf '%7ss  total%s\n' "$total" "$([ "$rc" -eq 0 ] || echo " (FAILED, exit $rc)")"
}
trap durations EXIT
# step NAME CMD...: runs CMD, records its duration (also when it fails).
step() {
  local name=$1 started=$SECONDS rc=0
  shift
  printf '\n==> %s\n' "$name"
  "$@" || rc=$?
  STEP_NAMES+=("$name")
  STEP_SECONDS+=($((SECONDS - started)))
  return "$rc"
}

step "Python test tools" \
  python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
# Debian's chromium renders the HTML report in crates/cli/tests/report.rs (a real browser, not a
# parser's opinion of the page); installed once, from the distribution's archive.
debian_packages() {
  command -v chromium >/dev/null && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
  command -v chromium >/dev/null
}
step "Debian packages (chromium)" debian_packages
step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy (all targets, warnings are errors)" \
  cargo clippy --workspace --all-targets --quiet -- -D warnings
# moto's S3 emulator is started by the tests that need it (see crates/core/tests/support).
# The build first, to keep the debug binaries it made (CLI, test web, bootstrap) for the e2e
# scripts (scripts/ci/lib/debug_bin.sh), which would otherwise build them again.
export VECTORA_TEST_BINS="$CARGO_TARGET_DIR/test-bins"
run_tests() {
  cargo test --workspace --no-run --quiet --message-format=json-render-diagnostics \
    | python3 scripts/ci/lib/keep_test_bins.py "$VECTORA_TEST_BINS"
  cargo test --workspace --no-fail-fast 2>&1 | tee "$CARGO_TARGET_DIR/test-output.txt"
}
step "cargo test (workspace)" run_tests

# The Lambda packages, built once (profile `ci`: release with thin LTO, see Cargo.toml) and shared
# by deploy-e2e.sh (its packaging checks run on these real zips) and fanout-e2e.sh.
# E2E_ARCHES="x86_64" skips the arm64 cross-build (it needs cargo-zigbuild and the aarch64 target).
export E2E_ARCHES="${E2E_ARCHES:-x86_64 arm64}"
step "Lambda packages, built once ($E2E_ARCHES)" bash scripts/ci/packages.sh "$CARGO_TARGET_DIR/e2e-dist"
for arch in $E2E_ARCHES; do
  export "E2E_BINARY_$arch=$CARGO_TARGET_DIR/e2e-dist/bootstrap-$arch"
  export "E2E_ZIP_$arch=$CARGO_TARGET_DIR/e2e-dist/vectora-inbox-ingest-v2-$arch.zip"
done

for script in scripts/ci/*.sh; do
  [ "$script" = scripts/ci/packages.sh ] && continue
  step "$script" bash "$script"
done

printf '\n==> all tests passed\n'
