#!/usr/bin/env bash
# The Helm chart's tests, offline (ctest `chart_offline`): no cluster, only tools built from the
# Go module proxy (stack/build-go-tool.sh) and schemas from Go modules (tests/chart/schemas.sh).
#
#   1. helm lint --strict --kube-version 1.35.0 with every values file in charts/tasks/ci/
#   2. helm template of each, with the Dapr and prometheus-operator APIs present
#   3. every rendered manifest validated by kubectl-validate against Kubernetes 1.35's OpenAPI
#      and the CRDs of Dapr's Component, ServiceMonitor and PrometheusRule
#   4. every rendered `dapr.io/*` annotation is a Key* constant of dapr's annotations.go (also
#      with a classic sidecar and the Dapr API token on), and the chart's embedded list of them
#      (its guard on dapr.extraAnnotations) is exactly that set
#   5. the Component renders alone, as stack/up.sh renders it for the real daprd
#   6. helm-unittest: charts/tasks/tests/*_test.yaml (guards, annotations, scopes, security...)
#   7. charts/tasks/README.md lists every value of values.yaml with its default
#   8. the checks of 3 and 4 catch what they are for: a manifest with an unknown field, a removed
#      API version and a misspelt Dapr annotation are each refused
#
# Prints one line per check; exit 1 when any fails. Cold (tools not built yet): a few minutes.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=stack/lib.sh
source "$HERE/../../stack/lib.sh"

CHART="${CHART_DIR:-$REPO_ROOT/charts/tasks}"
KUBE_VERSION=1.35.0
API_VERSIONS=(--api-versions dapr.io/v1alpha1 --api-versions monitoring.coreos.com/v1)

helm="$("$STACK_DIR/build-go-tool.sh" helm)"
kubectl_validate="$("$STACK_DIR/build-go-tool.sh" kubectl-validate)"
helm_unittest="$("$STACK_DIR/build-go-tool.sh" helm-unittest)"
{ read -r schemas; read -r crds; } < <("$HERE/schemas.sh")
DAPR_VERSION="$(awk '$1=="github.com/dapr/dapr"{print $2; exit}' "$STACK_DIR/daprd/go.mod")"
annotations_go="$STACK_CACHE_DIR/go/mod/github.com/dapr/dapr@$DAPR_VERSION/pkg/injector/annotations/annotations.go"
[[ -f "$annotations_go" ]] || die "missing $annotations_go (tests/chart/schemas.sh downloads the dapr module)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
pass() { printf 'ok    %s\n' "$*"; }
fail() {
  printf 'FAIL  %s\n' "$1"
  [[ -f "${2:-}" ]] && sed 's/^/      /' "$2"
  failures=$((failures + 1))
}

validate() {  # validate LOG FILE... -> kubectl-validate against Kubernetes 1.35 (the local schemas) + our CRDs
  local log="$1"
  shift
  "$kubectl_validate" --local-schemas "$schemas" --local-crds "$crds" "$@" >"$log" 2>&1
}

