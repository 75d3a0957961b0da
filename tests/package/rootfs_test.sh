#!/bin/bash
# package_rootfs: the .deb and the image's runtime stage, proven without a container engine.
#
#   rootfs_test.sh SOURCE_DIR BINARY_DIR      (ctest passes both; needs root)
#
# Builds the .deb with cpack from the built BINARY_DIR, makes a clean Debian 12 root with
# mmdebstrap (cached as a tarball under SOURCE_DIR/.cache/rootfs/, with apt's downloaded .debs),
# runs packaging/install-runtime.sh in it with chroot exactly as the Dockerfile's runtime stage
# does, starts taskd from the package as uid 10001 with the image's settings and checks it
# serves, what it may write, its libraries, the package's pieces and a clean SIGTERM exit;
# then installs the .deb alone in a second fresh root (postinst's own user, purge).
# One line per check; the first failure stops the test with its reason.
set -euo pipefail

readonly SKIP=77
if [[ $# -ne 2 ]]; then
  echo "usage: $0 SOURCE_DIR BINARY_DIR" >&2
  exit 2
fi
src=$(realpath "$1")
bin=$(realpath "$2")

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: package_rootfs needs root (mmdebstrap, chroot, mounts); CI runs as root"
  exit "$SKIP"
fi
for tool in cpack dpkg-deb mmdebstrap chroot unshare mount python3 curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool is not installed (make deps installs what this test needs)"
    exit 1
  fi
done

# Private mount and PID namespaces: whatever kills this test (ctest's timeout kills unshare, which
# then kills this script, PID 1 of the namespace), taskd dies with it and every mount below goes.
if [[ -z ${PACKAGE_ROOTFS_TEST_NS:-} ]]; then
  exec unshare --mount --propagation private --pid --fork --kill-child --mount-proc \
    env PACKAGE_ROOTFS_TEST_NS=1 "$0" "$@"
fi

started=$(date +%s)
ok() { echo "ok   $*"; }
fail() {
  echo "FAIL $*"
  exit 1
}

# --- the temporary root, and the trap that always takes it down --------------------------------
# A run killed outright (ctest's timeout) leaves its directory behind (not its mounts).
find "$bin" -maxdepth 1 -name 'package-rootfs.*' -mmin +120 -exec rm -rf --one-file-system {} +
work=$(mktemp -d "$bin/package-rootfs.XXXXXX")
root=$work/root
mounts=()
taskd_pid=""
cleanup() {
  local rc=$?
  if [[ -n $taskd_pid ]] && kill -0 "$taskd_pid" 2>/dev/null; then
    kill -KILL "$taskd_pid" 2>/dev/null || true
    wait "$taskd_pid" 2>/dev/null || true
  fi
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null || true
  done
  # --one-file-system: never into anything still mounted in the root.
  rm -rf --one-file-system "$work"
  echo "package_rootfs: $([[ $rc -eq 0 ]] && echo passed || echo FAILED) in $(($(date +%s) - started)) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mount_in_root() { # mount_in_root TARGET MOUNT-ARGS...
  local target=$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounts+=("$target")
}

# --- 1. the .deb from the build directory -------------------------------------------------------
[[ -x $bin/bin/taskd && -x $bin/bin/taskctl ]] || fail "$bin/bin/taskd or taskctl is not built"
if ! (cd "$bin" && cpack -G DEB -B "$work/package") >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  fail "cpack could not build the .deb"
fi
debs=("$work"/package/tasks_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "cpack made no single tasks_*.deb: ${debs[*]}"
deb=${debs[0]}
ok "cpack built $(basename "$deb") ($(($(stat -c %s "$deb") / 1024)) KiB)"

depends=$(dpkg-deb -f "$deb" Depends)
for lib in adduser libcaf-core libsoci-core libsoci-sqlite3 libsoci-postgresql libpq5 libcurl4 libspdlog libjwt \
  libsqlite3 libstdc++6; do
  [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
ok "dpkg-shlibdeps computed the dependencies: $depends"
dpkg-deb -c "$deb" >"$work/contents"
for entry in '-rwxr-xr-x root/root .* ./usr/bin/taskd$' '-rwxr-xr-x root/root .* ./usr/bin/taskctl$' \
  '-rw-r----- root/root .* ./etc/tasks/taskd.env$' '-rw-r--r-- root/root .* ./lib/systemd/system/taskd.service$' \
  '-rw-r--r-- root/root .* ./usr/share/tasks/asyncapi.yaml$' \
  '-rw-r--r-- root/root .* ./usr/share/tasks/schemas/events/v1/task.created.json$'; do
  grep -Eq -- "$entry" "$work/contents" || fail "the .deb has no entry like '$entry': $(cat "$work/contents")"
done
ok "the .deb holds /usr/bin/taskd, /usr/bin/taskctl, /etc/tasks/taskd.env (0640), /lib/systemd/system/taskd.service, /usr/share/tasks (the contracts)"

# --- 2. a clean Debian 12 root, cached -----------------------------------------------------------
# --variant=apt: Essential packages and apt only, so that every library taskd needs must come
# from the package's Depends; passwd (useradd) is the one Priority:required package of the slim
# image that install-runtime.sh uses. The apt lists stay in the tarball (one download per cache).
mirror=http://deb.debian.org
mm_args=(--variant=apt --include=passwd --skip=cleanup/apt/lists bookworm
  "deb $mirror/debian bookworm main" "deb $mirror/debian bookworm-updates main"
  "deb $mirror/debian-security bookworm-security main")
cache=$src/.cache/rootfs
key=$(printf '%s\n' mmdebstrap-1 "${mm_args[@]}" | sha256sum | cut -c1-16)
tarball=$cache/bookworm-apt-$key.tar
mkdir -p "$cache/apt-archives/partial"
if [[ -f $tarball ]]; then
  ok "Debian 12 root from the cache: $(basename "$tarball")"
else
  t0=$(date +%s)
  # mmdebstrap [OPTION...] SUITE TARGET MIRROR...: the target goes between suite and mirrors.
  # (not $$: it is 1 in this PID namespace, for every run)
  target=$(mktemp -u "$tarball.partial.XXXXXX.tar")
  if ! mmdebstrap --quiet "${mm_args[@]:0:4}" "$target" "${mm_args[@]:4}" >"$work/mmdebstrap.log" 2>&1; then
    tail -n 30 "$work/mmdebstrap.log"
    rm -f "$target"
    fail "mmdebstrap could not make the Debian 12 root (is $mirror reachable?)"
  fi
  mv "$target" "$tarball"
  ok "Debian 12 root made by mmdebstrap in $(($(date +%s) - t0)) s, cached as $(basename "$tarball")"
fi
# new_root DIR: a fresh copy of the cached root with what a container engine gives a container
# (/proc, a few /dev nodes, name resolution), and apt's cache bind-mounted (its last mount).
new_root() {
  local dir=$1 node
  mkdir "$dir"
  tar -C "$dir" --numeric-owner -xf "$tarball"
  [[ -x $dir/usr/bin/apt-get ]] || fail "the cached root $tarball has no apt-get"
  mount_in_root "$dir/proc" -t proc proc
  mount_in_root "$dir/dev" -t tmpfs -o mode=0755,nosuid tmpfs
  for node in null zero full random urandom tty; do
    touch "$dir/dev/$node"
    mount --bind "/dev/$node" "$dir/dev/$node"
    mounts+=("$dir/dev/$node")
  done
  ln -s /proc/self/fd "$dir/dev/fd"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  # apt's downloads outlive the root: a warm run installs from here without downloading.
  mount_in_root "$dir/var/cache/apt/archives" --bind "$cache/apt-archives"
}
drop_apt_cache() { # the last mount of new_root
  umount "$1/var/cache/apt/archives"
  unset 'mounts[-1]'
}
new_root "$root"
ok "a fresh copy of the root in $root"

chroot_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)

# --- 3. the runtime stage: the Dockerfile's COPY and RUN ------------------------------------------
# Taken from the Dockerfile itself, so that the test cannot drift from the image.
dockerfile=$src/Dockerfile
dockerfile_has() { grep -qxF -- "$1" "$dockerfile" || fail "the Dockerfile has no line '$1'"; }
dockerfile_has 'COPY packaging/install-runtime.sh /tmp/tasks-install/'
dockerfile_has 'COPY --from=build /src/build/package/tasks_*.deb /tmp/tasks-install/'
dockerfile_has 'USER 10001:10001'
dockerfile_has 'VOLUME /var/lib/tasks'
dockerfile_has 'STOPSIGNAL SIGTERM'
dockerfile_has 'ENTRYPOINT ["/usr/bin/taskd"]'
image_env=$(sed -n 's/^ENV //p' "$dockerfile")
[[ $image_env == TASKS_DB=sqlite:/var/lib/tasks/tasks.db ]] ||
  fail "the Dockerfile's ENV is '$image_env', not TASKS_DB=sqlite:/var/lib/tasks/tasks.db alone"
run_step=$(sed -n 's/^RUN \(.*install-runtime\.sh.*\)$/\1/p' "$dockerfile")
[[ -n $run_step && $run_step != *$'\n'* ]] || fail "no single RUN line with install-runtime.sh in the Dockerfile"
mkdir -p "$root/tmp/tasks-install"
cp "$src/packaging/install-runtime.sh" "$deb" "$root/tmp/tasks-install/"
# The cached root keeps its apt lists (no download in a warm run); the slim image has none.
# PACKAGE_ROOTFS_NO_LISTS=1 drops them first: install-runtime.sh's `apt-get update` path, the image's.
if [[ ${PACKAGE_ROOTFS_NO_LISTS:-0} == 1 ]]; then
  find "$root/var/lib/apt/lists" -mindepth 1 -maxdepth 1 -name '*_*' -delete
  ok "apt lists dropped from the root (PACKAGE_ROOTFS_NO_LISTS=1), as in the slim image"
fi
downloaded_before=$(find "$cache/apt-archives" -maxdepth 1 -name '*.deb' | wc -l)
t0=$(date +%s)
# The image's RUN is /bin/sh -c.
if ! "${chroot_env[@]}" chroot "$root" /bin/sh -c "$run_step" >"$work/install.log" 2>&1; then
  tail -n 40 "$work/install.log"
  fail "packaging/install-runtime.sh failed in the root"
fi
downloaded=$(($(find "$cache/apt-archives" -maxdepth 1 -name '*.deb' | wc -l) - downloaded_before))
ok "the Dockerfile's RUN ($run_step) installed the .deb with apt in $(($(date +%s) - t0)) s ($downloaded .debs downloaded, the rest from the cache): $(tail -n 1 "$work/install.log")"
drop_apt_cache "$root"
left_lists=$(find "$root/var/lib/apt/lists" -mindepth 1 -maxdepth 1 -name '*_*' -print)
[[ -z $left_lists ]] || fail "install-runtime.sh left apt lists: $left_lists"
ok "no apt lists left in the root"

# --- 4. the package's pieces as installed ------------------------------------------------------
in_root() { "${chroot_env[@]}" chroot "$root" "$@"; }
as_taskd() { "${chroot_env[@]}" chroot --userspec=10001:10001 "$root" "$@"; }

passwd_line=$(in_root getent passwd taskd) || fail "no user taskd in the root"
[[ $passwd_line == taskd:x:10001:10001:*:/var/lib/tasks:/usr/sbin/nologin ]] ||
  fail "user taskd is not uid/gid 10001 with home /var/lib/tasks and no login shell: $passwd_line"
ok "user taskd: $passwd_line (install-runtime.sh made it, postinst kept it)"
[[ $(stat -c '%u:%g %a' "$root/var/lib/tasks") == "10001:10001 750" ]] ||
  fail "/var/lib/tasks is $(stat -c '%u:%g %a' "$root/var/lib/tasks"), not 10001:10001 750"
ok "/var/lib/tasks is 10001:10001, mode 0750"
grep -qx /etc/tasks/taskd.env "$root/var/lib/dpkg/info/tasks.conffiles" ||
  fail "/etc/tasks/taskd.env is not a conffile of tasks"
[[ $(stat -c '%u:%g %a' "$root/etc/tasks/taskd.env") == "0:10001 640" ]] ||
  fail "/etc/tasks/taskd.env is $(stat -c '%u:%g %a' "$root/etc/tasks/taskd.env"), not 0:10001 (root:taskd) 0640"
grep -qx 'TASKS_DB=sqlite:/var/lib/tasks/tasks.db' "$root/etc/tasks/taskd.env" ||
  fail "/etc/tasks/taskd.env does not set TASKS_DB=sqlite:/var/lib/tasks/tasks.db"
ok "/etc/tasks/taskd.env is a conffile, root:taskd 0640 (dpkg-statoverride), TASKS_DB=sqlite:/var/lib/tasks/tasks.db"
unit=$root/lib/systemd/system/taskd.service
[[ -f $unit ]] || fail "no /lib/systemd/system/taskd.service"
for line in User=taskd EnvironmentFile=/etc/tasks/taskd.env StateDirectory=tasks KillSignal=SIGTERM \
  Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
  ReadWritePaths=/var/lib/tasks CapabilityBoundingSet=; do
  grep -qx -- "$line" "$unit" || fail "taskd.service lacks $line"
done
if command -v systemd-analyze >/dev/null; then
  # The root, like the image, has no systemd: verify the unit as installed (and the binary it
  # starts) beside the host's own units (sysinit.target, ...). It exits 0 on a misspelt key or a
  # bad value too, with a line saying so: any line is a failure.
  vroot=$work/verify-root
  mkdir -p "$vroot/usr/bin" "$vroot/lib/systemd"
  cp -a /lib/systemd/system "$vroot/lib/systemd/"
  cp "$unit" "$vroot/lib/systemd/system/taskd.service"
  cp "$root/usr/bin/taskd" "$vroot/usr/bin/taskd"
  if ! systemd-analyze verify --root="$vroot" taskd.service >"$work/verify.log" 2>&1 || [[ -s $work/verify.log ]]; then
    cat "$work/verify.log"
    fail "systemd-analyze verify has objections to taskd.service"
  fi
  ok "taskd.service has its user, settings, state directory, hardening; systemd-analyze verify: no objection"
else
  ok "taskd.service has its user, settings, state directory, hardening (no systemd-analyze here: not verified)"
fi
if ldd_out=$(in_root ldd /usr/bin/taskd /usr/bin/taskctl 2>&1) && [[ $ldd_out != *"not found"* ]]; then
  ok "ldd in the root: every library of taskd and taskctl found ($(grep -c '=>' <<<"$ldd_out") resolved)"
else
  fail "ldd in the root: $(grep 'not found' <<<"$ldd_out" || echo "$ldd_out")"
fi
help=$(as_taskd /usr/bin/taskctl --help 2>&1) || fail "taskctl --help failed as uid 10001: $help"
[[ $help == *token* && $help == *shell* ]] || fail "taskctl --help says no token/shell: $help"
ok "taskctl --help runs as uid 10001"

# --- 5. taskd from the package, as the image runs it --------------------------------------------
read -r http_port admin_port closed_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
token=$(SECRET=$secret python3 -c '
import base64, hashlib, hmac, json, os, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"sub": "packaged", "exp": int(time.time()) + 600}).encode())
sig = hmac.new(os.environ["SECRET"].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
print(f"{head}.{body}.{b64(sig)}")')
drain_s=5 # TASKS_SHUTDOWN_DRAIN's default, left as the image leaves it

# The image's ENV (TASKS_DB) and what a deployment sets; USER 10001:10001 is --userspec,
# ENTRYPOINT /usr/bin/taskd.
"${chroot_env[@]}" HOME=/var/lib/tasks "$image_env" \
  TASKS_HTTP_ADDR="127.0.0.1:$http_port" TASKS_ADMIN_ADDR="127.0.0.1:$admin_port" \
  DAPR_HTTP_ENDPOINT="http://127.0.0.1:$closed_port" TASKS_JWT_SECRET="$secret" \
  chroot --userspec=10001:10001 "$root" /usr/bin/taskd >"$work/taskd.log" 2>&1 &
taskd_pid=$!
api=http://127.0.0.1:$http_port

deadline=$(($(date +%s) + 30))
ready=""
while [[ $(date +%s) -lt $deadline ]]; do
  if ! kill -0 "$taskd_pid" 2>/dev/null; then
    cat "$work/taskd.log"
    fail "taskd exited before it was ready"
  fi
  ready=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$api/readyz" || true)
  [[ $ready == 200 ]] && break
  sleep 0.1
done
[[ $ready == 200 ]] || {
  cat "$work/taskd.log"
  fail "/readyz was not 200 within 30 s (last: $ready)"
}
ok "taskd from the package is ready: /readyz 200 on 127.0.0.1:$http_port"

auth="Authorization: Bearer $token"
code=$(curl -s -o "$work/created.json" -w '%{http_code}' --max-time 10 -X POST "$api/api/v1/tasks" -H "$auth" \
  -H 'Content-Type: application/json' -d '{"title":"from the package","description":"installed by apt"}')
[[ $code == 201 ]] || fail "POST /api/v1/tasks answered $code: $(cat "$work/created.json")"
task_id=$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
assert t["title"] == "from the package" and t["description"] == "installed by apt", t
assert t["completed"] is False, t
print(t["id"])' "$work/created.json") || fail "the created task is not the one sent: $(cat "$work/created.json")"
ok "POST /api/v1/tasks: 201, task $task_id (the sidecar's port is closed: publishing waits, the request does not)"
code=$(curl -s -o "$work/read.json" -w '%{http_code}' --max-time 10 "$api/api/v1/tasks/$task_id" -H "$auth")
[[ $code == 200 ]] || fail "GET /api/v1/tasks/$task_id answered $code: $(cat "$work/read.json")"
python3 -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a == b, (a, b)' "$work/created.json" "$work/read.json" ||
  fail "GET gave another task: $(cat "$work/read.json")"
ok "GET /api/v1/tasks/$task_id: 200, the same task"

status=/proc/$taskd_pid/status
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$status")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$status")
groups=$(awk '/^Groups:/ {$1 = ""; print}' "$status" | xargs)
capeff=$(awk '/^CapEff:/ {print $2}' "$status")
[[ $(cat "/proc/$taskd_pid/comm") == taskd ]] || fail "pid $taskd_pid is $(cat "/proc/$taskd_pid/comm"), not taskd"
[[ $uids == "10001 10001 10001 10001" && $gids == "10001 10001 10001 10001" ]] ||
  fail "taskd runs as uid '$uids' gid '$gids', not 10001"
[[ -z $groups || $groups == 10001 ]] || fail "taskd has supplementary groups '$groups'"
[[ $capeff == 0000000000000000 ]] || fail "taskd has capabilities $capeff"
ok "taskd (pid $taskd_pid) runs as uid/gid 10001, groups '${groups:-none}', no capabilities"

[[ -f $root/var/lib/tasks/tasks.db && $(stat -c %u "$root/var/lib/tasks/tasks.db") == 10001 ]] ||
  fail "no tasks.db of uid 10001 in /var/lib/tasks: $(ls -la "$root/var/lib/tasks")"
ok "the SQLite file is /var/lib/tasks/tasks.db, owned by 10001"

for dir in / /etc /etc/tasks /usr/bin /usr/lib /var/lib /var/log /root; do
  if as_taskd /bin/sh -c "touch '$dir/.write-probe'" 2>/dev/null; then
    rm -f "$root$dir/.write-probe"
    fail "uid 10001 could write in $dir"
  fi
done
as_taskd /bin/sh -c 'touch /var/lib/tasks/.write-probe && rm /var/lib/tasks/.write-probe' ||
  fail "uid 10001 cannot write in /var/lib/tasks"
# Every directory and regular file on the root's own file system that uid 10001 may write:
# /var/lib/tasks and Debian's sticky world-writable /tmp, /var/tmp, /run/lock, nothing else.
writable=$(as_taskd find / -xdev \( -type d -o -type f \) -writable -print 2>/dev/null |
  grep -Ev '^/var/lib/tasks(/|$)|^/tmp$|^/var/tmp$|^/run/lock$' || true)
[[ -z $writable ]] || fail "uid 10001 may write outside /var/lib/tasks: $writable"
for sticky in /tmp /var/tmp /run/lock; do
  [[ ! -e $root$sticky || $(stat -c %a "$root$sticky") == 1777 ]] || fail "$sticky is not sticky 1777"
done
ok "uid 10001 can write /var/lib/tasks only (and the sticky /tmp, /var/tmp, /run/lock); not /, /etc, /usr/bin, /var/lib, /root"

# --- 6. SIGTERM: the drain, then exit 0 ----------------------------------------------------------
t0=$(date +%s%N)
kill -TERM "$taskd_pid"
stop_deadline=$(($(date +%s) + drain_s + 5))
while kill -0 "$taskd_pid" 2>/dev/null && [[ $(date +%s) -lt $stop_deadline ]]; do
  sleep 0.05
done
if kill -0 "$taskd_pid" 2>/dev/null; then
  tail -n 20 "$work/taskd.log"
  fail "taskd still runs $((drain_s + 5)) s after SIGTERM (drain ${drain_s} s)"
fi
rc=0
wait "$taskd_pid" || rc=$?
taskd_pid=""
[[ $rc -eq 0 ]] || {
  tail -n 20 "$work/taskd.log"
  fail "taskd exited $rc after SIGTERM"
}
ok "SIGTERM: taskd exited 0 after $((($(date +%s%N) - t0) / 1000000)) ms (deadline: drain ${drain_s} s + 5 s)"

# --- 7. the package alone, where no user taskd exists: postinst makes a system user -------------
plain=$work/plain
new_root "$plain"
cp "$deb" "$plain/tmp/"
in_plain() { "${chroot_env[@]}" DEBIAN_FRONTEND=noninteractive chroot "$plain" "$@"; }
if ! in_plain apt-get install -y --no-install-recommends "/tmp/$(basename "$deb")" >"$work/plain.log" 2>&1; then
  tail -n 30 "$work/plain.log"
  fail "apt-get install of the .deb alone failed"
fi
drop_apt_cache "$plain"
IFS=: read -r _ _ plain_uid plain_gid _ plain_home plain_shell < <(in_plain getent passwd taskd) ||
  fail "apt-get install of the .deb made no user taskd"
[[ $plain_uid -lt 1000 && $plain_home == /var/lib/tasks && $plain_shell == /usr/sbin/nologin ]] ||
  fail "postinst made taskd uid $plain_uid, home $plain_home, shell $plain_shell"
[[ $(in_plain getent group taskd | cut -d: -f3) == "$plain_gid" ]] || fail "taskd's group is not the group taskd"
[[ $(stat -c '%u:%g %a' "$plain/var/lib/tasks") == "$plain_uid:$plain_gid 750" &&
  $(stat -c '%u:%g %a' "$plain/etc/tasks/taskd.env") == "0:$plain_gid 640" ]] ||
  fail "postinst left /var/lib/tasks $(stat -c '%u:%g %a' "$plain/var/lib/tasks"), taskd.env $(stat -c '%u:%g %a' "$plain/etc/tasks/taskd.env")"
ok "the .deb alone: postinst made the system user taskd (uid $plain_uid, nologin), /var/lib/tasks 0750 and taskd.env 0640 root:taskd"
in_plain /var/lib/dpkg/info/tasks.postinst configure 0.1.0-0 >"$work/again.log" 2>&1 ||
  fail "postinst configure run again failed: $(cat "$work/again.log")"
[[ $(in_plain getent passwd taskd | cut -d: -f3) == "$plain_uid" ]] || fail "postinst run again changed the user"
ok "postinst run again (an upgrade's configure): exit 0, the same user"
if ! in_plain apt-get purge -y tasks >"$work/purge.log" 2>&1; then
  tail -n 20 "$work/purge.log"
  fail "apt-get purge tasks failed"
fi
! in_plain dpkg-statoverride --list /etc/tasks/taskd.env >/dev/null || fail "purge left the statoverride of taskd.env"
[[ ! -e $plain/etc/tasks/taskd.env && ! -e $plain/usr/bin/taskd && -d $plain/var/lib/tasks ]] ||
  fail "purge left the conffile or the binary, or took /var/lib/tasks"
ok "apt-get purge: files, conffile and statoverride gone; /var/lib/tasks (the data) kept"
