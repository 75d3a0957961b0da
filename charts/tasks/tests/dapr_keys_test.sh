#!/usr/bin/env bash
# Every dapr.io/* annotation key the chart renders (all ci values files, both sidecar modes,
# the API token on) must be a Key* constant of dapr's pkg/injector/annotations/annotations.go:
# a misspelt key is silently ignored by the injector.
#   charts/tasks/tests/dapr_keys_test.sh [HELM] [ANNOTATIONS_GO]
set -euo pipefail
chart="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helm="${1:-${HELM:-helm}}"
ann="${2:-${DAPR_ANNOTATIONS_GO:-}}"
[[ -n "$ann" && -f "$ann" ]] || { echo "usage: $0 HELM path/to/dapr@v1.18.3/pkg/injector/annotations/annotations.go" >&2; exit 2; }
known="$(grep -o '"dapr\.io/[a-z0-9-]*"' "$ann" | tr -d '"' | sort -u)"
rendered="$(
  for f in "$chart"/ci/*.yaml; do
    for native in true false; do
      "$helm" template t "$chart" -f "$f" --set dapr.nativeSidecar=$native \
        --set dapr.apiToken.enabled=true --set dapr.apiToken.value=x \
        --api-versions dapr.io/v1alpha1 --api-versions monitoring.coreos.com/v1 --show-only templates/deployment.yaml
    done
  done | grep -o '^ *dapr\.io/[a-z0-9-]*:' | tr -d ' :' | sort -u
)"
bad="$(comm -23 <(printf '%s\n' "$rendered") <(printf '%s\n' "$known"))"
if [[ -n "$bad" ]]; then
  echo "unknown dapr.io annotation keys (not in annotations.go): $bad" >&2
  exit 1
fi
refused="$("$helm" template t "$chart" --show-only templates/deployment.yaml --set dapr.extraAnnotations.dapr\\.io/nope=x 2>&1 >/dev/null || true)"
embedded="$(sed -n '/define "tasks.daprAnnotationKeys"/,/end -/p' "$chart/templates/_helpers.tpl" | sed -n 2p | tr ' ' '\n' | sed 's|^|dapr.io/|' | sort -u)"
if [[ "$embedded" != "$known" ]]; then
  echo "templates/_helpers.tpl tasks.daprAnnotationKeys differs from annotations.go:" >&2
  diff <(printf '%s\n' "$embedded") <(printf '%s\n' "$known") >&2 || true
  exit 1
fi
grep -q 'dapr.io/nope' <<<"$refused" || { echo "an unknown key in dapr.extraAnnotations was not refused: $refused" >&2; exit 1; }
echo "ok: $(printf '%s\n' "$rendered" | wc -l) dapr.io keys rendered, all known to the injector"
