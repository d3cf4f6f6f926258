#!/usr/bin/env python3
"""Local stand-in for the LAI news sites, for the Lambda end-to-end test.

Writes fixture pages (dated relative to today, so the clients' default windows see them), serves
each site on its own 127.0.0.1 port (so the engine's per-host politeness does not serialise them),
and writes a copy of the config whose source URLs point at these servers, plus two test clients:
`e2e_broken` (active, blocked by a config error) and `e2e_dormant` (inactive).

Sites not given fixtures answer 404, which the run must report per source without failing.
Writes WORK/web.json ({"sites": {name: base_url}, "expected": {...}}) once every port is bound,
then serves until SIGTERM/SIGINT.

Stand-in until crates/testweb (vectora-testweb) is finished; the scenario only relies on what this
file writes.
"""

import argparse
import datetime as dt
import http.server
import json
import pathlib
import re
import shutil
import signal
import socketserver
import sys
import threading

# The engine's calendar is UTC: so is the fixtures'.
TODAY = dt.datetime.now(dt.timezone.utc).date()


def day(n):
    """The date n days ago."""
    return TODAY - dt.timedelta(days=n)


def rfc2822(d):
    return d.strftime("%a, %d %b %Y 09:30:00 +0000")


def rss(title, items):
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{rfc2822(d)}</pubDate>"
        f"<description>{desc}</description></item>"
        for (t, link, d, desc) in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.invalid/</link>{body}</channel></rss>\n"
    )


# Items every site publishes: (title, link, date, description). The scenario checks what the run
# must keep, drop and merge among these.
CAM_PHASE3 = (
    "Camurus announces positive topline results from Phase 3 study of CAM2029 in acromegaly",
    "/media/press-releases/2025/cam2029-phase3/",
    day(3),
    "Camurus today announced positive topline results for CAM2029, its once-monthly octreotide "
    "subcutaneous depot based on the FluidCrystal long-acting injectable technology.",
)
CAM_LABEL = (
    "Camurus receives FDA approval of updated Brixadi label",
    "/media/press-releases/2025/brixadi-label/",
    day(10),
    "The FDA approved an updated label for Brixadi, the weekly and monthly buprenorphine "
    "extended-release injection for opioid use disorder.",
)
CAM_JOB = (
    "Camurus is growing: join our team as QA engineer in Lund",
    "/media/press-releases/2025/careers-qa/",
    day(5),
    "We are hiring! Join our team and discover our workplace culture and employee benefits.",
)
CAM_OLD = (
    "Camurus publishes annual report 2023",
    "/media/press-releases/2024/annual-report/",
    day(400),
    "The annual report for 2023 is now available on the company website.",
)
MDC_OLANZ = (
    "MedinCell and Teva announce FDA approval of olanzapine extended-release injectable suspension",
    "/news/olanzapine-lai-approval/",
    day(2),
    "MedinCell and Teva announced FDA approval of the olanzapine long-acting injectable, built on "
    "MedinCell's BEPO technology for subcutaneous injection.",
)
MDC_MILESTONE = (
    "MedinCell receives milestone payment for its long-acting injectable antimalarial program",
    "/news/mdc-str-milestone/",
    day(12),
    "MedinCell received a milestone payment from its partner for the long-acting injectable "
    "antimalarial program based on the BEPO technology, a three-month subcutaneous depot.",
)
MDC_OLD = (
    "MedinCell publishes its half-year financial calendar",
    "/news/financial-calendar/",
    day(200),
    "MedinCell publishes the calendar of its financial communications for the coming half-year.",
)
FB_CAMURUS = (
    "Camurus' long-acting injectable octreotide hits Phase 3 goal",
    "https://www.fiercebiotech.com/biotech/camurus-octreotide-phase-3",
    day(3),
    "Camurus said its long-acting injectable octreotide met the primary endpoint of a Phase 3 "
    "trial, setting up a filing next year.",
)
FB_NOISE = (
    "Pfizer trims oral obesity pill unit after quarterly review",
    "https://www.fiercebiotech.com/biotech/pfizer-obesity-pill-unit",
    day(1),
    "Pfizer is cutting staff in its oral obesity pill unit after a quarterly portfolio review.",
)
FP_MEDINCELL = (
    "MedinCell extended-release injectable partnership expands to two new molecules",
    "https://www.fiercepharma.com/pharma/medincell-partnership-expands",
    day(4),
    "MedinCell expanded its partnership around its extended-release injectable BEPO platform to "
    "two new molecules, with milestone payments of up to 40 million euros.",
)


def camurus_page():
    rows = "".join(
        f'<div class="press-release-item"><h3><a href="{link}">{t}</a></h3>'
        f'<span class="date">{d.strftime("%B %d, %Y").replace(" 0", " ")}</span><p>{desc}</p></div>'
        for (t, link, d, desc) in (CAM_PHASE3, CAM_LABEL, CAM_JOB, CAM_OLD)
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Press releases</title></head><body>"
        "<nav><a href='/'>Home</a></nav><main><h1>Press releases</h1>"
        f'<div class="press-releases">{rows}</div></main></body></html>\n'
    )


def medincell_page():
    rows = "".join(
        f'<article class="news-item"><h2><a href="{link}">{t}</a></h2>'
        f'<time datetime="{d.isoformat()}">{d.isoformat()}</time><p>{desc}</p></article>'
        for (t, link, d, desc) in (MDC_OLANZ, MDC_MILESTONE, MDC_OLD)
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>News</title></head><body>"
        f"<main><h1>News</h1>{rows}</main></body></html>\n"
    )


