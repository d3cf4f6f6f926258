#!/usr/bin/env bash
# End-to-end test of the Lambda function: the real `bootstrap` under the Lambda runtime emulator
# (`cargo lambda watch`, reached through lambda/deadline_proxy.py, which gives the function its
# deadline as the runtime API contract has it), S3 emulated by moto server, the news sites by a local
# web on 127.0.0.1.
#
# Invokes every event shape of the contract (single client with every optional field, `{}`,
# `{"dry_run": true}`, `{"period_days": 14}`, an EventBridge schedule, malformed events, a client
# blocked by its config, a function without buckets), and one invocation whose deadline is already
# here, and checks the responses, the data bucket and the structured logs and EMF metrics. Self-contained: installs what it needs, starts and
# stops its own servers, bounded in time, exits non-zero on any failure.
#
# Usage: scripts/ci/lambda-e2e.sh            (env KEEP_WORK=1 keeps the working folder)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lambda/common.sh
source "$HERE/lambda/common.sh"

WORK="$(mktemp -d -t lambda-e2e.XXXXXX)"
cleanup() {
  local rc=$?
  stop_all
  if [ "$rc" -ne 0 ]; then
    log "lambda e2e FAILED (rc $rc); last lines of the function log:"
    tail -n 40 "$WORK/function.log" 2>/dev/null >&2 || true
  fi
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
    log "working folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_tools
BOOTSTRAP=$(debug_bin bootstrap vectora-lambda)

# The news sites, and a copy of config/ pointing at them, in the old system's bucket layout (clients
# and the source catalog only: the function's bundled profiles, scopes and extractors stand in).
start web "$WORK/web.log" python3 "$HERE/lambda/testweb.py" --config "$ROOT/config" --work "$WORK" --old-layout
wait_for 30 "the local web" test -s "$WORK/web.json"

start_moto "$WORK"
CONFIG_BUCKET_NAME=vectora-inbox-config-ci
DATA_BUCKET_NAME=vectora-inbox-data-ci
python3 "$HERE/lambda/scenario.py" setup --endpoint "$MOTO_URL" \
  --config-bucket "$CONFIG_BUCKET_NAME" --data-bucket "$DATA_BUCKET_NAME" --config-dir "$WORK/config"

# The function as deployed (environment of infra/s1-ingest-v2.yaml), plus the emulator endpoints.
cat >"$WORK/lambda.env" <<EOF
ENV=ci
PROJECT_NAME=vectora-inbox
CONFIG_BUCKET=$CONFIG_BUCKET_NAME
DATA_BUCKET=$DATA_BUCKET_NAME
LOG_LEVEL=INFO
AWS_LAMBDA_LOG_FORMAT=JSON
AWS_ENDPOINT_URL=$MOTO_URL
AWS_ACCESS_KEY_ID=test
AWS_SECRET_ACCESS_KEY=test
AWS_REGION=us-east-1
VECTORA_ALLOW_PRIVATE_NETWORKS=1
EOF
# The same function deployed without its buckets: every invocation must answer 500.
cat >"$WORK/bare.env" <<EOF
ENV=ci
AWS_LAMBDA_LOG_FORMAT=JSON
EOF

# The runtime emulator (`cargo lambda watch`) serves the Lambda runtime API; the function is the
# debug bootstrap (found or built above), started the way Lambda starts it (clean environment,
# AWS_LAMBDA_RUNTIME_API). Starting the binary ourselves keeps `cargo run` (and its build lock) out
# of the invocations. The function reaches the emulator through the deadline proxy, which hands it
# the invocation deadline as a Unix time (the emulator sends the function timeout instead).
PORT="$(free_port)"
BARE_PORT="$(free_port)"
start_emulator main "$PORT" "$WORK/emulator.log"
start_emulator bare "$BARE_PORT" "$WORK/emulator-bare.log"
start_deadline_proxy main "$PORT" "$WORK/deadline-proxy.log"
PROXY_PORT="$DEADLINE_PROXY_PORT"
start_deadline_proxy bare "$BARE_PORT" "$WORK/deadline-proxy-bare.log"
start_function main "$PROXY_PORT" "$WORK/lambda.env" "$WORK/function.log" "$BOOTSTRAP"
start_function bare "$DEADLINE_PROXY_PORT" "$WORK/bare.env" "$WORK/function-bare.log" "$BOOTSTRAP"

log "running the scenario"
timeout 900 python3 "$HERE/lambda/scenario.py" run --endpoint "$MOTO_URL" \
  --config-bucket "$CONFIG_BUCKET_NAME" --data-bucket "$DATA_BUCKET_NAME" \
  --work "$WORK" --port "$PORT" --bare-port "$BARE_PORT" --proxy-port "$PROXY_PORT" \
  --log "$WORK/function.log"
log "lambda e2e passed"
