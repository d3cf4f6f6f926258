#!/usr/bin/env python3
"""Records feedparser's reading of every corpus document as the starting point of its
expected file (`<document>.expected.json`).

Run once per new document (`pip install feedparser`; existing expected files are left alone
unless --force). The expected files are then reviewed by hand: where feedparser is wrong, the
entry is corrected and the `review` list says what feedparser gave and why it is wrong.

feedparser's values are normalised to what vectora promises (plain-text titles: tags
stripped, entities decoded, whitespace collapsed; dates as YYYY-MM-DD), otherwise every
HTML-typed title would be a spurious difference.

Per document, the HTTP context comes from `Header:` lines in the document's leading comment
(feedparser's own test-suite convention): Content-Type and Content-Location (the feed URL,
used as the base for relative links). Without one the feed URL is DEFAULT_FEED_URL.
"""

import argparse
import html
import json
import pathlib
import re
import sys
import time

import feedparser

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_FEED_URL = "http://feeds.example.com/feed.xml"
DOC_SUFFIXES = {".xml", ".json", ".rss", ".atom", ".rdf"}


def documents():
    for p in sorted(HERE.rglob("*")):
        if p.is_file() and p.suffix in DOC_SUFFIXES and not p.name.endswith(".expected.json"):
            yield p


def headers_of(raw: bytes):
    head = raw[:2048].decode("latin-1")
    ctype = location = None
    for m in re.finditer(r"^Header:\s*([\w-]+):\s*(.*?)\s*$", head, re.M):
        name, value = m.group(1).lower(), m.group(2)
        if name == "content-type":
            ctype = value
        elif name == "content-location":
            location = value
    return ctype, location


def plain(s):
    if s is None:
        return None
    s = re.sub(r"<[^>]*>", " ", s)
    s = html.unescape(s)
    s = re.sub(r"[\s\u00a0\u200a\u2009\u202f]+", " ", s).strip()
    return s


def day(st):
    return time.strftime("%Y-%m-%d", st) if st else None


def record(path: pathlib.Path):
    raw = path.read_bytes()
    ctype, location = headers_of(raw)
    feed_url = location or DEFAULT_FEED_URL
    headers = {"content-location": feed_url}
    if ctype:
        headers["content-type"] = ctype
    d = feedparser.parse(raw, response_headers=headers)
    entries = []
    for e in d.entries:
        entries.append(
            {
                "title": plain(e.get("title")) or None,
                "url": e.get("link") or None,
                "published": day(e.get("published_parsed") or e.get("updated_parsed")),
                "raw_date": e.get("published") or e.get("updated"),
            }
        )
    return {
        "content_type": ctype,
        "feed_url": feed_url,
        "feedparser_bozo": bool(d.get("bozo")),
        "entries": entries,
        "review": [],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--force", action="store_true", help="re-record existing expected files")
    args = ap.parse_args()
    n = 0
    for p in documents():
        out = p.with_name(p.name + ".expected.json")
        if out.exists() and not args.force:
            continue
        out.write_text(json.dumps(record(p), indent=1, ensure_ascii=False) + "\n")
        n += 1
    print(f"recorded {n} documents with feedparser {feedparser.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
