#!/usr/bin/env bash
# Builds our daprd (stack/daprd: Dapr runtime + pubsub.kafka only) once per pin.
#
#   stack/build-daprd.sh          build if needed; prints the binary's path on stdout
#   stack/build-daprd.sh --force  rebuild even if the cached binary exists
#
# Cache key: Dapr version + sha256 of go.mod, go.sum, main.go, the build flags and
# the Go version. Binary: .cache/daprd/<key>/daprd. Go caches: .cache/go/{mod,build}.
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

force=0
[[ "${1:-}" == "--force" ]] && force=1

SRC="$STACK_DIR/daprd"
use_go "-mod=readonly -buildvcs=false"

go_version="$("$GO" env GOVERSION)"
# dapr v1.18.3 needs go >= 1.26.6
need_go="$(awk '/^go /{print $2; exit}' "$SRC/go.mod")"
if ! printf '%s\n%s\n' "go$need_go" "$go_version" | sort -V -C; then
  die "$go_version is too old: stack/daprd/go.mod needs go $need_go"
fi

dapr_version="$(awk '$1=="github.com/dapr/dapr"{print $2; exit}' "$SRC/go.mod")"
contrib_version="$(awk '$1=="github.com/dapr/components-contrib"{print $2; exit}' "$SRC/go.mod")"
[[ -n "$dapr_version" ]] || die "cannot read the dapr version from $SRC/go.mod"

# Version stamp reported by `daprd --version` / the startup log line.
LDFLAGS="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${dapr_version#v}"
LDFLAGS+=" -X github.com/dapr/dapr/pkg/buildinfo.gitversion=${dapr_version}+contrib-${contrib_version}+pubsub.kafka-only"
BUILD_FLAGS="-trimpath -ldflags=$LDFLAGS"

hash="$( { cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go"; printf '%s\n%s\n' "$BUILD_FLAGS" "$go_version"; } \
  | sha256sum | cut -c1-12)"
key="${dapr_version}-${hash}"
out_dir="$STACK_CACHE_DIR/daprd/$key"
bin="$out_dir/daprd"

if [[ -x "$bin" && "$force" == 0 ]]; then
  log "daprd $dapr_version (key $key) already built"
  printf '%s\n' "$bin"
  exit 0
fi

mkdir -p "$out_dir" "$GOMODCACHE" "$GOCACHE"
log "building daprd $dapr_version + components-contrib $contrib_version with $go_version (key $key)"
log "  (cold: downloads ~700 MB of modules into .cache/go and takes several minutes on 2 cores)"
t0="$(now)"
tmp="$out_dir/daprd.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(cd "$SRC" && "$GO" build -trimpath -ldflags="$LDFLAGS" -o "$tmp" .) >&2
mv -f "$tmp" "$bin"
trap - EXIT
log "built $bin in $(elapsed "$t0")s"
"$bin" --version >/dev/null || die "built binary does not run"
printf '%s\n' "$bin"
