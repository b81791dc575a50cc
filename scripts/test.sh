#!/usr/bin/env bash
# Fresh machine to a passing test suite: install, build, run every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-python.sh   # before the build: CTest's Python entry uses .venv when it exists
# Tests, benchmarks and every kernel on explicitly: a quickstart before this one configured ./build
# without them (the tests check every kernel the CPU runs; the binary must run on other CPUs too).
scripts/build.sh -DRELULAB_BUILD_TESTS=ON -DRELULAB_BUILD_BENCH=ON "-DRELULAB_KERNEL_ISAS=avx2;avx512"
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
