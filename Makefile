# The front door: `make run` starts the service, `make test` runs every test. Both install what
# they need first (Debian packages via apt-get), so each is one command on a fresh machine.

SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)

# What compiling taskd and taskctl and packaging them needs from Debian 12 (`make deps-build`:
# the image's build stage; libboost-test-dev because CMake looks for it in every configuration;
# file and dpkg-dev: CPack's dpkg-shlibdeps).
BUILD_DEB_PACKAGES := build-essential cmake ninja-build pkg-config file dpkg-dev \
  libcaf-dev libsoci-dev libsqlite3-dev libpq-dev \
  nlohmann-json3-dev libcurl4-openssl-dev libboost-dev libboost-test-dev libspdlog-dev prometheus-cpp-dev \
  libcli11-dev libedit-dev libjwt-dev uuid-dev libssl-dev
# Everything the build, the tests, the benchmarks and the real stack need from Debian 12
# (libboost-dev: Asio and Beast, the HTTP front; libpistache-dev: only the evidence test;
# mmdebstrap: the clean Debian 12 root of the package_rootfs test; python3-yaml: the chart's
# README check; clang-14 and libclang-rt-14-dev: libFuzzer and its sanitizers for tests/fuzz).
DEB_PACKAGES := $(BUILD_DEB_PACKAGES) git curl ca-certificates \
  libpistache-dev sqlite3 postgresql-15 \
  kcat wrk valgrind tmux clang-format python3 python3-yaml openjdk-17-jre-headless maven mmdebstrap \
  clang-14 libclang-rt-14-dev

.PHONY: deps deps-build build run test sanitize sanitize-ci bench format format-check clean stack-up stack-down stack-status

# Installs only what is missing: quick when everything is present. Uses sudo when not root.
define apt_install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y --no-install-recommends $$missing || \
	    { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends $$missing; }; \
	fi
endef
deps:
	$(call apt_install_missing,$(DEB_PACKAGES))
deps-build:
	$(call apt_install_missing,$(BUILD_DEB_PACKAGES))

# CMAKE_FLAGS: more options for the first configure, e.g. -DBUILD_TESTING=OFF (the image's build).
CMAKE_FLAGS ?=
$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Embedded SQLite at ./data/tasks.db and dev-mode auth unless configured otherwise. Builds only
# the programs (the tests take longer to compile than the service).
run: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target taskd taskctl
	./$(BUILD_DIR)/bin/taskd

# The contract's checkers (tests/openapi/, tests/events/): the OpenAPI linter and the AsyncAPI
# parser from npm, Schemathesis (and with it jsonschema-rs) from PyPI,
# pinned by committed lock files (package-lock.json, requirements.txt with hashes) and installed
# once into .cache/ (offline after the first time); a changed lock file reinstalls. The ctests
# openapi_lint and schemathesis_* run what is here.
OPENAPI_TOOLS := .cache/openapi-tools
$(OPENAPI_TOOLS)/redocly/.installed: tests/openapi/package.json tests/openapi/package-lock.json
	rm -rf $(OPENAPI_TOOLS)/redocly && mkdir -p $(OPENAPI_TOOLS)/redocly
	cp tests/openapi/package.json tests/openapi/package-lock.json $(OPENAPI_TOOLS)/redocly/
	cd $(OPENAPI_TOOLS)/redocly && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@
# The AsyncAPI parser of the asyncapi_validate ctest (tests/events/), pinned the same way.
$(OPENAPI_TOOLS)/asyncapi/.installed: tests/events/package.json tests/events/package-lock.json
	rm -rf $(OPENAPI_TOOLS)/asyncapi && mkdir -p $(OPENAPI_TOOLS)/asyncapi
	cp tests/events/package.json tests/events/package-lock.json $(OPENAPI_TOOLS)/asyncapi/
	cd $(OPENAPI_TOOLS)/asyncapi && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@
$(OPENAPI_TOOLS)/venv/.installed: tests/openapi/requirements.txt
	rm -rf $(OPENAPI_TOOLS)/venv
	python3 -m venv $(OPENAPI_TOOLS)/venv
	$(OPENAPI_TOOLS)/venv/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
	  -r tests/openapi/requirements.txt
	touch $@
# The downloads at once: from a fresh clone they are most of these tests' time. The venv's
# jsonschema-rs (a Schemathesis dependency) is also the event schemas' validator (tests/events/).
.PHONY: openapi-tools
openapi-tools:
	@$(MAKE) --no-print-directory -j 3 $(OPENAPI_TOOLS)/redocly/.installed $(OPENAPI_TOOLS)/venv/.installed \
	  $(OPENAPI_TOOLS)/asyncapi/.installed

