#!/usr/bin/env bash
# Issue 38, item 1: one threshold search per d, its range [300, 12 000] (the d = 5 grid's) scaled by
# (d / 5)^3, smallest d first (the cheapest searches finish first). Resumable: a finished search is
# found finished, an interrupted one resumes from its cells' checkpoints.
#   scripts/threshold_law_d.sh [RUNS]      (default runs/; each search's folder is printed)
#   DS="5 6 8 10" scripts/threshold_law_d.sh    only these d
#   scripts/threshold_law_d.sh --save [RUNS]     pack the searches' state into the repository
#   scripts/threshold_law_d.sh --restore [RUNS]  unpack it, to resume on another machine
# The state file holds every cell; a finished one without its checkpoints and its copy of the
# training data (X_train.npy and y_train.npy, written for analysis at a cell's start).
set -euo pipefail
cd "$(dirname "$0")/.."
state=docs/reproduction/data/threshold_law_d_state.tar.xz
case "${1:-}" in
  --save)
    runs=${2:-runs}
    # a finished cell needs neither its copy of the training data nor its checkpoints to be found
    # finished; a running cell keeps everything
    (cd "$runs" && find threshold_law_d-search-* \( -name X_train.npy -o -name y_train.npy -o -name 'checkpoint*.bin' \) \
       -execdir test -e summary.json \; -print) > "$runs/.state-exclude"
    tar -C "$runs" --exclude-from="$runs/.state-exclude" --exclude='.lock' \
      -cJf "$state" $(cd "$runs" && ls -d threshold_law_d-search-*)
    echo "saved $(du -h "$state" | cut -f1) to $state"
    exit 0 ;;
  --restore)
    runs=${2:-runs}
    mkdir -p "$runs" && tar -C "$runs" -xJf "$state"
    echo "restored $state into $runs/"
    exit 0 ;;
esac
runs=${1:-runs}
for d in ${DS:-3 4 5 6 8 10}; do
  read -r lo hi < <(/usr/bin/python3 -c "s = ($d / 5) ** 3; print(round(300 * s), round(12000 * s))")
  ./build/relulab run experiments/paper/full_scale/threshold_law_d.toml --jobs "${JOBS:-2}" --quiet \
    --set data.d="$d" --set "search.range=[$lo, $hi]" --set experiment.output="\"$runs\""
done
