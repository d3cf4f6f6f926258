#!/usr/bin/env python3
"""Loopback proxy between a function and the Lambda runtime emulator (`cargo lambda watch`) that
makes the emulator keep the runtime API contract on the invocation deadline.

The contract: `Lambda-Runtime-Deadline-Ms` of `GET .../runtime/invocation/next` is the deadline in
milliseconds since the Unix epoch. cargo-lambda 1.9 sends the function timeout instead (`600000`):
read as the contract says, a deadline in January 1970, so every invocation would start with its
budget spent. The function keeps to the contract (crates/lambda/src/deadline.rs); this proxy turns
a value that cannot be a Unix time (before September 2001) into now + value, as Lambda would have
sent it. A Unix time is passed through unchanged.

For the scenario, `POST /_harness/next-deadline` with `{"remaining_ms": N}` gives the next
invocation a deadline N ms from the moment it is handed out (0: a budget already spent), once.

Every other request and answer is relayed unchanged. Only 127.0.0.1 is contacted.

Usage: deadline_proxy.py --port P --upstream-port E     (what it rewrites is logged on stdout)
"""

import argparse
import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEADLINE = "Lambda-Runtime-Deadline-Ms"
NEXT_SUFFIX = "/runtime/invocation/next"
CONTROL = "/_harness/next-deadline"
# Below this, a deadline cannot be Unix milliseconds: it would be before 2001-09-09.
EPOCH_FLOOR_MS = 1_000_000_000_000
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection", "content-length"}


class Overrides:
    """The one-shot deadline the scenario asked for, if any."""

    def __init__(self):
        self.lock = threading.Lock()
        self.remaining_ms = None

    def set(self, remaining_ms):
        with self.lock:
            self.remaining_ms = remaining_ms

    def take(self):
        with self.lock:
            value, self.remaining_ms = self.remaining_ms, None
            return value


def contract_deadline(sent, override_ms, now_ms):
    """The deadline (Unix ms, as text) to hand the function for the emulator's value `sent`."""
    if override_ms is not None:
        return str(now_ms + override_ms)
    try:
        value = int(sent)
    except (TypeError, ValueError):
        return sent
    return str(now_ms + value) if 0 < value < EPOCH_FLOOR_MS else sent


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, headers, data):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def control(self, body):
        try:
            remaining = int(json.loads(body)["remaining_ms"])
        except (ValueError, KeyError, TypeError):
            return self.answer(400, [], b"want {\"remaining_ms\": N}\n")
        self.server.overrides.set(remaining)
        self.server.note(f"next invocation: deadline now + {remaining} ms")
        self.answer(204, [], b"")

    def forward(self):
        body = self.read_body()
        if self.command == "POST" and self.path == CONTROL:
            return self.control(body)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP | {"host"}}
        headers["Host"] = f"127.0.0.1:{self.server.upstream_port}"
        # /next waits for an invocation as long as it takes: no timeout on the upstream side.
        conn = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP]
            status = resp.status
        finally:
            conn.close()
        if self.command == "GET" and self.path.endswith(NEXT_SUFFIX):
            out = self.rewrite(out)
        self.answer(status, out, data)

    def rewrite(self, headers):
        override = self.server.overrides.take()
        now_ms = int(time.time() * 1000)
        out = []
        for k, v in headers:
            if k.lower() == DEADLINE.lower():
                new = contract_deadline(v, override, now_ms)
                self.server.note(f"deadline {v} -> {new} (now {now_ms})")
                v = new
            out.append((k, v))
        return out

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

    def log_message(self, *args):
        pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--upstream-port", type=int, required=True)
    a = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Proxy)
    server.daemon_threads = True
    server.upstream_port = a.upstream_port
    server.overrides = Overrides()
    lock = threading.Lock()

    def note(line):
        with lock:
            print(line.replace("\n", " "), flush=True)

    server.note = note
    server.serve_forever()


if __name__ == "__main__":
    main()
