#!/usr/bin/env bash
# make bench-backlog: monitoring at a 10 M-row outbox backlog (issue 10, point 5). taskd (SQLite)
# publishes the backlog to the bench sink while bench/backlog_probe.py measures the latency of
# GET /metrics, /admin/outbox, /admin/outbox/task-events and /admin/lanes (target: p99 < 50 ms),
# and the delivery rate without and with a scraper on /metrics and /admin/outbox every 100 ms
# (target: with >= 0.95 of without). "The same cost at any backlog" is checked against a baseline:
# the same users and lanes with 300 k rows, publishers paused in both (p50 within x1.5 + 1 ms).
# Prints PASS/FAIL per check, writes bench/results/backlog-<timestamp>.json (and
# backlog-latest.json), exits 1 on FAIL.
#
# The backlog is generated once by bench-backlog-gen into a file taskd has migrated, and cached in
# .cache/bench-backlog/ under a key of the parameters, the schema and the generator's source.
# Each run first puts back what the previous one delivered and checks the file (`restore`), so
# every run starts from the same rows without copying gigabytes. Loopback only; after the cache
# exists a run takes about three minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD_DIR=${BUILD_DIR:-build}
ROWS=${BENCH_BACKLOG_ROWS:-10000000}
USERS=${BENCH_BACKLOG_USERS:-10000}
BLOCKED_USERS=${BENCH_BACKLOG_BLOCKED_USERS:-100}  # on each topic: 300 lanes, 100 k rows at the defaults
BACKOFF_USERS=${BENCH_BACKLOG_BACKOFF_USERS:-100}
REQUESTS=${BENCH_BACKLOG_REQUESTS:-100}  # per route; 100 makes the p99 the 99th, not the max
WINDOW=${BENCH_BACKLOG_WINDOW:-10}  # seconds a rate window lasts; A without a scraper, B with
WINDOWS=${BENCH_BACKLOG_WINDOWS:-A,B,B,A,A,B,B,A}
WARMUP=${BENCH_BACKLOG_WARMUP:-5}
SCRAPE_PATHS=${BENCH_BACKLOG_SCRAPE_PATHS:-/metrics}  # what the B windows scrape every 100 ms (a Prometheus scraper)
BASELINE_ROWS=${BENCH_BACKLOG_BASELINE_ROWS:-300000}
CACHE=.cache/bench-backlog
WORK=$CACHE/work
BIN=$BUILD_DIR/bin

rm -rf "$WORK" && mkdir -p "$WORK" bench/results


SINK_PID="" TASKD_PID=""
cleanup() {
  for pid in $TASKD_PID $SINK_PID; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
}
trap cleanup EXIT

# start_taskd DB LOG [SINK_PORT]: taskd on the file, dev-mode auth; sets TASKD_PID and ADMIN.
start_taskd() {
  local port admin_port
  port=$(free_port) admin_port=$(free_port)
  ADMIN=http://127.0.0.1:$admin_port
  TASKS_HTTP_ADDR=127.0.0.1:$port TASKS_ADMIN_ADDR=127.0.0.1:$admin_port TASKS_DB=sqlite:$1 \
    DAPR_HTTP_ENDPOINT=http://127.0.0.1:${3:-9} TASKS_LOG_LEVEL=warn TASKS_LOG_FORMAT=text \
    "$BIN/taskd" > "$2" 2>&1 &
  TASKD_PID=$!
  if ! wait_for 120 curl -sf "http://127.0.0.1:$port/readyz"; then
    echo "taskd did not get ready; its log:" >&2; tail -20 "$2" >&2; exit 2
  fi
}
stop_taskd() { kill -TERM "$TASKD_PID"; wait "$TASKD_PID" || true; TASKD_PID=""; }

# The schema as taskd's migrations make it: a fresh file, taskd started on it once and stopped.
# It keys the cache, and it is the file the generator fills when the cache misses.
echo "== schema: taskd on a fresh file" >&2
start_taskd "$WORK/schema.db" "$WORK/schema.taskd.log"
stop_taskd
schema_version=$(sqlite3 "$WORK/schema.db" "SELECT MAX(version) FROM schema_migrations")
schema_hash=$(sqlite3 "$WORK/schema.db" "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name" |
  sha256sum | cut -c1-12)
gen_hash=$(sha256sum bench/backlog_gen.cpp | cut -c1-12)
key=r$ROWS-u$USERS-b$BLOCKED_USERS-k$BACKOFF_USERS-v$schema_version-$schema_hash-$gen_hash
DB=$CACHE/backlog-$key.db META=$CACHE/backlog-$key.json

db_source=cached
if [[ -f $DB && -f $META ]]; then
  echo "== restore and check the cached backlog ($DB)" >&2
  if ! "$BIN/bench-backlog-gen" restore --db "$DB" --meta "$META" > "$WORK/restore.json"; then
    echo "the cached file is not consistent: generating it again" >&2
    rm -f "$DB" "$DB-wal" "$DB-shm" "$META"
  fi
