#!/bin/bash
# The runtime stage's installation, one script for both places that do it: the Dockerfile's
# runtime stage (on debian:bookworm-*-slim) and tests/package/rootfs_test.sh (in a clean Debian 12
# root made by mmdebstrap), so that the test proves the steps the image takes.
#
#   install-runtime.sh /path/to/tasks_<version>_<arch>.deb
#
# 1. the group and user taskd with the image's fixed uid/gid 10001 (no login shell, home
#    /var/lib/tasks); the package's postinst then keeps them as they are;
# 2. the .deb with apt, which brings the dependencies that dpkg-shlibdeps computed;
# 3. /var/lib/tasks owned by 10001:10001, mode 0750 (the image's only writable place);
# 4. no apt lists left behind (official Debian images drop downloaded .debs themselves:
#    /etc/apt/apt.conf.d/docker-clean).
set -euo pipefail

readonly TASKD_UID=10001
readonly TASKD_GID=10001

if [[ $# -lt 1 ]]; then
  echo "usage: $0 TASKS_DEB..." >&2
  exit 2
fi
debs=()
for deb in "$@"; do
  [[ -f $deb ]] || { echo "install-runtime.sh: no such package file: $deb" >&2; exit 2; }
  # apt takes an argument as a file only when it has a slash in it.
  [[ $deb == */* ]] || deb=./$deb
  debs+=("$deb")
done

export DEBIAN_FRONTEND=noninteractive

# 1. The user first, with its fixed ids: a container's USER 10001:10001 must be this user.
if ! getent group taskd >/dev/null; then
  groupadd --system --gid "$TASKD_GID" taskd
fi
if ! getent passwd taskd >/dev/null; then
  useradd --system --uid "$TASKD_UID" --gid "$TASKD_GID" --home-dir /var/lib/tasks --no-create-home \
    --shell /usr/sbin/nologin --comment "task service" taskd
fi
if [[ $(id -u taskd) != "$TASKD_UID" || $(getent group taskd | cut -d: -f3) != "$TASKD_GID" ]]; then
  echo "install-runtime.sh: user/group taskd exist with other ids than $TASKD_UID:$TASKD_GID" >&2
  exit 1
fi

# 2. The package. A base image comes without apt lists; lists that are there may be old enough
# that a dependency's version is gone from the mirror: then refresh and try once more.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt-get update
fi
apt-get install -y --no-install-recommends "${debs[@]}" ||
  { apt-get update && apt-get install -y --no-install-recommends "${debs[@]}"; }

# 3. The data directory (postinst made it for the user taskd: the same ids, said once more).
install -d -o "$TASKD_UID" -g "$TASKD_GID" -m 0750 /var/lib/tasks

# 4. Leave no apt lists in the image.
rm -rf /var/lib/apt/lists/*

echo "install-runtime.sh: $(dpkg-query -W -f='${Package} ${Version}' tasks) installed; user $(id taskd)"
