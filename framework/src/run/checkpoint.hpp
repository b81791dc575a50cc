// A run's checkpoint, composed and restored in one place. Its entries:
//   config_hash            the experiment it belongs to
//   model.theta            the parameter vector
//   rng.batches            the batch stream
//   rng.data, online.X/y   online data: the data stream and the batch it drew for the next step
//   optimizer.<key>        the optimizer's own state
//   metric<i>.<key>        metric i's own state
//   csv.bytes              metrics.csv's size at the checkpoint (later rows are cut on resume)
//   wall_seconds           wall time spent so far
//   stop.counts            per stop condition, the consecutive records it has held
#pragma once

#include "config/config.hpp"

#include <relulab/relulab.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace relulab::host {

// The objects whose state a checkpoint holds.
struct RunParts {
  Model& model;
  Optimizer& optimizer;
  std::vector<std::unique_ptr<Metric>>& metrics;
  Rng& batch_rng;
  class OnlineObjective* online = nullptr;  // n = "online": the held batch and the data stream
};

// What the host itself keeps in a checkpoint beside the plugins' states.
struct RunProgressMark {
  std::uint64_t csv_bytes = 0;
  double wall_seconds = 0;
  std::vector<std::uint64_t> stop_counts;  // per [experiment] stop condition: consecutive records it has held
};

State compose_checkpoint(const Experiment& ex, const RunParts& parts, const RunProgressMark& mark);

// A metric record that a stop request abandoned part-way (relulab/stop.hpp):
// the checkpoint holds the run as it was just before it, and resume makes it first.
struct PendingRecord {
  std::uint64_t iteration = 0;
  double time = 0;
  std::vector<bool> due;  // the metrics the record evaluates
};
// The checkpoint of a run stopped during `pending`: the parts as they are
// (metrics do not change the model, the optimizer or the batch stream), the
// states of the due metrics as they were before the record (`states_before`,
// one per metric; empty for those not due), and the pending record.
State compose_pending_checkpoint(const Experiment& ex, const RunParts& parts, const RunProgressMark& mark,
                                 const std::vector<State>& states_before, const PendingRecord& pending);
// The pending record a checkpoint holds, if any.
std::optional<PendingRecord> pending_record(const State& checkpoint);
// Loads `checkpoint` into the parts; throws if it does not fit the model.
RunProgressMark restore_checkpoint(const State& checkpoint, RunParts& parts, const std::string& where);

}  // namespace relulab::host
