# The front door: `make run` starts the service, `make test` runs every test. Both install what
# they need first (Debian packages via apt-get), so each is one command on a fresh machine.

SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)

# Everything the build, the tests, the benchmarks and the real stack need from Debian 12
# (libboost-dev: Asio and Beast, the HTTP front; libpistache-dev: only the evidence test).
DEB_PACKAGES := build-essential cmake ninja-build pkg-config git curl ca-certificates \
  libcaf-dev libpistache-dev libsoci-dev libsqlite3-dev sqlite3 libpq-dev postgresql-15 \
  nlohmann-json3-dev libcurl4-openssl-dev libboost-dev libboost-test-dev libspdlog-dev prometheus-cpp-dev \
  libcli11-dev libedit-dev libjwt-dev uuid-dev libssl-dev \
  kcat wrk tmux clang-format python3 openjdk-17-jre-headless maven

.PHONY: deps build run test sanitize bench format format-check clean stack-up stack-down stack-status

# Installs only what is missing: quick when everything is present. Uses sudo when not root.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y --no-install-recommends $$missing || \
	    { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends $$missing; }; \
	fi

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Embedded SQLite at ./data/tasks.db and dev-mode auth unless configured otherwise. Builds only
# the programs (the tests take longer to compile than the service).
run: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target taskd taskctl
	./$(BUILD_DIR)/bin/taskd

# Two suites at a time: most of their time is spent waiting (deadlines, backoffs, Kafka), not
# computing; the load tests run alone (RUN_SERIAL).
TEST_JOBS ?= 2
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 1800 -j $(TEST_JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer over the whole test suite.
sanitize: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTASKS_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure --timeout 3600

bench: build
	./bench/run.sh

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

# The hostile-client run of tests/hostile for a long time (SOAK_SECONDS, default 15 minutes)
# against a real taskd: the same checks as in `make test`, many more connections hung up on.
SOAK_SECONDS ?= 900
.PHONY: soak
soak: build
	cd $(BUILD_DIR) && HOSTILE_SECONDS=$(SOAK_SECONDS) TASKD_BIN=$$PWD/bin/taskd \
	  ./bin/hostile_tests --run_test=hostile_run --report_level=short

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
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
