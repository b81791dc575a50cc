// Runs one validated experiment into a run directory, resuming from its
// checkpoint. The stages, each in its own file:
//   run_directory  lock, --fresh, finished or resumable
//   build          the plugin objects
//   warm_start     starting weights from an earlier run
//   recorder       metric columns and metrics.csv
//   monitor        when to record, checkpoint or stop
//   checkpoint     compose and restore
//   summary        summary.json
#pragma once

#include "run/build.hpp"
#include "config/config.hpp"
#include "run/outcome.hpp"
#include "registry/registry.hpp"

#include <relulab/relulab.hpp>

#include <atomic>
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace relulab::host {

// A plugin threw while a run was under way; the message names the plugin, the
// iteration and what was kept.
class PluginFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunOptions {
  std::filesystem::path run_dir;  // empty: <output>/<name>-<hash>
  bool fresh = false;  // discard an existing run directory's results
  bool progress = true;  // progress bar (terminal) or periodic lines
  std::ostream* log = nullptr;  // where progress and notes go (stderr if null)
  const std::atomic<int>* stop_signal = nullptr;  // set by SIGINT/SIGTERM: checkpoint and stop
  // How long a plugin's long computation runs before it polls stop_signal (relulab/stop.hpp).
  double stop_grace_seconds = StopToken::kGraceSeconds;
};

struct RunResult {
  Outcome outcome = Outcome::Completed;
  bool already_done = false;  // the run directory held the finished run: nothing ran
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
