// A run's checkpoint, composed and restored in one place. Its entries:
//   config_hash            the experiment it belongs to
//   model.theta            the parameter vector
//   rng.batches            the batch stream
//   optimizer.<key>        the optimizer's own state
//   metric<i>.<key>        metric i's own state
//   csv.bytes              metrics.csv's size at the checkpoint (later rows are cut on resume)
//   wall_seconds           wall time spent so far
#pragma once

#include "config/config.hpp"

#include <relulab/relulab.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace relulab::host {

// The objects whose state a checkpoint holds.
struct RunParts {
  Model& model;
  Optimizer& optimizer;
  std::vector<std::unique_ptr<Metric>>& metrics;
  Rng& batch_rng;
};

// What the host itself keeps in a checkpoint beside the plugins' states.
struct RunProgressMark {
  std::uint64_t csv_bytes = 0;
  double wall_seconds = 0;
};

State compose_checkpoint(const Experiment& ex, const RunParts& parts, const RunProgressMark& mark);
// Loads `checkpoint` into the parts; throws if it does not fit the model.
RunProgressMark restore_checkpoint(const State& checkpoint, RunParts& parts, const std::string& where);

}  // namespace relulab::host
