#!/usr/bin/env bash
# Starts the local stack: a single-node KRaft Kafka broker, then daprd (pubsub-kafka).
#
#   stack/up.sh           Kafka (+ topics), then daprd
#   stack/up.sh kafka     only Kafka (+ topics)
#   stack/up.sh daprd     only daprd (Kafka must be reachable: component init dials it)
#
# Idempotent: whatever is already running is left alone. Pids, logs and Kafka data
# live in $STACK_STATE_DIR (default .stack/). Settings: see stack/lib.sh.
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------------------
kafka_healthy() {
  # Metadata answered by the broker itself (node 1), within 2 s.
  kcat -L -b "$KAFKA_BOOTSTRAP" -m 2 -t __stack_probe_none 2>/dev/null | grep -q "broker 1 at"
}

existing_topics() {
  kcat -L -b "$KAFKA_BOOTSTRAP" -m 5 2>/dev/null | sed -n 's/^  topic "\([^"]*\)".*/\1/p'
}

write_server_properties() {
  local f="$KAFKA_STATE/server.properties"
  cat >"$f" <<EOF
# Written by stack/up.sh; changes are lost on the next start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$STACK_HOST:$STACK_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$STACK_HOST:$STACK_KAFKA_PORT,CONTROLLER://$STACK_HOST:$STACK_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$STACK_HOST:$STACK_KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_STATE/data
num.partitions=$STACK_KAFKA_PARTITIONS
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=$STACK_KAFKA_AUTO_CREATE_TOPICS
num.network.threads=2
num.io.threads=2
log.retention.hours=168
EOF
}

start_kafka() {
  local pid
  if pid="$(pid_alive "$KAFKA_PIDFILE" "$KAFKA_MARKER")"; then
    log "kafka: already running (pid $pid, $KAFKA_BOOTSTRAP)"
  else
    rm -f "$KAFKA_PIDFILE"
    need_cmd java kcat
    local p
    for p in "$STACK_KAFKA_PORT" "$STACK_KAFKA_CONTROLLER_PORT"; do
      port_open "$p" && die "kafka: port $STACK_HOST:$p is already in use by another process"
    done
    local cp_file cp
    cp_file="$("$STACK_DIR/fetch-kafka.sh")"
    cp="$(<"$cp_file")"
    mkdir -p "$KAFKA_STATE/data" "$LOG_DIR"
    write_server_properties
    local java_opts=(
      "-Xms$STACK_KAFKA_HEAP" "-Xmx$STACK_KAFKA_HEAP"
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
      "-Dlog4j2.configurationFile=$STACK_DIR/kafka/log4j2.xml"
      "-Dkafka.logs.dir=$LOG_DIR"
    )
    if [[ ! -f "$KAFKA_STATE/data/meta.properties" ]]; then
      # Format the log dir once, with a fresh random cluster id (22 chars, base64url).
      local cluster_id
      cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
      log "kafka: formatting storage (cluster id $cluster_id)"
      java -Xmx256m "-Dlog4j2.configurationFile=$STACK_DIR/kafka/log4j2.xml" -cp "$cp" \
        kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_STATE/server.properties" \
        >>"$KAFKA_LOG" 2>&1 || die "kafka: storage format failed, see $KAFKA_LOG"
    fi
    log "kafka: starting $(kafka_version) on $KAFKA_BOOTSTRAP (log: $KAFKA_LOG)"
    local t0
    t0="$(now)"
    # Own session: not killed with the calling terminal or test runner's process group.
    setsid java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$KAFKA_STATE/server.properties" \
      >>"$KAFKA_LOG" 2>&1 </dev/null &
    echo $! >"$KAFKA_PIDFILE"
    local deadline
    deadline="$(deadline_in "$STACK_KAFKA_START_TIMEOUT")"
    until kafka_healthy; do
      proc_running "$(<"$KAFKA_PIDFILE")" ||
        { tail -n 30 "$KAFKA_LOG" >&2; die "kafka: process exited during start, see $KAFKA_LOG"; }
      past_deadline "$deadline" &&
        { tail -n 30 "$KAFKA_LOG" >&2; die "kafka: not ready after ${STACK_KAFKA_START_TIMEOUT}s (still running: stack/down.sh kafka)"; }
      poll_pause 0.25
    done
    log "kafka: ready in $(elapsed "$t0")s (pid $(<"$KAFKA_PIDFILE"))"
  fi
  create_topics
}

