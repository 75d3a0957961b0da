#!/usr/bin/env bash
# Builds one pinned Go tool from the Go module proxy, once per pin, and prints its path.
#
#   stack/build-go-tool.sh helm              Helm, told it talks to Kubernetes 1.35
#   stack/build-go-tool.sh kubectl-validate  validates manifests against a local OpenAPI
#   stack/build-go-tool.sh helm-unittest     runs charts/tasks/tests without a cluster
#
# The chart's tests use all three; the stack uses helm to render the chart's pubsub Component
# for the real daprd. Binaries: .cache/tools/<name>-<version>-<key>/<name>; Go caches shared with
# build-daprd.sh (.cache/go). Cold: 2-4 minutes each on 2 cores; warm: instant.
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Pins. Kubernetes 1.35 is the version the chart is linted and validated for.
HELM_VERSION=v3.22.0
KUBECTL_VALIDATE_VERSION=v0.0.4
HELM_UNITTEST_VERSION=v1.1.2
K8S_MAJOR=1
K8S_MINOR=35

name="${1:-}"
case "$name" in
  helm)
    version="$HELM_VERSION"
    module=helm.sh/helm/v3
    package=./cmd/helm
    # Without these helm believes it talks to Kubernetes 1.20: its deprecation lint misses APIs.
    ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$version"
    for p in pkg/chartutil pkg/lint/rules; do
      ldflags+=" -X helm.sh/helm/v3/$p.k8sVersionMajor=$K8S_MAJOR -X helm.sh/helm/v3/$p.k8sVersionMinor=$K8S_MINOR"
    done
    ;;
  kubectl-validate)
    version="$KUBECTL_VALIDATE_VERSION"
    module=sigs.k8s.io/kubectl-validate
    package=.
    ldflags="-s -w"
    ;;
  helm-unittest)
    version="$HELM_UNITTEST_VERSION"
    module=github.com/helm-unittest/helm-unittest
    package=./cmd/helm-unittest
    ldflags="-s -w"
    ;;
  *) die "usage: stack/build-go-tool.sh helm|kubectl-validate|helm-unittest" ;;
esac

# -mod=mod: the tool's own go.mod decides; go.sum entries it lacks are filled from the proxy's
# checksum database.
use_go "-mod=mod -buildvcs=false"

go_version="$("$GO" env GOVERSION)"
key="$(printf '%s\n' "$module@$version" "$package" "$ldflags" "$go_version" | sha256sum | cut -c1-12)"
out_dir="$STACK_CACHE_DIR/tools/$name-$version-$key"
bin="$out_dir/$name"
if [[ -x "$bin" ]]; then
  printf '%s\n' "$bin"
  exit 0
fi

mkdir -p "$out_dir" "$GOMODCACHE" "$GOCACHE"
log "building $name $version with $go_version (once; cached in $out_dir)"
t0="$(now)"
# The module's own go.mod and go.sum decide every dependency: build inside a writable copy of
# the module (helm-unittest's go.mod has a replace directive, so `go install mod@v` refuses it).
src="$(go_module_dir "$module@$version")"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
chmod -R u+w "$work"
tmp="$out_dir/$name.tmp.$$"
(cd "$work" && "$GO" build -trimpath -ldflags="$ldflags" -o "$tmp" "$package") >&2
mv -f "$tmp" "$bin"
log "built $bin in $(elapsed "$t0")s"
printf '%s\n' "$bin"
