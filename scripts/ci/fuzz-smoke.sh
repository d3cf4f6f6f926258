#!/usr/bin/env bash
# CI smoke run of the fuzz targets: every target fuzzed for a short slice so that the whole run
# stays under 60 s of fuzzing (FUZZ_SMOKE_SECONDS, default 60, split evenly), starting from the
# fixture seeds. Catches parsers that crash or hang on mutated real inputs; the long runs are
# scripts/fuzz.sh (by hand, not in CI). Building the targets is not counted in the budget.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
budget="${FUZZ_SMOKE_SECONDS:-60}"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

cd fuzz
mapfile -t targets < <(cargo +nightly fuzz list)
slice=$(( budget / ${#targets[@]} ))
[ "$slice" -ge 1 ] || slice=1
bash seed-corpora.sh >/dev/null
echo "==> building ${#targets[@]} fuzz targets"
cargo +nightly fuzz build --target-dir "$CARGO_TARGET_DIR/fuzz" >/dev/null

failed=()
for t in "${targets[@]}"; do
  # A scratch copy of the corpus: CI must not grow the checked-out folder.
  work=$(mktemp -d)
  cp -r "corpus/$t/." "$work/"
  echo "==> $t: ${slice}s"
  if ! cargo +nightly fuzz run --target-dir "$CARGO_TARGET_DIR/fuzz" "$t" "$work" -- \
      -max_total_time="$slice" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=0 >"$work.log" 2>&1; then
    failed+=("$t")
    tail -n 40 "$work.log" >&2
  fi
  rm -rf "$work" "$work.log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke run failed: ${failed[*]} (crash inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz smoke: ${#targets[@]} targets, ${slice}s each, no crash"
