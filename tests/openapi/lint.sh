#!/usr/bin/env bash
# The openapi_lint ctest: Redocly's linter (pinned in package-lock.json, installed by `make
# openapi-tools` into .cache/) on openapi.yaml with redocly.yaml's rules. Fails on any error or
# warning, so the document stays clean.
set -euo pipefail
root="$1"
redocly="$root/.cache/openapi-tools/redocly/node_modules/.bin/redocly"
if [ ! -x "$redocly" ]; then
  echo "$redocly is missing: \`make openapi-tools\` installs it (make test does)" >&2
  exit 1
fi
# No telemetry and no update check: the test must run offline.
out=$(REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$redocly" lint --format=stylish --config "$root/tests/openapi/redocly.yaml" "$root/openapi.yaml" 2>&1) || {
  echo "$out"
  exit 1
}
echo "$out" | grep -v '[║╔╚]'
if echo "$out" | grep -q ' warning '; then
  echo "openapi_lint: warnings count as errors" >&2
  exit 1
fi