create_topics() {
  local have missing=() t cp
  have="$(existing_topics)"
  for t in $STACK_KAFKA_TOPICS; do
    grep -qxF -- "$t" <<<"$have" || missing+=("$t")
  done
  if ((${#missing[@]} == 0)); then
    log "kafka: topics present: $STACK_KAFKA_TOPICS"
    return 0
  fi
  cp="$(<"$("$STACK_DIR/fetch-kafka.sh")")"
  for t in "${missing[@]}"; do
    log "kafka: creating topic $t ($STACK_KAFKA_PARTITIONS partitions, replication 1)"
    java -Xmx256m "-Dlog4j2.configurationFile=$STACK_DIR/kafka/log4j2.xml" -cp "$cp" \
      org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" \
      --create --if-not-exists --topic "$t" \
      --partitions "$STACK_KAFKA_PARTITIONS" --replication-factor 1 >>"$KAFKA_LOG" 2>&1 ||
      die "kafka: creating topic $t failed, see $KAFKA_LOG"
  done
  # Poll until the broker's metadata shows every topic with all its partitions.
  local deadline
  deadline="$(deadline_in 30)"
  for t in "${missing[@]}"; do
    until kcat -L -b "$KAFKA_BOOTSTRAP" -m 2 -t "$t" 2>/dev/null |
      grep -q "topic \"$t\" with $STACK_KAFKA_PARTITIONS partitions"; do
      past_deadline "$deadline" && die "kafka: topic $t not visible in metadata after 30s"
      poll_pause 0.2
    done
  done
  log "kafka: topics ready: $STACK_KAFKA_TOPICS"
}

# ---------------------------------------------------------------------------
outbound_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "http://$STACK_HOST:$STACK_DAPR_HTTP_PORT/v1.0/healthz/outbound" 2>/dev/null || true
}

# Ready = outbound health 204 and every required component loaded (listed by the
# metadata API). Outbound health alone can answer 204 a moment before daprd exits
# on a component init failure.
daprd_ready() {
  [[ "$(outbound_status)" == "204" ]] || return 1
  local meta c
  meta="$(curl -s --max-time 2 "http://$STACK_HOST:$STACK_DAPR_HTTP_PORT/v1.0/metadata" 2>/dev/null)" || return 1
  for c in $STACK_DAPR_REQUIRED_COMPONENTS; do
    grep -qF "\"name\":\"$c\"" <<<"$meta" || return 1
  done
}

# The Component daprd runs is the Helm chart's own (charts/tasks/templates/dapr-component.yaml),
# rendered with values that point it at this stack's broker: the events on Kafka prove the
# chart's component configuration, not a hand-written copy of it.
render_components() {
  local dir="$1" helm
  helm="$("$STACK_DIR/build-go-tool.sh" helm)"
  mkdir -p "$dir"
  rm -f "$dir"/*.yaml
  "$helm" template tasks "$REPO_ROOT/charts/tasks" --api-versions dapr.io/v1alpha1 \
    --show-only templates/dapr-component.yaml -f "$STACK_DIR/component-values.yaml" \
    --set-json "pubsub.kafka.brokers=[\"$STACK_HOST:$STACK_KAFKA_PORT\"]" --set-string "dapr.appId=$STACK_APP_ID" \
    >"$dir/pubsub-kafka.yaml.tmp" || die "helm template of the chart's Component failed"
  mv "$dir/pubsub-kafka.yaml.tmp" "$dir/pubsub-kafka.yaml"
}

start_daprd() {
  local pid
  if pid="$(pid_alive "$DAPRD_PIDFILE" "$DAPRD_MARKER")"; then
    log "daprd: already running (pid $pid, http $STACK_HOST:$STACK_DAPR_HTTP_PORT, outbound $(outbound_status))"
    return 0
  fi
  rm -f "$DAPRD_PIDFILE"
  need_cmd curl
  local p
  for p in "$STACK_DAPR_HTTP_PORT" "$STACK_DAPR_GRPC_PORT" "$STACK_DAPR_INTERNAL_GRPC_PORT" "$STACK_DAPR_METRICS_PORT"; do
    port_open "$p" && die "daprd: port $STACK_HOST:$p is already in use by another process"
  done
  port_open "$STACK_KAFKA_PORT" ||
    log "daprd: warning: nothing listens on $KAFKA_BOOTSTRAP; component init will fail (start Kafka first: stack/up.sh kafka)"
  local bin res
  bin="$("$STACK_DIR/build-daprd.sh")"
  res="$(resources_path)"
  [[ -z "$STACK_RESOURCES_PATH" ]] && render_components "$res"
  mkdir -p "$DAPRD_STATE" "$LOG_DIR"
  local extra=()
  # shellcheck disable=SC2206
  [[ -n "$STACK_DAPRD_EXTRA_ARGS" ]] && extra=($STACK_DAPRD_EXTRA_ARGS)
  log "daprd: starting (app-id $STACK_APP_ID, http $STACK_DAPR_HTTP_PORT, grpc $STACK_DAPR_GRPC_PORT, resources $res, log: $DAPRD_LOG)"
  local t0
  t0="$(now)"
  # HOME points into the state dir so daprd never reads a developer's ~/.dapr.
  (
    cd "$DAPRD_STATE"
    DAPR_HOST_IP="$STACK_HOST" HOME="$DAPRD_STATE" exec setsid "$bin" \
      --app-id "$STACK_APP_ID" \
      --dapr-http-port "$STACK_DAPR_HTTP_PORT" \
      --dapr-grpc-port "$STACK_DAPR_GRPC_PORT" \
      --dapr-internal-grpc-port "$STACK_DAPR_INTERNAL_GRPC_PORT" \
      --dapr-internal-grpc-listen-address "$STACK_HOST" \
      --dapr-listen-addresses "$STACK_HOST" \
      --metrics-port "$STACK_DAPR_METRICS_PORT" \
      --metrics-listen-address "$STACK_HOST" \
      --resources-path "$res" \
      --log-level "$STACK_DAPR_LOG_LEVEL" \
      "${extra[@]}" \
      >>"$DAPRD_LOG" 2>&1 </dev/null
  ) &
  echo $! >"$DAPRD_PIDFILE"
  local deadline
  deadline="$(deadline_in "$STACK_DAPR_START_TIMEOUT")"
  until daprd_ready; do
    proc_running "$(<"$DAPRD_PIDFILE")" ||
      { tail -n 30 "$DAPRD_LOG" >&2; die "daprd: process exited during start, see $DAPRD_LOG"; }
    past_deadline "$deadline" &&
      { tail -n 30 "$DAPRD_LOG" >&2; die "daprd: outbound not healthy after ${STACK_DAPR_START_TIMEOUT}s (still running: stack/down.sh daprd)"; }
    poll_pause 0.2
  done
  log "daprd: ready in $(elapsed "$t0")s (pid $(<"$DAPRD_PIDFILE"), outbound 204, loaded: $STACK_DAPR_REQUIRED_COMPONENTS)"
}

# ---------------------------------------------------------------------------
what="${1:-all}"
case "$what" in
  all)   start_kafka; start_daprd ;;
  kafka) start_kafka ;;
  daprd|dapr) start_daprd ;;
  -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
  *) die "usage: $0 [all|kafka|daprd]" ;;
esac
