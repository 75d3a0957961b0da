#!/usr/bin/env bash
# taskctl shell for real. A real taskd on free loopback ports with a temporary SQLite database
# and an admin token, publishing to a sidecar stand-in that takes alice's events and refuses
# bob's as unreadable (so there are real dead letters and blocked lanes), and tasks of the two
# users created with curl (so there are user actors). Then:
#   1. `taskctl shell -c` commands: their output and exit statuses (0 worked, 1 the service said
#      no or the command was invalid, 2 unreachable);
#   2. an interactive session in a detached tmux terminal (200x50, TERM=xterm, its own history
#      file): the prompt, Tab completion of a command and of an actor id, a table, Ctrl-C at
#      the prompt, Up-arrow recall, quit, and the history file afterwards.
# Every wait polls with a deadline; taskd, the sidecar and tmux are always stopped on exit.
# Needs TASKD_BIN and TASKCTL_BIN (ctest sets them), curl, python3 and tmux.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${TASKD_BIN:?set TASKD_BIN to the taskd binary}"
: "${TASKCTL_BIN:?set TASKCTL_BIN to the taskctl binary}"

work=$(mktemp -d /tmp/shell-terminal.XXXXXX)
tmux_socket="$work/tmux.sock"
taskd_pid=""
sidecar_pid=""

