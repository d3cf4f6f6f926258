#!/usr/bin/env bash
# Feed-parsing throughput of vectora vs feedparser on the feed corpus, in one run.
# Prints documents/s and MB/s for each and the ratio (issue 4 target: >= 20x).
# Needs `pip install feedparser` for the comparison; without it only vectora is measured.
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
cargo run --quiet --release -p vectora-parse --example bench_feeds -- "$@"
