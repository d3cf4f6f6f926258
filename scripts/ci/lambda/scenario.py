#!/usr/bin/env python3
"""The Lambda end-to-end scenario: fills the config bucket, then invokes the real `bootstrap`
(serving the runtime API of `cargo lambda watch`) with every event shape of the contract, and checks each
response, what landed in the data bucket (moto server) and the function's logs and metrics.

  scenario.py setup --endpoint URL --config-bucket B --data-bucket D --config-dir DIR
  scenario.py run   --endpoint URL --config-bucket B --data-bucket D --work WORK \
                    --port P --bare-port Q --proxy-port R --log WATCH_LOG

Exits non-zero at the first failed check, saying what was expected and what came.
"""

import argparse
import hashlib
import json
import pathlib
import re
import subprocess
import sys
import time
import urllib.request

import boto3

CLIENT = "lai_weekly_v3"
ITEM_FIELDS = [
    "item_id", "source_key", "source_type", "title", "content", "url", "published_at",
    "ingested_at", "language", "content_hash", "metadata",
]
BODY_FIELDS = [
    "client_id", "execution_date", "sources_processed", "sources_failed", "items_ingested",
    "items_filtered_out", "items_deduplicated", "items_final", "period_days_used", "s3_output_path",
    "execution_time_seconds", "dry_run", "ingestion_mode", "temporal_mode", "status",
]
CHECKS = 0


class Failed(Exception):
    pass


def check(cond, what, got=None):
    global CHECKS
    CHECKS += 1
    if not cond:
        detail = "" if got is None else f"\n  got: {json.dumps(got, indent=1)[:3000]}"
        raise Failed(f"{what}{detail}")


def s3(endpoint):
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )


def setup(a):
    c = s3(a.endpoint)
    for b in (a.config_bucket, a.data_bucket):
        c.create_bucket(Bucket=b)
    root = pathlib.Path(a.config_dir)
    n = 0
    for p in sorted(root.rglob("*.yaml")):
        c.upload_file(str(p), a.config_bucket, p.relative_to(root).as_posix())
        n += 1
    print(f"setup: buckets {a.config_bucket}, {a.data_bucket}; {n} config files uploaded")


def keys(c, bucket):
    out = []
    for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        out += [o["Key"] for o in page.get("Contents", [])]
    return sorted(out)


def get_json(c, bucket, key):
    return json.loads(c.get_object(Bucket=bucket, Key=key)["Body"].read())


class Function:
    def __init__(self, port):
        self.port = str(port)

    def invoke(self, event, name):
        data = event if isinstance(event, str) else json.dumps(event)
        started = time.monotonic()
        p = subprocess.run(
            ["cargo", "lambda", "invoke", "-A", "127.0.0.1", "-P", self.port, "--data-ascii", data,
             "-o", "json"],
            capture_output=True, text=True, timeout=240,
        )
        took = time.monotonic() - started
        check(p.returncode == 0, f"[{name}] cargo lambda invoke failed (rc {p.returncode}): {p.stderr.strip()[-2000:]}")
        try:
            resp = json.loads(p.stdout)
        except json.JSONDecodeError:
            raise Failed(f"[{name}] the response is not JSON: {p.stdout[:2000]}")
        check(isinstance(resp, dict) and "statusCode" in resp and isinstance(resp.get("body"), dict),
              f"[{name}] response must be {{statusCode, body{{}}}}", resp)
        print(f"  {name}: {resp['statusCode']} {resp['body'].get('status') or resp['body'].get('error')} ({took:.2f}s)")
        return resp


