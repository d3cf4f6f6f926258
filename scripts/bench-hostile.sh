#!/usr/bin/env bash
# Peak memory and time of `vectora-inbox ingest` against hostile sources, one run per source and
# one with all of them, measured with /usr/bin/time -v (release build, test web on 127.0.0.1).
# Prints a table; fails when a run exceeds MAX_RSS_MB (default 512, the Lambda's memory) or does
# not finish. Not a CI test: figures depend on the machine; see docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
max_rss_mb="${MAX_RSS_MB:-512}"

if [ ! -x /usr/bin/time ]; then
  echo "==> installing GNU time"
  apt-get install -y time >/dev/null
fi
cargo build --release -q -p vectora-inbox -p vectora-testweb
bin="$CARGO_TARGET_DIR/release"

work=$(mktemp -d)
web_pid=""
cleanup() {
  if [ -n "$web_pid" ]; then kill "$web_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The hostile documents (same shapes as crates/core/tests/reliability_hostile.rs).
mkdir -p "$work/sites/hostile"
python3 - "$work/sites/hostile" <<'PY'
import sys, os
d = sys.argv[1]
def w(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
def rss(items):
    return '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>H</title>' + items + '</channel></rss>'
def item(t, l):
    return f'<item><title>{t}</title><link>{l}</link><pubDate>Wed, 10 Dec 2025 09:00:00 GMT</pubDate></item>'
ents = ''.join(f' <!ENTITY lol{i} "{("&lol%d;" % (i-1) if i > 1 else "&lol;") * 10}">\n' for i in range(1, 10))
w("laughs.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY lol "lol">\n' + ents + ']>\n' + rss(item("&lol9;", "https://h.example.com/l")).split("?>", 1)[1])
w("xxe.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' + rss(item("&xxe;", "https://h.example.com/x")).split("?>", 1)[1])
w("badutf8.xml", b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><item><title>Caf\xe9 \xc3\x28 \xff</title><link>https://h.example.com/b</link></item></channel></rss>')
w("controls.xml", rss(item("Nul\x00in\x01the\x07title", "https://h.example.com/c")))
w("hugetitle.xml", rss(item("Huge " + "title " * (1024 * 1024 // 6), "https://h.example.com/h")))
depth = 10000
w("deep.html", "<html><body>" + "<div>" * depth + "".join(f'<article><h2><a href="/n/d{i}">Deep {i}</a></h2><time datetime="2025-12-0{i+1}">x</time></article>' for i in range(3)) + "</div>" * depth + "</body></html>")
w("links.html", '<html><body><ul>' + "".join(f'<li><a href="/news/item-{i}">Press release number {i}</a> <span>12 December 2025</span></li>' for i in range(100000)) + '</ul></body></html>')
PY

"$bin/vectora-testweb" --sites "$work/sites" --no-compression >"$work/web.json" 2>"$work/web.log" &
web_pid=$!
for _ in $(seq 1 100); do [ -s "$work/web.json" ] && break; sleep 0.1; done
base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["base_url"])' "$work/web.json")

declare -A urls=(
  [laughs]="rss $base/sites/hostile/laughs.xml"
  [xxe]="rss $base/sites/hostile/xxe.xml"
  [badutf8]="rss $base/sites/hostile/badutf8.xml"
  [controls]="rss $base/sites/hostile/controls.xml"
  [hugetitle]="rss $base/sites/hostile/hugetitle.xml"
  [deep]="html $base/sites/hostile/deep.html"
  [links]="html $base/sites/hostile/links.html"
  [body100mb]="html $base/fault/large/100"
  [drip]="rss $base/fault/drip?bytes=8&interval_ms=300"
  [stall]="rss $base/fault/stall"
)

# write_config <dir> <source keys...>
write_config() {
  local dir=$1; shift
  mkdir -p "$dir/canonical/sources" "$dir/clients"
  {
    echo "sources:"
    for k in "${!urls[@]}"; do
      read -r mode url <<<"${urls[$k]}"
      printf -- "- source_key: %s\n  ingestion_mode: %s\n  %s_url: '%s'\n  enabled: true\n" "$k" "$mode" "$mode" "$url"
    done
    echo "bouquets: []"
  } >"$dir/canonical/sources/source_catalog.yaml"
  printf 'client_profile:\n  client_id: hostile\n  active: true\nsource_config:\n  sources_extra_enabled: [%s]\n' "$(IFS=,; echo "$*")" \
    >"$dir/clients/hostile.yaml"
}

printf '%-12s %10s %10s %6s  %s\n' "source" "peak_MB" "seconds" "exit" "status"
fail=0
run_one() {
  local name=$1; shift
  local cfg="$work/config-$name" data="$work/data-$name"
  write_config "$cfg" "$@"
  set +e
  /usr/bin/time -v -o "$work/time-$name" "$bin/vectora-inbox" ingest --config "$cfg" --data "$data" --client hostile \
    --allow-private-networks --from-date 2025-11-15 --to-date 2025-12-15 --json --request-timeout 5 \
    --min-host-interval-ms 1 >"$work/out-$name.json" 2>"$work/err-$name"
  local code=$?
  set -e
  local rss_kb secs status
  rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$name")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time-$name")
  status=$(python3 -c 'import json,sys
try:
    r = json.load(open(sys.argv[1]))
    print(" ".join(s["source_key"] + "=" + s["status"] for s in r.get("sources", [])))
except Exception:
    print("no report")' "$work/out-$name.json")
  printf '%-12s %10.1f %10s %6s  %s\n' "$name" "$(echo "$rss_kb / 1024" | bc -l)" "$secs" "$code" "$status"
  if [ "$code" -gt 1 ] || [ "$rss_kb" -gt $((max_rss_mb * 1024)) ]; then fail=1; fi
}

for k in laughs xxe badutf8 controls hugetitle deep links body100mb drip stall; do
  run_one "$k" "$k"
done
run_one all "${!urls[@]}"
if [ "$fail" -ne 0 ]; then
  echo "a run failed or went over ${max_rss_mb} MB" >&2
  exit 1
fi
echo "every run finished under ${max_rss_mb} MB peak RSS"
