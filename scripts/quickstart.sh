#!/usr/bin/env bash
# Fresh machine to first result: install, build, run experiments/quickstart.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
./build/relulab run experiments/quickstart.toml "$@"
