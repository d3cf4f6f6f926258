#!/usr/bin/env bash
# End-to-end test of the fan-out (issue 20): `deploy --fan-out` against moto, then an execution of
# the state machine over two clients whose every Lambda task runs the real `bootstrap`.
#
# How: moto's server executes state machines once {"stepfunctions": {"execute_state_machine": true}}
# is posted to /moto-api/config, but not the ones its CloudFormation created, so the test creates
# one from the same definition file (infra/s2-fan-out.asl.json) through the Step Functions API.
# Its Lambda tasks call localhost:$MOTO_PORT: moto is started with MOTO_PORT set to a loopback
# proxy (fanout/lambda_proxy.py) that sends Invoke to the Lambda runtime emulator (`cargo lambda
# watch`, running the packaged bootstrap, see deploy/runtime.sh) and everything else to moto. The
# sources are vectora-testweb's fixture sites on 127.0.0.1 (the bundled config rewritten to them,
# in the old layout of clients and catalog only, plus a second client). Checks: the stacks and the
# moved schedule, then the execution's summary, each client's items and run report in the data
# bucket, and the stored summary.
#
# Env: E2E_ZIP_x86_64 = a package to deploy (scripts/test.sh shares its one x86_64 package);
# without it the debug bootstrap is packaged (the packaging checks are deploy-e2e.sh's).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=lambda/common.sh
source scripts/ci/lambda/common.sh
# shellcheck source=deploy/runtime.sh
source scripts/ci/deploy/runtime.sh
ROOT=$PWD
WORK=$(mktemp -d)
# shellcheck source=deploy/checks.sh
source scripts/ci/deploy/checks.sh
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

ensure_tools
OPS=$(debug_bin vectora-inbox vectora-inbox)
TESTWEB=$(debug_bin vectora-testweb vectora-testweb)
ZIP=${E2E_ZIP_x86_64:-}
if [ -z "$ZIP" ]; then
  "$OPS" package --binary "$(debug_bin bootstrap vectora-lambda)" --out "$WORK/dist" >"$WORK/package.out" 2>&1 \
    || { cat "$WORK/package.out"; die "cannot package the debug bootstrap"; }
  ZIP=$WORK/dist/vectora-inbox-ingest-v2-x86_64.zip
fi

# --- moto, its executor pointed at the proxy (started once the runtime emulator runs) ---
MOTO_REAL_PORT=$(free_port)
PROXY_PORT=$(free_port)
ENDPOINT=http://127.0.0.1:$MOTO_REAL_PORT
start moto "$WORK/moto.log" env MOTO_PORT="$PROXY_PORT" \
  python3 scripts/ci/moto_server_rollback.py -H 127.0.0.1 -p "$MOTO_REAL_PORT"
wait_for 60 "moto on $ENDPOINT" curl -sf "$ENDPOINT/moto-api/"
curl -sf -X POST "$ENDPOINT/moto-api/config" \
  -d '{"lambda": {"use_docker": false}, "stepfunctions": {"execute_state_machine": true}}' >/dev/null

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL || true
AWS=(--endpoint-url "$ENDPOINT" --profile default --region eu-west-3)
py() { python3 - "$ENDPOINT" "$@"; }

# --- the config: the bundled one on the local test web, plus a second client ---
start testweb "$WORK/testweb.log" "$TESTWEB" \
  --print-config-dir "$WORK/config" --config config --old-layout
wait_for 60 "vectora-testweb" grep -q '"base_url"' "$WORK/testweb.log"
sed 's/client_id: lai_weekly_v3/client_id: lai_monthly/' "$WORK/config/clients/lai_weekly_v3.yaml" \
  >"$WORK/config/clients/lai_monthly.yaml"
grep -q "client_id: lai_monthly" "$WORK/config/clients/lai_monthly.yaml" || die "second client not written"

expect_ok "deploy-core" "vectora-inbox-s0-iam-dev: CREATE_COMPLETE" "$OPS" deploy-core --env dev "${AWS[@]}"
expect_ok "config push (two clients, sources on 127.0.0.1)" "clients/lai_monthly.yaml" \
  "$OPS" config push --env dev --config "$WORK/config" "${AWS[@]}"

