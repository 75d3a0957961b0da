#!/usr/bin/env bash
# The chart refuses unknown dapr.io/* keys in dapr.extraAnnotations with a list of the injector's
# keys embedded in templates/_helpers.tpl (tasks.daprAnnotationKeys): that list must be exactly
# the Key* constants of dapr's pkg/injector/annotations/annotations.go, and the guard must work.
# (The keys the chart itself renders are checked by tests/chart/dapr_annotation_keys.sh.)
#   charts/tasks/tests/dapr_keys_test.sh HELM ANNOTATIONS_GO
set -euo pipefail
chart="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helm="${1:?usage: $0 HELM ANNOTATIONS_GO}"
ann="${2:?usage: $0 HELM ANNOTATIONS_GO}"
known="$(sed -n 's/^[[:space:]]*Key[A-Za-z0-9]*[[:space:]]*=[[:space:]]*"\(dapr\.io\/[^"]*\)".*/\1/p' "$ann" | sort -u)"
embedded="$(sed -n '/define "tasks.daprAnnotationKeys"/,/end -/p' "$chart/templates/_helpers.tpl" | sed -n 2p | tr ' ' '\n' | sed 's|^|dapr.io/|' | sort -u)"
if [[ "$embedded" != "$known" ]]; then
  echo "templates/_helpers.tpl tasks.daprAnnotationKeys differs from annotations.go:" >&2
  diff <(printf '%s\n' "$embedded") <(printf '%s\n' "$known") >&2 || true
  exit 1
fi
refused="$("$helm" template t "$chart" --show-only templates/deployment.yaml --set 'dapr.extraAnnotations.dapr\.io/nope=x' 2>&1 >/dev/null || true)"
grep -q 'dapr.io/nope' <<<"$refused" || { echo "an unknown key in dapr.extraAnnotations was not refused: $refused" >&2; exit 1; }
echo "the embedded list is annotations.go's $(wc -l <<<"$known") keys; dapr.extraAnnotations refuses dapr.io/nope"