def spend_next_budget(proxy_port):
    """Asks the deadline proxy to hand the next invocation a deadline that is already here."""
    req = urllib.request.Request(f"http://127.0.0.1:{proxy_port}/_harness/next-deadline",
                                 data=json.dumps({"remaining_ms": 0}).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        check(resp.status == 204, "the deadline proxy takes the spent budget", resp.status)


def source(body, key):
    for s in body.get("sources", []):
        if s["source_key"] == key:
            return s
    raise Failed(f"no source {key} in the body: {[s['source_key'] for s in body.get('sources', [])]}")


def expect_status(resp, code, name):
    check(resp["statusCode"] == code, f"[{name}] statusCode {code} expected", resp)
    return resp["body"]


def expect_error(resp, code, error, name, *words):
    b = expect_status(resp, code, name)
    check(b.get("error") == error, f"[{name}] error `{error}` expected", b)
    check(isinstance(b.get("message"), str) and b["message"], f"[{name}] a message is expected", b)
    for w in words:
        check(w in b["message"], f"[{name}] the message should name `{w}`", b)
    check(b.get("request_id"), f"[{name}] the request id is in every body", b)
    return b


def check_contract_fields(b, name):
    missing = [f for f in BODY_FIELDS if f not in b]
    check(not missing, f"[{name}] body lacks contract fields {missing}", b)


def md5_6(title):
    return hashlib.md5(title.encode("utf-8")).hexdigest()[:6]


def content_hash(content):
    norm = " ".join(content.split()).lower()
    return "sha256:" + hashlib.sha256(norm.encode("utf-8")).hexdigest()


def run(a):
    work = pathlib.Path(a.work)
    exp = json.loads((work / "web.json").read_text())["expected"]
    today = exp["today"]
    ymd = today.replace("-", "/")
    items_key = f"ingested/{CLIENT}/{ymd}/items.json"
    c = s3(a.endpoint)
    fn = Function(a.port)
    data = a.data_bucket

    print("single client, dry runs")
    # The deploy smoke-test event of the SPEC.
    r = fn.invoke({"client_id": CLIENT, "sources": ["press_corporate__medincell"], "period_days": 1, "dry_run": True},
                  "deploy-test")
    b = expect_status(r, 200, "deploy-test")
    check_contract_fields(b, "deploy-test")
    check(b["client_id"] == CLIENT and b["dry_run"] is True and b["period_days_used"] == 1, "[deploy-test] echo", b)
    check([s["source_key"] for s in b["sources"]] == ["press_corporate__medincell"], "[deploy-test] only medincell", b)
    check(source(b, "press_corporate__medincell")["status"] == "ok", "[deploy-test] medincell fetched", b)
    check(b["s3_output_path"] is None, "[deploy-test] a dry run has no output path", b)

    every = {
        "client_id": CLIENT,
        "sources": ["press_corporate__camurus", "press_sector__fiercebiotech"],
        "period_days": 30,
        "from_date": exp["kept"][[t for t in exp["kept"] if "Phase 3 study of CAM2029" in t][0]],
        "to_date": today,
        "force_refresh": True,
        "dry_run": True,
        "ingestion_mode": "balanced",
        "temporal_mode": "strict",
    }
    r = fn.invoke(every, "every-optional-field")
    b = expect_status(r, 200, "every-optional-field")
    check(b["window_from"] == every["from_date"] and b["window_to"] == today, "[every-optional-field] window", b)
    check(b["ingestion_mode"] == "balanced" and b["temporal_mode"] == "strict", "[every-optional-field] modes", b)
    check(sorted(s["source_key"] for s in b["sources"]) == sorted(every["sources"]), "[every-optional-field] sources", b)
    # Camurus: only the Phase 3 release is inside [day-3, today]; Fierce Biotech: the Camurus story
    # passes the press profile, the Pfizer story has no LAI signal.
    check(source(b, "press_corporate__camurus")["items_kept"] == 1, "[every-optional-field] camurus keeps 1", b)
    check(source(b, "press_sector__fiercebiotech")["items_kept"] == 1, "[every-optional-field] fiercebiotech keeps 1", b)
    check(b["items_final"] == 2 and b["status"] == "success", "[every-optional-field] 2 items, success", b)
    check(keys(c, data) == [], "dry runs write nothing to the data bucket", keys(c, data))

    print("single client, real run")
    r = fn.invoke({"client_id": CLIENT}, "single-client")
    b = expect_status(r, 200, "single-client")
    check_contract_fields(b, "single-client")
    single_request_id = b["request_id"]
    check(b["status"] == "partial", "[single-client] some sites are down: partial", b)
    check(b["sources_processed"] == 8 and b["sources_failed"] == len(exp["failing_sources"]),
          "[single-client] 8 sources processed, the 404 ones failed", b)
    for key in exp["failing_sources"]:
        s = source(b, key)
        check(s["status"] == "http_error" and s["http_status"] == 404 and s["error"], f"[single-client] {key} is a 404", s)
    check(b["items_deduplicated"] >= 1, "[single-client] the story in both Fierce feeds is kept once", b)
    check(b["s3_output_path"] == f"s3://{data}/{items_key}", "[single-client] output path", b)
    check(b["period_days_used"] == 30, "[single-client] the client's default_period_days (30)", b)
    items = get_json(c, data, items_key)
    check(len(items) == b["items_final"], "[single-client] items_final matches what was written", len(items))
    titles = {i["title"]: i for i in items}
    check(set(titles) == set(exp["kept"]), "[single-client] exactly the expected items were written", sorted(titles))
    for title, date in exp["kept"].items():
        it = titles[title]
        missing = [f for f in ITEM_FIELDS if f not in it]
        check(not missing, f"[single-client] item lacks {missing}", it)
        check(it["published_at"] == date, f"[single-client] `{title}` keeps its publisher date", it)
        check(it["item_id"] == f"{it['source_key']}_{date.replace('-', '')}_{md5_6(title)}", "[single-client] item_id", it)
        check(it["content_hash"] == content_hash(it["content"]), "[single-client] content_hash", it)
    for t in exp["excluded_by_profile"] + exp["outside_window"]:
        check(t not in titles, f"[single-client] `{t}` must not be ingested", sorted(titles))
    check(sum(1 for i in items if i["title"] == exp["duplicate_across_sources"]) == 1, "[single-client] dedup", items)
    run_reports = [k for k in keys(c, data) if k.startswith(f"runs/{CLIENT}/{ymd}/")]
    check(len(run_reports) == 1, "[single-client] one run report stored", keys(c, data))
    check(get_json(c, data, run_reports[0])["items_final"] == b["items_final"], "[single-client] stored report", None)

    print("every active client")
    before = keys(c, data)
    r = fn.invoke({}, "all-clients")
    b = expect_status(r, 200, "all-clients")
    check_contract_fields(b, "all-clients")
    ids = [x["client_id"] for x in b["clients"]]
    check(ids == ["e2e_broken", CLIENT], "[all-clients] the active clients, the inactive one left out", ids)
    broken, lai = b["clients"]
    check(broken["error"] == "config_error" and "pipeline.default_period_days" in broken["message"],
          "[all-clients] the broken client reports its config error, naming the key", broken)
    check(lai["status"] == "partial" and lai["items_final"] == 0, "[all-clients] the second run adds nothing", lai)
    # The sites answer 304 to the validators remembered from the first run: nothing re-parsed.
    for key in ("press_corporate__camurus", "press_corporate__medincell", "press_sector__fiercebiotech"):
        check(source(lai, key)["status"] == "not_modified", f"[all-clients] {key} not modified (conditional GET)", lai)
    check(b["clients_total"] == 2 and b["clients_failed"] == 1 and b["status"] == "partial", "[all-clients] totals", b)
    for f in ("sources_processed", "sources_failed", "items_ingested", "items_final"):
        check(b[f] == lai[f], f"[all-clients] total {f} sums the clients", b)
    check(b["trigger"] == "direct" and b["client_id"] is None, "[all-clients] top-level fields", b)
    check(len(get_json(c, data, items_key)) == len(exp["kept"]), "[all-clients] the first run's items are still there", None)
    after = keys(c, data)
    check(not any("e2e_" in k for k in after), "[all-clients] nothing written for the broken or dormant client", after)
    check(len(after) == len(before) + 1, "[all-clients] one more run report, nothing else", after)

    r = fn.invoke({"force_refresh": True}, "all-clients-refresh")
    b = expect_status(r, 200, "all-clients-refresh")
    lai = b["clients"][1]
    check(source(lai, "press_corporate__camurus")["status"] == "ok", "[all-clients-refresh] refetched in full", lai)
    check(lai["items_final"] == 0 and lai["items_deduplicated"] >= len(exp["kept"]),
          "[all-clients-refresh] every item is found already stored, none added twice", lai)
    check(len(get_json(c, data, items_key)) == len(exp["kept"]), "[all-clients-refresh] items kept", None)
    after = keys(c, data)

    r = fn.invoke({"dry_run": True}, "all-clients-dry")
    b = expect_status(r, 200, "all-clients-dry")
    check(b["dry_run"] is True and all(x.get("dry_run", True) for x in b["clients"]), "[all-clients-dry] dry", b)
    check(keys(c, data) == after, "[all-clients-dry] writes nothing", keys(c, data))

    r = fn.invoke({"period_days": 14}, "all-clients-14d")
    b = expect_status(r, 200, "all-clients-14d")
    check(b["clients"][1]["period_days_used"] == 14, "[all-clients-14d] the event's period wins", b["clients"][1])
    check(b["period_days_used"] == 14, "[all-clients-14d] top-level window", b)

    scheduled = {
        "version": "0", "id": "cdc73f9d-aea9-11e3-9d5a-835b769c0d9c", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": f"{today}T06:00:00Z", "region": "eu-west-3",
        "resources": ["arn:aws:events:eu-west-3:123456789012:rule/vectora-inbox-ingest-v2-daily"], "detail": {},
    }
    r = fn.invoke(scheduled, "eventbridge-schedule")
    b = expect_status(r, 200, "eventbridge-schedule")
    check(b["trigger"] == "schedule", "[eventbridge-schedule] trigger", b)
    check([x["client_id"] for x in b["clients"]] == ["e2e_broken", CLIENT], "[eventbridge-schedule] = {}", b)
    scheduled_lai = b["clients"][1]
    items = get_json(c, data, items_key)
    check(len(items) == len(exp["kept"]) and len({i["item_id"] for i in items}) == len(items),
          "after five real runs the day's file still holds each item once", len(items))

    # Lambda hands out a deadline that is already here when the init or a previous invocation took
    # the time: the function answers at once, says why nothing ran, and holds it against no site.
    print("an invocation whose budget is already spent")
    before = keys(c, data)
    spend_next_budget(a.proxy_port)
    r = fn.invoke({"client_id": CLIENT}, "spent-budget")
    b = expect_status(r, 200, "spent-budget")
    check_contract_fields(b, "spent-budget")
    spent_request_id = b["request_id"]
    check(b["status"] == "failed" and b["items_final"] == 0 and b["s3_output_path"] is None,
          "[spent-budget] nothing ran: failed, no items, no output path", b)
    check(b["execution_time_seconds"] < 5, "[spent-budget] answered at once", b)
    check(len(b["sources"]) == 8 and all(s["status"] == "skipped" and s["deadline"] == "run" and s["attempts"] == 0
                                         for s in b["sources"]),
          "[spent-budget] every source skipped at the run deadline, none contacted", b["sources"])
    for s in scheduled_lai["sources"]:
        check(source(b, s["source_key"])["consecutive_failures"] == s["consecutive_failures"],
              f"[spent-budget] {s['source_key']}: a skipped source is not counted as failing", source(b, s["source_key"]))
    check(len(get_json(c, data, items_key)) == len(exp["kept"]), "[spent-budget] the day's items are untouched", None)
    added = sorted(set(keys(c, data)) - set(before))
    check(all(k.startswith(f"runs/{CLIENT}/") or k.startswith(f"state/{CLIENT}/") for k in added),
          "[spent-budget] only the run report and the sources' state are written", added)

    print("malformed events and errors")
    before = keys(c, data)
    bad = [
        ({"client_id": "../../etc"}, "bad_request", "client_id"),
        ({"client_id": "lai weekly"}, "bad_request", "client_id"),
        ({"client_id": "x" * 65}, "bad_request", "client_id"),
        ({"client_id": 42}, "bad_request", "client_id"),
        ({"client_id": None}, "bad_request", "client_id"),
        ({"client_id": "nobody"}, "unknown_client", "nobody"),
        ({"client_id": CLIENT, "from_date": "2025-02-30", "to_date": "2025-03-01"}, "bad_request", "from_date"),
        ({"client_id": CLIENT, "from_date": "2025-12-31", "to_date": "2025-12-01"}, "bad_request", "from_date"),
        ({"client_id": CLIENT, "from_date": "2025-12-01"}, "bad_request", "to_date"),
        ({"client_id": CLIENT, "period_days": "7"}, "bad_request", "period_days"),
        ({"client_id": CLIENT, "period_days": 0}, "bad_request", "period_days"),
        ({"client_id": CLIENT, "dry_run": "yes"}, "bad_request", "dry_run"),
        ({"client_id": CLIENT, "sources": "press_corporate__camurus"}, "bad_request", "sources"),
        ({"client_id": CLIENT, "ingestion_mode": "wild"}, "bad_request", "ingestion_mode"),
        ({"client_id": CLIENT, "dryrun": True}, "unknown_field", "dryrun"),
        ({"source": "aws.s3", "detail-type": "Object Created", "detail": {}}, "unsupported_event", "Object Created"),
        ([], "bad_request", "object"),
        ("\"lai_weekly_v3\"", "bad_request", "object"),
        ("null", "bad_request", "object"),
        ({"client_id": {"nested": [1, {"deeper": None}]}}, "bad_request", "client_id"),
    ]
    for i, (event, error, word) in enumerate(bad):
        expect_error(fn.invoke(event, f"bad-{i}"), 400, error, f"bad-{i} {json.dumps(event)[:60]}", word)
    r = fn.invoke({"client_id": "e2e_broken"}, "blocked-client")
    b = expect_error(r, 500, "config_error", "blocked-client", "clients/e2e_broken.yaml", "pipeline.default_period_days")
    check(b["diagnostics"][0]["file"] == "clients/e2e_broken.yaml", "[blocked-client] diagnostics", b)
    check(keys(c, data) == before, "refused events write nothing", keys(c, data))

    bare = Function(a.bare_port)
    r = bare.invoke({"client_id": CLIENT}, "no-buckets")
    expect_error(r, 500, "missing_configuration", "no-buckets", "CONFIG_BUCKET", "DATA_BUCKET")

    print("logs and metrics")
    lines = []
    for raw in pathlib.Path(a.log).read_text(errors="replace").splitlines():
        raw = raw.strip()
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                pass
    text = pathlib.Path(a.log).read_text(errors="replace")
    check("panicked" not in text, "the function never panicked", None)
    # The config bucket is in the old layout (clients and catalog only): the function says what it
    # took from its bundled config, once per file kind, when it reads the config.
    for stand_in in ("canonical/ingestion/ingestion_profiles.yaml", "canonical/scopes/",
                     "canonical/sources/html_extractors.yaml"):
        said = [l for l in lines if l.get("file") == stand_in
                and "not in the config: using the bundled" in str(l.get("message", ""))]
        check(len(said) >= 1, f"the function logs that {stand_in} is the bundled one", None)

    def of_request(rid):
        return [l for l in lines if (l.get("span") or {}).get("request_id") == rid]

    def budget_of(rid):
        started = [l for l in of_request(rid) if l.get("message") == "invocation started"]
        check(len(started) == 1, "one `invocation started` line per invocation", started)
        return started[0].get("budget_s")

    # The deadline proxy hands the function a Unix time: the emulator's 600 s less the 20 s margin.
    budget = budget_of(single_request_id)
    check(isinstance(budget, float) and 560 < budget <= 580, "the invocation budget follows the deadline", budget)
    check(budget_of(spent_request_id) == 0, "a deadline already here is a budget of zero", budget_of(spent_request_id))

    mine = of_request(single_request_id)
    per_source = [l for l in mine if l.get("message") == "source finished"]
    check(len(per_source) == 8 and len({l["source_key"] for l in per_source}) == 8,
          "one log line per source outcome, with the request id", [l.get("source_key") for l in per_source])
    summary = [l for l in mine if l.get("message") == "client run finished"]
    check(len(summary) == 1 and summary[0]["client_id"] == CLIENT and summary[0]["items_final"] == len(exp["kept"]),
          "one summary line per client, with the request id", summary)
    emf = [l for l in lines if "_aws" in l and l.get("request_id") == single_request_id]
    check(len(emf) == 1, "one EMF metrics document per client run", emf)
    m = emf[0]
    directive = m["_aws"]["CloudWatchMetrics"][0]
    names = {x["Name"] for x in directive["Metrics"]}
    check({"SourcesOk", "SourcesFailed", "ItemsWritten", "RunDuration"} <= names, "EMF metric names", directive)
    check(m["SourcesOk"] == 4 and m["SourcesFailed"] == 4 and m["ItemsWritten"] == len(exp["kept"])
          and m["ClientId"] == CLIENT and m["Environment"] == "ci", "EMF values", m)
    check(isinstance(m["_aws"]["Timestamp"], int), "EMF timestamp", m)
    health = {"SourcesFailing", "SourcesEmpty", "SourcesStale", "ItemsKept", "MaxConsecutiveFailures", "ClientRuns"}
    check(health <= names, "EMF source-health metric names (the alarms of infra/s1-ingest-v2.yaml watch them)", directive)
    check(m["SourcesFailing"] == m["SourcesFailed"] and m["ItemsKept"] == len(exp["kept"])
          and m["ClientRuns"] == 1 and m["MaxConsecutiveFailures"] >= 1, "EMF source-health values", m)
    check(directive["Dimensions"] == [["Environment", "ClientId"], ["Environment"]],
          "EMF dimensions per client, never per source", directive)
    all_emf = [l for l in lines if "_aws" in l]
    check(any(l.get("ClientId") == "e2e_broken" and l.get("ClientErrors") == 1 for l in all_emf),
          "a client that cannot run is counted in ClientErrors", None)
    print(f"lambda e2e: all {CHECKS} checks passed")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("setup", "run"):
        p = sub.add_parser(name)
        p.add_argument("--endpoint", required=True)
        p.add_argument("--config-bucket", required=True)
        p.add_argument("--data-bucket", required=True)
    sub.choices["setup"].add_argument("--config-dir", required=True)
    r = sub.choices["run"]
    r.add_argument("--work", required=True)
    r.add_argument("--port", required=True, type=int)
    r.add_argument("--bare-port", required=True, type=int)
    r.add_argument("--proxy-port", required=True, type=int, help="the main function's deadline proxy")
    r.add_argument("--log", required=True)
    a = ap.parse_args()
    try:
        setup(a) if a.cmd == "setup" else run(a)
    except Failed as e:
        print(f"lambda e2e: FAILED after {CHECKS} checks: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