# --- deploy: first as today, then with --fan-out and the schedule on the state machine ---
# (Moving a schedule that s1 already has is deploy's unit test `the_schedule_moves_to_the_fan_out_
# stack`: moto's CloudFormation updates a resource whose condition turned false instead of deleting
# it, so emptying s1's ScheduleExpression fails there; AWS deletes the rule.)
expect_ok "deploy without --fan-out: s1 alone" "vectora-inbox-s1-ingest-v2-dev: CREATE_COMPLETE" \
  "$OPS" deploy --env dev --zip "$ZIP" --skip-test "${AWS[@]}"
grep -qF "s2-fan-out" "$WORK/out" && ko "deploy without --fan-out touched the fan-out stack" \
  || ok "deploy without --fan-out leaves the fan-out stack alone"
expect_ok "deploy --fan-out creates the fan-out stack" "vectora-inbox-s2-fan-out-dev: CREATE_COMPLETE" \
  "$OPS" deploy --env dev --zip "$ZIP" --skip-test --fan-out --schedule "rate(1 day)" "${AWS[@]}"
py <<'PY' && ok "the schedule is the state machine's, not the function's; definition uploaded" || ko "fan-out stacks are wrong"
import hashlib, sys, boto3
e = sys.argv[1]
cf = boto3.client("cloudformation", endpoint_url=e, region_name="eu-west-3")
def params(stack):
    s = cf.describe_stacks(StackName=stack)["Stacks"][0]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in s["Parameters"]}
s1, s2 = params("vectora-inbox-s1-ingest-v2-dev"), params("vectora-inbox-s2-fan-out-dev")
assert s1["ScheduleExpression"] == "", s1
assert s2["ScheduleExpression"] == "rate(1 day)", s2
assert s2["FunctionArn"].endswith(":function:vectora-inbox-ingest-v2-dev"), s2
sha = hashlib.sha256(open("infra/s2-fan-out.asl.json", "rb").read()).hexdigest()
assert s2["DefinitionKey"] == f"stepfunctions/fan-out/{sha}.asl.json", s2
s3 = boto3.client("s3", endpoint_url=e, region_name="eu-west-3")
body = s3.get_object(Bucket=s2["DefinitionBucket"], Key=s2["DefinitionKey"])["Body"].read()
assert body == open("infra/s2-fan-out.asl.json", "rb").read()
ev = boto3.client("events", endpoint_url=e, region_name="eu-west-3")
rules = {r["Name"] for r in ev.list_rules()["Rules"]}
assert "vectora-inbox-fan-out-schedule-dev" in rules and "vectora-inbox-ingest-v2-schedule-dev" not in rules, rules
target = ev.list_targets_by_rule(Rule="vectora-inbox-fan-out-schedule-dev")["Targets"][0]
assert ":stateMachine:vectora-inbox-fan-out-dev" in target["Arn"] and target["Input"] == "{}", target
PY
expect_ok "deploy --fan-out again is a no-op" "no changes" \
  "$OPS" deploy --env dev --zip "$ZIP" --skip-test --fan-out "${AWS[@]}"

# --- the function for real: bootstrap under the runtime emulator, reached through the proxy ---
FUNCTION=vectora-inbox-ingest-v2-dev
py "$FUNCTION" >"$WORK/function.env" <<'PY'
import sys, boto3
e, name = sys.argv[1], sys.argv[2]
lam = boto3.client("lambda", endpoint_url=e, region_name="eu-west-3")
for k, v in sorted(lam.get_function(FunctionName=name)["Configuration"]["Environment"]["Variables"].items()):
    print(f"{k}={v}")