# Two suites at a time: most of their time is spent waiting (deadlines, backoffs, Kafka), not
# computing; the load tests run alone (RUN_SERIAL).
TEST_JOBS ?= 2
test: build openapi-tools
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 1800 -j $(TEST_JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer over the whole test suite.
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
sanitize: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && $(SANITIZER_ENV) ctest --output-on-failure --timeout 3600 -j $(TEST_JOBS)

# The suites that drive our own code hardest (unit, integration on both databases, the hostile
# clients) under ASan + UBSan, built alone; the rest (e2e, chart, package; fuzz already runs under
# them) is in `make sanitize`. .ci/run calls it after `make test`: 15.9 min here from nothing (README).
SANITIZE_CI_TARGETS := unit_tests integration_tests hostile_tests taskd taskctl
SANITIZE_CI_TESTS := ^(unit|integration_sqlite|integration_postgresql|hostile_http)$$
sanitize-ci: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS) --target $(SANITIZE_CI_TARGETS)
	cd $(ASAN_DIR) && $(SANITIZER_ENV) ctest --output-on-failure --timeout 1800 -j $(TEST_JOBS) -R '$(SANITIZE_CI_TESTS)'

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTASKS_SANITIZE=ON

# Every libFuzzer target (tests/fuzz, clang-14, ASan + UBSan) for FUZZ_SECONDS each, in build-fuzz/;
# `make test` runs them a few seconds each (the ctest fuzz_bounded). docs/fuzzing.md.
FUZZ_SECONDS ?= 300
.PHONY: fuzz
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD_JOBS=$(JOBS) ./tests/fuzz/build_and_run.sh

# wrk against the same server's ceiling, then the instructions per request (callgrind), which do
# not depend on the machine's speed (bench/instructions.sh).
bench: build
	./bench/run.sh
	./bench/instructions.sh

# Monitoring at a 10 M-row outbox backlog (bench/backlog.sh): builds only the programs it runs.
.PHONY: bench-backlog
bench-backlog: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target taskd bench-sink bench-backlog-gen
	./bench/backlog.sh

# 1, 2 and 3 taskd replicas on one PostgreSQL (bench/replicas.sh): throughput, commit->sidecar
# latency, exactly-once delivery. Builds only the programs it runs; not part of `make test`.
.PHONY: bench-replicas
bench-replicas: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target taskd taskctl bench-sink
	./bench/replicas.sh

# The scale figures (bench/scale.sh): 100 k users' memory, one user's 50 k tasks paged, single vs
# bulk publish through the real daprd + Kafka, the 10 M-row outbox's delivery rate. Not part of
# `make test`; about fifteen minutes once the caches exist.
.PHONY: bench-scale
bench-scale: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target taskd taskctl bench-sink bench-backlog-gen
	./bench/scale.sh

# The hostile-client run of tests/hostile for a long time (SOAK_SECONDS, default 15 minutes)
# against a real taskd: the same checks as in `make test`, many more connections hung up on.
SOAK_SECONDS ?= 900
.PHONY: soak
soak: build
	cd $(BUILD_DIR) && HOSTILE_SECONDS=$(SOAK_SECONDS) TASKD_BIN=$$PWD/bin/taskd \
	  ./bin/hostile_tests --run_test=hostile_run --report_level=short

# The Debian package (cmake/Packaging.cmake): builds only taskd and taskctl, then cpack; the .deb
# lands in $(BUILD_DIR)/package/. Its test: package_rootfs in `make test` (tests/package/).
VERSION = $(shell sed -n 's/^project.tasks VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
.PHONY: package
package: deps-build $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target taskd taskctl
	cd $(BUILD_DIR) && cpack -G DEB -B $$PWD/package
	@echo "package: $$(ls -t $(BUILD_DIR)/package/tasks_$(VERSION)-*.deb | head -n 1)"

# The container image (Dockerfile) with docker or podman, whichever engine answers. Where none
# does (these machines), the runtime stage's steps are proven by the package_rootfs test.
IMAGE ?= tasks:$(VERSION)
.PHONY: image
image:
	@engine=""; \
	if docker info >/dev/null 2>&1; then engine=docker; \
	elif podman info >/dev/null 2>&1; then engine=podman; fi; \
	if [ -z "$$engine" ]; then \
	  echo "make image: no container engine answers (docker info/podman info failed); the runtime stage is tested by the package_rootfs test" >&2; \
	  exit 1; \
	fi; \
	set -x; $$engine build --build-arg VERSION=$(VERSION) \
	  --build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) -t $(IMAGE) .

# The chart's offline tests alone (also in `make test` as chart_offline): lint, template,
# kubectl-validate against Kubernetes 1.35, Dapr annotation keys, helm-unittest.
.PHONY: chart-test
chart-test:
	./tests/chart/run.sh

FORMAT_FILES = $(shell git ls-files '*.cpp' '*.hpp')
format:
	@clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES)

stack-up:
	./stack/up.sh
stack-down:
	./stack/down.sh
stack-status:
	./stack/status.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-fuzz .fuzz-work
