#!/usr/bin/env bash
# End-to-end test of packaging and deployment against a local AWS emulator (moto server from PyPI on
# 127.0.0.1; see moto_server_rollback.py for the one behaviour added to it). Runs the ops commands
# through the real CLI, `vectora-inbox` (its deployment commands come from crates/ops).
#
# Steps: package both architectures + each validation failure; deploy before deploy-core (clear
# error); deploy-core (+ no-op rerun); config push (valid, then invalid refused); deploy --dry-run
# (changes nothing); deploy; redeploy (no-op); deploy with a broken parameter (rolled back, non-zero,
# reason shown); deploy against older-style s0 stacks; invoke answer checking; then, with the real
# x86_64 bootstrap running under the Lambda runtime emulator (moto cannot execute a function without
# Docker), deploy's test invocation and `invoke` end to end: statusCode 200, body and the function's
# last log lines (shipped to moto's CloudWatch Logs as Lambda does), and a refused event.
#
# Env: E2E_ARCHES="x86_64 arm64" (default both; arm64 needs `rustup target add` + cargo-zigbuild,
# both installed explicitly below); E2E_BINARY_x86_64 / E2E_BINARY_arm64 = prebuilt bootstrap to package.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Background servers (start/stop_all), ports and waits shared with the Lambda scripts.
# shellcheck source=lambda/common.sh
source scripts/ci/lambda/common.sh
# shellcheck source=deploy/runtime.sh
source scripts/ci/deploy/runtime.sh
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
ARCHES=${E2E_ARCHES:-"x86_64 arm64"}
WORK=$(mktemp -d)
# ok / ko / expect_ok / expect_fail / checks_done, shared with fanout-e2e.sh.
# shellcheck source=deploy/checks.sh
source scripts/ci/deploy/checks.sh

# --- tools, installed explicitly (nothing is installed implicitly by a build tool) ---
python3 -c 'import moto, flask' 2>/dev/null || python3 -m pip install --quiet 'moto[server]>=5,<6'
command -v cargo-lambda >/dev/null || python3 -m pip install --quiet 'cargo-lambda==1.9.2'
if [[ " $ARCHES " == *" arm64 "* ]]; then
  command -v cargo-zigbuild >/dev/null || python3 -m pip install --quiet cargo-zigbuild
  rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
fi

# --- emulator on a free loopback port ---
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 scripts/ci/moto_server_rollback.py -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
trap 'stop_all; kill $MOTO_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
ENDPOINT=http://127.0.0.1:$PORT
up=0
for _ in $(seq 1 300); do curl -sf "$ENDPOINT/moto-api/" >/dev/null 2>&1 && { up=1; break; }; sleep 0.2; done
[ "$up" = 1 ] || { echo "moto server did not start on $ENDPOINT:"; cat "$WORK/moto.log"; exit 1; }
# No Docker: Lambda create/get work, Invoke echoes the payload back.
curl -sf -X POST "$ENDPOINT/moto-api/config" -d '{"lambda":{"use_docker":false}}' >/dev/null

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL || true
AWS=(--endpoint-url "$ENDPOINT" --profile default --region eu-west-3)
py() { python3 - "$ENDPOINT" "$@"; }

OPS=$(debug_bin vectora-inbox vectora-inbox)
TESTWEB=$(debug_bin vectora-testweb vectora-testweb)

# --- package: both architectures ---
for arch in $ARCHES; do
  # E2E_BINARY_<arch>=FILE packages a prebuilt bootstrap instead of building (quick local runs).
  prebuilt_var=E2E_BINARY_$arch
  prebuilt=()
  [ -n "${!prebuilt_var:-}" ] && prebuilt=(--binary "${!prebuilt_var}")
  expect_ok "package --arch $arch builds, validates, prints sha256" "sha256:" \
    "$OPS" package --arch "$arch" --out "$WORK/dist" "${prebuilt[@]}"
  cat "$WORK/out" | grep -E "^package:|size:|sha256:|arch:" || true
