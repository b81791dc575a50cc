#!/usr/bin/env bash
# Fuzzes the experiment loader (TOML parsing, --set overrides, schema
# validation, sweep expansion) with libFuzzer, ASan and UBSan, for a bounded
# time, seeded with every shipped experiment file and the saved regressions.
#   scripts/fuzz.sh [seconds]            (default 60)
# A crash or hang leaves its input in build-fuzz/findings/; copy it to
# tests/fuzz/regressions/ so the normal test suite replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/install-deps.sh
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELULAB_FUZZ=ON \
  -DRELULAB_BUILD_TESTS=OFF -DRELULAB_BUILD_BENCH=OFF -DRELULAB_WITH_MPI=OFF \
  -DRELULAB_KERNEL_ISAS=""  # the loader never trains: the portable model kernel is enough
cmake --build build-fuzz -j "$(nproc)" --target fuzz_experiment_loader
corpus=build-fuzz/corpus
mkdir -p "$corpus" build-fuzz/findings
seeds=(experiments experiments/paper experiments/lyu2021 docs/examples tests/fuzz/regressions)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
build-fuzz/tests/fuzz/fuzz_experiment_loader -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -dict=tests/fuzz/toml.dict -artifact_prefix=build-fuzz/findings/ -print_final_stats=1 \
  "$corpus" "${seeds[@]}" 2>&1 | tee build-fuzz/fuzz.log | grep -E "INITED|DONE|ERROR|SUMMARY|stat::" || true
# libFuzzer's exit status is lost in the pipe: a finding is a file in findings/.
if compgen -G "build-fuzz/findings/*" > /dev/null; then
  echo "fuzz: findings in build-fuzz/findings/ (see build-fuzz/fuzz.log)" >&2
  exit 1
fi
echo "fuzz: no crash, undefined behaviour or hang in ${seconds}s"
