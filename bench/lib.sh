# Shared by the benchmark scripts (sourced): a free loopback port, polling with a deadline, and
# the bench users' tokens.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for() {  # wait_for DEADLINE_SECONDS COMMAND...: poll until the command succeeds
  local deadline=$(($(date +%s) + $1)); shift
  until "$@" > /dev/null 2>&1; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.05
  done
}

# write_tokens BIN USERS FILE: one "user token" line per bench user, for the wrk scripts
# (BENCH_TOKENS); TASKS_JWT_SECRET must be set.
write_tokens() {
  local bin=$1 users=$2 file=$3
  for ((u = 1; u <= users; u++)); do
    echo "bench-user-$u $("$bin/taskctl" token --user "bench-user-$u" --ttl 86400)"
  done > "$file"
}
