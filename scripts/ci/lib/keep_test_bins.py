"""Reads `cargo test --no-run --message-format=json` on stdin and copies every binary target it
built (not the test harnesses) into DIR, so that the e2e scripts run the binaries the tests ran
(see debug_bin.sh). Prints what it kept.

Usage: cargo test --workspace --no-run --message-format=json-render-diagnostics | keep_test_bins.py DIR
"""

import json
import os
import shutil
import sys


def main() -> int:
    out = sys.argv[1]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    kept = []
    for line in sys.stdin:
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        if (
            message.get("reason") == "compiler-artifact"
            and "bin" in message["target"]["kind"]
            and not message["profile"]["test"]
            and message.get("executable")
        ):
            name = message["target"]["name"]
            shutil.copy2(message["executable"], os.path.join(out, name))
            kept.append(name)
    print(f"test binaries kept in {out}: {' '.join(sorted(kept)) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
