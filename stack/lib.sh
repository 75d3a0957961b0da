# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Shared settings and helpers for the stack/*.sh scripts. Sourced, not run.
#
# Every setting can be overridden from the environment, so tests can run a
# second, independent stack (other ports, other STACK_STATE_DIR).

export LC_ALL=C  # EPOCHREALTIME and awk need "." as the decimal separator
STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$STACK_DIR/.." && pwd)"

# --- where things live ------------------------------------------------------
STACK_CACHE_DIR="${STACK_CACHE_DIR:-$REPO_ROOT/.cache}"   # slow downloads, builds (ignored)
STACK_STATE_DIR="${STACK_STATE_DIR:-$REPO_ROOT/.stack}"   # pids, logs, Kafka data (ignored)

# --- network (loopback only) -------------------------------------------------
STACK_HOST="${STACK_HOST:-127.0.0.1}"
STACK_KAFKA_PORT="${STACK_KAFKA_PORT:-19092}"
STACK_KAFKA_CONTROLLER_PORT="${STACK_KAFKA_CONTROLLER_PORT:-19093}"
STACK_DAPR_HTTP_PORT="${STACK_DAPR_HTTP_PORT:-3500}"
STACK_DAPR_GRPC_PORT="${STACK_DAPR_GRPC_PORT:-50001}"
STACK_DAPR_INTERNAL_GRPC_PORT="${STACK_DAPR_INTERNAL_GRPC_PORT:-50002}"
STACK_DAPR_METRICS_PORT="${STACK_DAPR_METRICS_PORT:-9091}"

# --- Kafka -------------------------------------------------------------------
STACK_KAFKA_HEAP="${STACK_KAFKA_HEAP:-512m}"
STACK_KAFKA_TOPICS="${STACK_KAFKA_TOPICS:-task-events task-updates reminders}"
STACK_KAFKA_PARTITIONS="${STACK_KAFKA_PARTITIONS:-3}"
# false: a publish to a topic that was not created fails instead of silently creating it.
STACK_KAFKA_AUTO_CREATE_TOPICS="${STACK_KAFKA_AUTO_CREATE_TOPICS:-false}"

# --- Dapr --------------------------------------------------------------------
STACK_APP_ID="${STACK_APP_ID:-tasks-backend}"
STACK_DAPR_LOG_LEVEL="${STACK_DAPR_LOG_LEVEL:-info}"
# Components directory. Empty: the Helm chart's pubsub Component (charts/tasks), rendered by
# `helm template` for STACK_HOST:STACK_KAFKA_PORT and STACK_APP_ID into $STACK_STATE_DIR/daprd/components.
STACK_RESOURCES_PATH="${STACK_RESOURCES_PATH:-}"
# Components that must be loaded before daprd counts as ready.
STACK_DAPR_REQUIRED_COMPONENTS="${STACK_DAPR_REQUIRED_COMPONENTS:-pubsub-kafka}"
# Extra daprd flags, e.g. STACK_DAPRD_EXTRA_ARGS="--enable-api-logging"
STACK_DAPRD_EXTRA_ARGS="${STACK_DAPRD_EXTRA_ARGS:-}"

# --- deadlines (seconds) -----------------------------------------------------
STACK_KAFKA_START_TIMEOUT="${STACK_KAFKA_START_TIMEOUT:-90}"
STACK_DAPR_START_TIMEOUT="${STACK_DAPR_START_TIMEOUT:-60}"
STACK_STOP_TIMEOUT="${STACK_STOP_TIMEOUT:-30}"

KAFKA_STATE="$STACK_STATE_DIR/kafka"
DAPRD_STATE="$STACK_STATE_DIR/daprd"
LOG_DIR="$STACK_STATE_DIR/logs"
KAFKA_PIDFILE="$KAFKA_STATE/kafka.pid"
DAPRD_PIDFILE="$DAPRD_STATE/daprd.pid"
KAFKA_LOG="$LOG_DIR/kafka.log"
DAPRD_LOG="$LOG_DIR/daprd.log"
KAFKA_BOOTSTRAP="$STACK_HOST:$STACK_KAFKA_PORT"
# Substrings of the processes' command lines, checked before trusting a pid file.
KAFKA_MARKER="$KAFKA_STATE/server.properties"
DAPRD_MARKER="--app-id $STACK_APP_ID --dapr-http-port $STACK_DAPR_HTTP_PORT"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' not found (see stack/README.md, 'Needs')"
  done
}

