#!/usr/bin/env bash
# Configures and builds relulab (Release) in ./build. Extra arguments go to CMake.
# RELULAB_BUILD_TARGETS="relulab relulab_plugins" builds only those targets
# (scripts/quickstart.sh: what a run needs, no tests and no benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
targets=()
for t in ${RELULAB_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build build -j "$(nproc)" "${targets[@]}"
