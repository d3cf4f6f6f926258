# debug_bin NAME PACKAGE: prints the path of the debug binary NAME of PACKAGE. scripts/test.sh
# keeps the binaries its test build made in VECTORA_TEST_BINS, and the e2e scripts run those: a
# `cargo build -p PACKAGE` here would build the CLI, the test web and the bootstrap a second time
# (its features differ from the whole workspace's test build). A script run on its own builds.
# shellcheck shell=bash
debug_bin() {
  local name=$1 package=$2 root
  if [ -n "${VECTORA_TEST_BINS:-}" ] && [ -x "$VECTORA_TEST_BINS/$name" ]; then
    printf '%s\n' "$VECTORA_TEST_BINS/$name"
    return
  fi
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
  (cd "$root" && cargo build --quiet -p "$package" --bin "$name") >&2 \
    || { echo "debug_bin: cannot build $name ($package)" >&2; return 1; }
  printf '%s\n' "${CARGO_TARGET_DIR:-$root/target}/debug/$name"
}
