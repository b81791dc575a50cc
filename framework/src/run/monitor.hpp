// The host's side of an optimizer's loop: decides when the optimizer reports,
// and acts on each report: records the due metrics, checkpoints, watches for
// divergence and for a stop signal.
#pragma once

#include "config/config.hpp"
#include "run/outcome.hpp"
#include "cli/progress.hpp"

#include <relulab/optimizer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace relulab::host {

class RunMonitor final : public Monitor {
 public:
  struct Hooks {
    // Evaluates the metrics flagged in `due` and appends a row.
    std::function<void(std::uint64_t iteration, double time, const std::vector<bool>& due)> record;
    std::function<void()> checkpoint;
    std::function<double()> shown_loss;  // what the progress line shows (NaN: the optimizer's loss)
    // The value a record just made for metric column `column`, or nothing when its metric was not due.
    std::function<std::optional<double>(const std::string& column, const std::vector<bool>& due)> recorded;
  };
  struct Clock {
    bool continuous = false;  // the optimizer's clock is continuous time, not iterations
    double horizon = 0;  // where the run ends, on that clock
    double start = 0;  // where it starts (a resumed run: the checkpoint's point)
    std::vector<std::uint64_t> stop_counts;  // a resumed run's stop-condition counts (empty: zeros)
  };

  RunMonitor(const Experiment& ex, const Model& model, Clock clock, Hooks hooks, ProgressPrinter& progress,
             const std::atomic<int>* stop_signal, double wall_before);

  std::uint64_t next_iteration() const override;
  double next_time() const override;
  Directive report(const Progress& p) override;

  Outcome outcome() const { return outcome_; }
  // A stop request ended a metric record part-way (relulab/stop.hpp); the host saved the run before it.
  void stopped_during_record(std::uint64_t iteration) {
    outcome_ = Outcome::Interrupted;
    reason_ = "stopped by a signal at iteration " + std::to_string(iteration) +
              ", during its metric record (made first on resume)";
  }
  const std::string& reason() const { return reason_; }
  // Per [experiment] stop condition, the consecutive records it has held (checkpointed).
  const std::vector<std::uint64_t>& stop_counts() const { return stop_counts_; }
  double elapsed() const;
  // The progress line where the run is now (forced: a run that stops draws where it stopped).
  void show_progress(std::uint64_t iteration, double time, bool force);

  // Wall seconds a tick aims at: long enough to cost nothing measurable, short
  // enough that a stop signal takes effect within about a second.
  static constexpr double kTickTooShort = 0.05, kTickTooLong = 0.2;
  static constexpr double kSlowRecord = 2.0;  // seconds: a record this slow is announced before the next

 private:
  void record(std::uint64_t iteration, double time, const std::vector<bool>& due);
  double now_of(const Progress& p) const;
  bool at_end(double now, bool last) const;
  Directive diverged(const std::string& why);
  std::vector<bool> due_metrics(double now, bool at_end);
  void retune_tick(double now);
  bool stop_requested() const;
  bool stop_condition_met(const Progress& p, const std::vector<bool>& due);
  void checkpoint_if_due();

  const Experiment& ex_;
  const Model& model_;
  Clock clock_;
  Hooks hooks_;
  ProgressPrinter& progress_;
  const std::atomic<int>* stop_signal_;
  std::vector<double> next_metric_;
  // The first tick is one iteration: a step may take a second at a large
  // width, so the stop flag is read after the first step and ticks only grow
  // while they take less than kTickTooShort.
  double tick_ = 1, next_tick_ = 0;
  double last_record_seconds_ = 0;
  std::chrono::steady_clock::time_point started_, last_tick_wall_, last_checkpoint_;
  double wall_before_;
  double last_loss_ = 0;
  Outcome outcome_ = Outcome::Completed;
  std::string reason_;
  std::vector<std::uint64_t> stop_counts_;
};

}  // namespace relulab::host