def fixtures():
    """site → {path: body}. Sites absent here (or paths not listed) answer 404."""
    return {
        "camurus": {"media/press-releases/index.html": camurus_page()},
        "medincell": {"news/index.html": medincell_page()},
        "fiercebiotech": {"rss/xml": rss("Fierce Biotech", [FB_CAMURUS, FB_NOISE])},
        # The same story as Fierce Biotech (same link and text): kept once in the run.
        "fiercepharma": {"rss/xml": rss("Fierce Pharma", [FB_CAMURUS, FP_MEDINCELL])},
        "endpts": {},
        "delsitech": {},
        "nanexa": {},
        "peptron": {},
    }


def expected():
    """What the scenario asserts on: titles kept or dropped, with their dates."""
    kept = [CAM_PHASE3, CAM_LABEL, MDC_OLANZ, MDC_MILESTONE, FB_CAMURUS, FP_MEDINCELL]
    return {
        "today": TODAY.isoformat(),
        "kept": {t: d.isoformat() for (t, _, d, _) in kept},
        "excluded_by_profile": [CAM_JOB[0], FB_NOISE[0]],
        "outside_window": [CAM_OLD[0], MDC_OLD[0]],
        "duplicate_across_sources": FB_CAMURUS[0],
        "failing_sources": [
            "press_corporate__delsitech",
            "press_corporate__nanexa",
            "press_corporate__peptron",
            "press_sector__endpoints_news",
        ],
    }


def site_of(host):
    """www.camurus.com → camurus; endpts.com → endpts."""
    host = host.lower()
    if host.startswith("www."):
        host = host[4:]
    return host.split(".")[0]


class Handler(http.server.SimpleHTTPRequestHandler):
    def guess_type(self, path):
        # Feeds are served from extension-less paths (/rss/xml): sniff them.
        try:
            head = pathlib.Path(path).read_bytes()[:64].lstrip()
        except OSError:
            head = b""
        if head.startswith(b"<?xml") or head.startswith(b"<rss"):
            return "application/rss+xml; charset=utf-8"
        if path.endswith(".html"):
            return "text/html; charset=utf-8"
        return super().guess_type(path)

    def log_message(self, fmt, *args):
        sys.stderr.write(f"testweb {self.server.site}: {fmt % args}\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def write_config(src, dst, bases, extra_clients):
    shutil.copytree(src, dst)
    pattern = re.compile(r"https?://([A-Za-z0-9.-]+)")
    unknown = set()

    def repl(m):
        site = site_of(m.group(1))
        if site not in bases:
            unknown.add(m.group(1))
            return m.group(0)
        return bases[site]

    for rel in ("canonical/sources/source_catalog.yaml", "canonical/sources/html_extractors.yaml"):
        p = dst / rel
        p.write_text(pattern.sub(repl, p.read_text(encoding="utf-8")), encoding="utf-8")
    for name, text in extra_clients.items():
        (dst / "clients" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return sorted(unknown)


EXTRA_CLIENTS = {
    # Active but unusable (default_period_days: 0): its error must not stop the other clients.
    "e2e_broken": "client_profile:\n  client_id: e2e_broken\n  name: E2E broken\n  active: true\n"
    "pipeline:\n  default_period_days: 0\n"
    "source_config:\n  source_bouquets_enabled: [lai_press_mvp]\n  sources_extra_enabled: []\n",
    # Inactive: never part of an every-client run.
    "e2e_dormant": "client_profile:\n  client_id: e2e_dormant\n  name: E2E dormant\n  active: false\n"
    "pipeline:\n  default_period_days: 7\n"
    "source_config:\n  source_bouquets_enabled: [lai_press_mvp]\n  sources_extra_enabled: []\n",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, type=pathlib.Path, help="config folder to copy")
    ap.add_argument("--work", required=True, type=pathlib.Path, help="working folder")
    ap.add_argument("--old-layout", action="store_true",
                    help="write the config as the old system's buckets hold it: clients and the source catalog only")
    args = ap.parse_args()

    web = args.work / "web"
    servers = {}
    for site, files in fixtures().items():
        root = web / site
        root.mkdir(parents=True, exist_ok=True)
        for rel, body in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(body, encoding="utf-8")
        handler = lambda *a, _root=str(root), **kw: Handler(*a, directory=_root, **kw)  # noqa: E731
        srv = Server(("127.0.0.1", 0), handler)
        srv.site = site
        servers[site] = srv
    bases = {site: f"http://127.0.0.1:{srv.server_address[1]}" for site, srv in servers.items()}
    unknown = write_config(args.config, args.work / "config", bases, EXTRA_CLIENTS)
    if unknown:
        print(f"testweb: hosts without a fixture site (left unchanged): {unknown}", file=sys.stderr)
    if args.old_layout:
        # The old system hard-coded its profiles and term lists: its buckets hold nothing else, and
        # the function stands its bundled canonical files in for them.
        config = args.work / "config"
        shutil.rmtree(config / "canonical" / "ingestion")
        shutil.rmtree(config / "canonical" / "scopes")
        (config / "canonical" / "sources" / "html_extractors.yaml").unlink()
    for srv in servers.values():
        threading.Thread(target=srv.serve_forever, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ready = args.work / "web.json"
    tmp = ready.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sites": bases, "expected": expected()}, indent=1), encoding="utf-8")
    tmp.rename(ready)
    stop.wait()
    for srv in servers.values():
        srv.shutdown()


if __name__ == "__main__":
    main()
