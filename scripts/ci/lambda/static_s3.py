#!/usr/bin/env python3
"""A read-only S3 stand-in that serves a local folder as one bucket, answering from memory.

Only what the function's init needs: ListObjectsV2 (`?list-type=2&prefix=…`) and GetObject.
It exists to measure the function's cold start without the emulator's own cost: moto parses,
authenticates and templates every request in Python (several ms each, serialised by the GIL),
which is not what a real S3 request costs the function; like S3, it sends each response without
waiting on TCP acknowledgements (no Nagle). No authentication, loopback only.

  static_s3.py --bucket NAME --dir FOLDER --port-file FILE
"""

import argparse
import email.utils
import hashlib
import http.server
import os
import socketserver
import sys
import urllib.parse
from xml.sax.saxutils import escape

LAST_MODIFIED_ISO = "2026-01-01T00:00:00.000Z"
LAST_MODIFIED_HTTP = email.utils.formatdate(1767225600, usegmt=True)


def load(folder):
    objects = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            key = os.path.relpath(path, folder).replace(os.sep, "/")
            with open(path, "rb") as f:
                body = f.read()
            objects[key] = (body, '"%s"' % hashlib.md5(body).hexdigest())
    return dict(sorted(objects.items()))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle's algorithm on, the body waits for the
    # client's delayed ACK (~40 ms on Linux), a stall real S3 does not have.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def send(self, code, body, content_type, extra=None):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.lstrip("/").split("/", 1)
        if parts[0] != self.server.bucket:
            return self.send(404, b"<Error><Code>NoSuchBucket</Code></Error>", "application/xml")
        query = urllib.parse.parse_qs(url.query)
        if len(parts) == 1 or parts[1] == "":
            prefix = query.get("prefix", [""])[0]
            after = query.get("start-after", [""])[0]
            rows = "".join(
                "<Contents><Key>%s</Key><LastModified>%s</LastModified><ETag>%s</ETag>"
                "<Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>"
                % (escape(k), LAST_MODIFIED_ISO, escape(etag), len(body))
                for k, (body, etag) in self.server.objects.items()
                if k.startswith(prefix) and k > after
            )
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                "<Name>%s</Name><Prefix>%s</Prefix><MaxKeys>1000</MaxKeys>"
                "<IsTruncated>false</IsTruncated>%s</ListBucketResult>"
                % (escape(self.server.bucket), escape(prefix), rows)
            )
            return self.send(200, xml.encode(), "application/xml")
        key = urllib.parse.unquote(parts[1])
        found = self.server.objects.get(key)
        if found is None:
            return self.send(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml")
        body, etag = found
        self.send(200, body, "application/octet-stream", {"ETag": etag, "Last-Modified": LAST_MODIFIED_HTTP})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.bucket = a.bucket
    srv.objects = load(a.dir)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
