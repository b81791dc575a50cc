#!/usr/bin/env bash
# Redraws the figures of docs/reproduction.md that relulab draws itself (`relulab plot`, its default
# figure unless a --y is named below), from runs made here with ./build/relulab. Runs land in runs/ and
# are resumed, not redone, when the script is run again (kill it at any time).
#   scripts/doc_figures.sh quick    # the _quick experiments: minutes on two cores
#   scripts/doc_figures.sh full     # the full-scale Figures 1 to 3: about an hour on two cores
#   scripts/doc_figures.sh search   # the full-scale threshold search: 8 cells, one at a time
# The figures the Python scripts draw (scripts/*.py, named in docs/reproduction.md) are not redrawn here.
set -euo pipefail
cd "$(dirname "$0")/.."
relulab=./build/relulab
out=docs/reproduction
paper=experiments/paper

# run FILE [relulab run options...]: runs (or resumes) it and prints the folder it wrote.
run() {
  local file=$1
  shift
  local log
  log=$(mktemp)
  SECONDS=0
  "$relulab" run "$file" --jobs "${JOBS:-2}" --quiet "$@" > "$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
  echo "$file $*: ${SECONDS} s" >&2
  # A run prints "run directory: DIR", or "already finished in DIR" when it had finished before.
  grep -oE '(run directory: |sweep directory: |folder: |already finished in )[^ ]+' "$log" | head -1 | sed -E 's/.*(: | in )//'
  rm -f "$log"
}

# figure NAME DIR [relulab plot options...]
figure() {
  local name=$1 dir=$2
  shift 2
  "$relulab" plot "$dir" --out "$out/$name.png" "$@"
}

quick() {
  figure fig1_quick "$(run $paper/fig1_linear_threshold_quick.toml)"
  figure fig1_threshold_search_quick "$(run $paper/fig1_threshold_search_quick.toml)"
  figure fig2_quick "$(run $paper/fig2_lr_decay_quick.toml)"  # warm-started from fig1_quick's cell 6
  figure fig3_quick "$(run $paper/fig3_relu_teacher_quick.toml)"
  figure d10_quick "$(run $paper/d10_threshold_quick.toml)"
  figure fig1_gelu_quick "$(run $paper/fig1_gelu_quick.toml)" --y train_mse,test_mse  # a colour per activation
  figure theorem2_quick "$(run $paper/theorem2_two_cones_quick.toml)" --y gap_plus,gap_minus
  figure concentration_quick "$(run $paper/concentration_quick.toml)" --y drift_sup_error,extremal_angle_plus_deg
  # Theorem 1 at full scale is cheap (under a minute): drawn here, into docs/.
  figure ../concentration "$(run $paper/concentration.toml)" --y drift_sup_error,drift_mean_error \
    --title "Theorem 1: sup_w |D_n(w) - D(w)| against n (d = 5, 3 seeds)"
}

full() {
  figure fig1_full "$(run $paper/fig1_linear_threshold.toml)"
  figure fig2_full "$(run $paper/fig2_lr_decay.toml)"  # warm-started from fig1_full's cell 7
  figure fig1_full_f32 "$(run $paper/fig1_linear_threshold.toml --set model.precision=float32)" \
    --title "fig1_linear_threshold, float32: final values"
  figure fig3_full "$(run $paper/fig3_relu_teacher.toml)"
}

# The threshold search of record: Figure 1's file as one run (sweep = {}) searched over n, one point
# at a time (JOBS=1: bisection, the points in docs/reproduction.md's table).
search() {
  figure fig1_threshold_search_full "$(JOBS=1 run $paper/fig1_linear_threshold.toml --set 'sweep={}' \
    --set 'search={ key = "data.n", range = [100, 30_000], metric = "train_mse", below = 0.045, tolerance = 1.15 }')"
}

case "${1:-}" in
  quick) quick ;;
  full) full ;;
  search) search ;;
  *) echo "usage: scripts/doc_figures.sh quick|full|search" >&2; exit 2 ;;
esac
