# Runs a deployed function's real `bootstrap` under the Lambda runtime emulator, for
# scripts/ci/deploy-e2e.sh: moto (the AWS emulator) cannot execute a function without Docker (its
# Invoke echoes the event), so the test invocations of `vectora-inbox deploy` and `invoke` go there
# with --invoke-endpoint-url while every other call goes to moto.
#
# Needs scripts/ci/lambda/common.sh sourced first (start, stop_all, wait_for, port_open, free_port).
# shellcheck shell=bash

DEPLOY_HELPERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# start_deployed_function DIR FUNCTION ZIP ENVFILE AWS_ENDPOINT REGION
#
# Starts, in this order: the runtime emulator (`cargo lambda watch --only-lambda-apis`), the
# deadline proxy the function reaches it through (lambda/deadline_proxy.py), a log
# forwarder that ships the function's output to CloudWatch Logs group /aws/lambda/FUNCTION on
# AWS_ENDPOINT (as Lambda does; the emulator does not), and the `bootstrap` of the deployment
# package ZIP, unpacked and started the way Lambda starts a provided.al2023 function: a clean
# environment holding the function's variables (ENVFILE, one KEY=VALUE a line) and the runtime's
# own. Returns once the function has read its config (its init). Sets RUNTIME_URL (for
# --invoke-endpoint-url) and FUNCTION_LOG (the function's stdout and stderr).
start_deployed_function() {
  local dir="$1" function="$2" zip="$3" envfile="$4" aws_endpoint="$5" region="$6"
  mkdir -p "$dir/project/src" "$dir/task"

  # Lambda unpacks the package into its task root keeping the zip's file modes: so does this (a
  # bootstrap zipped without its executable bit fails here as it would there).
  python3 "$DEPLOY_HELPERS/unpack.py" "$zip" "$dir/task" || die "cannot unpack $zip"
  local binary="$dir/task/bootstrap"

  # How the emulator finds a function: it serves Invoke (POST /2015-03-31/functions/NAME/invocations)
  # only when NAME is a binary target of the Cargo project in its working directory (any other name
  # gets 404 "Missing function"; `cargo lambda invoke` uses the default name `_`), and hands the
  # event to the runtime polling /.rt/NAME/2018-06-01/runtime/invocation/next. The SDK's Invoke
  # names the deployed function, so the emulator runs in a project whose one binary has that name;
  # with --only-lambda-apis it never builds or starts it: the function is BINARY, started below.
  cat >"$dir/project/Cargo.toml" <<EOF
[package]
name = "$function"
version = "0.0.0"
edition = "2021"
publish = false

[[bin]]
name = "$function"
path = "src/main.rs"

[workspace]
EOF
  printf 'fn main() {}\n' >"$dir/project/src/main.rs"

  local port
  port="$(free_port)"
  start runtime-emulator "$dir/emulator.log" \
    bash -c 'cd "$1" && exec cargo lambda watch --only-lambda-apis -A 127.0.0.1 -P "$2"' _ "$dir/project" "$port"
  wait_for 60 "the runtime emulator on port $port" port_open "$port"
  RUNTIME_URL="http://127.0.0.1:$port"
  # The function's runtime API goes through the deadline proxy: the emulator sends the function
  # timeout where the contract has the deadline as a Unix time (see ../lambda/deadline_proxy.py).
  start_deadline_proxy runtime "$port" "$dir/deadline-proxy.log"

  # Lambda names a stream <date>/[<version>]<instance id>, and tells the function its group and stream.
  local group="/aws/lambda/$function" stream
  stream="$(date -u +%Y/%m/%d)/[\$LATEST]$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
  FUNCTION_LOG="$dir/function.log"
  : >"$FUNCTION_LOG"
  start log-forwarder "$dir/forwarder.log" python3 "$DEPLOY_HELPERS/log_forwarder.py" \
    --endpoint "$aws_endpoint" --region "$region" --group "$group" --stream "$stream" \
    --file "$FUNCTION_LOG" --ready "$dir/forwarder.ready"
  wait_for 30 "the log forwarder (see $dir/forwarder.log)" test -s "$dir/forwarder.ready"

  local vars=()
  mapfile -t vars < <(grep -v '^\s*\(#\|$\)' "$envfile")
  start function "$FUNCTION_LOG" env -i \
    PATH=/usr/local/bin:/usr/bin:/bin LANG=en_US.UTF-8 TZ=:UTC HOME="$dir" \
    LAMBDA_TASK_ROOT="$dir/task" _HANDLER=bootstrap \
    AWS_LAMBDA_FUNCTION_NAME="$function" AWS_LAMBDA_FUNCTION_VERSION='$LATEST' \
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512 AWS_LAMBDA_INITIALIZATION_TYPE=on-demand \
    AWS_LAMBDA_LOG_GROUP_NAME="$group" AWS_LAMBDA_LOG_STREAM_NAME="$stream" \
    AWS_REGION="$region" AWS_DEFAULT_REGION="$region" \
    AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$DEADLINE_PROXY_PORT/.rt/$function" \
    "${vars[@]}" "$binary"

  # The function reads its config during its init: an unusable binary or environment shows here,
  # not as an invocation waiting forever in the emulator's queue.
  for _ in $(seq 300); do
    grep -q "config loaded" "$FUNCTION_LOG" && return 0
    grep -q "could not read the config\|not configured\|Permission denied\|No such file" "$FUNCTION_LOG" && break
    sleep 0.2
  done
  log "the function did not finish its init; its output:"
  cat "$FUNCTION_LOG" >&2
  return 1
}
