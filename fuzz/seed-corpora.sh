#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's test fixtures (real feeds, real newsroom
# pages, the bundled config, example Lambda events), so that the fuzzer starts from inputs that
# reach deep into the parsers instead of from nothing. Idempotent: existing corpus files (what
# earlier fuzzing found) are kept; seeds are named by content hash.
set -euo pipefail
cd "$(dirname "$0")"
fuzz=$(pwd)
root=$(cd .. && pwd)

# add <target> <file>: copies a seed file, named by its hash.
add() {
  local dir="$fuzz/corpus/$1" h
  mkdir -p "$dir"
  h=$(sha1sum "$2" | cut -c1-16)
  [ -e "$dir/seed-$h" ] || cp "$2" "$dir/seed-$h"
}
# add_text <target> <text>: a seed from a literal.
add_text() {
  local tmp
  tmp=$(mktemp)
  printf '%s' "$2" >"$tmp"
  add "$1" "$tmp"
  rm -f "$tmp"
}

# Feeds: every feed fixture of the parser tests and of the test web's sites.
while IFS= read -r -d '' f; do add feed_parse "$f"; done < <(
  find "$root/crates/parse/tests/feeds" -type f \
    ! -name '*.expected.json' ! -name '*.md' ! -name '*.py' -print0)
while IFS= read -r -d '' f; do add feed_parse "$f"; done < <(
  find "$root/crates/testweb/sites" -type f \( -name '*.xml' -o -name '*.rss' -o -name 'feed*' \) -print0)

# Provider APIs: the real saved answers the test web serves (ClinicalTrials.gov, PubMed, openFDA).
while IFS= read -r -d '' f; do add api_parse "$f"; done < <(
  find "$root/crates/testweb/providers" -type f \( -name '*.json' -o -name '*.xml' \) -print0)

# HTML: listing fixtures and every page of the test web's sites.
while IFS= read -r -d '' f; do add html_listing "$f"; done < <(
  find "$root/crates/parse/tests/html" "$root/crates/testweb/sites" -type f -name '*.html' -print0)

# URLs: the links of those pages (one per seed), capped.
find "$root/crates/parse/tests/html" "$root/crates/testweb/sites" -type f -name '*.html' -print0 |
  xargs -0 grep -ohE 'href="[^"]{1,300}"' | sed -E 's/^href="//; s/"$//' | sort -u | head -n 400 |
  while IFS= read -r href; do add_text urls "$href"; done
for u in 'https://Example.COM:443/a/b/?utm_source=x&id=1#frag' '//cdn.example.com/x' \
         'mailto:press@example.com' 'javascript:void(0)' ' /news/item-1.html ' '?page=2'; do
  add_text urls "$u"
done

# Dates: the configured formats, each with a matching text, and the free-text forms the
# scanner knows.
add_text dates $'%d %B %Y\n15 January 2026'
add_text dates $'%B %d, %Y\nJanuary 15, 2026'
add_text dates $'%Y-%m-%d\n2026-01-15'
add_text dates $'%d.%m.%Y\n15.01.2026'
add_text dates $'%m/%d/%Y\n01/15/2026'
add_text dates $'%Y년 %m월 %d일\n2026년 01월 15일'
for t in '2025-08-15T11:33:54+02:00' 'Mon, 15 Dec 2025 09:00:00 GMT' '15th December 2025' \
         'Published: 3 déc. 2025' '12 Dezember 2025' '2/10/2026' 'https://x.com/2025/12/01/news' \
         '20251215' 'Dec 15 2025' '15 de diciembre de 2025'; do
  add_text dates "$t"
done

# Config: each bundled file as "<relative path>\n<text>".
(cd "$root/config" && find . -type f -name '*.yaml' | sed 's|^\./||') | while IFS= read -r rel; do
  tmp=$(mktemp)
  { printf '%s\n' "$rel"; cat "$root/config/$rel"; } >"$tmp"
  add config_load "$tmp"
  rm -f "$tmp"
done

# Lambda events: the contract's shapes.
for e in '{}' '{"dry_run": true}' \
  '{"client_id": "lai_weekly_v3", "sources": ["press_corporate__medincell"], "period_days": 1, "dry_run": true}' \
  '{"client_id": "lai_weekly_v3", "from_date": "2025-11-01", "to_date": "2025-11-30", "ingestion_mode": "strict", "temporal_mode": "flexible", "force_refresh": false}' \
  '{"version": "0", "id": "x", "detail-type": "Scheduled Event", "source": "aws.events", "account": "1", "time": "2025-12-15T06:00:00Z", "region": "eu-west-3", "resources": [], "detail": {}}' \
  '{"client_id": "../x"}' '{"client_id": null}' '{"dryrun": true}' '[1, 2]' '{"period_days": "7"}'; do
  add_text lambda_event "$e"
done

for d in "$fuzz"/corpus/*/; do
  printf '%-14s %5d seeds\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
