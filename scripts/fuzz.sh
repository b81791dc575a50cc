#!/usr/bin/env bash
# Fuzzes, with libFuzzer, ASan and UBSan, for a bounded time: the experiment
# loader (TOML parsing, --set overrides, schema validation, sweep expansion),
# seeded with every shipped experiment file and the saved regressions; the
# .npy decoder (tests/fuzz/npy_seeds); the checkpoint decoder
# (tests/fuzz/checkpoint_seeds).
#   scripts/fuzz.sh [seconds]            (default 60)
# A crash or hang leaves its input in build-fuzz/findings/; copy it to
# tests/fuzz/regressions/ so the normal test suite replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/install-deps.sh
# -O1 -g1 (line tables only), as scripts/sanitize.sh: about half the compile
# time of RelWithDebInfo's -O2 -g, and a finding's stack still names file and line.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" -DRELULAB_FUZZ=ON \
  -DRELULAB_BUILD_TESTS=OFF -DRELULAB_BUILD_BENCH=OFF -DRELULAB_WITH_MPI=OFF \
  -DRELULAB_KERNEL_ISAS=""  # the loader never trains: the portable model kernel is enough
cmake --build build-fuzz -j "$(nproc)" --target fuzz_experiment_loader fuzz_npy_decoder fuzz_checkpoint_decoder
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
mkdir -p build-fuzz/findings
# fuzz TARGET SECONDS SEEDS...: one libFuzzer run with its own corpus; its log in build-fuzz/TARGET.log.
fuzz() {
  local target=$1 time=$2
  shift 2
  mkdir -p "build-fuzz/corpus/$target"
  build-fuzz/tests/fuzz/"$target" -max_total_time="$time" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="build-fuzz/findings/$target-" -print_final_stats=1 "build-fuzz/corpus/$target" "$@" 2>&1 |
    tee "build-fuzz/$target.log" | grep -E "INITED|DONE|ERROR|SUMMARY|stat::number_of_executed_units" || true
}
# The loader gets half the time; the two decoders, smaller and faster, a quarter each.
fuzz fuzz_experiment_loader $((seconds / 2)) -dict=tests/fuzz/toml.dict \
  experiments experiments/paper experiments/lyu2021 docs/examples tests/fuzz/regressions
fuzz fuzz_npy_decoder $((seconds / 4)) tests/fuzz/npy_seeds
fuzz fuzz_checkpoint_decoder $((seconds / 4)) tests/fuzz/checkpoint_seeds
if compgen -G "build-fuzz/findings/*" > /dev/null; then
  echo "fuzz: findings in build-fuzz/findings/ (see build-fuzz/*.log)" >&2
  exit 1
fi
echo "fuzz: no crash, undefined behaviour or hang in ${seconds}s over three targets"
