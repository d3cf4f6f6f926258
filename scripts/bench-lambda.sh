#!/usr/bin/env bash
# Cold start and warm invocation overhead of the Lambda `bootstrap`, measured locally.
#
# - cold start: process spawn → first `GET /runtime/invocation/next` (the init phase: logging,
#   HTTP and S3 clients, reading and resolving the config bucket — served by moto on 127.0.0.1);
#   also measured with the config served by a static S3 stand-in (scripts/ci/lambda/static_s3.py,
#   answers from memory: the function's own cost without moto's per-request Python work), and
#   without buckets, which isolates the runtime's own start from the config read. The CPU time the
#   process used during init is reported beside each.
# - warm overhead: event handed out by the runtime API → response posted back, for events that do
#   no network I/O (a refused event; a dry run whose only source is unknown), i.e. the cost the
#   function adds around the engine's real work.
# Measured server-side by scripts/ci/lambda/runtime_probe.py (a minimal runtime API).
#
# Usage: scripts/bench-lambda.sh [--profile release|dev] [--cold-runs N] [--warm-runs N] [--json FILE]
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=ci/lambda/common.sh
source "$HERE/ci/lambda/common.sh"

PROFILE=release
COLD_RUNS=10
WARM_RUNS=100
JSON_OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) PROFILE="$2"; shift 2 ;;
    --cold-runs) COLD_RUNS="$2"; shift 2 ;;
    --warm-runs) WARM_RUNS="$2"; shift 2 ;;
    --json) JSON_OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
case "$PROFILE" in release|dev) ;; *) die "--profile must be release or dev" ;; esac

WORK="$(mktemp -d -t bench-lambda.XXXXXX)"
cleanup() {
  local rc=$?
  stop_all
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_tools
build_bootstrap "$PROFILE"
dir=debug
[ "$PROFILE" = release ] && dir=release
BOOTSTRAP="$CARGO_TARGET_DIR/$dir/bootstrap"

start_moto "$WORK"
python3 "$HERE/ci/lambda/scenario.py" setup --endpoint "$MOTO_URL" \
  --config-bucket bench-config --data-bucket bench-data --config-dir "$ROOT/config" >&2

cat >"$WORK/with-config.env" <<EOF
ENV=bench
CONFIG_BUCKET=bench-config
DATA_BUCKET=bench-data
LOG_LEVEL=INFO
AWS_LAMBDA_LOG_FORMAT=JSON
AWS_ENDPOINT_URL=$MOTO_URL
AWS_ACCESS_KEY_ID=test
AWS_SECRET_ACCESS_KEY=test
AWS_REGION=us-east-1
EOF
# The same config folder behind the static S3 stand-in (read-only, from memory).
start static-s3 "$WORK/static-s3.log" python3 "$HERE/ci/lambda/static_s3.py" \
  --bucket bench-config --dir "$ROOT/config" --port-file "$WORK/static-s3.port"
wait_for 30 "the static S3 stand-in" test -s "$WORK/static-s3.port"
STATIC_S3_URL="http://127.0.0.1:$(cat "$WORK/static-s3.port")"
sed "s|^AWS_ENDPOINT_URL=.*|AWS_ENDPOINT_URL=$STATIC_S3_URL|" "$WORK/with-config.env" >"$WORK/static-s3.env"

cat >"$WORK/no-config.env" <<EOF
ENV=bench
LOG_LEVEL=INFO
AWS_LAMBDA_LOG_FORMAT=JSON
EOF

log "measuring ($PROFILE build, $COLD_RUNS cold starts, $WARM_RUNS warm invocations per event kind)"
python3 "$HERE/ci/lambda/runtime_probe.py" --bootstrap "$BOOTSTRAP" --env-file "$WORK/with-config.env" \
  --cold-runs "$COLD_RUNS" --warm-runs "$WARM_RUNS" --json "$WORK/with-config.json" >/dev/null
python3 "$HERE/ci/lambda/runtime_probe.py" --bootstrap "$BOOTSTRAP" --env-file "$WORK/static-s3.env" \
  --cold-runs "$COLD_RUNS" --warm-runs 0 --json "$WORK/static-s3.json" >/dev/null
python3 "$HERE/ci/lambda/runtime_probe.py" --bootstrap "$BOOTSTRAP" --env-file "$WORK/no-config.env" \
  --cold-runs "$COLD_RUNS" --warm-runs 0 --json "$WORK/no-config.json" >/dev/null

python3 - "$WORK/with-config.json" "$WORK/static-s3.json" "$WORK/no-config.json" "$BOOTSTRAP" "$PROFILE" "${JSON_OUT:-}" <<'EOF'
import json, os, platform, sys
with_cfg, static_cfg, no_cfg = (json.load(open(p)) for p in sys.argv[1:4])
binary, profile, out = sys.argv[4], sys.argv[5], sys.argv[6]
size = os.path.getsize(binary)
cpus = os.cpu_count()
print(f"Lambda bootstrap ({profile} build, {size / 1e6:.1f} MB, {platform.machine()}, {cpus} CPU(s); "
      "runtime API and S3 (moto) on 127.0.0.1)")
print()
print("| measure | median | p90 | min | max | n |")
print("|---|---|---|---|---|---|")
def row(name, s):
    print(f"| {name} | {s['median_ms']} ms | {s['p90_ms']} ms | {s['min_ms']} ms | {s['max_ms']} ms | {s['n']} |")
def cpu_row(s):
    if s.get("init_cpu"):
        row("  CPU time used by the process during that init", s["init_cpu"])
row("cold start, config read from a static S3 stand-in (spawn → first /next)", static_cfg["cold_start"])
cpu_row(static_cfg)
row("cold start, config read from moto's S3", with_cfg["cold_start"])
cpu_row(with_cfg)
row("cold start, no buckets (runtime init only)", no_cfg["cold_start"])
cpu_row(no_cfg)
for name, s in with_cfg["warm"].items():
    label = {"bad_event_400": "warm overhead, refused event (400)",
             "planned_dry_run_200": "warm overhead, dry run with nothing to fetch (200)"}.get(name, name)
    row(label, s)
    print(f"|   first invocation of the container | {s['first_invocation_ms']} ms | | | | 1 |")
if out:
    json.dump({"profile": profile, "binary_bytes": size, "with_config": with_cfg,
               "static_s3_config": static_cfg, "no_config": no_cfg},
              open(out, "w"), indent=1)
EOF
