#!/usr/bin/env bash
# make bench: taskd under wrk, with the sidecar healthy, down and slow (2 s an answer).
# Workloads: GET /healthz (the same server's ceiling), POST /api/v1/tasks, a mixed workload, and
# (healthy sidecar only) POST /api/v1/tasks at steady rates below the saturated create rate: about
# 0.8 of it (`steady`: does publishing keep up?) and about half (`half`: commit -> sidecar latency).
# Each run has a sink of its own, which measures that latency for the run's events.
# Prints a table and writes bench/results/<timestamp>.json (and latest.json).
# Loopback only, bounded in time: 11 runs of BENCH_DURATION each.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD_DIR=${BUILD_DIR:-build}
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
USERS=${BENCH_USERS:-100}
SLOW_MS=${BENCH_SLOW_MS:-2000}
# The steady run's pacing: each connection pauses connections / (STEADY_FRACTION x saturated create
# rate) between requests. Its response time adds to the pause, so the rate achieved is lower (about
# 0.8 of saturation with 1.2 here); the report gives the share achieved.
STEADY_FRACTION=${BENCH_STEADY_FRACTION:-1.2}
HALF_FRACTION=${BENCH_HALF_FRACTION:-0.55}
WORK=bench/.work
BIN=$BUILD_DIR/bin

rm -rf "$WORK" && mkdir -p "$WORK" bench/results
export TASKS_JWT_SECRET="bench-secret-$(date +%s)-0123456789abcdef0123456789"
write_tokens "$BIN" "$USERS" "$WORK/tokens.txt"
export BENCH_TOKENS=$WORK/tokens.txt


backlog() { sqlite3 "file:$1?mode=ro" "SELECT COUNT(*) FROM outbox" 2> /dev/null || echo 0; }
drained() { [[ $(backlog "$1") -eq 0 ]]; }

SINK_PID="" TASKD_PID="" SAMPLER_PID=""
cleanup() {
  for pid in $SAMPLER_PID $TASKD_PID $SINK_PID; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
}
trap cleanup EXIT

: > "$WORK/results.jsonl"
for mode in healthy down slow; do
  workloads="healthz create mixed"
  [[ $mode == healthy ]] && workloads+=" steady half"
  for workload in $workloads; do
    run="$mode-$workload"
    db="$WORK/$run.db"
    SINK_PORT=$(free_port)
    SINK_PID=""
    if [[ $mode != down ]]; then
      delay=0; [[ $mode == slow ]] && delay=$SLOW_MS
      "$BIN/bench-sink" --port "$SINK_PORT" --delay-ms "$delay" > "$WORK/$run.sink.out" &
      SINK_PID=$!
      wait_for 10 grep -q ready "$WORK/$run.sink.out"
    fi
    port=$(free_port)
    TASKS_HTTP_ADDR=127.0.0.1:$port TASKS_ADMIN_ADDR=127.0.0.1:$(free_port) TASKS_DB=sqlite:$db \
      DAPR_HTTP_ENDPOINT=http://127.0.0.1:$SINK_PORT TASKS_LOG_LEVEL=error \
      "$BIN/taskd" > "$WORK/$run.taskd.log" 2>&1 &
    TASKD_PID=$!
    wait_for 20 curl -sf "http://127.0.0.1:$port/readyz"
    # Outbox backlog once a second while the load runs.
    (while true; do echo "$(backlog "$db")"; sleep 1; done) > "$WORK/$run.backlog" &
    SAMPLER_PID=$!
    pause_ms=30
    [[ $workload == steady ]] && pause_ms=$steady_delay_ms
    [[ $workload == half ]] && pause_ms=$half_delay_ms
    script=$workload; [[ $workload == half ]] && script=steady
    echo "== $run: wrk -t$THREADS -c$CONNECTIONS -d$DURATION" >&2
    BENCH_STEADY_DELAY_MS=$pause_ms \
      wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "bench/lua/$script.lua" "http://127.0.0.1:$port" \
      > "$WORK/$run.wrk.out"
    kill "$SAMPLER_PID" 2> /dev/null || true; wait "$SAMPLER_PID" 2> /dev/null || true; SAMPLER_PID=""
    end_backlog=$(backlog "$db")
    drain_seconds=null
    if [[ $mode == healthy ]]; then
      start=$(date +%s.%N)
      if wait_for 60 drained "$db"; then
        drain_seconds=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
      fi
    fi
    kill -TERM "$TASKD_PID"; wait "$TASKD_PID" || true; TASKD_PID=""
    if [[ -n $SINK_PID ]]; then kill -TERM "$SINK_PID"; wait "$SINK_PID" || true; SINK_PID=""; fi
    python3 - "$run" "$mode" "$workload" "$WORK/$run.wrk.out" "$WORK/$run.backlog" "$end_backlog" "$drain_seconds" \
      "$WORK/$run.sink.out" >> "$WORK/results.jsonl" << 'PY'
import json, os, sys
run, mode, workload, wrk_out, backlog_file, end_backlog, drain, sink_out = sys.argv[1:9]
line = [l for l in open(wrk_out) if l.startswith("{")][-1]
r = json.loads(line)
samples = [int(x) for x in open(backlog_file).read().split() if x.strip().isdigit()]
r.update(run=run, sidecar=mode, workload=workload, backlog_max=max(samples or [0]),
         backlog_end=int(end_backlog), drain_seconds=None if drain == "null" else float(drain))
# The sink's last line: publish requests, events delivered, commit -> sidecar latency.
sink = [json.loads(l) for l in open(sink_out) if l.startswith("{")] if os.path.exists(sink_out) else []
if sink:
    r.update(sink_requests=sink[-1].get("http_requests"), sink_events=sink[-1].get("delivered"),
             commit_to_sidecar_ms=sink[-1].get("latency_ms"))
print(json.dumps(r))
PY
    if [[ $run == healthy-create ]]; then
      # The steady runs' pause per connection, from this saturated rate (see STEADY_FRACTION).
      read -r steady_delay_ms half_delay_ms < <(python3 -c "import json; r=[json.loads(l) for l in open('$WORK/results.jsonl')][-1]; \
print(*(max(1, round($CONNECTIONS * 1000 / (f * r['rps']))) for f in ($STEADY_FRACTION, $HALF_FRACTION)))")
    fi
  done
done

python3 bench/report.py "$WORK/results.jsonl" \
  --duration "$DURATION" --connections "$CONNECTIONS" --threads "$THREADS" --users "$USERS" --slow-ms "$SLOW_MS" \
  --steady-fraction "$STEADY_FRACTION" --half-fraction "$HALF_FRACTION"
