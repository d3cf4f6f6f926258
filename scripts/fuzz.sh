#!/usr/bin/env bash
# Fuzzes every target for a bounded time each (default 180 s; not run in CI, see
# scripts/ci/fuzz-smoke.sh for the short CI run). Seeds the corpora from the test fixtures first.
#
#   scripts/fuzz.sh                     every target, 180 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh feed_parse html_listing
#
# A crash leaves its input in fuzz/artifacts/<target>/; reproduce it with
#   (cd fuzz && cargo +nightly fuzz run <target> artifacts/<target>/<file>)
# then turn it into a regression test (see docs/reliability.md) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
seconds="${FUZZ_SECONDS:-180}"
jobs="${FUZZ_JOBS:-1}"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi

bash fuzz/seed-corpora.sh
cd fuzz
failed=()
for t in "${targets[@]}"; do
  echo "==> fuzzing $t for ${seconds}s"
  mkdir -p "artifacts/$t"
  parallel=()
  if [ "$jobs" -gt 1 ]; then
    # libFuzzer then writes each worker's output to fuzz-<n>.log in this folder.
    parallel=(-jobs="$jobs" -workers="$jobs")
  fi
  if ! cargo +nightly fuzz run --target-dir "$CARGO_TARGET_DIR/fuzz" "$t" "corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
      "${parallel[@]}" -print_final_stats=1; then
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "no crash in ${#targets[@]} target(s), ${seconds}s each"
