#!/usr/bin/env bash
# Resolves the Kafka broker + tools + log4j2 jars from Maven Central (stack/kafka/pom.xml)
# into .cache/m2 and caches the runtime classpath in .cache/kafka/classpath-<version>.txt.
#
#   stack/fetch-kafka.sh          fetch if needed; prints the classpath file on stdout
#   stack/fetch-kafka.sh --force  resolve again
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

force=0
[[ "${1:-}" == "--force" ]] && force=1

POM="$STACK_DIR/kafka/pom.xml"
M2="$STACK_CACHE_DIR/m2"
version="$(kafka_version)"
[[ -n "$version" ]] || die "cannot read kafka.version from $POM"
cp_file="$(kafka_classpath_file)"
stamp="$cp_file.pom-sha256"
pom_sha="$(sha256sum "$POM" | cut -d' ' -f1)"

classpath_ok() {
  [[ -s "$cp_file" && -f "$stamp" && "$(<"$stamp")" == "$pom_sha" ]] || return 1
  local jar
  # every jar still present (someone may have pruned .cache/m2)
  while IFS= read -r jar; do
    [[ -f "$jar" ]] || return 1
  done < <(tr ':' '\n' <"$cp_file")
}

if [[ "$force" == 0 ]] && classpath_ok; then
  log "Kafka $version classpath cached ($(tr ':' '\n' <"$cp_file" | wc -l) jars)"
  printf '%s\n' "$cp_file"
  exit 0
fi

need_cmd mvn java
mkdir -p "$(dirname "$cp_file")" "$M2"
log "resolving Kafka $version with Maven into $M2"
t0="$(now)"
tmp="$cp_file.tmp.$$"
trap 'rm -f "$tmp"' EXIT
mvn_log="$(dirname "$cp_file")/mvn-$version.log"
if ! mvn -B -Dstyle.color=never -f "$POM" \
  -Dmaven.repo.local="$M2" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.includeScope=runtime \
  -Dmdep.outputFile="$tmp" >"$mvn_log" 2>&1; then
  tail -n 40 "$mvn_log" >&2
  die "Maven failed (full log: $mvn_log)"
fi
[[ -s "$tmp" ]] || die "Maven produced an empty classpath"
mv -f "$tmp" "$cp_file"
trap - EXIT
printf '%s\n' "$pom_sha" >"$stamp"
log "Kafka $version resolved in $(elapsed "$t0")s ($(tr ':' '\n' <"$cp_file" | wc -l) jars)"
printf '%s\n' "$cp_file"
