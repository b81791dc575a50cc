// Metric interface: reads a snapshot at scheduled points and returns named values.
#pragma once

#include <relulab/data_generator.hpp>
#include <relulab/dataset.hpp>
#include <relulab/model.hpp>
#include <relulab/plugin_object.hpp>
#include <relulab/rng.hpp>
#include <relulab/state.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace relulab {

// Where a metric writes arrays (neuron snapshots, ...): `name`.npy in the run
// directory, C order, float64.
class ArraySink {
 public:
  virtual ~ArraySink() = default;
  virtual void write(const std::string& name, const double* data, const std::vector<std::size_t>& shape) = 0;
};

struct Snapshot {
  const Model& model;
  const Dataset& train;
  const DataGenerator& data;
  std::uint64_t iteration;
  double time;
  ArraySink& arrays;
};

class Metric : public PluginObject {
 public:
  // Column names, fixed for the run (they head the CSV).
  virtual std::vector<std::string> columns() const = 0;
  // Called once before the first evaluation: draw test samples from `rng`, fit baselines, ...
  virtual void prepare(const Dataset& /*train*/, const DataGenerator& /*data*/, Rng& /*rng*/) {}
  // Writes one value per column into `values`.
  virtual void evaluate(const Snapshot& snapshot, std::span<double> values) = 0;
  // What a metric carries from one evaluation to the next (the first time a
  // threshold was crossed, ...) goes into checkpoints through these.
  virtual void save_state(State& /*state*/) const {}
  virtual void load_state(const State& /*state*/) {}
  // A few human lines on the final values, printed at the end of a run.
  virtual std::string final_report(std::span<const double> /*values*/, const DataGenerator& /*data*/) const {
    return {};
  }
};

}  // namespace relulab
