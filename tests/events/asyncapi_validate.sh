#!/usr/bin/env bash
# Runs tests/events/asyncapi_validate.mjs with the parser `make openapi-tools` installed.
set -euo pipefail
root="$1"
tools="$root/.cache/openapi-tools/asyncapi"
if [ ! -d "$tools/node_modules/@asyncapi/parser" ]; then
  echo "$tools is missing the AsyncAPI parser: \`make openapi-tools\` installs it (make test does)" >&2
  exit 1
fi
# The script is copied beside node_modules so that Node resolves the parser from there.
cp "$root/tests/events/asyncapi_validate.mjs" "$tools/asyncapi_validate.mjs"
exec node "$tools/asyncapi_validate.mjs" "$root/asyncapi.yaml"