print(f"AWS_ENDPOINT_URL={e}")
print("AWS_ACCESS_KEY_ID=testing\nAWS_SECRET_ACCESS_KEY=testing\nAWS_SESSION_TOKEN=testing")
print("VECTORA_ALLOW_PRIVATE_NETWORKS=1")
PY
start_deployed_function "$WORK/runtime" "$FUNCTION" "$ZIP" "$WORK/function.env" "$ENDPOINT" eu-west-3
start proxy "$WORK/proxy.err" python3 scripts/ci/fanout/lambda_proxy.py --port "$PROXY_PORT" \
  --moto-port "$MOTO_REAL_PORT" --runtime-url "$RUNTIME_URL" --log "$WORK/proxy.log"
wait_for 30 "the proxy on port $PROXY_PORT" port_open "$PROXY_PORT"

# The machine moto executes: the same definition, created through the Step Functions API.
MACHINE=$(py "$FUNCTION" <<'PY'
import sys, boto3
e, name = sys.argv[1], sys.argv[2]
arn = boto3.client("lambda", endpoint_url=e, region_name="eu-west-3").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
definition = open("infra/s2-fan-out.asl.json").read().replace("${FunctionArn}", arn)
sfn = boto3.client("stepfunctions", endpoint_url=e, region_name="eu-west-3")
out = sfn.create_state_machine(name="vectora-inbox-fan-out-e2e", definition=definition, type="STANDARD",
                               roleArn="arn:aws:iam::123456789012:role/vectora-inbox-fan-out-dev")
print(out["stateMachineArn"])
PY
)
[ -n "$MACHINE" ] && ok "state machine created from infra/s2-fan-out.asl.json" || ko "no state machine"

# Two clients, a window wide enough for the fixture sites' dates.
echo '{"period_days": 3650}' >"$WORK/event.json"
expect_ok "invoke --fan-out runs an execution and prints its summary" "run " \
  timeout 600 "$OPS" invoke --env dev --fan-out --state-machine "$MACHINE" --event "$WORK/event.json" \
  --wait-timeout 500 "${AWS[@]}"
cp "$WORK/out" "$WORK/invoke.out"
python3 - "$WORK/invoke.out" "$WORK/proxy.log" >"$WORK/summary-key" <<'PY' && ok "the summary names both clients; one invocation per step" || { ko "summary or invocations wrong"; cat "$WORK/invoke.out" "$WORK/proxy.log"; }
import json, re, sys
out = open(sys.argv[1]).read()
summary = json.loads(out[out.index("\n{") + 1:])
assert summary["clients_planned"] == 2 and summary["clients_failed"] == 0, summary
ids = [c["client_id"] for c in summary["clients"]]
assert ids == ["lai_monthly", "lai_weekly_v3"], ids
assert all(c["items_final"] > 0 and c["sources_processed"] == 8 for c in summary["clients"]), summary
assert summary["items_final"] == sum(c["items_final"] for c in summary["clients"]), summary
steps = [m.group(1) for l in open(sys.argv[2]) if l.startswith("invoke ")
         for m in [re.search(r'"step": "(\w+)"', l)] if m]
assert sorted(steps) == ["client", "client", "plan", "summary"], steps
assert "lai_monthly " in out and "lai_weekly_v3 " in out, "no line per client"
print(summary["summary_key"])
PY
py "$(cat "$WORK/summary-key")" <<'PY' && ok "each client's items and report are in the data bucket, and the summary too" || ko "data bucket is missing what the execution reported"
import json, sys, boto3
e, key = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=e, region_name="eu-west-3")
get = lambda k: json.loads(s3.get_object(Bucket="vectora-inbox-data-dev", Key=k)["Body"].read())
summary = get(key)
assert key.startswith("runs/_fan_out/") and summary["summary_key"] == key, key
for c in summary["clients"]:
    report = get(c["run_report"])
    assert report["client_id"] == c["client_id"] and report["items_final"] == c["items_final"], report
    items_key = c["s3_output_path"].split("vectora-inbox-data-dev/", 1)[1]
    items = get(items_key)
    assert items_key.startswith(f"ingested/{c['client_id']}/") and len(items) == c["items_final"], (items_key, len(items))
PY

checks_done
