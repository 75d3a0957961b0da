#!/usr/bin/env bash
# Fails when a rendered manifest carries a `dapr.io/*` annotation that Dapr's sidecar injector
# does not know: the injector ignores a misspelt key silently (deploy-notes.md), so the pod
# would run with a default the chart meant to change.
#
#   tests/chart/dapr_annotation_keys.sh ANNOTATIONS_GO RENDERED.yaml...
#
# The known keys are the string values of the `Key*` constants of annotations.go
# (dapr/dapr pkg/injector/annotations). Prints each unknown key with its file; exit 1 if any.
set -euo pipefail

annotations_go="$1"
shift
known="$(sed -n 's/^[[:space:]]*Key[A-Za-z0-9]*[[:space:]]*=[[:space:]]*"\(dapr\.io\/[^"]*\)".*/\1/p' "$annotations_go" | sort -u)"
[[ "$(wc -l <<<"$known")" -ge 40 ]] || {
  echo "dapr_annotation_keys: found only $(wc -l <<<"$known") Key constants in $annotations_go: the parser is out of date" >&2
  exit 2
}

status=0
for f in "$@"; do
  # Annotation keys are mapping keys: `    dapr.io/app-id: "..."` (quoted or not).
  used="$(sed -n "s/^[[:space:]]*[\"']\{0,1\}\(dapr\.io\/[A-Za-z0-9._-]*\)[\"']\{0,1\}:.*/\1/p" "$f" | sort -u)"
  while read -r key; do
    [[ -z "$key" ]] && continue
    if ! grep -qxF -- "$key" <<<"$known"; then
      echo "$f: unknown Dapr annotation $key (not a Key* constant of annotations.go)"
      status=1
    fi
  done <<<"$used"
done
exit "$status"
