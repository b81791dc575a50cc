#!/usr/bin/env bash
# Configures build-asan/: host, plugins and tests with AddressSanitizer and UBSan, built by clang,
# with the libFuzzer targets in the same tree. scripts/sanitize.sh builds and runs its tests there,
# scripts/fuzz.sh its fuzzers; one tree compiles every plugin once for both (it was two trees, one
# per compiler: docs/performance.md, "The build"). Clang also compiles this tree 1.6 times faster
# than GCC did (the vector kernels 7 times: GCC's ASan instrumentation of their SIMD loops).
#   scripts/configure_asan.sh [extra CMake arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
# -O1 -g1 (line tables only) and no NDEBUG: half the compile time of -O2 -g, the stack traces still
# name file and line, and Eigen's own bounds assertions are on. Only the model kernels this CPU runs
# (the others are never tested here, and each takes a minute to compile under ASan). The fuzzers'
# coverage instrumentation stays on the host's loader and decoders (RELULAB_FUZZ: CMakeLists.txt).
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" \
  -DRELULAB_SANITIZE=ON -DRELULAB_FUZZ=ON -DRELULAB_BUILD_TESTS=ON -DRELULAB_BUILD_BENCH=OFF \
  "-DRELULAB_KERNEL_ISAS=$(scripts/cpu_kernels.sh)" "$@" >/dev/null