cleanup() {
  tmux -S "$tmux_socket" kill-server 2>/dev/null || true
  if [[ -n $taskd_pid ]]; then
    kill -TERM "$taskd_pid" 2>/dev/null || true
    wait "$taskd_pid" 2>/dev/null || true
  fi
  if [[ -n $sidecar_pid ]]; then
    kill -TERM "$sidecar_pid" 2>/dev/null || true
    wait "$sidecar_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  if [[ -f $work/taskd.log ]]; then
    echo "--- last lines of taskd's log" >&2
    tail -n 20 "$work/taskd.log" >&2
  fi
  exit 1
}
ok() { echo "ok - $*"; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Polls `condition` (a command) every 0.1 s until it holds or `seconds` pass.
eventually() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || fail "$what (waited ${seconds}s)"
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------------
# The service.

http_port=$(free_port)
admin_port=$(free_port)
sidecar_port=$(free_port)
closed_port=$(free_port)  # nothing listens here: the unreachable admin API
secret=shell-terminal-test-secret-0123456789abcdef
export TASKS_ADMIN_TOKEN=shell-terminal-admin-token
admin="http://127.0.0.1:$admin_port"
api="http://127.0.0.1:$http_port/api/v1"

python3 "$here/refusing_sidecar.py" "$sidecar_port" bob &
sidecar_pid=$!

env TASKS_HTTP_ADDR="127.0.0.1:$http_port" TASKS_ADMIN_ADDR="127.0.0.1:$admin_port" \
  TASKS_DB="sqlite:$work/tasks.db" TASKS_JWT_SECRET="$secret" \
  DAPR_HTTP_ENDPOINT="http://127.0.0.1:$sidecar_port" TASKS_LOG_FORMAT=text \
  "$TASKD_BIN" >"$work/taskd.log" 2>&1 &
taskd_pid=$!

ready() { curl -sf -o /dev/null "http://127.0.0.1:$http_port/readyz"; }
eventually 30 "taskd never became ready" ready

create_task() {  # user title
  local token
  token=$("$TASKCTL_BIN" token --user "$1" --secret "$secret")
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api/tasks" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d "{\"title\":\"$2\",\"due_date\":\"2030-01-01T09:00:00Z\"}")
  [[ $status == 201 ]] || fail "creating a task for $1 answered $status"
}
# alice's first: her deliveries are the evidence that bob's refusals are his events' own.
create_task alice "Buy milk"
create_task alice "Call mum"
create_task bob "Fix the bike"
ok "taskd on 127.0.0.1:$http_port (admin $admin_port), tasks for alice and bob"

# ---------------------------------------------------------------------------------------------
# 1. One command at a time: taskctl shell -c.

# Runs `taskctl shell --admin <admin> <args...>`, keeps stdout in $out and stderr in $err, and
# checks the exit status.
shell_c() {
  local expected=$1
  shift
  local status=0
  "$TASKCTL_BIN" shell --admin "$admin" "$@" >"$work/out" 2>"$work/err" || status=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
  [[ $status == "$expected" ]] ||
    fail "taskctl shell $* exited $status, not $expected; stdout: $out; stderr: $err"
}
out_has() { grep -qE -- "$1" <<<"$out" || fail "$2: no /$1/ in: $out"; }
err_has() { grep -qE -- "$1" <<<"$err" || fail "$2: no /$1/ in stderr: $err"; }

shell_c 0 -c help
out_has '^  inspect <actor> ' "help lists inspect"
out_has '^  watch <command> \[seconds\]' "help lists watch"
ok "help"

shell_c 0 -c actors
out_has '^ID +KIND +STATE +MAILBOX +UPTIME +RESTARTS$' "the actors table has its header"
out_has '^supervisor +supervisor ' "the supervisor is listed"
out_has '^publisher/task-events +publisher ' "the publishers are listed"
out_has '^user/alice +user ' "alice's actor is listed"
out_has '^user/bob +user ' "bob's actor is listed"
ok "actors: a table with the supervisor, the publishers and both users"

shell_c 0 -c "actors user --json"
python3 -c 'import json, sys
ids = sorted(a["id"] for a in json.load(sys.stdin)["actors"])
assert ids == ["user/alice", "user/bob"], ids' <<<"$out" || fail "actors user --json: $out"
ok "actors user --json: one JSON document with the two user actors"

shell_c 0 --json -c publishers
python3 -c 'import json, sys; assert len(json.load(sys.stdin)["publishers"]) == 3' <<<"$out" ||
  fail "--json publishers: $out"
ok "--json as a flag of the shell"

shell_c 0 -c "inspect user/alice"
out_has '^FIELD +VALUE$' "inspect has its header"
out_has '^id +user/alice$' "inspect shows the id"
out_has '^kind +user$' "inspect shows the kind"
ok "inspect user/alice"

shell_c 1 -c "inspect user/nobody"
err_has '^error: ' "an unknown actor is an error"
ok "inspect of an unknown actor: error, status 1"

shell_c 0 -c "pause task-events"
out_has '^\|\| task-events: PAUSED' "pause answers PAUSED"
shell_c 0 -c publishers
out_has '^\|\|  task-events +PAUSED ' "the paused publisher is marked and says PAUSED"
out_has 'task-events is PAUSED' "a note names the paused publisher"
shell_c 0 -c "actors publisher/task-events"
out_has '^publisher/task-events +publisher +PAUSED ' "the actors table shows it PAUSED too"
shell_c 0 -c "resume task-events"
out_has '^task-events: ' "resume answers the new state"
shell_c 0 -c publishers
grep -q PAUSED <<<"$out" && fail "still PAUSED after resume: $out"
ok "pause and resume: a paused publisher is visibly paused, then not"

shell_c 1 -c "pause no-such-topic"
err_has '^error: ' "an unknown topic is an error"
ok "pause of an unknown topic: error, status 1"

shell_c 0 -c outbox
outbox_header='^TOPIC +PENDING +OLDEST +LANES +BACKING OFF +BLOCKED +DEAD LETTERS +OLDEST DEAD$'
out_has "$outbox_header" "the outbox table has its header"
for topic in task-events task-updates reminders; do out_has "^$topic " "the outbox lists $topic"; done
shell_c 0 -c "outbox reminders"
out_has '^reminders: [0-9]+ pending' "one topic's backlog"
ok "outbox and outbox <topic>"

dead_letters_exist() {  # on task-events, which the checks below look at
  "$TASKCTL_BIN" shell --admin "$admin" -c "dead task-events --json" 2>/dev/null |
    python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)["dead_letters"] else 1)'
}
eventually 30 "the refused events were never dead-lettered" dead_letters_exist
shell_c 0 -c dead
out_has '^ *ID +TOPIC +EVENT ID +TYPE +USER +ATTEMPTS +DEAD AT +REASON$' "the dead letters table has its header"
out_has ' task\.created +bob ' "bob's refused task.created is listed"
shell_c 0 -c "lanes task-events"
out_has '^task-events +bob +task\.created +[0-9a-f-]+ .* refused for itself' "bob's poison event blocks his lane"
out_has '^act: redrive <event-id> .* discard <event-id> <reason\.\.\.>' "lanes says how to act"
event_id=$("$TASKCTL_BIN" shell --admin "$admin" -c "dead task-events --json" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["dead_letters"][0]["event_id"])')
shell_c 0 -c "redrive $event_id"
out_has '^redriven: 1$' "redriving one dead letter"
shell_c 0 -c "redrive all"
out_has '^redriven: [0-9]+$' "redriving all"
shell_c 1 -c "redrive 00000000-0000-0000-0000-000000000000"
err_has '^error: ' "redriving an unknown event"
ok "dead letters: listed, one redriven, all redriven, an unknown one refused"

