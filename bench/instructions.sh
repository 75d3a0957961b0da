#!/usr/bin/env bash
# Instructions per request (callgrind), a cost figure that does not depend on the machine's speed:
# taskd under valgrind --tool=callgrind with the bench sink as its (healthy) sidecar; counting is
# switched on just before a fixed workload (bench/fixed_load.py: the same requests every run) and
# off once every event it made has been delivered, so publishing is part of each request's cost.
# Prints a table and writes bench/results/instructions-<timestamp>.json (and -latest.json), with
# the change against the previous latest. BENCH_INSTR_WORKLOADS="create" runs only some workloads
# (printed, not recorded). Loopback only; bounded: COUNT requests per workload.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD_DIR=${BUILD_DIR:-build}
COUNT=${BENCH_INSTR_COUNT:-2000}
CONNECTIONS=${BENCH_INSTR_CONNECTIONS:-16}
USERS=${BENCH_USERS:-100}
WORK=bench/.work-instructions
BIN=$BUILD_DIR/bin

rm -rf "$WORK" && mkdir -p "$WORK" bench/results
export TASKS_JWT_SECRET="bench-secret-$(date +%s)-0123456789abcdef0123456789"
write_tokens "$BIN" "$USERS" "$WORK/tokens.txt"

backlog() { sqlite3 "file:$1?mode=ro" "SELECT COUNT(*) FROM outbox" 2> /dev/null || echo 0; }
drained() { [[ $(backlog "$1") -eq 0 ]]; }

SINK_PID="" TASKD_PID=""
cleanup() {
  for pid in $TASKD_PID $SINK_PID; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
}
trap cleanup EXIT

SINK_PORT=$(free_port)
"$BIN/bench-sink" --port "$SINK_PORT" > "$WORK/sink.out" &
SINK_PID=$!
wait_for 10 grep -q ready "$WORK/sink.out"

: > "$WORK/results.jsonl"
for workload in ${BENCH_INSTR_WORKLOADS:-healthz create mixed}; do
  db="$WORK/$workload.db"
  port=$(free_port)
  out="$WORK/$workload.callgrind"
  TASKS_HTTP_ADDR=127.0.0.1:$port TASKS_ADMIN_ADDR=127.0.0.1:$(free_port) TASKS_DB=sqlite:$db \
    DAPR_HTTP_ENDPOINT=http://127.0.0.1:$SINK_PORT TASKS_LOG_LEVEL=error \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$BIN/taskd" > "$WORK/$workload.taskd.log" 2>&1 &
  TASKD_PID=$!
  wait_for 120 curl -sf "http://127.0.0.1:$port/readyz"
  echo "== $workload: $COUNT requests over $CONNECTIONS connections, under callgrind" >&2
  callgrind_control -i on "$TASKD_PID" > /dev/null
  python3 bench/fixed_load.py --port "$port" --workload "$workload" --count "$COUNT" \
    --connections "$CONNECTIONS" --tokens "$WORK/tokens.txt" > "$WORK/$workload.load.json"
  wait_for 300 drained "$db" || { echo "the outbox did not drain within 300 s" >&2; exit 1; }
  callgrind_control -i off "$TASKD_PID" > /dev/null
  kill -TERM "$TASKD_PID"; wait "$TASKD_PID" || true; TASKD_PID=""
  python3 - "$workload" "$WORK/$workload.load.json" "$out" >> "$WORK/results.jsonl" << 'PY'
import json, sys
workload, load_file, out = sys.argv[1:4]
load = json.load(open(load_file))
instructions = 0
for line in open(out):
    if line.startswith("summary:") or line.startswith("totals:"):
        instructions = max(instructions, int(line.split()[1]))
ok = sum(n for s, n in load["by_status"].items() if s.startswith("2"))
print(json.dumps({"workload": workload, "requests": load["requests"], "ok": ok, "by_status": load["by_status"],
                  "instructions": instructions, "per_request": round(instructions / max(load["requests"], 1))}))
PY
done

python3 - "$WORK/results.jsonl" "$COUNT" "$CONNECTIONS" << 'PY'
import json, os, platform, sys, time
runs = [json.loads(l) for l in open(sys.argv[1])]
count, connections = sys.argv[2:4]
previous = None
if os.path.exists("bench/results/instructions-latest.json"):
    previous = {r["workload"]: r for r in json.load(open("bench/results/instructions-latest.json"))["runs"]}
healthz = next((r["per_request"] for r in runs if r["workload"] == "healthz"), None)
print("| workload | requests | instructions / request | × healthz | vs previous |")
print("| --- | ---: | ---: | ---: | ---: |")
for r in runs:
    r["vs_healthz"] = round(r["per_request"] / healthz, 1) if healthz else None
    before = previous.get(r["workload"]) if previous else None
    r["vs_previous"] = round(r["per_request"] / before["per_request"], 3) if before else None
    print(f"| {r['workload']} | {r['requests']} | {r['per_request']:,} | {r['vs_healthz']} | "
          f"{r['vs_previous'] if r['vs_previous'] is not None else '—'} |")
    bad = {s: n for s, n in r["by_status"].items() if not s.startswith("2") and s != "404"}
    if bad:
        sys.exit(f"{r['workload']}: unexpected answers {bad}")
if {r["workload"] for r in runs} != {"healthz", "create", "mixed"}:
    sys.exit(0)  # a partial run (BENCH_INSTR_WORKLOADS) is for looking, not for the record
when = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
doc = {"when": when, "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
       "settings": {"count": int(count), "connections": int(connections), "tool": "valgrind --tool=callgrind"},
       "runs": runs}
for name in (f"bench/results/instructions-{when}.json", "bench/results/instructions-latest.json"):
    json.dump(doc, open(name, "w"), indent=1)
print(f"written bench/results/instructions-{when}.json")
PY
