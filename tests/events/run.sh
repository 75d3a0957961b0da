#!/usr/bin/env bash
# Runs one of this directory's Python checks with the venv of `make openapi-tools` (jsonschema-rs
# pinned with its hash in tests/openapi/requirements.txt): run.sh ROOT SCRIPT ARGS...
set -euo pipefail
root="$1"
shift
python="$root/.cache/openapi-tools/venv/bin/python"
if [ ! -x "$python" ]; then
  echo "$python is missing: \`make openapi-tools\` installs it (make test does)" >&2
  exit 1
fi
script="$1"
shift
exec "$python" "$root/tests/events/$script" "$@"
