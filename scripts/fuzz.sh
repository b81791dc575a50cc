#!/usr/bin/env bash
# Fuzzes, with libFuzzer, ASan and UBSan, for a bounded time: the experiment
# loader (TOML parsing, --set overrides, schema validation, sweep expansion),
# seeded with every shipped experiment file and the saved regressions; the
# .npy decoder (tests/fuzz/npy_seeds); the checkpoint decoder
# (tests/fuzz/checkpoint_seeds).
#   scripts/fuzz.sh [seconds]            (default 60)
# A crash or hang leaves its input in build-asan/findings/; copy it to
# tests/fuzz/regressions/ so the normal test suite replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/install-deps.sh
# The sanitizers' tree (scripts/configure_asan.sh): after scripts/sanitize.sh, as in CI, host and
# plugins are built already and only the three fuzz targets link.
scripts/configure_asan.sh
cmake --build build-asan -j "$(nproc)" --target fuzz_experiment_loader fuzz_npy_decoder fuzz_checkpoint_decoder
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
mkdir -p build-asan/findings
# fuzz TARGET SECONDS SEEDS...: one libFuzzer run with its own corpus; its log in build-asan/TARGET.log.
fuzz() {
  local target=$1 time=$2
  shift 2
  mkdir -p "build-asan/corpus/$target"
  build-asan/tests/fuzz/"$target" -max_total_time="$time" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="build-asan/findings/$target-" -print_final_stats=1 "build-asan/corpus/$target" "$@" 2>&1 |
    tee "build-asan/$target.log" | grep -E "INITED|DONE|ERROR|SUMMARY|stat::number_of_executed_units" || true
}
# The loader gets half the time; the two decoders, smaller and faster, a quarter each.
fuzz fuzz_experiment_loader $((seconds / 2)) -dict=tests/fuzz/toml.dict \
  experiments experiments/paper experiments/lyu2021 docs/examples tests/fuzz/regressions
fuzz fuzz_npy_decoder $((seconds / 4)) tests/fuzz/npy_seeds
fuzz fuzz_checkpoint_decoder $((seconds / 4)) tests/fuzz/checkpoint_seeds
if compgen -G "build-asan/findings/*" > /dev/null; then
  echo "fuzz: findings in build-asan/findings/ (see build-asan/*.log)" >&2
  exit 1
fi
echo "fuzz: no crash, undefined behaviour or hang in ${seconds}s over three targets"