done
ZIP=$WORK/dist/vectora-inbox-ingest-v2-x86_64.zip
[ -f "$ZIP" ] || { echo "x86_64 package missing: E2E_ARCHES must include x86_64"; exit 1; }
X86_BIN=$(python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); open(sys.argv[2],"wb").write(z.read("bootstrap"))' "$ZIP" "$WORK/bootstrap-x86_64" && echo "$WORK/bootstrap-x86_64")

# --- package: each validation failure ---
expect_fail "package: missing bootstrap binary" "does not exist" \
  "$OPS" package --binary "$WORK/nowhere/bootstrap" --out "$WORK/bad"
python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1],"w"); z.writestr("handler.py","x")' "$WORK/nobootstrap.zip"
expect_fail "package: zip without bootstrap" "no \`bootstrap\` at its root" \
  "$OPS" package --zip "$WORK/nobootstrap.zip"
expect_fail "package: wrong architecture" "is built for x86_64, but the package is for arm64" \
  "$OPS" package --arch arm64 --binary "$X86_BIN" --out "$WORK/bad"
expect_fail "package: glibc newer than 2.34" "needs glibc 2.36" \
  "$OPS" package --binary crates/ops/tests/fixtures/elf/glibc236-x86_64 --out "$WORK/bad"
[ ! -e "$WORK/bad/vectora-inbox-ingest-v2-x86_64.zip" ] && ok "invalid zips are not left behind" || ko "invalid zip left in out dir"

# --- deploy before the s0 stacks exist ---
expect_fail "deploy without s0 stacks names the command" "vectora-inbox deploy-core --env dev" \
  "$OPS" deploy --env dev --zip "$ZIP" --skip-test "${AWS[@]}"

# --- deploy-core, twice ---
expect_ok "deploy-core creates s0-core and s0-iam" "vectora-inbox-s0-iam-dev: CREATE_COMPLETE" \
  "$OPS" deploy-core --env dev "${AWS[@]}"
expect_ok "deploy-core again is a no-op" "no changes" "$OPS" deploy-core --env dev "${AWS[@]}"

# --- config push ---
expect_ok "config push uploads the bundled config" "uploaded s3://vectora-inbox-config-dev/clients/lai_weekly_v3.yaml" \
  "$OPS" config push --env dev --config config "${AWS[@]}"
expect_ok "config push again uploads nothing" "0 file(s) uploaded" \
  "$OPS" config push --env dev --config config "${AWS[@]}"
