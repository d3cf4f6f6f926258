#!/usr/bin/env bash
# Builds the Lambda package of each architecture in E2E_ARCHES (default "x86_64 arm64") once, for
# the e2e scripts: `vectora-inbox package --cargo-profile ci` (opt-level 1, no LTO, parallel
# codegen: the same code, minutes less per cold build than the shipped profile), validated like
# any package (architecture, glibc 2.34, size). Writes OUT/vectora-inbox-ingest-v2-ARCH.zip and
# the bootstrap it holds as OUT/bootstrap-ARCH. arm64 is cross-built with cargo-zigbuild (PyPI) and
# the aarch64 standard library, both installed explicitly here when missing.
#
# Usage: scripts/ci/packages.sh OUT
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
OUT=${1:?usage: packages.sh OUT}
ARCHES=${E2E_ARCHES:-"x86_64 arm64"}
mkdir -p "$OUT"

if [[ " $ARCHES " == *" arm64 "* ]]; then
  command -v cargo-zigbuild >/dev/null || python3 -m pip install --quiet cargo-zigbuild
  rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
fi
# shellcheck source=lib/debug_bin.sh
source scripts/ci/lib/debug_bin.sh
OPS=$(debug_bin vectora-inbox vectora-inbox)
for arch in $ARCHES; do
  started=$SECONDS
  "$OPS" package --arch "$arch" --cargo-profile ci --out "$OUT"
  python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); open(sys.argv[2],"wb").write(z.read("bootstrap"))' \
    "$OUT/vectora-inbox-ingest-v2-$arch.zip" "$OUT/bootstrap-$arch"
  chmod +x "$OUT/bootstrap-$arch"
  echo "package $arch: $((SECONDS - started)) s"
done
