"""Loopback proxy between moto's Step Functions executor and the real function, for
scripts/ci/fanout-e2e.sh.

moto executes a state machine's Lambda tasks by calling its own Lambda at localhost:$MOTO_PORT,
which without Docker only answers canned results. moto is started with MOTO_PORT set to this
proxy: `POST /2015-03-31/functions/<name or ARN>/invocations` goes to the Lambda runtime emulator
(`cargo lambda watch`, running the packaged `bootstrap`), renamed to the bare function name the
emulator serves; every other request goes to moto unchanged. A function error, which the emulator
answers with HTTP 5xx, is answered the way Lambda answers it (200 with X-Amz-Function-Error), so
the state machine's Retry and Catch see what they would see on AWS. Only 127.0.0.1 is contacted.

Usage: lambda_proxy.py --port P --moto-port M --runtime-url http://127.0.0.1:R --log FILE
"""

import argparse
import http.client
import json
import re
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection", "content-length"}


def function_name(segment):
    """`arn:aws:lambda:r:1:function:name[:qualifier]` or `name` -> `name`."""
    text = urllib.parse.unquote(segment)
    if ":function:" in text:
        text = text.split(":function:", 1)[1]
    return text.split(":", 1)[0]


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        invoke = INVOKE.match(path) if self.command == "POST" else None
        if invoke:
            name = function_name(invoke.group(1))
            target = self.server.runtime
            path = f"/2015-03-31/functions/{name}/invocations"
            self.server.note(f"invoke {name} {body[:300].decode('utf-8', 'replace')}")
        else:
            target = ("127.0.0.1", self.server.moto_port)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP | {"host"}}
        headers["Host"] = f"{target[0]}:{target[1]}"
        conn = http.client.HTTPConnection(*target, timeout=900)
        conn.request(self.command, path + (f"?{query}" if query else ""), body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        status, out = resp.status, [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP]
        if invoke and status >= 500 and is_function_error(data):
            self.server.note(f"function error {data[:300].decode('utf-8', 'replace')}")
            status = 200
            out = [(k, v) for k, v in out if k.lower() != "x-amz-function-error"]
            out.append(("X-Amz-Function-Error", "Unhandled"))
        elif invoke:
            self.server.note(f"answer {status} {data[:300].decode('utf-8', 'replace')}")
        self.send_response(status)
        for k, v in out:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = forward

    def log_message(self, *args):
        pass


def is_function_error(data):
    try:
        return "errorType" in json.loads(data)
    except (ValueError, TypeError):
        return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--moto-port", type=int, required=True)
    p.add_argument("--runtime-url", required=True)
    p.add_argument("--log", required=True)
    a = p.parse_args()
    runtime = urllib.parse.urlsplit(a.runtime_url)
    if runtime.hostname != "127.0.0.1" or not runtime.port:
        sys.exit(f"--runtime-url must be http://127.0.0.1:PORT, got {a.runtime_url}")
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Proxy)
    server.moto_port = a.moto_port
    server.runtime = ("127.0.0.1", runtime.port)
    log = open(a.log, "a", buffering=1)
    server.note = lambda line: log.write(line.replace("\n", " ") + "\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
