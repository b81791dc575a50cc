#!/usr/bin/env bash
# The CSVs under docs/reproduction/data/ that come from the quick and cheap experiments, rebuilt from
# their run folders; then docs/reproduction.md's tables from the CSVs.
#   scripts/reproduction_data.sh RUNS        (RUNS: where `relulab run` wrote them, default runs/)
# Run the experiments first (docs/reproduction.md names each command; all of these take minutes):
#   for f in experiments/paper/*_quick.toml experiments/paper/{concentration,theorem2_two_cones}.toml \
#            experiments/compare_optimizers.toml \
#            experiments/lyu2021/{a_width,b_early_phase,c_fragile,a_log_domain,a_log_domain_lr}.toml; do
#     ./build/relulab run $f --jobs 2; done
#   t2=experiments/paper/theorem2_two_cones.toml tight="--set optimizer.rel_tol=1e-9 --set optimizer.abs_tol=1e-12"
#   ./build/relulab run $t2 --jobs 2 $tight --out runs/theorem2_tight
#   ./build/relulab run $t2 --jobs 2 $tight --set optimizer.end_time=8000.0 --out runs/theorem2_tight_t8000
# The full-scale cells are collected the same way (`python -m relulab.analysis collect
# docs/reproduction/data/full_scale_cells.csv RUNS`), as runs of hours finish.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs}
data=docs/reproduction/data
py=/usr/bin/python3
[[ -x .venv/bin/python ]] && py=.venv/bin/python
analysis() { PYTHONPATH=python "$py" -m relulab.analysis "$@" > /dev/null; }
# newest FOLDER_PREFIX: the last-written folder of an experiment (a changed file gets a new hash).
newest() { ls -dt "$runs"/"$1"-* | head -1; }

rm -f "$data/quick_cells.csv"
for name in fig1_linear_threshold_quick fig1_gelu_quick fig2_lr_decay_quick fig3_relu_teacher_quick \
            d10_threshold_quick; do
  analysis collect "$data/quick_cells.csv" "$(newest $name)"
done
cp "$(newest fig1_threshold_search_quick)/search.csv" "$data/fig1_threshold_search_quick.csv"
for scale in quick full; do
  suffix=$([[ $scale == quick ]] && echo _quick || true)
  analysis finals "$(newest theorem2_two_cones$suffix)" --columns data.n,gap_plus,gap_minus,train_mse,ols_train_mse \
    --csv "$data/theorem2_$scale.csv"
  analysis finals "$(newest concentration$suffix)" --over experiment.seed \
    --columns drift_sup_error,extremal_angle_plus_deg --csv "$data/concentration_$scale.csv"
done
for run in theorem2_tight theorem2_tight_t8000; do
  analysis finals "$runs/$run" --columns data.n,gap_plus,gap_minus,train_mse,ols_train_mse --csv "$data/$run.csv"
done
analysis finals "$(newest compare_optimizers)" --over experiment.seed \
  --columns train_mse,test_mse,effective_width,ols_train_mse,ols_test_mse --csv "$data/compare_optimizers.csv" \
  --figure docs/reproduction/compare_optimizers.png
analysis finals "$(newest lyu2021_a_width)" --eval "one_minus_cos_svm = 1 - cos_svm" \
  --columns model.width,experiment.seed,margin_ratio,one_minus_cos_svm,even_odd,train_error,test_error \
  --csv "$data/lyu2021_a_width.csv"
analysis records "$(newest lyu2021_b_early_phase)" --at 78,2670,6234,30000 --columns cos_mean,cos_svm,train_error \
  --csv "$data/lyu2021_b_early_phase.csv"
analysis finals "$(newest lyu2021_c_fragile)" --columns data.csv,normalized_margin,margin_ratio,even_odd \
  --csv "$data/lyu2021_c_fragile.csv"
analysis lyu "$(newest lyu2021_a_width)" "$(newest lyu2021_b_early_phase)" "$(newest lyu2021_c_fragile)" \
  --figure-dir docs/reproduction
analysis lyu-late "$(newest lyu2021_a_log_domain)" "$(newest lyu2021_a_log_domain_lr)" \
  --cells-csv "$data/lyu2021_log_domain_cells.csv" --figure docs/reproduction/lyu2021_log_domain.png
PYTHONPATH=python "$py" -m relulab.analysis report
