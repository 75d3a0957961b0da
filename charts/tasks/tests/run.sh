#!/usr/bin/env bash
# Every offline check of the chart: helm lint --strict and helm template of each ci values file
# (Kubernetes 1.35), the helm-unittest suites, the README/values check, the dapr.io key check,
# and kubectl-validate of every rendered object when its schemas are given.
#
#   charts/tasks/tests/run.sh
#
# Tools (defaults: the repository's .cache, as built by the other test scripts; GO_MOD_CACHE
# overrides its go/mod):
#   HELM               helm v3.22.0 built for Kubernetes 1.35
#   HELM_UNITTEST      the standalone helm-unittest v1.1.2 binary
#   DAPR_ANNOTATIONS_GO  dapr@v1.18.3/pkg/injector/annotations/annotations.go
#   KUBECTL_VALIDATE   kubectl-validate v0.0.4 (optional, with the two below)
#   KUBE_OPENAPI_V3    k8s.io/kubernetes@v1.35.4/api/openapi-spec/v3 (turned into --local-schemas)
#   CRDS_DIR           directory with the CRDs for --local-crds; empty: Dapr 1.18.3's Component
#                      CRD and prometheus-operator v0.85.0's ServiceMonitor/PrometheusRule CRDs
#                      from the Go module cache
set -euo pipefail
chart="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$chart/../.." && pwd)"
cache="$root/.cache"
mod="${GO_MOD_CACHE:-$cache/go/mod}"
HELM="${HELM:-$cache/tools/helm-v3.22.0/helm}"
HELM_UNITTEST="${HELM_UNITTEST:-$cache/tools/helm-unittest-v1.1.2/helm-unittest}"
DAPR_ANNOTATIONS_GO="${DAPR_ANNOTATIONS_GO:-$mod/github.com/dapr/dapr@v1.18.3/pkg/injector/annotations/annotations.go}"
KUBECTL_VALIDATE="${KUBECTL_VALIDATE:-$cache/tools/kubectl-validate-v0.0.4/kubectl-validate}"
KUBE_OPENAPI_V3="${KUBE_OPENAPI_V3:-$mod/k8s.io/kubernetes@v1.35.4/api/openapi-spec/v3}"
CRDS_DIR="${CRDS_DIR:-}"
KUBE_VERSION=1.35.0
APIS=(--api-versions dapr.io/v1alpha1 --api-versions monitoring.coreos.com/v1)

step() { printf '\n== %s\n' "$*"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for f in "$chart"/ci/*.yaml; do
  step "helm lint --strict $(basename "$f")"
  "$HELM" lint --strict --kube-version "$KUBE_VERSION" "$chart" -f "$f"
  step "helm template $(basename "$f")"
  mkdir -p "$work/out/$(basename "$f" .yaml)"
  "$HELM" template t "$chart" -f "$f" --kube-version "$KUBE_VERSION" "${APIS[@]}" \
    --output-dir "$work/out/$(basename "$f" .yaml)" >/dev/null
  find "$work/out/$(basename "$f" .yaml)" -name '*.yaml' -printf '%f\n' | sort | tr '\n' ' '; echo
done

step "the Component alone, as the end-to-end test renders it"
"$HELM" template t "$chart" --api-versions dapr.io/v1alpha1 --show-only templates/dapr-component.yaml \
  --set-json 'pubsub.kafka.brokers=["127.0.0.1:19092"]' >"$work/component.yaml"
[[ "$(grep -c '^kind:' "$work/component.yaml")" == 1 ]] && grep -q '^kind: Component$' "$work/component.yaml" ||
  { cat "$work/component.yaml"; echo "expected exactly one Component" >&2; exit 1; }
echo "one Component"

step "helm-unittest"
"$HELM_UNITTEST" "$chart"

step "README values table"
python3 "$chart/tests/readme_values_check.py" "$chart"

step "dapr.io keys against annotations.go"
"$chart/tests/dapr_keys_test.sh" "$HELM" "$DAPR_ANNOTATIONS_GO"

if [[ -z "$CRDS_DIR" ]]; then
  dapr_crd="$mod/github.com/dapr/dapr@v1.18.3/charts/dapr/crds/components.yaml"
  prom="$mod/github.com/prometheus-operator/prometheus-operator@v0.85.0/example/prometheus-operator-crd"
  if [[ -f "$dapr_crd" && -d "$prom" ]]; then
    CRDS_DIR="$work/crds"; mkdir -p "$CRDS_DIR"
    cp "$dapr_crd" "$prom/monitoring.coreos.com_servicemonitors.yaml" "$prom/monitoring.coreos.com_prometheusrules.yaml" "$CRDS_DIR/"
  fi
fi
if [[ -x "$KUBECTL_VALIDATE" && -d "$KUBE_OPENAPI_V3" && -n "$CRDS_DIR" ]]; then
  step "kubectl-validate (Kubernetes ${KUBE_VERSION%.*} OpenAPI, CRDs from $CRDS_DIR)"
  s="$work/schemas"
  mkdir -p "$s/api"
  cp "$KUBE_OPENAPI_V3/api__v1_openapi.json" "$s/api/v1.json"
  for j in "$KUBE_OPENAPI_V3"/apis__*__*_openapi.json; do
    b="$(basename "$j" _openapi.json)"; b="${b#apis__}"
    mkdir -p "$s/apis/${b%%__*}"; cp "$j" "$s/apis/${b%%__*}/${b#*__}.json"
  done
  "$KUBECTL_VALIDATE" --local-schemas "$s" --local-crds "$CRDS_DIR" $(find "$work/out" -name '*.yaml' | sort)
else
  step "kubectl-validate skipped (set KUBECTL_VALIDATE, KUBE_OPENAPI_V3 and CRDS_DIR)"
fi
step "all chart checks passed"
