#!/usr/bin/env bash
# Runs every libFuzzer target of build-fuzz/ for SECONDS each (default 5), one after another, each
# on a fresh copy of its seed corpus (tests/fuzz/corpus/<target>/) in .fuzz-work/, so that what
# the fuzzer adds never lands in the repository. Fails when any target finds a crash, a timeout
# or a leak, and names the reproducer. Build first: tests/fuzz/build_and_run.sh does both.
set -euo pipefail

seconds="${1:-${FUZZ_SECONDS:-5}}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
work="${FUZZ_WORK_DIR:-$root/.fuzz-work}"

# The targets are the fuzz_*.cpp files; each must have been built.
targets=()
for source in "$here"/fuzz_*.cpp; do targets+=("$(basename "$source" .cpp)"); done
if [ -n "${FUZZ_TARGETS:-}" ]; then read -r -a targets <<<"$FUZZ_TARGETS"; fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=()
start=$(date +%s)
for target in "${targets[@]}"; do
  binary="$build/bin/$target"
  if [ ! -x "$binary" ]; then
    echo "fuzz: $binary is missing (build it: tests/fuzz/build_and_run.sh)" >&2
    exit 2
  fi
  corpus="$work/corpus/$target"
  crashes="$work/crashes/$target"
  log="$work/logs/$target.log"
  rm -rf "$corpus"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  if [ -d "$here/corpus/$target" ]; then cp -R "$here/corpus/$target/." "$corpus/"; fi
  if nice -n 19 "$binary" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    echo "fuzz: $target ok (${runs:-?} runs in ${seconds}s)"
  else
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz: $target FAILED; log: $log" >&2
    grep -m 3 -E 'ERROR: |fuzz invariant failed|runtime error|terminate called' "$log" >&2 || tail -n 20 "$log" >&2
    if [ -n "$reproducer" ]; then
      echo "fuzz: reproducer: $reproducer" >&2
      echo "fuzz: reproduce with: $binary $reproducer" >&2
    fi
    failed+=("$target")
  fi
done

echo "fuzz: ${#targets[@]} targets, $(( $(date +%s) - start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