shopt -s nullglob
values_files=("$CHART"/ci/*-values.yaml)
[[ ${#values_files[@]} -ge 3 ]] || die "expected the chart's values files in $CHART/ci/"

for values in "${values_files[@]}"; do
  name="$(basename "$values" -values.yaml)"
  log="$work/$name.log"
  if "$helm" lint --strict --kube-version "$KUBE_VERSION" -f "$values" "$CHART" >"$log" 2>&1; then
    pass "lint --strict ($name)"
  else
    fail "lint --strict ($name)" "$log"
  fi
  out="$work/rendered/$name"
  mkdir -p "$out"
  if "$helm" template tasks "$CHART" --namespace tasks --kube-version "$KUBE_VERSION" "${API_VERSIONS[@]}" \
    -f "$values" --output-dir "$out" >"$log" 2>&1; then
    count="$(find "$out" -name '*.yaml' | wc -l)"
    pass "template ($name): $count manifest files"
  else
    fail "template ($name)" "$log"
    continue
  fi
  mapfile -t files < <(find "$out" -name '*.yaml' | sort)
  if validate "$log" "${files[@]}"; then
    pass "kubectl-validate, Kubernetes $KUBE_VERSION + CRDs ($name)"
  else
    fail "kubectl-validate, Kubernetes $KUBE_VERSION + CRDs ($name)" "$log"
  fi
  if "$HERE/dapr_annotation_keys.sh" "$annotations_go" "${files[@]}" >"$log" 2>&1; then
    pass "dapr.io/* annotations are annotations.go Key constants ($name)"
  else
    fail "dapr.io/* annotations are annotations.go Key constants ($name)" "$log"
  fi
done

# The sidecar variants the ci files leave at their defaults: a classic sidecar held by
# block-shutdown-duration, and daprd's API token.
log="$work/variants.log"
variants="$work/rendered-variants"
mkdir -p "$variants"
if "$helm" template tasks "$CHART" --kube-version "$KUBE_VERSION" "${API_VERSIONS[@]}" --set dapr.nativeSidecar=false \
  --set dapr.apiToken.enabled=true --set dapr.apiToken.value=token --show-only templates/deployment.yaml \
  >"$variants/deployment.yaml" 2>"$log" &&
  "$HERE/dapr_annotation_keys.sh" "$annotations_go" "$variants/deployment.yaml" >"$log" 2>&1 &&
  grep -q 'dapr.io/block-shutdown-duration' "$variants/deployment.yaml" && grep -q 'dapr.io/api-token-secret' "$variants/deployment.yaml"; then
  pass "dapr.io/* annotations are annotations.go Key constants (classic sidecar, API token)"
else
  fail "dapr.io/* annotations are annotations.go Key constants (classic sidecar, API token)" "$log"
fi
log="$work/embedded-keys.log"
if "$CHART/tests/dapr_keys_test.sh" "$helm" "$annotations_go" >"$log" 2>&1; then
  pass "$(cat "$log")"
else
  fail "the chart's list of Dapr annotation keys" "$log"
fi

# What stack/up.sh hands to the real daprd of the end-to-end tests: exactly one Component.
log="$work/component.log"
if "$helm" template t "$CHART" --api-versions dapr.io/v1alpha1 --show-only templates/dapr-component.yaml \
  -f "$STACK_DIR/component-values.yaml" --set-json 'pubsub.kafka.brokers=["127.0.0.1:19092"]' >"$work/component.yaml" 2>"$log" &&
  [[ "$(grep -c '^kind:' "$work/component.yaml")" == 1 ]] && grep -q '^kind: Component$' "$work/component.yaml" &&
  validate "$log" "$work/component.yaml"; then
  pass "the Component renders alone with stack/component-values.yaml, and validates"
else
  cat "$work/component.yaml" >>"$log"
  fail "the Component renders alone with stack/component-values.yaml, and validates" "$log"
fi

log="$work/unittest.log"
if "$helm_unittest" --strict "$CHART" >"$log" 2>&1; then
  pass "helm-unittest: $(grep -Eo 'Tests: +[0-9]+ passed' "$log" | head -n1 | tr -s ' ')"
else
  fail "helm-unittest" "$log"
fi

# PyYAML: Debian's python3-yaml (make deps) or the python3 first on PATH.
log="$work/readme.log"
python=python3
python3 -c 'import yaml' 2>/dev/null || python=/usr/bin/python3
if "$python" "$CHART/tests/readme_values_check.py" "$CHART" >"$log" 2>&1; then
  pass "charts/tasks/README.md lists every value with its default"
else
  fail "charts/tasks/README.md lists every value with its default" "$log"
fi

# The gates themselves: each must refuse what it exists to refuse.
mkdir -p "$work/bad"
cat >"$work/bad/unknown-field.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: bad
datta:
  misspelt: "data"
EOF
cat >"$work/bad/removed-api.yaml" <<'EOF'
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata:
  name: bad
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: bad}
  maxReplicas: 3
EOF
cat >"$work/bad/component-unknown-field.yaml" <<'EOF'
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: bad
spec:
  type: pubsub.kafka
  version: v1
  metadatta: []
EOF
cat >"$work/bad/misspelt-annotation.yaml" <<'EOF'
metadata:
  annotations:
    dapr.io/app-id: "tasks-backend"
    dapr.io/sidecar-readiness-probe-delay: "3"
EOF
for bad in unknown-field removed-api component-unknown-field; do
  if validate "$work/bad/$bad.log" "$work/bad/$bad.yaml"; then
    fail "kubectl-validate refuses a manifest with $bad (it accepted it)" "$work/bad/$bad.log"
  else
    pass "kubectl-validate refuses a manifest with $bad"
  fi
done
log="$work/bad/misspelt-annotation.log"
if "$HERE/dapr_annotation_keys.sh" "$annotations_go" "$work/bad/misspelt-annotation.yaml" >"$log" 2>&1; then
  fail "the annotation check refuses a misspelt dapr.io key (it accepted it)" "$log"
elif grep -q 'dapr.io/sidecar-readiness-probe-delay ' "$log" && ! grep -q 'app-id' "$log"; then
  pass "the annotation check refuses dapr.io/sidecar-readiness-probe-delay (the key ends in -seconds)"
else
  fail "the annotation check refuses only the misspelt key" "$log"
fi

if ((failures > 0)); then
  echo "chart tests: $failures failed"
  exit 1
fi
echo "chart tests: all passed"