fi
if [[ ! -f $DB || ! -f $META ]]; then
  # One cached backlog at a time: each is several gigabytes.
  rm -f "$CACHE"/backlog-*
  echo "== generate $ROWS rows ($USERS users) into $DB" >&2
  cp "$WORK/schema.db" "$DB.partial"
  start=$(date +%s.%N)
  "$BIN/bench-backlog-gen" generate --db "$DB.partial" --meta "$META.partial" --rows "$ROWS" --users "$USERS" \
    --blocked-users "$BLOCKED_USERS" --backoff-users "$BACKOFF_USERS"
  mv "$DB.partial" "$DB" && mv "$META.partial" "$META"
  db_source="generated in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
fi

# The baseline: the same users and lanes with 1/33 of the rows (10 a lane), publishers paused.
# The sidecar is unreachable so that no lane drains before the pause (outages dead-letter nothing).
echo "== baseline: $BASELINE_ROWS rows, the same $USERS users" >&2
cp "$WORK/schema.db" "$WORK/baseline.db"
"$BIN/bench-backlog-gen" generate --db "$WORK/baseline.db" --meta "$WORK/baseline.json" --rows "$BASELINE_ROWS" \
  --users "$USERS" --blocked-users "$BLOCKED_USERS" --backoff-users "$BACKOFF_USERS" 2> "$WORK/baseline.gen.log"
start_taskd "$WORK/baseline.db" "$WORK/baseline.taskd.log"
python3 bench/backlog_probe.py baseline --admin "$ADMIN" --requests "$REQUESTS" --out "$WORK/baseline.out.json"
stop_taskd
rm -f "$WORK/baseline.db"

echo "== taskd on the backlog, publishing to the bench sink" >&2
SINK_PORT=$(free_port)
"$BIN/bench-sink" --port "$SINK_PORT" > "$WORK/sink.out" &
SINK_PID=$!
wait_for 10 grep -q ready "$WORK/sink.out"
start_taskd "$DB" "$WORK/taskd.log" "$SINK_PORT"
python3 bench/backlog_probe.py measure --admin "$ADMIN" --requests "$REQUESTS" --warmup "$WARMUP" \
  --window "$WINDOW" --windows "$WINDOWS" --taskd-pid "$TASKD_PID" --scrape-paths "$SCRAPE_PATHS" \
  --out "$WORK/measure.json"
stop_taskd
kill -TERM "$SINK_PID"; wait "$SINK_PID" || true; SINK_PID=""

# How SQLite runs the outbox statements on this file, before the restore puts rows back.
python3 bench/backlog_probe.py plans --db "$DB" --out "$WORK/plans.json"

python3 - "$META" "$DB" "$db_source" "$WORK/restore.json" "$WORK/sink.out" > "$WORK/context.json" << 'PY'
import json, os, sys
meta, db, source, restore, sink = sys.argv[1:6]
p = json.load(open(meta))
# Lane (topic t, user u) has tasks u, u + users, ... below (rows - t + 2) // 3 (bench/backlog_gen.cpp).
lane_rows = lambda t, u: max(0, ((p["rows"] - t + 2) // 3 - 1 - u) // p["users"] + 1)
rows_of = lambda users: sum(lane_rows(t, u) for t in range(3) for u in users)
blocked = rows_of(range(p["blocked_users"]))
backoff = rows_of(range(p["blocked_users"], p["blocked_users"] + p["backoff_users"]))
sink_line = [l for l in open(sink) if l.startswith("{")]
print(json.dumps({
    "rows": p["rows"], "users": p["users"], "lanes": 3 * p["users"],
    "blocked_lanes": 3 * p["blocked_users"], "blocked_rows": blocked,
    "backoff_lanes": 3 * p["backoff_users"], "backoff_rows": backoff,
    "generate_seconds": p.get("generate_seconds"), "db_source": source,
    "db_bytes": os.path.getsize(db) if os.path.exists(db) else 0,
    "restore": json.load(open(restore)) if os.path.exists(restore) else None,
    "sink": json.loads(sink_line[-1]) if sink_line else None}))
PY

# Retried rows past a lane's head would survive a restore: a run that saw publish failures
# costs the cache instead (the next run generates it again).
failures=$(python3 -c "import json; print(int(json.load(open('$WORK/measure.json'))['metrics_after']\
['tasks_events_publish_failures_total'] or 0))")
if ((failures > 0)); then
  echo "publish failures during the run: dropping the cache" >&2
  rm -f "$DB" "$META"
fi

python3 bench/backlog_probe.py report --measure "$WORK/measure.json" --context "$WORK/context.json" \
  --plans "$WORK/plans.json" --baseline "$WORK/baseline.out.json" --requests "$REQUESTS"
