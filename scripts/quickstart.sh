#!/usr/bin/env bash
# Fresh machine to first result: install, build, run experiments/quickstart.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-python.sh   # before the build: CTest's Python entry uses .venv when it exists
# Only what the run needs: the executable and the plugins (scripts/test.sh builds the rest).
RELULAB_BUILD_TARGETS="relulab relulab_plugins" scripts/build.sh
./build/relulab run experiments/quickstart.toml "$@"
