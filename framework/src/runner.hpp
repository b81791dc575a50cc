// Runs one validated experiment into a run directory, resuming from its checkpoint.
#pragma once

#include "config.hpp"
#include "registry.hpp"

#include <relulab/relulab.hpp>

#include <atomic>
#include <stdexcept>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace relulab::host {

// The plugin objects of one experiment.
struct Built {
  std::unique_ptr<DataGenerator> data;
  std::unique_ptr<Model> model;
  std::unique_ptr<Optimizer> optimizer;
  std::vector<std::unique_ptr<Metric>> metrics;
};

// Calls every factory; a plugin's ParameterError becomes a ConfigError at the key's location.
Built build(const Experiment& ex);

// A plugin threw while a run was under way; the message names the plugin, the
// iteration and what was kept.
class PluginFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class RunStatus { Completed, Diverged, Interrupted, AlreadyDone };
const char* status_name(RunStatus s);

struct RunOptions {
  std::filesystem::path run_dir;  // empty: <output>/<name>-<hash>
  bool fresh = false;             // discard an existing run directory's results
  bool progress = true;           // progress bar (terminal) or periodic lines
  std::ostream* log = nullptr;    // where progress and notes go (stderr if null)
  const std::atomic<int>* stop_signal = nullptr;  // set by SIGINT/SIGTERM: checkpoint and stop
};

struct RunResult {
  RunStatus status = RunStatus::Completed;
  std::filesystem::path dir;
  std::vector<std::string> columns;
  std::vector<double> final_values;
  std::string report;  // human summary of the final values
  std::string reason;  // why it diverged or stopped
  std::vector<std::string> warnings;  // things the user should know (also in summary.json)
  double wall_seconds = 0;
};

std::filesystem::path default_run_dir(const Experiment& ex);
RunResult run_experiment(const Experiment& ex, const RunOptions& options);

}  // namespace relulab::host
