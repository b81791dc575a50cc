#!/usr/bin/env bash
# Fresh machine to first result: install, build, run experiments/quickstart.toml.
# Only what the run needs: the build's packages (install-deps.sh --quickstart), the executable and
# the plugins; no tests, benchmarks or Python (scripts/test.sh adds them, in the same ./build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --quickstart
# The model kernels this CPU runs (scripts/cpu_kernels.sh), not all three.
RELULAB_BUILD_TARGETS="relulab relulab_plugins" scripts/build.sh -DRELULAB_BUILD_TESTS=OFF -DRELULAB_BUILD_BENCH=OFF \
  "-DRELULAB_KERNEL_ISAS=$(scripts/cpu_kernels.sh)"
./build/relulab run experiments/quickstart.toml "$@"
