#!/usr/bin/env bash
# Issue 38, item 1: one threshold search per d, its range [300, 12 000] (the d = 5 grid's) scaled by
# (d / 5)^3, smallest d first (the cheapest searches finish first). Resumable: a finished search is
# found finished, an interrupted one resumes from its cells' checkpoints.
#   scripts/threshold_law_d.sh [RUNS]      (default runs/; each search's folder is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs}
for d in 3 4 5 6 8 10; do
  read -r lo hi < <(python3 -c "s = ($d / 5) ** 3; print(round(300 * s), round(12000 * s))")
  ./build/relulab run experiments/paper/full_scale/threshold_law_d.toml --jobs "${JOBS:-2}" --quiet \
    --set data.d="$d" --set "search.range=[$lo, $hi]" --set experiment.output="\"$runs\""
done
