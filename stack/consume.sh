#!/usr/bin/env bash
# Prints every record of a topic, from the beginning, as JSON lines (kcat -J: topic,
# partition, offset, tstype, ts, broker, headers, key, payload), then exits.
#
#   stack/consume.sh TOPIC [extra kcat args...]
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ $# -ge 1 ]] || die "usage: $0 TOPIC [extra kcat args]"
need_cmd kcat
topic="$1"; shift
exec kcat -C -b "$KAFKA_BOOTSTRAP" -t "$topic" -o beginning -e -J -q "$@"
