#!/usr/bin/env bash
# Stops what stack/up.sh started (by pid file): SIGTERM, wait with a deadline
# (STACK_STOP_TIMEOUT, default 30 s), then SIGKILL.
#
#   stack/down.sh          daprd, then Kafka
#   stack/down.sh daprd    only daprd
#   stack/down.sh kafka    only Kafka (daprd keeps running and sees the broker go away)
#
# Data stays in $STACK_STATE_DIR/kafka/data; `stack/down.sh --purge` also deletes
# the whole state dir (pids, logs, Kafka data) after stopping everything.
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stop_daprd() { stop_pidfile daprd "$DAPRD_PIDFILE" "$DAPRD_MARKER"; }
stop_kafka() { stop_pidfile kafka "$KAFKA_PIDFILE" "$KAFKA_MARKER"; }

case "${1:-all}" in
  all)   stop_daprd; stop_kafka ;;
  daprd|dapr) stop_daprd ;;
  kafka) stop_kafka ;;
  --purge)
    stop_daprd; stop_kafka
    if [[ -d "$STACK_STATE_DIR" ]]; then
      log "deleting $STACK_STATE_DIR"
      rm -rf "$STACK_STATE_DIR"
    fi
    ;;
  -h|--help) sed -n '2,11p' "$0" ;;
  *) die "usage: $0 [all|daprd|kafka|--purge]" ;;
esac
