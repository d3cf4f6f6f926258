# Shared helpers of the Lambda scripts (sourced by scripts/ci/lambda-e2e.sh and
# scripts/bench-lambda.sh): tool installation, free ports, background servers stopped on exit.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# Never inherit a real deployment's settings or credentials: everything here is local.
unset CONFIG_BUCKET DATA_BUCKET AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1

# shellcheck source=../lib/debug_bin.sh
source "$ROOT/scripts/ci/lib/debug_bin.sh"

STARTED_PGIDS=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Installs what is missing: cargo-lambda (the runtime emulator) and moto's server (S3), from PyPI.
ensure_tools() {
  if ! command -v cargo-lambda >/dev/null 2>&1; then
    log "installing cargo-lambda"
    python3 -m pip install --quiet cargo-lambda || die "cannot install cargo-lambda"
  fi
  if ! python3 -c 'import moto.server, boto3' >/dev/null 2>&1 || ! command -v moto_server >/dev/null 2>&1; then
    log "installing moto[server]"
    python3 -m pip install --quiet 'moto[server]' || die "cannot install moto[server]"
  fi
  command -v jq >/dev/null 2>&1 || log "note: jq not found (not needed, checks are in python)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME LOGFILE CMD...: runs CMD in its own process group, remembered for stop_all.
start() {
  local name="$1" logfile="$2"
  shift 2
  setsid "$@" >"$logfile" 2>&1 &
  local pid=$!
  disown "$pid" # stopped by stop_all; no job-control chatter when it is
  STARTED_PGIDS+=("$pid")
  log "started $name (pid $pid, log $logfile)"
}

# Stops every process group this script started (and only those).
stop_all() {
  local pgid any
  for pgid in "${STARTED_PGIDS[@]:-}"; do
    [ -n "$pgid" ] && kill -TERM -- "-$pgid" 2>/dev/null || true
  done
  local i
  for i in $(seq 50); do
    any=0
    for pgid in "${STARTED_PGIDS[@]:-}"; do
      [ -n "$pgid" ] && kill -0 -- "-$pgid" 2>/dev/null && any=1
    done
    [ "$any" = 0 ] && break
    sleep 0.1
  done
  for pgid in "${STARTED_PGIDS[@]:-}"; do
    [ -n "$pgid" ] && kill -KILL -- "-$pgid" 2>/dev/null || true
  done
  STARTED_PGIDS=()
}

# wait_for SECONDS DESCRIPTION CMD...: polls CMD until it succeeds.
wait_for() {
  local secs="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$deadline" ] && die "timed out after ${secs}s waiting for $what"
    sleep 0.2
  done
}

port_open() {
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1"
}

# Starts the moto server on a free port; sets MOTO_PORT and MOTO_URL.
start_moto() {
  local work="$1"
  MOTO_PORT="$(free_port)"
  MOTO_URL="http://127.0.0.1:$MOTO_PORT"
  start moto "$work/moto.log" moto_server -H 127.0.0.1 -p "$MOTO_PORT"
  wait_for 60 "moto on port $MOTO_PORT" port_open "$MOTO_PORT"
}

# Builds the bootstrap once, so that `cargo lambda watch` starts it without compiling.
build_bootstrap() {
  local profile_flag=()
  [ "${1:-dev}" = release ] && profile_flag=(--release)
  log "building bootstrap (${1:-dev})"
  (cd "$ROOT" && cargo build --quiet -p vectora-lambda --bin bootstrap "${profile_flag[@]}") || die "build failed"
}

# Starts the runtime emulator (`cargo lambda watch --only-lambda-apis`: the Lambda control plane
# and runtime API, without building anything) on PORT; waits until it listens.
start_emulator() {
  local name="$1" port="$2" logfile="$3"
  start "emulator-$name" "$logfile" \
    bash -c 'cd "$1" && exec cargo lambda watch --only-lambda-apis -A 127.0.0.1 -P "$2"' _ "$ROOT/crates/lambda" "$port"
  wait_for 60 "the runtime emulator ($name) on port $port" port_open "$port"
}

# start_deadline_proxy NAME EMULATOR_PORT LOGFILE: the function's side of the runtime API, relayed
# to the emulator on EMULATOR_PORT with the invocation deadline made a Unix time, as the runtime API
# contract has it (the emulator sends the function timeout; see lambda/deadline_proxy.py). Sets
# DEADLINE_PROXY_PORT: the port to give the function as AWS_LAMBDA_RUNTIME_API.
start_deadline_proxy() {
  local name="$1" upstream="$2" logfile="$3"
  DEADLINE_PROXY_PORT="$(free_port)"
  start "deadline-proxy-$name" "$logfile" python3 "$ROOT/scripts/ci/lambda/deadline_proxy.py" \
    --port "$DEADLINE_PROXY_PORT" --upstream-port "$upstream"
  wait_for 30 "the deadline proxy ($name) on port $DEADLINE_PROXY_PORT" port_open "$DEADLINE_PROXY_PORT"
}

# Starts BINARY as Lambda would: a clean environment (the function's variables from ENVFILE plus
# the runtime's own), pointed at the runtime API on PORT (the emulator's deadline proxy).
start_function() {
  local name="$1" port="$2" envfile="$3" logfile="$4" binary="$5"
  local vars=()
  mapfile -t vars < <(grep -v '^\s*\(#\|$\)' "$envfile")
  start "function-$name" "$logfile" env -i HOME="$HOME" \
    AWS_LAMBDA_FUNCTION_NAME="vectora-inbox-ingest-v2-ci" AWS_LAMBDA_FUNCTION_VERSION=1 \
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512 AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$port/.rt" \
    "${vars[@]}" "$binary"
}
