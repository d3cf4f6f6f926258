#!/usr/bin/env bash
# Lints every CloudFormation template in infra/ with cfn-lint (PyPI). Any error, warning or
# informational finding fails the script: the templates are kept at zero findings.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint not found: installing it from PyPI" >&2
  python3 -m pip install --quiet 'cfn-lint>=1.0,<2'
fi

shopt -s nullglob
templates=(infra/*.yaml)
if [ ${#templates[@]} -eq 0 ]; then
  echo "no template found in infra/" >&2
  exit 1
fi

echo "cfn-lint $(cfn-lint --version 2>&1 | awk '{print $2}') on ${templates[*]}"
# --include-checks I adds informational rules; cfn-lint exits non-zero on any finding.
cfn-lint --include-checks I --format parseable -- "${templates[@]}"
echo "cfn-lint: ${#templates[@]} templates, 0 findings"
