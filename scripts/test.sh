#!/usr/bin/env bash
# `make test` after the build: every test of BUILD_DIR (ctest), then the unit tests under
# ASan+UBSan (`make asan`) and the threaded ones under TSan (`make tsan`), clang.
#   usage: scripts/test.sh BUILD_DIR JOBS [CTEST_ARGUMENT...]   (e.g. -R lab_ to pick tests)
# The two sanitizer builds are compiled in the background at the lowest CPU priority while ctest
# runs: the network-lab tests run one at a time and mostly wait, so the builds take what they leave
# idle. The sanitizer tests run afterwards at normal priority (several measure deadlines).
set -euo pipefail
build_dir=${1:?usage: $0 BUILD_DIR JOBS}
jobs=${2:?usage: $0 BUILD_DIR JOBS}
cd "$(dirname "$0")/.."
background_logs=$build_dir/sanitizer-logs
step_prefix=test
mkdir -p "$background_logs"
source scripts/background.sh

background asan-build make --no-print-directory JOBS="$jobs" asan-build
background tsan-build make --no-print-directory JOBS="$jobs" tsan-build
ctest_arguments=("${@:3}")
step ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" "${ctest_arguments[@]}"
await asan-build
step make --no-print-directory JOBS="$jobs" asan
await tsan-build
step make --no-print-directory JOBS="$jobs" tsan
