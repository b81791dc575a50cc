// Builds the plugin objects of one validated experiment, and checks before any
// training that the run fits the machine.
#pragma once

#include "config/config.hpp"

#include <relulab/relulab.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace relulab::host {

// The plugin objects of one experiment.
struct Built {
  std::unique_ptr<DataGenerator> data;
  std::unique_ptr<Loss> loss;  // before the model, which points to it, so it is destroyed after
  std::unique_ptr<Model> model;
  std::vector<std::unique_ptr<Policy>> policies;  // before the optimizer, which points to them
  std::unique_ptr<Optimizer> optimizer;
  std::vector<std::unique_ptr<Metric>> metrics;
};

// Calls every factory; a plugin's ParameterError becomes a ConfigError at the key's location.
// `stop` reaches the plugins (BuildContext::stop) for their long computations.
Built build(const Experiment& ex, StopToken stop = {});

// What a run will hold, in bytes, from the sizes the built objects report.
struct ResourceEstimate {
  double training_set = 0;  // n x (d + 1) doubles
  double network = 0;  // parameters, gradient and the optimizer's buffers
  double checkpoint = 0;  // the file: parameters and optimizer buffers
  double peak() const { return training_set + network + 2 * checkpoint; }  // a checkpoint is composed, then encoded
};
ResourceEstimate estimate_resources(const Experiment& ex, const Built& built);

// Throws ConfigError naming the key that dominates when the peak exceeds `memory_bytes`.
void refuse_if_too_large(const Experiment& ex, const ResourceEstimate& estimate, double memory_bytes);
// A warning when the checkpoint exceeds `free_bytes` (the run folder's disk), else nothing.
std::optional<std::string> disk_warning(const ResourceEstimate& estimate, double free_bytes, const std::string& where);

double physical_memory_bytes();
// Free bytes on the disk that holds `path` (or its nearest existing parent).
double free_disk_bytes(const std::filesystem::path& path);

// Validates, builds once (the factories check what schemas cannot: lengths,
// combinations) and checks the memory: what `validate`, `run` and every sweep
// cell go through before anything runs.
// `estimate`, when given, receives the resource estimate.
Experiment validate_and_build(const RawExperiment& raw, Registry& registry, ResourceEstimate* estimate = nullptr);

// "4.8 TB", "512 MiB": bytes for a human.
std::string format_bytes(double bytes);

}  // namespace relulab::host
