#!/usr/bin/env python3
"""Measures the bootstrap's cold start and warm invocation overhead against a minimal Lambda
runtime API of our own, which timestamps every exchange on the server side.

- cold start: from the spawn of the process to its first `GET /runtime/invocation/next` (the
  init phase: logging, clients, reading the config bucket);
- init CPU: the CPU time the process (all its threads) had used by then, from
  /proc/<pid>/task/*/schedstat: what the function itself spent, as opposed to waiting for S3;
- warm overhead: from the moment an event is handed out by `/next` to the moment its response is
  posted back, for events that do no network I/O of their own, so what is measured is the runtime
  client, routing, the engine's planning, serialisation and logging.

  runtime_probe.py --bootstrap PATH --env-file FILE [--cold-runs N] [--warm-runs N] [--json OUT]
"""

import argparse
import http.server
import json
import os
import queue
import socketserver
import statistics
import subprocess
import sys
import threading
import time
import uuid

API = "/2018-06-01/runtime"


class Probe:
    def __init__(self, events):
        self.events = queue.Queue()
        for e in events:
            self.events.put(e)
        self.expected = len(events)
        self.first_next = None
        self.pid = None
        self.init_cpu = None
        self.delivered = {}
        self.responses = {}
        self.errors = []
        self.done = threading.Event()
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, code, body=b"{}", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.server.probe
        if self.path != f"{API}/invocation/next":
            return self._reply(404)
        now = time.monotonic()
        with p.lock:
            if p.first_next is None:
                p.first_next = now
                p.init_cpu = cpu_seconds(p.pid)
        while True:
            try:
                event = p.events.get(timeout=0.5)
                break
            except queue.Empty:
                if p.done.is_set():
                    return self._reply(410)
        rid = str(uuid.uuid4())
        body = json.dumps(event).encode()
        deadline_ms = int((time.time() + 900) * 1000)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": rid,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:eu-west-3:000000000000:function:probe",
            "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
        }
        with p.lock:
            p.delivered[rid] = time.monotonic()
        self._reply(200, body, headers)

    def do_POST(self):
        p = self.server.probe
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        now = time.monotonic()
        parts = self.path.split("/")
        if self.path.endswith("/response") and len(parts) >= 6:
            rid = parts[-2]
            with p.lock:
                p.responses[rid] = (now, body)
                if len(p.responses) >= p.expected:
                    p.done.set()
        elif self.path.endswith("/error"):
            with p.lock:
                p.errors.append(body.decode(errors="replace"))
                p.done.set()
        self._reply(202)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The function is terminated between runs: its dropped connections are expected.
        pass


def cpu_seconds(pid):
    """CPU time used so far by every thread of `pid` (nanosecond resolution), None if unknown."""
    if pid is None:
        return None
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e9


def read_env(path):
    env = {"HOME": os.environ.get("HOME", "/tmp")}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k] = v
    return env


def run_once(bootstrap, env, events, timeout):
    """Spawns the bootstrap, serves `events`, returns
    (cold_start_s, init_cpu_s, [warm latencies s], statuses)."""
    probe = Probe(events)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.probe = probe
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = dict(env)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{srv.server_address[1]}",
        "AWS_LAMBDA_FUNCTION_NAME": "probe",
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    })
    t0 = time.monotonic()
    proc = subprocess.Popen([bootstrap], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe.pid = proc.pid
    try:
        if not probe.done.wait(timeout):
            raise SystemExit(f"probe: timed out after {timeout}s ({len(probe.responses)}/{len(events)} responses)")
        if probe.errors:
            raise SystemExit(f"probe: the function reported an error: {probe.errors[0][:500]}")
        if probe.first_next is None:
            raise SystemExit("probe: the function never asked for an invocation")
    finally:
        probe.done.set()
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        srv.shutdown()
    lat = []
    statuses = []
    for rid, t_out in probe.delivered.items():
        t_in, body = probe.responses[rid]
        lat.append(t_in - t_out)
        resp = json.loads(body)
        statuses.append((resp.get("statusCode"), resp.get("body")))
    return probe.first_next - t0, probe.init_cpu, lat, statuses


def summary(xs):
    xs = sorted(xs)
    q = lambda f: xs[min(len(xs) - 1, int(round(f * (len(xs) - 1))))]  # noqa: E731
    return {"n": len(xs), "median_ms": round(statistics.median(xs) * 1000, 2), "p90_ms": round(q(0.9) * 1000, 2),
            "min_ms": round(xs[0] * 1000, 2), "max_ms": round(xs[-1] * 1000, 2)}


# Warm events that do no network I/O of their own: what is left is the function's own cost.
WARM = {
    "bad_event_400": {"client_id": "../nope"},
    "planned_dry_run_200": {"client_id": "lai_weekly_v3", "sources": ["no_such_source"], "dry_run": True},
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--env-file", required=True)
    ap.add_argument("--cold-runs", type=int, default=10)
    ap.add_argument("--warm-runs", type=int, default=100)
    ap.add_argument("--json")
    a = ap.parse_args()
    env = read_env(a.env_file)

    colds = []
    cpus = []
    for _ in range(a.cold_runs):
        cold, cpu, _, statuses = run_once(a.bootstrap, env, [WARM["bad_event_400"]], 60)
        if [code for code, _ in statuses] != [400]:
            raise SystemExit(f"probe: unexpected response {statuses}")
        colds.append(cold)
        if cpu is not None:
            cpus.append(cpu)
    out = {"cold_start": summary(colds), "init_cpu": summary(cpus) if cpus else None, "warm": {}}
    for name, event in WARM.items() if a.warm_runs > 0 else ():
        _, _, lat, statuses = run_once(a.bootstrap, env, [event] * (a.warm_runs + 1), 300)
        want = 400 if name.endswith("400") else 200
        bad = [body for code, body in statuses if code != want]
        if bad:
            raise SystemExit(f"probe: {name}: {len(bad)} unexpected responses, e.g. {json.dumps(bad[0])[:800]}")
        # The first invocation of a container pays for lazy first-use costs: reported apart.
        out["warm"][name] = {"first_invocation_ms": round(lat[0] * 1000, 2), **summary(lat[1:])}
    print(json.dumps(out, indent=1))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
