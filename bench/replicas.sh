#!/usr/bin/env bash
# make bench-replicas: 1, 2 and 3 taskd replicas on ONE PostgreSQL (started here, in
# bench/.work/replicas/pg, removed at the end), publishing to one bench sink. For each replica
# count: POST /api/v1/tasks as fast as it goes, the mixed workload, and POST at one steady rate
# below saturation (the same for every count) for the commit->sidecar latency. The counts run in
# the order 1 2 3 3 2 1 (a fresh database and cluster each time); the report averages the two
# passes' throughput and shows both passes' latencies: the cores are shared with whatever else
# runs, and this order spreads a load that drifts during the run over every count instead of
# charging it to one. The load is one wrk per replica at once, the connections split between
# them; every wrk cycles over all users, so each user's requests reach every replica. After each
# run: the outbox drained, and the events committed compared with what the sink saw. Prints
# tables (bench/replicas_report.py) and writes bench/results/replicas-<timestamp>.json. Loopback
# only; about 3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD_DIR=${BUILD_DIR:-build}
DURATION=${BENCH_DURATION:-8s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
USERS=${BENCH_USERS:-100}
COUNTS=${BENCH_REPLICAS:-1 2 3 3 2 1}
# The steady run's target: this share of the first count's saturated create rate, for every
# count, so that the latencies compare at one load. Each connection pauses
# connections / target between requests; its response time adds to that, so the rate reached is
# a little lower (reported).
STEADY_SHARE=${BENCH_STEADY_SHARE:-0.5}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
WORK=bench/.work/replicas
BIN=$BUILD_DIR/bin
# Run from the scratch folder with core dumps allowed, so that a replica that crashes leaves its
# core there (where the system's core_pattern puts it relative to the process) for gdb.
TASKD_BIN=$PWD/$BIN/taskd
TASKD() { cd "$WORK" && { ulimit -c unlimited 2> /dev/null || true; } && exec "$TASKD_BIN"; }

rm -rf "$WORK" && mkdir -p "$WORK/pg" bench/results
export TASKS_JWT_SECRET="bench-secret-$(date +%s)-0123456789abcdef0123456789"
write_tokens "$BIN" "$USERS" "$WORK/tokens.txt"
export BENCH_TOKENS=$WORK/tokens.txt


# PostgreSQL refuses to run as root: as the postgres user then, as in tests/support/postgres_server.cpp.
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PG_DIR=$PWD/$WORK/pg
[[ $(id -u) -eq 0 ]] && chown postgres: "$PG_DIR"
PG_PORT=$(free_port)
sql() { psql -h 127.0.0.1 -p "$PG_PORT" -U tasks -d "$1" -Atqc "$2"; }

SINK_PID="" SAMPLER_PID="" TASKD_PIDS=() PG_STARTED=""
# One sink per run (its figures are the run's): started on the replicas' DAPR_HTTP_ENDPOINT port
# while nothing is pending, stopped (SIGTERM: it prints its JSON line) once the outbox is empty.
start_sink() {  # start_sink RUN
  "$BIN/bench-sink" --port "$SINK_PORT" --count-ids > "$WORK/$1.sink.out" &
  SINK_PID=$!
  wait_for 10 grep -q ready "$WORK/$1.sink.out"
}
stop_sink() {
  [[ -n $SINK_PID ]] || return 0
  kill -TERM "$SINK_PID"; wait "$SINK_PID" || true; SINK_PID=""
}
# Each replica's lease changes (/metrics) and writer status (fenced settles), before and after a run.
snapshot() {  # snapshot RUN SUFFIX
  for ((i = 0; i < n; i++)); do
    curl -sf "http://127.0.0.1:${admins[i]}/metrics" > "$WORK/$1.r$((i + 1)).metrics$2"
    curl -sf "http://127.0.0.1:${admins[i]}/admin/actors/persistence" > "$WORK/$1.r$((i + 1)).writer$2.json"
  done
}
cleanup() {
  for pid in $SAMPLER_PID "${TASKD_PIDS[@]}" $SINK_PID; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  [[ -n $PG_STARTED ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop > /dev/null 2>&1 || true
  cp "$PG_DIR/server.log" "$WORK/pg-server.log" 2> /dev/null || true  # the deadlocks' details, if any
  rm -rf "$PG_DIR"
}
trap cleanup EXIT

# Durable as in production (fsync, synchronous_commit on): the database is what the replicas
# share, so its commit cost is part of what is measured. Room for 3 replicas' connections.
echo "== PostgreSQL on 127.0.0.1:$PG_PORT ($PG_DIR)" >&2
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U tasks --auth=trust -E UTF8 --no-locale > "$WORK/initdb.log" 2>&1
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=100" start > /dev/null
PG_STARTED=1
sql postgres "SELECT version()" > "$WORK/pg-version.txt"

# The cluster as one replica's admin API sees it: N live replicas holding every bucket, each at
# least its even share (the plan of core/lease_plan.cpp once the surplus has moved).
balanced() {
  curl -sf "http://127.0.0.1:$1/admin/cluster" | python3 -c '
import json, sys
n = int(sys.argv[1]); c = json.load(sys.stdin)
live = [r for r in c["replicas"] if r["live"]]
shared = len(live) == n and sum(r["buckets"] for r in live) == c["bucket_count"]
sys.exit(0 if shared and min(r["buckets"] for r in live) >= c["bucket_count"] // n else 1)' "$2"
}

drained() { [[ $(sql "$1" "SELECT COUNT(*) FROM outbox") -eq 0 ]]; }
# Outbox ids handed out so far (each committed event takes one; a rolled-back one leaves a gap)
# and the users' commit sequences summed (one per commit with events; rolled back with it).
ids_allocated() { sql "$1" "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM outbox_id_seq"; }
commits_made() { sql "$1" "SELECT COALESCE(SUM(commit_seq), 0) FROM user_sequences"; }

: > "$WORK/results.jsonl"
first_create_rps="" pass=0
for n in $COUNTS; do
  pass=$((pass + 1)) db=bench_$pass
  sql postgres "CREATE DATABASE $db"
  SINK_PORT=$(free_port)
  start_sink "$pass-n$n-create"
  # Short leases so that the surplus moves within seconds of the replicas' start (the takeover
  # grace is the publish timeout + 2 s); every replica started at once, as a deployment does.
  TASKD_PIDS=() ports=() admins=()
  for ((i = 1; i <= n; i++)); do
    ports+=("$(free_port)") admins+=("$(free_port)")
    TASKS_REPLICA_ID=r$i TASKS_HTTP_ADDR=127.0.0.1:${ports[-1]} TASKS_ADMIN_ADDR=127.0.0.1:${admins[-1]} \
      TASKS_DB=postgresql://tasks@127.0.0.1:$PG_PORT/$db DAPR_HTTP_ENDPOINT=http://127.0.0.1:$SINK_PORT \
      TASKS_PUBLISH_TIMEOUT=1s TASKS_LEASE_DURATION=2s TASKS_LEASE_RENEW_INTERVAL=500ms TASKS_LOG_LEVEL=warn \
      TASKD > "$WORK/$pass-n$n-r$i.taskd.log" 2>&1 &
    TASKD_PIDS+=($!)
  done
  started=$(date +%s.%N)
  for ((i = 0; i < n; i++)); do
    wait_for 30 curl -sf "http://127.0.0.1:${ports[i]}/readyz" ||
      { echo "replica r$((i + 1)) never ready" >&2; exit 1; }
  done
  for ((i = 0; i < n; i++)); do
    wait_for 30 balanced "${admins[i]}" "$n" || { echo "$n replicas never shared the buckets" >&2; exit 1; }
  done
  balanced_after=$(python3 -c "print(round($(date +%s.%N) - $started, 2))")
  echo "== $n replica(s) ready and sharing the buckets after $balanced_after s" >&2
  curl -sf "http://127.0.0.1:${admins[0]}/admin/cluster" > "$WORK/$pass-n$n-cluster-start.json"

  for workload in create mixed steady; do
    run=$pass-n$n-$workload
    [[ -n $SINK_PID ]] || start_sink "$run"
    ids_before=$(ids_allocated "$db") commits_before=$(commits_made "$db")
    snapshot "$run" -before
    run_started=$(date -u +%FT%T.%3NZ)
    (while true; do sql "$db" "SELECT COUNT(*) FROM outbox" || true; sleep 1; done) > "$WORK/$run.backlog" &
    SAMPLER_PID=$!
    # One wrk per replica, all at once; the connections split between them (one wrk thread each
    # when there are several, so that the load generators' threads stay about two).
    threads=2; ((n > 1)) && threads=1
    wrk_pids=()
    for ((i = 0; i < n; i++)); do
      c=$((CONNECTIONS / n + (i < CONNECTIONS % n ? 1 : 0)))
      BENCH_STEADY_DELAY_MS=${steady_delay_ms:-30} \
        wrk -t"$threads" -c"$c" -d"$DURATION" -s "bench/lua/$workload.lua" "http://127.0.0.1:${ports[i]}" \
        > "$WORK/$run.r$((i + 1)).wrk.out" &
      wrk_pids+=($!)
    done
    echo "== $run: $n x wrk -t$threads, $CONNECTIONS connections in all, $DURATION" >&2
    for pid in "${wrk_pids[@]}"; do wait "$pid"; done
    # A replica that died under the load makes the run meaningless: say which, how, and stop.
    for ((i = 0; i < n; i++)); do
      kill -0 "${TASKD_PIDS[i]}" 2> /dev/null && continue
      rc=0; wait "${TASKD_PIDS[i]}" || rc=$?
      ((rc > 128)) && rc="$rc (signal $((rc - 128)))"
      echo "replica r$((i + 1)) exited during $run with status $rc; its log: $WORK/$pass-n$n-r$((i + 1)).taskd.log" >&2
      exit 1
    done
    kill "$SAMPLER_PID" 2> /dev/null || true; wait "$SAMPLER_PID" 2> /dev/null || true; SAMPLER_PID=""
    end_backlog=$(sql "$db" "SELECT COUNT(*) FROM outbox")
    start=$(date +%s.%N) drain_seconds=null
    if wait_for 60 drained "$db"; then drain_seconds=$(python3 -c "print(round($(date +%s.%N) - $start, 2))"); fi
    ids_after=$(ids_allocated "$db") commits_after=$(commits_made "$db") run_ended=$(date -u +%FT%T.%3NZ)
    dead=$(sql "$db" "SELECT COUNT(*) FROM dead_letters")
    curl -sf "http://127.0.0.1:${admins[0]}/admin/cluster" > "$WORK/$run.cluster.json"
    snapshot "$run" ""
    stop_sink
    python3 bench/replicas_run.py "$WORK" "$run" "$pass" "$n" "$workload" "$end_backlog" "$drain_seconds" \
      "$((ids_after - ids_before))" "$((commits_after - commits_before))" "$dead" "$balanced_after" \
      "$run_started" "$run_ended" >> "$WORK/results.jsonl"
    if [[ $workload == create && -z $first_create_rps ]]; then
      first_create_rps=$(tail -1 "$WORK/results.jsonl" | python3 -c "import json, sys; print(json.load(sys.stdin)['rps'])")
      # The steady run's pause per connection, from the first count's saturated rate.
      steady_delay_ms=$(python3 -c "print(max(1, round($CONNECTIONS * 1000 / ($STEADY_SHARE * $first_create_rps))))")
    fi
  done
  for pid in "${TASKD_PIDS[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  for pid in "${TASKD_PIDS[@]}"; do
    rc=0; wait "$pid" || rc=$?
    ((rc == 0)) || echo "== a replica of pass $pass exited with status $rc on SIGTERM" >&2
  done
  TASKD_PIDS=()
done

python3 bench/replicas_report.py "$WORK/results.jsonl" --duration "$DURATION" --connections "$CONNECTIONS" \
  --users "$USERS" --steady-share "$STEADY_SHARE" --pg-version "$(cat "$WORK/pg-version.txt")"
