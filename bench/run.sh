#!/usr/bin/env bash
# make bench: taskd under wrk, with the sidecar healthy, down and slow (2 s an answer).
# Workloads: GET /healthz (the same server's ceiling), POST /api/v1/tasks, a mixed workload, and
# (healthy sidecar only) POST /api/v1/tasks at steady rates below the saturated create rate: about
# 0.8 of it (`steady`: does publishing keep up?) and about half (`half`: commit -> sidecar latency).
# Each run has a sink of its own, which measures that latency for the run's events.
# Prints a table and writes bench/results/<timestamp>.json (and latest.json).
# Loopback only, bounded in time: 5 + 6 x BENCH_ROUNDS runs of BENCH_DURATION each.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD_DIR=${BUILD_DIR:-build}
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
USERS=${BENCH_USERS:-100}
SLOW_MS=${BENCH_SLOW_MS:-2000}
# How many times create and mixed run in each sidecar mode (the report takes the median).
ROUNDS=${BENCH_ROUNDS:-3}
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

# One wrk run: run_one MODE WORKLOAD ROUND appends its figures to results.jsonl.
run_one() {
  local mode=$1 workload=$2 round=$3
  local run="$mode-$workload-$round"
  local db="$WORK/$run.db" delay port end_backlog drain_seconds start pause_ms script
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
  python3 - "$run" "$mode" "$workload" "$round" "$WORK/$run.wrk.out" "$WORK/$run.backlog" "$end_backlog" \
    "$drain_seconds" "$WORK/$run.sink.out" >> "$WORK/results.jsonl" << 'PY'
import json, os, sys
run, mode, workload, rnd, wrk_out, backlog_file, end_backlog, drain, sink_out = sys.argv[1:10]
line = [l for l in open(wrk_out) if l.startswith("{")][-1]
r = json.loads(line)
samples = [int(x) for x in open(backlog_file).read().split() if x.strip().isdigit()]
r.update(run=run, sidecar=mode, workload=workload, round=int(rnd), backlog_max=max(samples or [0]),
         backlog_end=int(end_backlog), drain_seconds=None if drain == "null" else float(drain))
# The sink's last line: publish requests, events delivered, commit -> sidecar latency.
sink = [json.loads(l) for l in open(sink_out) if l.startswith("{")] if os.path.exists(sink_out) else []
if sink:
    r.update(sink_requests=sink[-1].get("http_requests"), sink_events=sink[-1].get("delivered"),
             commit_to_sidecar_ms=sink[-1].get("latency_ms"))
print(json.dumps(r))
PY
}

: > "$WORK/results.jsonl"
# Each mode's ceiling once; then the saturated workloads ROUNDS times, the modes interleaved in
# each round, so a drift of the machine's speed during the run falls on every mode alike (one
# 10 s run's p99 varies about 10 % from the next on this machine: a single run per mode cannot
# show whether down or slow stays within 10 % of healthy; the report compares medians).
for mode in healthy down slow; do run_one "$mode" healthz 1; done
for ((round = 1; round <= ROUNDS; round++)); do
  for mode in healthy down slow; do
    for workload in create mixed; do run_one "$mode" "$workload" "$round"; done
  done
done
# The paced runs' pause per connection, from the median saturated create rate (STEADY_FRACTION).
read -r steady_delay_ms half_delay_ms < <(python3 -c "
import json, statistics
rates = [r['rps'] for r in map(json.loads, open('$WORK/results.jsonl')) if (r['sidecar'], r['workload']) == ('healthy', 'create')]
print(*(max(1, round($CONNECTIONS * 1000 / (f * statistics.median(rates)))) for f in ($STEADY_FRACTION, $HALF_FRACTION)))")
run_one healthy steady 1
run_one healthy half 1

python3 bench/report.py "$WORK/results.jsonl" \
  --duration "$DURATION" --connections "$CONNECTIONS" --threads "$THREADS" --users "$USERS" --slow-ms "$SLOW_MS" --rounds "$ROUNDS" \
  --steady-fraction "$STEADY_FRACTION" --half-fraction "$HALF_FRACTION"
