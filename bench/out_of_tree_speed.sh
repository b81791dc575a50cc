#!/usr/bin/env bash
# The out-of-tree example optimizer (docs/examples/clipped_sgd) built exactly
# as docs/plugins.md says, timed beside the same source built in relulab's own
# tree, in A B B A rounds under one benchmark binary (bench/ab_plugins.py).
# A Debug build is timed the same way, to show what an unoptimised plugin costs.
#   bench/out_of_tree_speed.sh [rounds]     (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install build --prefix "$work/prefix" > /dev/null
# The documented command: no build type.
cmake -S docs/examples/clipped_sgd -B "$work/documented" -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/documented" > /dev/null
cmake -S docs/examples/clipped_sgd -B "$work/debug" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Debug > /dev/null
cmake --build "$work/debug" > /dev/null

in_tree=build/bench/example_plugins/libclipped_sgd.so
cp "$in_tree" "$work/in_tree.so"
grep -m1 -o 'avx512f' /proc/cpuinfo > /dev/null && isa="AVX-512" || isa="AVX2 (no AVX-512)"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $isa"
echo "A = in-tree build, B = out-of-tree build as docs/plugins.md says (no build type):"
bench/ab_plugins.py --filter '^ClippedSgdStep/1000$' --rounds "$rounds" --installed "$in_tree" \
  "$work/in_tree.so" "$work/documented/plugins/libclipped_sgd.so"
echo "A = in-tree build, B = out-of-tree Debug build (-O0):"
bench/ab_plugins.py --filter '^ClippedSgdStep/1000$' --rounds "$rounds" --installed "$in_tree" \
  "$work/in_tree.so" "$work/debug/plugins/libclipped_sgd.so"
