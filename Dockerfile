# The tasks image: taskd from the .deb that `make package` builds, on Debian 12 slim, as uid 10001.
#   make image                  (docker or podman; VERSION is CMakeLists.txt's project version)
# The runtime stage's steps are one script, packaging/install-runtime.sh; the package_rootfs test
# (tests/package/rootfs_test.sh) runs the same script and command in a clean Debian 12 root and
# taskd from it as uid 10001, since no container engine runs where the tests run.
# What is in it and why: docs/deploy.md, "Package and image".

# Both stages on one dated build of Debian 12. A PIN TO BUMP: the tags bookworm-YYYYMMDD and
# bookworm-YYYYMMDD-slim of the official debian image, always the same date for both.
ARG DEBIAN_DATE=20251117

# ---- build: the .deb, without the tests (BUILD_TESTING=OFF) ------------------------------------
FROM debian:bookworm-${DEBIAN_DATE} AS build
WORKDIR /src
# The packages first, from the Makefile alone: this layer stays cached across source edits.
COPY Makefile ./
# Versions come with the dated base image's Debian 12 point release (hadolint DL3008).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && make deps-build
COPY . .
RUN make package CMAKE_FLAGS=-DBUILD_TESTING=OFF

# ---- runtime -------------------------------------------------------------------------------------
FROM debian:bookworm-${DEBIAN_DATE}-slim
ARG DEBIAN_DATE
ARG VERSION=0.0.0
ARG REVISION=unknown
ARG SOURCE=https://example.invalid/tasks
LABEL org.opencontainers.image.title="tasks" \
      org.opencontainers.image.description="taskd: a task service (REST API, transactional outbox, Dapr publishers) and taskctl" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-${DEBIAN_DATE}-slim"

# The user taskd (uid/gid 10001, no login shell, home /var/lib/tasks), the .deb with apt and its
# dependencies, /var/lib/tasks 10001:10001 0750, no apt lists: packaging/install-runtime.sh.
COPY packaging/install-runtime.sh /tmp/tasks-install/
COPY --from=build /src/build/package/tasks_*.deb /tmp/tasks-install/
RUN bash /tmp/tasks-install/install-runtime.sh /tmp/tasks-install/tasks_*.deb && rm -rf /tmp/tasks-install

# SQLite in the volume, the only place taskd writes (run it with a read-only root file system).
# For PostgreSQL set TASKS_DB=postgresql://...; TASKS_JWT_SECRET (>= 32 bytes) always, else taskd
# runs in dev mode with a random secret. The admin API and /metrics (9090) bind 127.0.0.1 unless
# TASKS_ADMIN_ADDR=0.0.0.0:9090 with TASKS_ADMIN_TOKEN. No HEALTHCHECK (no curl in the image):
# probe GET /healthz (alive) and GET /readyz (database reachable) on 8080.
ENV TASKS_DB=sqlite:/var/lib/tasks/tasks.db
VOLUME /var/lib/tasks
USER 10001:10001
EXPOSE 8080 9090
# SIGTERM drains the publishers for TASKS_SHUTDOWN_DRAIN (5s), then taskd exits 0: give the
# container more than that (docker stop -t, terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/taskd"]
