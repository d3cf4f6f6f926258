# Times BeautifulSoup over the files named on stdin, in-process (interpreter start-up and imports are not
# counted). Used by `vectora-bench html`; argv[1] is the minimum seconds per measurement.
#
# Two measurements per parser: "parse" (BeautifulSoup(bytes, parser) only) and "extract" (parse, then
# the old Python system's generic extraction with the fallback selectors of html_extractors.yaml: the
# first container that matches, every entry block in it, and per block its link (made absolute), title,
# date text, teaser and full text). html.parser is the parser family the old system used; lxml is
# measured too when it is installed, as the fastest BeautifulSoup back end.
# Prints one JSON object per line: {"parser", "mode", "rounds", "seconds", "entries_per_round"}.
import json
import sys
import time
from urllib.parse import urljoin

import bs4
from bs4 import BeautifulSoup

CONTAINERS = ["main", ".content", ".news", ".press", "body"]
ITEMS = "article, div[class*='news'], div[class*='press'], div[class*='item'], li"
TITLES = ["h1", "h2", "h3", "h4", "a"]
DATES = "time, .date, .published, span[class*='date']"
TEASERS = "p, .summary, .excerpt, .description"


def text(el):
    return el.get_text(" ", strip=True) if el is not None else ""


def extract(soup, base):
    container = None
    for selector in CONTAINERS:
        container = soup.select_one(selector)
        if container is not None:
            break
    if container is None:
        container = soup
    entries = []
    for block in container.select(ITEMS):
        link = block.find("a", href=True)
        if link is None:
            continue
        title = None
        for name in TITLES:
            title = block.find(name)
            if title is not None:
                break
        entries.append(
            (
                text(title),
                urljoin(base, link["href"]),
                text(block.select_one(DATES)),
                text(block.select_one(TEASERS)),
                text(block),
            )
        )
    return entries


def measure(docs, parser, mode, min_seconds):
    rounds, entries = 0, 0
    start = time.perf_counter()
    while True:
        for data, base in docs:
            soup = BeautifulSoup(data, parser)
            if mode == "extract":
                entries += len(extract(soup, base))
        rounds += 1
        if time.perf_counter() - start >= min_seconds:
            break
    seconds = time.perf_counter() - start
    return {
        "parser": parser,
        "mode": mode,
        "rounds": rounds,
        "seconds": seconds,
        "entries_per_round": entries // rounds,
        "bs4": bs4.__version__,
    }


def main():
    min_seconds = float(sys.argv[1])
    docs = []
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        path, _, base = line.partition("\t")
        with open(path, "rb") as f:
            docs.append((f.read(), base))
    parsers = ["html.parser"]
    try:
        import lxml  # noqa: F401

        parsers.append("lxml")
    except ImportError:
        pass
    for parser in parsers:
        for mode in ("parse", "extract"):
            print(json.dumps(measure(docs, parser, mode, min_seconds)), flush=True)


main()