shell_c 0 -c "metrics tasks_http_requests"
out_has '^METRIC +VALUE$' "the metrics table has its header"
out_has '^tasks_http_requests_total\{.*\} +[0-9]+$' "the request counter is there"
grep -vE '^(METRIC|tasks_http_requests)' <<<"$out" && fail "metrics outside the prefix: $out"
ok "metrics <prefix>: only the metrics with that prefix"

shell_c 0 -c "watch publishers 0.2 --count 2"
[[ $(grep -c '^every 0.2s: publishers' <<<"$out") == 2 ]] || fail "watch ran other than twice: $out"
ok "watch --count 2: two runs, then done"

shell_c 1 -c "actrs"
err_has '^unknown command "actrs"; did you mean "actors"\?$' "an unknown command suggests the closest"
ok "unknown command: suggestion, status 1"

shell_c 1 -c "inspect"
err_has '^usage: inspect <actor>$' "a missing argument shows the usage"
ok "missing argument: usage, status 1"

status=0
env -u TASKS_ADMIN_TOKEN "$TASKCTL_BIN" shell --admin "$admin" -c actors >"$work/out" 2>"$work/err" || status=$?
[[ $status == 1 ]] || fail "without the admin token: status $status"
grep -q '^error: ' "$work/err" || fail "without the admin token: $(cat "$work/err")"
ok "without the admin token: the service's refusal, status 1"

status=0
"$TASKCTL_BIN" shell --admin "http://127.0.0.1:$closed_port" -c actors >"$work/out" 2>"$work/err" || status=$?
[[ $status == 2 ]] || fail "unreachable admin API: status $status"
[[ ! -s $work/out ]] || fail "unreachable admin API printed on stdout: $(cat "$work/out")"
[[ $(wc -l <"$work/err") == 1 ]] || fail "unreachable admin API: not one line: $(cat "$work/err")"
grep -q "^taskctl: cannot reach the admin API at http://127.0.0.1:$closed_port: " "$work/err" ||
  fail "unreachable admin API: $(cat "$work/err")"
ok "unreachable admin API: one line with the address, status 2"

# ---------------------------------------------------------------------------------------------
# 2. The interactive shell in a real terminal.

