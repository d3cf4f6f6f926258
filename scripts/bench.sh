#!/usr/bin/env bash
# Benchmarks of issues 8 and 16, in one run, from a fresh machine: ingest at scale against a simulated
# web (N = 8, 100, 1000 and 10,000 sources, each on its own loopback address 127.0.x.y, 150 ms per
# response; a faults run of 40 sources, a quarter broken: 500s, malformed feeds, hangs of 60 s; 20
# sources on one host), feed and HTML parser throughput against Python's feedparser and BeautifulSoup
# on the same files, Lambda cold start and zip size. Prints every table and writes them into
# docs/benchmarks.md (machine, date and this command included).
#
# Usage: scripts/bench.sh [--quick] [--runs N] [--sites 8,100,1000,10000] [--faults N] [--one-host N]
#                         [--skip-lambda] [--no-doc]
#   --quick        N = 8 and 100, one run each, no faults or one-host run, 1 s per parser measurement
#                  (a smoke run, ~1 min)
#   --runs N       runs per row under 5000 sources (default 3; the median is reported; larger rows once)
#   --sites LIST   source counts of the plain web rows (default 8,100,1000,10000)
#   --faults N     sources of the faults run (default 40; 0 skips it)
#   --one-host N   sources of the one-host run (default 20; 0 skips it)
#   --skip-lambda  skip the cold start and zip parts (they build the Lambda bootstrap)
#   --no-doc       print only; leave docs/benchmarks.md alone
# Time: about 5 minutes once the release binaries are built (the first build takes longer: the release
# profile uses fat LTO). Everything talks to 127.0.0.0/8 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
command_line="scripts/bench.sh${*:+ $*}"

runs=3
sites=8,100,1000,10000
faults=40
one_host=20
seconds=2
lambda=1
write_doc=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) runs=1; sites=8,100; faults=0; one_host=0; seconds=1 ;;
    --runs) runs=$2; shift ;;
    --sites) sites=$2; shift ;;
    --faults) faults=$2; shift ;;
    --one-host) one_host=$2; shift ;;
    --skip-lambda) lambda=0 ;;
    --no-doc) write_doc=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
results="$CARGO_TARGET_DIR/bench"
doc="$root/docs/benchmarks.md"
rm -rf "$results"
mkdir -p "$results"

step() { printf '\n==> %s\n' "$*" >&2; }

step "Python comparison libraries (feedparser, BeautifulSoup with html.parser and lxml)"
if ! python3 -m pip install --quiet --disable-pip-version-check \
    'feedparser>=6.0,<7' 'beautifulsoup4>=4.12,<5' 'lxml>=5' >&2; then
  echo "warning: pip install failed; the Python columns will say 'not available'" >&2
fi

step "Release builds (vectora-inbox, vectora-bench)"
# Built one at a time, each as its own package, so the features of shared dependencies are those of
# the CLI alone and the measured binary is the one an operator builds.
cargo build --release --quiet -p vectora-inbox
cargo build --release --quiet -p vectora-bench
bench="$CARGO_TARGET_DIR/release/vectora-bench"
cli="$CARGO_TARGET_DIR/release/vectora-inbox"

doc_args=()
if [ "$write_doc" = 1 ]; then doc_args=(--doc "$doc"); fi

step "Machine"
"$bench" machine --command "$command_line" "${doc_args[@]}"

step "Ingest at scale (sources: $sites; faults run: $faults; one host: $one_host; $runs run(s) per row)"
"$bench" scale --cli "$cli" --sites "$sites" --faults "$faults" --one-host "$one_host" --runs "$runs" \
  --results "$results" "${doc_args[@]}"

step "Feed parsing (crates/parse/benches/bench-feeds.sh)"
bash crates/parse/benches/bench-feeds.sh | tee "$results/feeds.txt"
if [ "$write_doc" = 1 ]; then
  "$bench" section --doc "$doc" --name feeds --file "$results/feeds.txt" \
    --code --intro "Output of \`crates/parse/benches/bench-feeds.sh\` in this run (vectora-parse and feedparser over the feed corpus \`crates/parse/tests/feeds\`, each timed in-process for 2 s):"
fi

step "HTML listing parsing"
"$bench" html --seconds "$seconds" --results "$results" "${doc_args[@]}"

if [ "$lambda" = 1 ]; then
  step "Lambda cold start"
  if [ -x scripts/bench-lambda.sh ] || [ -f scripts/bench-lambda.sh ]; then
    bash scripts/bench-lambda.sh | tee "$results/lambda.txt" || echo "scripts/bench-lambda.sh failed" | tee -a "$results/lambda.txt"
    if [ "$write_doc" = 1 ]; then
      "$bench" section --doc "$doc" --name cold-start --file "$results/lambda.txt" \
        --intro "Output of \`scripts/bench-lambda.sh\` in this run:"
    fi
  else
    echo "scripts/bench-lambda.sh is not in this checkout: cold start not measured" | tee "$results/lambda.txt"
  fi

  step "Lambda package size"
  package=("$cli" package --out "$results/dist")
  package_shown="vectora-inbox package --out $results/dist"
  "${package[@]}" 2>&1 | tee "$results/package.txt" || echo "package failed" | tee -a "$results/package.txt"
  if [ "$write_doc" = 1 ]; then
    "$bench" section --doc "$doc" --name package --file "$results/package.txt" \
      --code --intro "Output of \`$package_shown\` in this run (the bootstrap built for x86_64, zipped alone):"
  fi
fi

step "Targets"
"$bench" summary --results "$results" "${doc_args[@]}"
if [ "$write_doc" = 1 ]; then echo "wrote $doc" >&2; fi
