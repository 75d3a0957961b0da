#!/usr/bin/env bash
# Configures build-fuzz/ with clang (TASKS_FUZZ=ON: the whole project configured, only the fuzz
# targets and the libraries they need built), then runs every target for SECONDS each (run.sh).
# The ctest fuzz_bounded runs this from the normal build with a few seconds per target, so that
# it works from a fresh clone (`make test` installs clang-14 first); `make fuzz` runs it longer.
set -euo pipefail

seconds="${1:-${FUZZ_SECONDS:-5}}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
cxx="${FUZZ_CXX:-clang++-14}"

if ! command -v "$cxx" >/dev/null; then
  echo "fuzz: $cxx not found; make deps installs clang-14 and libclang-rt-14-dev" >&2
  exit 2
fi
# A custom build type: no -O2 from CMake, the flags TASKS_FUZZ adds (-O1) are all there is. The
# tests' own CMake (BUILD_TESTING) is not needed for the targets.
if [ ! -f "$build/build.ninja" ]; then
  mkdir -p "$build"
  nice -n 19 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Fuzz \
    -DTASKS_FUZZ=ON -DBUILD_TESTING=OFF >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 2; }
fi
nice -n 19 cmake --build "$build" --target fuzz_targets -j "${FUZZ_BUILD_JOBS:-2}"
exec "$here/run.sh" "$seconds"
