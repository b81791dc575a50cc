#!/usr/bin/env bash
# The unit tests under AddressSanitizer and UndefinedBehaviorSanitizer: host
# and plugins built with -fsanitize=address,undefined in build-asan/, then
# every test except the "slow" ones (the out-of-tree build and the quick
# Figure 1, which exercise nothing the others do not, at several times the cost).
#   scripts/sanitize.sh [extra ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# -O1 -g1 (line tables only) and no NDEBUG: half the compile time of -O2 -g, the
# stack traces still name file and line, and Eigen's own bounds assertions are on.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" -DRELULAB_SANITIZE=ON \
  -DRELULAB_BUILD_BENCH=OFF
cmake --build build-asan -j "$(nproc)"
# detect_leaks: LeakSanitizer needs ptrace, which some containers forbid; leaks
# are checked where it works (set ASAN_OPTIONS yourself to force it).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -LE slow "$@"
