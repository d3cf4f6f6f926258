#!/usr/bin/env bash
# CI smoke run of the fuzz targets: every target fuzzed for a short slice so that the whole run
# stays under 60 s of fuzzing (FUZZ_SMOKE_SECONDS, default 60, split evenly), starting from the
# fixture seeds. Catches parsers that crash or hang on mutated real inputs; the long runs are
# scripts/fuzz.sh (by hand, not in CI). Building the targets is not counted in the budget.
#
# The same libFuzzer targets as scripts/fuzz.sh, coverage-guided the same way (SanitizerCoverage,
# the flags cargo-fuzz passes, `--cfg fuzzing`, debug assertions and overflow checks), but built
# with the stable toolchain and plain cargo, without AddressSanitizer: no cargo-fuzz to install
# (minutes of compiling on a fresh machine) and no nightly toolchain. The targets are safe Rust, for
# which the sanitizer adds little; scripts/fuzz.sh keeps the nightly ASan build for the long runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
budget="${FUZZ_SMOKE_SECONDS:-60}"
out="$CARGO_TARGET_DIR/fuzz-smoke"

mapfile -t targets < <(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' fuzz/Cargo.toml | grep -vx vectora-fuzz)
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz target in fuzz/Cargo.toml" >&2; exit 1; }
slice=$(( budget / ${#targets[@]} ))
[ "$slice" -ge 1 ] || slice=1
bash fuzz/seed-corpora.sh >/dev/null

# --target, as cargo-fuzz does: RUSTFLAGS then reach the targets, not the build scripts (which
# would not link without libFuzzer's coverage callbacks).
host=$(rustc +stable -vV | sed -n 's/^host: //p')
echo "==> building ${#targets[@]} fuzz targets (stable, SanitizerCoverage, no ASan)"
RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks" \
  cargo +stable build --quiet --profile smoke --manifest-path fuzz/Cargo.toml --bins --target "$host" --target-dir "$out"

failed=()
for t in "${targets[@]}"; do
  # A scratch copy of the corpus: CI must not grow the checked-out folder.
  work=$(mktemp -d)
  cp -r "fuzz/corpus/$t/." "$work/"
  mkdir -p "fuzz/artifacts/$t"
  echo "==> $t: ${slice}s"
  if ! "$out/$host/smoke/$t" "$work" -max_total_time="$slice" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=0 -artifact_prefix="fuzz/artifacts/$t/" >"$work.log" 2>&1; then
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
