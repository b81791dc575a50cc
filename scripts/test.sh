#!/usr/bin/env bash
# Fresh machine to a passing test suite: install, build, run every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-python.sh   # before the build: CTest's Python entry uses .venv when it exists
# Tests and benchmarks on explicitly: a quickstart before this one configured ./build without them.
scripts/build.sh -DRELULAB_BUILD_TESTS=ON -DRELULAB_BUILD_BENCH=ON
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
