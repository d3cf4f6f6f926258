#!/usr/bin/env python3
"""Plays Lambda's log shipping for the deploy end-to-end test.

Lambda sends whatever a function writes to stdout/stderr to CloudWatch Logs, group
/aws/lambda/<function>, one event per line. The runtime emulator (`cargo lambda watch`) does not,
and it returns no `X-Amz-Log-Result` tail either, so `vectora-inbox deploy`/`invoke` read the
function's last lines from CloudWatch Logs. This follows the function's output file and puts each
complete line into the AWS emulator's Logs (moto), so that path is exercised for real.

The log group must exist (the s1 stack creates it, as in AWS); the stream is created here. Writes
READY_FILE once the stream exists, then forwards until SIGTERM/SIGINT (forwarding what is left).

Usage: log_forwarder.py --endpoint URL --region R --group G --stream S --file F --ready READY_FILE
"""

import argparse
import pathlib
import signal
import sys
import threading
import time

import boto3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--region", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--stream", required=True)
    ap.add_argument("--file", required=True, type=pathlib.Path, help="the function's output")
    ap.add_argument("--ready", required=True, type=pathlib.Path)
    ap.add_argument("--poll", type=float, default=0.05, help="seconds between reads")
    args = ap.parse_args()

    logs = boto3.client("logs", endpoint_url=args.endpoint, region_name=args.region)
    groups = logs.describe_log_groups(logGroupNamePrefix=args.group)["logGroups"]
    if not any(g["logGroupName"] == args.group for g in groups):
        sys.exit(f"log_forwarder: log group {args.group} does not exist (deploy the s1 stack first)")
    logs.create_log_stream(logGroupName=args.group, logStreamName=args.stream)
    args.ready.write_text("ready\n", encoding="utf-8")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    offset = 0
    pending = b""
    while True:
        stopping = stop.is_set()
        try:
            with args.file.open("rb") as f:
                f.seek(offset)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        offset += len(chunk)
        pending += chunk
        *lines, pending = pending.split(b"\n")
        now = int(time.time() * 1000)
        events = [
            {"timestamp": now, "message": line.decode("utf-8", "replace")}
            for line in lines
            if line.strip()
        ]
        if events:
            logs.put_log_events(logGroupName=args.group, logStreamName=args.stream, logEvents=events)
        if stopping:
            return
        stop.wait(args.poll)


if __name__ == "__main__":
    main()