# Seconds since the epoch, with fractions (bash 5 EPOCHREALTIME).
now() { printf '%s' "${EPOCHREALTIME}"; }
# elapsed START -> prints seconds with one decimal
elapsed() { awk -v a="$1" -v b="${EPOCHREALTIME}" 'BEGIN { printf "%.1f", b - a }'; }
# past_deadline DEADLINE -> true when now >= DEADLINE (epoch seconds)
past_deadline() { awk -v d="$1" -v n="${EPOCHREALTIME}" 'BEGIN { exit !(n >= d) }'; }
deadline_in() { awk -v s="$1" -v n="${EPOCHREALTIME}" 'BEGIN { printf "%.3f", n + s }'; }

# Polling interval between checks. Not synchronisation: every wait below polls a
# condition and gives up at a deadline.
poll_pause() { sleep "${1:-0.2}"; }

# port_open PORT -> true when something accepts TCP connections on STACK_HOST:PORT
port_open() { (exec 3<>"/dev/tcp/$STACK_HOST/$1") 2>/dev/null; }

# proc_running PID -> true while PID exists and is not a zombie
proc_running() {
  [[ "$1" =~ ^[0-9]+$ && -r "/proc/$1/stat" ]] || return 1
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]]
}

# pid_alive PIDFILE MARKER -> prints the pid and succeeds when the process in
# PIDFILE is alive and its command line contains MARKER (guards against pid reuse).
pid_alive() {
  local pidfile="$1" marker="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1
  # a zombie is not alive
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]] || return 1
  printf '%s' "$pid"
}

# stop_pidfile NAME PIDFILE MARKER: SIGTERM, wait with a deadline, then SIGKILL.
stop_pidfile() {
  local name="$1" pidfile="$2" marker="$3" pid deadline t0
  if ! pid="$(pid_alive "$pidfile" "$marker")"; then
    if [[ -f "$pidfile" ]]; then
      log "$name: not running (removing stale pid file)"
      rm -f "$pidfile"
    else
      log "$name: not running"
    fi
    return 0
  fi
  t0="$(now)"
  log "$name: stopping pid $pid (SIGTERM, deadline ${STACK_STOP_TIMEOUT}s)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline="$(deadline_in "$STACK_STOP_TIMEOUT")"
  while pid_alive "$pidfile" "$marker" >/dev/null; do
    if past_deadline "$deadline"; then
      log "$name: still alive after ${STACK_STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline="$(deadline_in 10)"
      while pid_alive "$pidfile" "$marker" >/dev/null; do
        past_deadline "$deadline" && die "$name: pid $pid survived SIGKILL"
        poll_pause 0.1
      done
      break
    fi
    poll_pause 0.1
  done
  rm -f "$pidfile"
  log "$name: stopped in $(elapsed "$t0")s"
}

# use_go GOFLAGS: finds the Go toolchain (GO, else go on PATH, else /usr/local/go) and points
# every Go build of the stack (daprd, helm, kubectl-validate, ...) at the shared caches.
use_go() {
  GO="${GO:-}"
  if [[ -z "$GO" ]]; then
    if command -v go >/dev/null 2>&1; then GO="$(command -v go)"
    elif [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go
    else die "Go not found (need Go >= 1.26.6; set GO=/path/to/go)"
    fi
  fi
  export GOMODCACHE="$STACK_CACHE_DIR/go/mod"
  export GOCACHE="$STACK_CACHE_DIR/go/build"
  export GOTOOLCHAIN=local  # never download another toolchain
  export GOFLAGS="$1"
  export CGO_ENABLED=0
}

# go_module_dir MODULE@VERSION -> prints the module's source directory in the module cache
# (downloaded from the module proxy when missing). Needs use_go first.
go_module_dir() {
  local dir
  dir="$("$GO" mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$dir" ]] || die "go mod download $1 gave no source directory"
  printf '%s' "$dir"
}

kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$STACK_DIR/kafka/pom.xml" | head -n1
}
kafka_classpath_file() { printf '%s/kafka/classpath-%s.txt' "$STACK_CACHE_DIR" "$(kafka_version)"; }

# Resources path handed to daprd.
resources_path() {
  if [[ -n "$STACK_RESOURCES_PATH" ]]; then
    printf '%s' "$STACK_RESOURCES_PATH"
  else
    printf '%s' "$DAPRD_STATE/components"
  fi
}
