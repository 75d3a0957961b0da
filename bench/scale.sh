#!/usr/bin/env bash
# make bench-scale: the scale figures of issue 13 (bench/scale.py: memory per live user actor and
# after passivation at 100 k users, one user's 50 k tasks paged, single vs bulk publish through
# the real daprd + Kafka), then the 10 M-row outbox's delivery rate from bench/backlog.sh (three
# rate windows, BENCH_SCALE_BACKLOG_WINDOWS; its report needs one with a scraper). Not part of
# `make test`: about ten minutes once the caches exist (the 10 M-row file is generated once, ~1.5
# minutes). Prints a table and writes bench/results/scale-<timestamp>.json (and scale-latest.json).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD_DIR=${BUILD_DIR:-build}
BIN=$BUILD_DIR/bin
PARTS=${BENCH_SCALE_PARTS:-users,list,e2e,outbox}
WORK=bench/.work-scale
rm -rf "$WORK" && mkdir -p "$WORK" bench/results
STARTED=$(date -u +%Y%m%dT%H%M%SZ)

SINK_PID=""
trap '[[ -n $SINK_PID ]] && kill $SINK_PID 2> /dev/null; wait 2> /dev/null || true' EXIT
SINK_PORT=$(free_port)
"$BIN/bench-sink" --port "$SINK_PORT" > "$WORK/sink.out" &
SINK_PID=$!
wait_for 10 grep -q ready "$WORK/sink.out"

py_parts=$(tr ',' '\n' <<< "$PARTS" | grep -v '^outbox$' | paste -sd, || true)
if [[ -n $py_parts ]]; then
  python3 bench/scale.py --bin "$BIN" --parts "$py_parts" --sink-port "$SINK_PORT" \
    ${BENCH_SCALE_USERS:+--users "$BENCH_SCALE_USERS"} ${BENCH_SCALE_LIST_TASKS:+--list-tasks "$BENCH_SCALE_LIST_TASKS"} \
    ${BENCH_SCALE_E2E_TASKS:+--e2e-tasks "$BENCH_SCALE_E2E_TASKS"} --out "$WORK/scale.json" > /dev/null
else
  echo '{}' > "$WORK/scale.json"
fi
if [[ ,$PARTS, == *,outbox,* ]]; then
  echo "== bench-scale: outbox (bench/backlog.sh, rate windows)" >&2
  BUILD_DIR=$BUILD_DIR BENCH_BACKLOG_WINDOWS=${BENCH_SCALE_BACKLOG_WINDOWS:-A,B,A} ./bench/backlog.sh > "$WORK/backlog.out" ||
    true  # its monitoring checks are bench-backlog's; the rate is what this table takes
fi
backlog_args=()
[[ ,$PARTS, == *,outbox,* ]] && backlog_args=(--backlog bench/results/backlog-latest.json --since "$STARTED")
python3 bench/scale_report.py --scale "$WORK/scale.json" "${backlog_args[@]}" --out-dir bench/results