mkdir -p "$WORK/badconfig/clients" && cp config/clients/*.yaml "$WORK/badconfig/clients/"
expect_fail "config push refuses an invalid config" "source_catalog.yaml is missing" \
  "$OPS" config push --env dev --config "$WORK/badconfig" --bucket vectora-inbox-config-dev "${AWS[@]}"

# --- dry run changes nothing ---
expect_ok "deploy --dry-run shows the change set" "dry run: change set deleted" \
  "$OPS" deploy --env dev --zip "$ZIP" --dry-run "${AWS[@]}"
py <<'PY' && ok "dry run left no stack and no code object" || ko "dry run changed something"
import sys, boto3
e = sys.argv[1]
cf = boto3.client("cloudformation", endpoint_url=e, region_name="eu-west-3")
names = [s["StackName"] for s in cf.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
assert "vectora-inbox-s1-ingest-v2-dev" not in names, names
s3 = boto3.client("s3", endpoint_url=e, region_name="eu-west-3")
assert s3.list_objects_v2(Bucket="vectora-inbox-lambda-code-dev").get("KeyCount", 0) == 0
PY

# --- deploy, redeploy ---
expect_ok "deploy creates the s1 stack" "vectora-inbox-s1-ingest-v2-dev: CREATE_COMPLETE" \
  "$OPS" deploy --env dev --zip "$ZIP" --skip-test "${AWS[@]}"
SHA=$(sha256sum "$ZIP" | cut -d' ' -f1)
py "$SHA" <<'PY' && ok "function deployed from the content-addressed key, latest.zip uploaded" || ko "deployed function is wrong"
import sys, boto3
e, sha = sys.argv[1], sys.argv[2]
lam = boto3.client("lambda", endpoint_url=e, region_name="eu-west-3")
conf = lam.get_function(FunctionName="vectora-inbox-ingest-v2-dev")["Configuration"]
assert conf["Runtime"] == "provided.al2023" and conf["Handler"] == "bootstrap", conf
assert conf["Timeout"] == 900 and conf["MemorySize"] == 512, conf
env = conf["Environment"]["Variables"]
assert env["CONFIG_BUCKET"] == "vectora-inbox-config-dev" and env["DATA_BUCKET"] == "vectora-inbox-data-dev", env
assert env["ENV"] == "dev" and env["PROJECT_NAME"] == "vectora-inbox" and env["LOG_LEVEL"] == "INFO", env
cf = boto3.client("cloudformation", endpoint_url=e, region_name="eu-west-3")
params = {p["ParameterKey"]: p["ParameterValue"] for p in cf.describe_stacks(StackName="vectora-inbox-s1-ingest-v2-dev")["Stacks"][0]["Parameters"]}
assert params["IngestV2CodeKey"] == f"lambda/ingest-v2/{sha}.zip", params
s3 = boto3.client("s3", endpoint_url=e, region_name="eu-west-3")
keys = {o["Key"] for o in s3.list_objects_v2(Bucket="vectora-inbox-lambda-code-dev")["Contents"]}
assert keys == {f"lambda/ingest-v2/{sha}.zip", "lambda/ingest-v2/latest.zip"}, keys
PY
expect_ok "redeploy without change is a no-op" "no changes (already up to date)" \
  "$OPS" deploy --env dev --zip "$ZIP" --skip-test "${AWS[@]}"

# --- broken parameter: rolled back, non-zero, reason shown ---
expect_fail "deploy with a broken parameter fails with the reason" "does-not-exist" \
  "$OPS" deploy --env dev --zip "$ZIP" --skip-test --parameter IngestV2RoleName=does-not-exist "${AWS[@]}"
grep -qF "UPDATE_ROLLBACK_COMPLETE" "$WORK/out" && ok "failure reports UPDATE_ROLLBACK_COMPLETE" || ko "rollback state not shown"
grep -qF "IngestV2FailureQueuePolicy" "$WORK/out" && ok "failure names the failed resource" || ko "failed resource not named"
expect_ok "deploy after a rollback works again" "vectora-inbox-s1-ingest-v2-dev" \
  "$OPS" deploy --env dev --zip "$ZIP" --skip-test "${AWS[@]}"

# --- older s0 stacks (existing deployments): IngestNormalizeRoleArn, no code-bucket output ---
py <<'PY'
import sys, boto3
e = sys.argv[1]
s3 = boto3.client("s3", endpoint_url=e, region_name="eu-west-3")
s3.create_bucket(Bucket="vectora-inbox-lambda-code-stage", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
cf = boto3.client("cloudformation", endpoint_url=e, region_name="eu-west-3")
core = """
Resources:
  Config: {Type: AWS::S3::Bucket, Properties: {BucketName: vectora-inbox-config-stage}}
  Data: {Type: AWS::S3::Bucket, Properties: {BucketName: vectora-inbox-data-stage}}
  News: {Type: AWS::S3::Bucket, Properties: {BucketName: vectora-inbox-newsletters-stage}}
Outputs:
  ConfigBucketName: {Value: !Ref Config}
  ConfigBucketArn: {Value: !GetAtt Config.Arn}
  DataBucketName: {Value: !Ref Data}
  DataBucketArn: {Value: !GetAtt Data.Arn}
  NewslettersBucketName: {Value: !Ref News}
  NewslettersBucketArn: {Value: !GetAtt News.Arn}
"""
iam = """
Resources:
  IngestNormalize:
    Type: AWS::IAM::Role
    Properties:
      RoleName: vectora-inbox-ingest-normalize-role-stage
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]}
  Engine:
    Type: AWS::IAM::Role
    Properties:
      RoleName: vectora-inbox-engine-role-stage
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]}
Outputs:
  IngestNormalizeRoleArn: {Value: !GetAtt IngestNormalize.Arn}
  EngineRoleArn: {Value: !GetAtt Engine.Arn}
"""
cf.create_stack(StackName="vectora-inbox-s0-core-stage", TemplateBody=core)
cf.create_stack(StackName="vectora-inbox-s0-iam-stage", TemplateBody=iam, Capabilities=["CAPABILITY_NAMED_IAM"])
PY
expect_ok "deploy works against older s0 stacks" "code bucket:   vectora-inbox-lambda-code-stage (by convention" \
  "$OPS" deploy --env stage --zip "$ZIP" --skip-test "${AWS[@]}"
grep -qF "IngestNormalizeRoleArn" "$WORK/out" && ok "older stacks: IngestNormalizeRoleArn reused" || ko "older role output not used"
expect_fail "deploy-core refuses to replace older s0 stacks" "created by an older template" \
  "$OPS" deploy-core --env stage "${AWS[@]}"

# --- invoke: the answer is checked, not trusted ---
# moto without Docker echoes the event instead of running the function: no statusCode, so a failure.
expect_fail "invoke rejects an answer without statusCode 200" "no statusCode" \
  "$OPS" invoke --env dev --client lai_weekly_v3 --source press_corporate__medincell --period-days 1 --dry-run "${AWS[@]}"

# --- the test invocation for real: the packaged bootstrap under the Lambda runtime emulator ---
# moto echoes Invoke; `cargo lambda watch` runs the function. --invoke-endpoint-url sends the Invoke
# call there and everything else (stacks, get-function, the log tail) to moto. The function reads
# its config from moto's S3 and fetches its sources from vectora-testweb on 127.0.0.1: the bundled
# config's sources are internet sites, and this machine must contact nothing but 127.0.0.1, so a
# copy whose every source URL points at the test web (vectora-testweb refuses to write one that
# does not) is pushed first, in the old system's layout (clients and catalog only: the function
# stands in its bundled profiles, scopes and extractors). It reads its config when it starts:
# push, then start it.
start testweb "$WORK/testweb.log" "$TESTWEB" \
  --print-config-dir "$WORK/loopback-config" --config config --old-layout
wait_for 60 "vectora-testweb" grep -q '"base_url"' "$WORK/testweb.log"
expect_ok "config push of the loopback config (sources on 127.0.0.1)" "canonical/sources/source_catalog.yaml" \
  "$OPS" config push --env dev --config "$WORK/loopback-config" "${AWS[@]}"
FUNCTION=vectora-inbox-ingest-v2-dev
# The function's environment as deployed (read back from moto), plus what the sandbox needs: its
# AWS calls go to moto (AWS_ENDPOINT_URL, test credentials standing in for the role's), and its
# fetcher may reach the loopback test web (VECTORA_ALLOW_PRIVATE_NETWORKS, off in AWS).
py "$FUNCTION" >"$WORK/function.env" <<'PY'
import sys, boto3
e, name = sys.argv[1], sys.argv[2]
lam = boto3.client("lambda", endpoint_url=e, region_name="eu-west-3")
env = lam.get_function(FunctionName=name)["Configuration"]["Environment"]["Variables"]
assert env["CONFIG_BUCKET"] == "vectora-inbox-config-dev" and env["DATA_BUCKET"] == "vectora-inbox-data-dev", env
for k, v in sorted(env.items()):
    print(f"{k}={v}")
print(f"AWS_ENDPOINT_URL={e}")
print("AWS_ACCESS_KEY_ID=testing\nAWS_SECRET_ACCESS_KEY=testing\nAWS_SESSION_TOKEN=testing")
print("VECTORA_ALLOW_PRIVATE_NETWORKS=1")
PY
start_deployed_function "$WORK/runtime" "$FUNCTION" "$ZIP" "$WORK/function.env" "$ENDPOINT" eu-west-3
EMU=(--invoke-endpoint-url "$RUNTIME_URL")

# deploy without --skip-test: stack unchanged, then the SPEC test event (one source, one day, dry run).
expect_ok "deploy runs the test event in the function: statusCode 200" "statusCode 200" \
  timeout 300 "$OPS" deploy --env dev --zip "$ZIP" "${EMU[@]}" "${AWS[@]}"
cp "$WORK/out" "$WORK/deploy-test.out"
python3 - "$WORK/deploy-test.out" <<'PY' && ok "deploy prints the test body and this invocation's log lines from CloudWatch Logs" || { ko "deploy's test output is incomplete"; cat "$WORK/deploy-test.out"; }
import json, sys
out = open(sys.argv[1]).read()
assert "invoking vectora-inbox-ingest-v2-dev at http://127.0.0.1:" in out, "not sent to the emulator"
assert '"press_corporate__medincell"' in out and '"dry_run":true' in out, "not the SPEC test event"
body = json.loads(out[out.index("statusCode 200\n") + len("statusCode 200\n"):])
assert body["client_id"] == "lai_weekly_v3" and body["dry_run"] is True, body
assert body["status"] == "success" and body["sources_processed"] == 1, body
assert body["period_days_used"] == 1, body
rid = body["request_id"]
tail = [l[4:] for l in out.splitlines() if l.startswith("  | ")]
assert "last log lines of vectora-inbox-ingest-v2-dev:" in out and tail, "no log lines"
assert any(rid in l and "invocation finished" in l for l in tail), (rid, tail)
PY
py <<'PY' && ok "the test event wrote nothing (dry run); its log lines are in the function's log group" || ko "dry run wrote to the data bucket, or no log events in moto"
import sys, boto3
e = sys.argv[1]
s3 = boto3.client("s3", endpoint_url=e, region_name="eu-west-3")
assert s3.list_objects_v2(Bucket="vectora-inbox-data-dev").get("KeyCount", 0) == 0
logs = boto3.client("logs", endpoint_url=e, region_name="eu-west-3")
g = "/aws/lambda/vectora-inbox-ingest-v2-dev"
stream = logs.describe_log_streams(logGroupName=g)["logStreams"][0]["logStreamName"]
events = logs.get_log_events(logGroupName=g, logStreamName=stream)["events"]
assert any("invocation finished" in ev["message"] for ev in events), events
PY

# invoke: success, then an event the function refuses (400: the CLI must exit non-zero and say why).
expect_ok "invoke through the runtime emulator answers 200" "statusCode 200" \
  timeout 300 "$OPS" invoke --env dev --client lai_weekly_v3 --source press_corporate__medincell \
  --period-days 3 --dry-run "${EMU[@]}" "${AWS[@]}"
grep -qF '"period_days_used": 3' "$WORK/out" && grep -qF '"client_id": "lai_weekly_v3"' "$WORK/out" \
  && ok "invoke prints the function's body" || { ko "invoke body not printed"; cat "$WORK/out"; }
expect_fail "invoke of an unknown client fails with the function's 400" "statusCode 400" \
  timeout 300 "$OPS" invoke --env dev --client e2e_nobody --dry-run "${EMU[@]}" "${AWS[@]}"
grep -qF "unknown_client" "$WORK/out" && grep -qF "last log lines of $FUNCTION:" "$WORK/out" \
  && ok "the refusal names the error and shows the log lines" || { ko "refusal without reason or logs"; cat "$WORK/out"; }

checks_done