history_file="$work/history"
tmux_() { tmux -S "$tmux_socket" "$@"; }
screen() { tmux_ capture-pane -p -t shell -S -; }      # everything, scrollback included
last_line() { tmux_ capture-pane -p -t shell | sed '/^ *$/d' | tail -n 1; }
screen_shows() { screen | grep -qE -- "$1"; }
last_line_is() { [[ $(last_line) == "$1" ]]; }
count_on_screen() { screen | grep -cE -- "$1" || true; }
see() { eventually 15 "the terminal never showed /$1/; it shows:
$(screen)" screen_shows "$1"; }
prompt_reads() { eventually 15 "the prompt line never read '$1'; last line: '$(last_line)'" last_line_is "$1"; }

# HOME is the temporary directory, so no ~/.editrc of whoever runs the test changes the keys.
tmux_ new-session -d -s shell -x 200 -y 50 \
  "env TERM=xterm HOME='$work' TASKCTL_HISTORY='$history_file' TASKS_ADMIN_TOKEN='$TASKS_ADMIN_TOKEN' \
   '$TASKCTL_BIN' shell --admin '$admin'; echo \$? > '$work/exit_status'"

see "^taskctl shell on $admin: help lists the commands"
prompt_reads "taskctl>"
ok "the prompt"

tmux_ send-keys -t shell "act" Tab
prompt_reads "taskctl> actors"
ok "act<Tab> completes to actors"

tmux_ send-keys -t shell Enter
see '^ID +KIND +STATE +MAILBOX +UPTIME +RESTARTS$'
see '^user/alice +user '
prompt_reads "taskctl>"
ok "actors prints the table"

tmux_ send-keys -t shell "inspect user/" Tab
see '^user/alice +user/bob$'  # two candidates: listed below the line
prompt_reads "taskctl> inspect user/"
tmux_ send-keys -t shell "a" Tab
prompt_reads "taskctl> inspect user/alice"
tmux_ send-keys -t shell Enter
see '^id +user/alice$'
prompt_reads "taskctl>"
ok "inspect user/<Tab> lists the users, user/a<Tab> completes to user/alice"

tmux_ send-keys -t shell "pub" C-c
prompt_reads "taskctl>"
tmux_ send-keys -t shell "actrs" Enter
see '^unknown command "actrs"; did you mean "actors"\?$'
prompt_reads "taskctl>"
ok "Ctrl-C drops the line being typed; an unknown command suggests the closest"

headers_before=$(count_on_screen '^ID +KIND +STATE')
tmux_ send-keys -t shell Up
prompt_reads "taskctl> actrs"
tmux_ send-keys -t shell Up
prompt_reads "taskctl> inspect user/alice"
tmux_ send-keys -t shell Up
prompt_reads "taskctl> actors"
tmux_ send-keys -t shell Enter
prompt_reads "taskctl>"
more_headers() { (($(count_on_screen '^ID +KIND +STATE') > headers_before)); }
eventually 15 "the recalled actors did not run" more_headers
ok "Up recalls earlier commands, Enter runs the recalled one"

tmux_ send-keys -t shell "watch publishers 0.5" Enter
see '^every 0\.5s: publishers .*\(Ctrl-C stops\)$'
see '^ +TOPIC +STATE '
tmux_ send-keys -t shell C-c
prompt_reads "taskctl>"
ok "watch repeats a table until Ctrl-C, then the prompt is back"

tmux_ send-keys -t shell "quit" Enter
session_ended() { [[ -s $work/exit_status ]]; }
eventually 15 "quit did not end the session" session_ended
[[ $(cat "$work/exit_status") == 0 ]] || fail "the session ended with status $(cat "$work/exit_status")"
ok "quit ends the session with status 0"

expected_history=$'actors\ninspect user/alice\nactrs\nactors\nwatch publishers 0.5\nquit'
[[ $(cat "$history_file") == "$expected_history" ]] || fail "history file: $(cat "$history_file")"
ok "the history file has the commands, one a line"

# A second session: the history of the first is there, and Ctrl-D ends it.
rm -f "$work/exit_status"
tmux_ new-session -d -s shell -x 200 -y 50 \
  "env TERM=xterm HOME='$work' TASKCTL_HISTORY='$history_file' TASKS_ADMIN_TOKEN='$TASKS_ADMIN_TOKEN' \
   '$TASKCTL_BIN' shell --admin '$admin'; echo \$? > '$work/exit_status'"
prompt_reads "taskctl>"
tmux_ send-keys -t shell Up
prompt_reads "taskctl> quit"
tmux_ send-keys -t shell C-u
prompt_reads "taskctl>"
tmux_ send-keys -t shell C-d
eventually 15 "Ctrl-D did not end the session" session_ended
[[ $(cat "$work/exit_status") == 0 ]] || fail "Ctrl-D ended the session with status $(cat "$work/exit_status")"
ok "history across runs: Up recalls the last session's quit; Ctrl-D ends with status 0"

echo "shell_terminal: all passed"
