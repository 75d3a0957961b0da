#!/usr/bin/env bash
# Prepares, once per pin, what kubectl-validate needs to judge the chart offline, and prints
# two lines: the local-schemas directory (Kubernetes 1.35's OpenAPI v3) and the CRD directory
# (Dapr's Component, prometheus-operator's ServiceMonitor and PrometheusRule).
#
# Sources are Go modules from the module proxy (their zips carry the files):
#   k8s.io/kubernetes@v1.35.4           api/openapi-spec/v3/*.json
#   github.com/dapr/dapr@<stack pin>    charts/dapr/crds/components.yaml
#   github.com/prometheus-operator/prometheus-operator@v0.85.0   example/prometheus-operator-crd/
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../stack/lib.sh"

KUBERNETES_VERSION=v1.35.4
PROMETHEUS_OPERATOR_VERSION=v0.85.0
# The Dapr release the stack's daprd is built from: the CRD of the control plane it goes with.
DAPR_VERSION="$(awk '$1=="github.com/dapr/dapr"{print $2; exit}' "$STACK_DIR/daprd/go.mod")"

use_go -mod=mod

out="$STACK_CACHE_DIR/chart-schemas/k8s-$KUBERNETES_VERSION-dapr-$DAPR_VERSION-prom-$PROMETHEUS_OPERATOR_VERSION"
if [[ ! -f "$out/done" ]]; then
  rm -rf "$out"
  mkdir -p "$out/schemas" "$out/crds"
  k8s="$(go_module_dir "k8s.io/kubernetes@$KUBERNETES_VERSION")/api/openapi-spec/v3"
  # kubectl-validate's layout: api__v1_openapi.json -> api/v1.json,
  # apis__G__V_openapi.json -> apis/G/V.json (group and discovery documents are left out).
  for f in "$k8s"/api__v1_openapi.json "$k8s"/apis__*__*_openapi.json; do
    base="$(basename "$f" _openapi.json)"
    rel="${base//__//}"
    mkdir -p "$out/schemas/$(dirname "$rel")"
    cp "$f" "$out/schemas/$rel.json"
  done
  cp "$(go_module_dir "github.com/dapr/dapr@$DAPR_VERSION")/charts/dapr/crds/components.yaml" "$out/crds/dapr-components.yaml"
  prom="$(go_module_dir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")/example/prometheus-operator-crd"
  cp "$prom/monitoring.coreos.com_servicemonitors.yaml" "$prom/monitoring.coreos.com_prometheusrules.yaml" "$out/crds/"
  chmod -R u+w "$out"
  touch "$out/done"
fi
printf '%s\n%s\n' "$out/schemas" "$out/crds"
