# Pass/fail bookkeeping of the deployment e2e scripts (deploy-e2e.sh, fanout-e2e.sh): each check
# prints "ok - …" or "not ok - …" with the command's output; the script ends with `checks_done`.
# Needs WORK (the script's scratch folder) set before the checks run.
# shellcheck shell=bash

PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
ko() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# expect_fail "what" "text the output must contain" cmd...
expect_fail() {
  local what=$1 needle=$2; shift 2
  if "$@" >"$WORK/out" 2>&1; then ko "$what: succeeded, should have failed"; cat "$WORK/out"; return; fi
  if grep -qF -- "$needle" "$WORK/out"; then ok "$what"; else ko "$what: no '$needle' in:"; cat "$WORK/out"; fi
}
# expect_ok "what" "text the output must contain" cmd...
expect_ok() {
  local what=$1 needle=$2; shift 2
  if ! "$@" >"$WORK/out" 2>&1; then ko "$what: failed"; cat "$WORK/out"; return; fi
  if grep -qF -- "$needle" "$WORK/out"; then ok "$what"; else ko "$what: no '$needle' in:"; cat "$WORK/out"; fi
}
# Prints the tally; fails when any check failed.
checks_done() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
}
