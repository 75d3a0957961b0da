#!/usr/bin/env bash
# One line per component: state, pid, address, health.
# Exit status: 0 when both are running and healthy, 1 otherwise.
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rc=0

if pid="$(pid_alive "$KAFKA_PIDFILE" "$KAFKA_MARKER")"; then
  if kcat -L -b "$KAFKA_BOOTSTRAP" -m 2 2>/dev/null | grep -q "broker 1 at"; then
    topics="$(kcat -L -b "$KAFKA_BOOTSTRAP" -m 2 2>/dev/null |
      sed -n 's/^  topic "\([^"_][^"]*\)" with \([0-9]*\) partitions.*/\1(\2)/p' | sort | tr '\n' ' ')"
    echo "kafka  running  pid=$pid  $KAFKA_BOOTSTRAP  healthy  topics: ${topics% }"
  else
    echo "kafka  running  pid=$pid  $KAFKA_BOOTSTRAP  UNHEALTHY (no metadata)"; rc=1
  fi
else
  echo "kafka  stopped  $KAFKA_BOOTSTRAP"; rc=1
fi

if pid="$(pid_alive "$DAPRD_PIDFILE" "$DAPRD_MARKER")"; then
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "http://$STACK_HOST:$STACK_DAPR_HTTP_PORT/v1.0/healthz/outbound" 2>/dev/null || true)"
  comps="$(curl -s --max-time 2 "http://$STACK_HOST:$STACK_DAPR_HTTP_PORT/v1.0/metadata" 2>/dev/null |
    grep -o '"components":\[[^]]*\]' | grep -o '"name":"[^"]*"' | cut -d'"' -f4 | tr '\n' ' ' || true)"
  if [[ "$code" == "204" ]]; then
    echo "daprd  running  pid=$pid  http=$STACK_HOST:$STACK_DAPR_HTTP_PORT grpc=$STACK_DAPR_GRPC_PORT  healthy (outbound 204)  components: ${comps% }"
  else
    echo "daprd  running  pid=$pid  http=$STACK_HOST:$STACK_DAPR_HTTP_PORT  UNHEALTHY (outbound ${code:-no answer})"; rc=1
  fi
else
  echo "daprd  stopped  http=$STACK_HOST:$STACK_DAPR_HTTP_PORT"; rc=1
fi
exit "$rc"
