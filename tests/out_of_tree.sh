#!/usr/bin/env bash
# The plugin SDK from outside: install relulab to a temporary prefix, build the
# three examples in docs/examples against that prefix only, and run an
# experiment that uses them with the installed relulab. Checks that nothing
# installed was touched (no part of relulab was rebuilt) and that the run
# learned something.
#   tests/out_of_tree.sh <relulab build dir> <relulab source dir>
set -euo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
test -x "$prefix/bin/relulab"
test -f "$prefix/lib/cmake/relulab/relulabConfig.cmake"
# A fingerprint of everything installed, taken before the examples are built.
fingerprint() { find "$prefix" -type f -exec sha256sum {} + | sort; }
fingerprint > "$work/before"

# The example teacher stays a one-screen read: at most 50 lines.
lines=$(wc -l < "$source/docs/examples/single_index_teacher/single_index_teacher.cpp")
if (( lines > 50 )); then
  echo "docs/examples/single_index_teacher/single_index_teacher.cpp has $lines lines (at most 50)" >&2
  exit 1
fi

for example in single_index_teacher clipped_sgd inverse_sqrt; do
  cp -r "$source/docs/examples/$example" "$work/$example"
  # Exactly the command docs/plugins.md gives: no build type (the package picks Release).
  cmake -S "$work/$example" -B "$work/$example/build" -DCMAKE_PREFIX_PATH="$prefix" > "$work/$example.configure.log"
  cmake --build "$work/$example/build" > "$work/$example.build.log"
  test -f "$work/$example/build/plugins/lib$example.so"
done
export RELULAB_PLUGIN_PATH=$work/single_index_teacher/build/plugins:$work/clipped_sgd/build/plugins:$work/inverse_sqrt/build/plugins

# The installed relulab lists the examples next to its installed plugins, and
# takes nothing from the build tree it was installed from.
"$prefix/bin/relulab" plugins > "$work/plugins.txt"
grep -q "single_index_teacher" "$work/plugins.txt"
grep -q "clipped_sgd" "$work/plugins.txt"
grep -q "inverse_sqrt" "$work/plugins.txt"
grep -q "two_layer_relu" "$work/plugins.txt"
if grep -q "$build/plugins" "$work/plugins.txt"; then
  echo "the installed relulab loaded plugins from the build tree" >&2
  exit 1
fi
"$prefix/bin/relulab" plugins describe clipped_sgd | grep -q "clip_norm"
# Built the documented way, each example reports itself optimised, as the bundled plugins do.
for example in single_index_teacher clipped_sgd inverse_sqrt two_layer; do
  "$prefix/bin/relulab" plugins describe $example > "$work/describe.txt"
  if ! grep -q "^  build: optimised$" "$work/describe.txt"; then
    echo "$example does not report an optimised build:" >&2; cat "$work/describe.txt" >&2; exit 1
  fi
done
if grep -q "NOT optimised" "$work/plugins.txt"; then
  echo "relulab plugins marks a plugin as unoptimised:" >&2; cat "$work/plugins.txt" >&2; exit 1
fi

# Each example keeps the contract of its kind, checked the way docs/plugins.md tells a researcher to.
for example in single_index_teacher clipped_sgd inverse_sqrt; do
  if ! "$prefix/bin/relulab" check-plugin $example > "$work/check.txt"; then
    echo "relulab check-plugin $example failed:" >&2; cat "$work/check.txt" >&2; exit 1
  fi
  grep -q "PASS  its defaults satisfy its schema" "$work/check.txt"
done

cp "$source/docs/examples/single_index_with_clipping.toml" "$work/"
"$prefix/bin/relulab" run "$work/single_index_with_clipping.toml" --out "$work/run" --quiet > "$work/run.log"
summary=$work/run/summary.json
grep -q '"status": "completed"' "$summary"
# What the run learned, read from its summary. A linear fit to tanh(z) leaves
# E[tanh(z)^2] - E[z tanh z]^2 = 0.394 - 0.367 = 0.027 plus the noise 0.01:
# OLS's test MSE is ~0.037, a zero predictor's ~0.404. The network must beat
# the zero predictor by a factor 4 (SGD alone lands near OLS, so the margin is
# wide) and must have clipped some of its steps.
/usr/bin/python3 - "$summary" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
test, ols = s["final"]["test_mse"], s["final"]["ols_test_mse"]
clipped = s["statistics"]["clipped_steps"]
print(f"single-index tanh teacher, clipped SGD: test MSE {test:.4f} (OLS {ols:.4f}), {clipped:.0f} clipped steps")
assert test < 0.404 / 4, test
assert 0.02 < ols < 0.06, ols
assert clipped > 0, clipped
PY

# The out-of-tree policy wraps the out-of-tree rule. Its effect is read from
# the summary's time, the sum of the learning rates SGD used:
# sum_t lr / sqrt(1 + t / steps) over the 20 000 steps.
"$prefix/bin/relulab" run "$work/single_index_with_clipping.toml" --out "$work/run_sqrt" --quiet \
  --set 'optimizer.policies=[{ plugin = "inverse_sqrt", steps = 500 }]' > "$work/run_sqrt.log"
/usr/bin/python3 - "$work/run_sqrt/summary.json" <<'PY'
import json, math, sys
s = json.load(open(sys.argv[1]))
expected = sum(0.05 / math.sqrt(1 + t / 500) for t in range(20_000))
print(f"clipped SGD with the inverse_sqrt policy: time {s['time']:.6f}, sum of the schedule {expected:.6f}")
assert s["status"] == "completed"
# 20 000 additions of numbers ~0.01 in two orders of summation: 1e-9 relative is ample.
assert abs(s["time"] - expected) <= 1e-9 * expected, (s["time"], expected)
PY

# A Debug build of the same optimizer says so everywhere: `plugins`, `describe`,
# the run's provenance, and one warning (not one per cell) for a sweep that uses it.
cmake -S "$work/clipped_sgd" -B "$work/clipped_debug" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Debug \
  > "$work/clipped_debug.configure.log"
cmake --build "$work/clipped_debug" > "$work/clipped_debug.build.log"
export RELULAB_PLUGIN_PATH=$work/single_index_teacher/build/plugins:$work/clipped_debug/plugins:$work/inverse_sqrt/build/plugins
"$prefix/bin/relulab" plugins | grep "clipped_sgd" | grep -q "NOT optimised"
"$prefix/bin/relulab" plugins describe clipped_sgd | grep -q "^  build: NOT optimised (-O0), assertions on$"
"$prefix/bin/relulab" run "$work/single_index_with_clipping.toml" --out "$work/run_debug" --quiet \
  --set 'sweep."experiment.seed"=[0, 1, 2]' --set optimizer.iterations=200 > "$work/run_debug.log" 2> "$work/run_debug.err"
warnings=$(grep -c "plugin 'clipped_sgd' .* was compiled without optimisation" "$work/run_debug.err" || true)
if [[ $warnings != 1 ]]; then
  echo "a sweep over an unoptimised plugin printed $warnings warnings (expected 1):" >&2; cat "$work/run_debug.err" >&2
  exit 1
fi
grep -q "build = 'NOT optimised (-O0), assertions on'" "$work"/run_debug/cells/*/config.toml
grep -q "build = 'optimised'" "$work/run/config.toml"

fingerprint > "$work/after"
if ! diff -q "$work/before" "$work/after" > /dev/null; then
  echo "building the examples changed the installed relulab:" >&2
  diff "$work/before" "$work/after" >&2
  exit 1
fi
echo "out-of-tree plugins built against $prefix and ran with the installed relulab"
