#include "run/monitor.hpp"

#include "io/output.hpp"

#include <algorithm>
#include <cmath>

namespace relulab::host {

namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

}  // namespace

RunMonitor::RunMonitor(const Experiment& ex, const Model& model, Clock clock, Hooks hooks, ProgressPrinter& progress,
                       const std::atomic<int>* stop_signal, double wall_before)
    : ex_(ex),
      model_(model),
      clock_(clock),
      hooks_(std::move(hooks)),
      progress_(progress),
      stop_signal_(stop_signal),
      wall_before_(wall_before) {
  for (const auto& m : ex.metrics) next_metric_.push_back(m.schedule.next_after(clock.start, !clock.continuous));
  stop_counts_ = clock.stop_counts.size() == ex.stop.size() ? clock.stop_counts
                                                            : std::vector<std::uint64_t>(ex.stop.size(), 0);
  if (clock_.continuous) tick_ = clock_.horizon / 1000;
  next_tick_ = clock_.start + tick_;
  started_ = last_tick_wall_ = last_checkpoint_ = SteadyClock::now();
}

std::uint64_t RunMonitor::next_iteration() const { return static_cast<std::uint64_t>(std::ceil(next_time())); }

double RunMonitor::next_time() const {
  double next = std::min(clock_.horizon, next_tick_);
  for (double t : next_metric_) next = std::min(next, t);
  return next;
}

double RunMonitor::elapsed() const { return wall_before_ + seconds_since(started_); }

double RunMonitor::now_of(const Progress& p) const {
  return clock_.continuous ? p.time : static_cast<double>(p.iteration);
}

bool RunMonitor::at_end(double now, bool last) const {
  const double tolerance = clock_.continuous ? 1e-12 * std::max(1.0, clock_.horizon) : 0.0;
  return last || now >= clock_.horizon - tolerance;
}

Directive RunMonitor::diverged(const std::string& why) {
  outcome_ = Outcome::Diverged;
  reason_ = why;
  return Directive::Stop;
}

std::vector<bool> RunMonitor::due_metrics(double now, bool end) {
  std::vector<bool> due(next_metric_.size(), false);
  for (std::size_t i = 0; i < next_metric_.size(); ++i) {
    const double tolerance = clock_.continuous ? 1e-12 * std::max(1.0, next_metric_[i]) : 0.0;
    if (end || now >= next_metric_[i] - tolerance) {
      due[i] = true;
      next_metric_[i] = ex_.metrics[i].schedule.next_after(now, !clock_.continuous);
    }
  }
  return due;
}

void RunMonitor::retune_tick(double now) {
  if (now < next_tick_) return;
  const double seconds = seconds_since(last_tick_wall_);
  last_tick_wall_ = SteadyClock::now();
  if (seconds < kTickTooShort) tick_ = std::min(tick_ * 2, clock_.continuous ? clock_.horizon : 1e9);
  else if (seconds > kTickTooLong) tick_ = clock_.continuous ? tick_ / 2 : std::max(1.0, std::floor(tick_ / 2));
  next_tick_ = now + tick_;
}

bool RunMonitor::stop_requested() const { return stop_signal_ && stop_signal_->load() != 0; }

void RunMonitor::checkpoint_if_due() {
  if (ex_.checkpoint_seconds > 0 && seconds_since(last_checkpoint_) >= ex_.checkpoint_seconds) {
    hooks_.checkpoint();
    last_checkpoint_ = SteadyClock::now();
  }
}

void RunMonitor::show_progress(std::uint64_t iteration, double time, bool force) {
  const double e = elapsed();
  if (!force && !progress_.due(e)) return;
  const double now = clock_.continuous ? time : static_cast<double>(iteration);
  const double shown = hooks_.shown_loss ? hooks_.shown_loss() : NAN;
  RunProgress p{clock_.horizon > 0 ? now / clock_.horizon : 1.0, iteration, time,
                std::isnan(shown) ? last_loss_ : shown,          e,         clock_.continuous};
  progress_.show(e, format_run_progress(ex_.name, p), force);
}

// A record that took seconds last time (the exact test loss is O(m^2) in the
// width) is announced on the progress line, so that a long silence is explained.
void RunMonitor::record(std::uint64_t iteration, double time, const std::vector<bool>& due) {
  if (last_record_seconds_ >= kSlowRecord)
    progress_.show(elapsed(),
                   ex_.name + ": metrics at iteration " + std::to_string(iteration) + " (the last record took " +
                       format_duration(last_record_seconds_) + "; Ctrl-C stops within a second)",
                   true);
  const auto start = SteadyClock::now();
  hooks_.record(iteration, time, due);
  last_record_seconds_ = seconds_since(start);
}

// After a record: a condition of [experiment] stop that has now held for its
// number of consecutive records of its column ends the run (not at its end,
// where the run completes anyway). A record without the column counts neither way.
bool RunMonitor::stop_condition_met(const Progress& p, const std::vector<bool>& due) {
  for (std::size_t i = 0; i < ex_.stop.size(); ++i) {
    const StopCondition& c = ex_.stop[i];
    const std::optional<double> value = hooks_.recorded ? hooks_.recorded(c.metric, due) : std::nullopt;
    if (!value) continue;
    stop_counts_[i] = c.holds(*value) ? stop_counts_[i] + 1 : 0;
    if (stop_counts_[i] >= static_cast<std::uint64_t>(c.records)) {
      outcome_ = Outcome::Stopped;
      reason_ = c.text() + " at iteration " + std::to_string(p.iteration) +
                (clock_.continuous ? " (time " + format_number(p.time) + ")" : "");
      return true;
    }
  }
  return false;
}

Directive RunMonitor::report(const Progress& p) {
  const double now = now_of(p);
  last_loss_ = p.loss;
  if (!std::isfinite(p.loss))
    return diverged("the training loss became " + format_number(p.loss) + " at iteration " +
                    std::to_string(p.iteration) + " (time " + format_number(p.time) + ")");
  const bool end = at_end(now, p.last);
  const std::vector<bool> due = due_metrics(now, end);
  if (std::find(due.begin(), due.end(), true) != due.end()) {
    if (!model_.parameters().allFinite())
      return diverged("the weights became non-finite by iteration " + std::to_string(p.iteration));
    record(p.iteration, p.time, due);
    if (!end && stop_condition_met(p, due)) return Directive::Stop;
  }
  if (end) return Directive::Continue;  // the optimizer returns by itself
  retune_tick(now);
  show_progress(p.iteration, p.time, false);
  if (stop_requested()) {
    outcome_ = Outcome::Interrupted;
    reason_ = "stopped by a signal at iteration " + std::to_string(p.iteration);
    hooks_.checkpoint();
    return Directive::Stop;
  }
  checkpoint_if_due();
  return Directive::Continue;
}

}  // namespace relulab::host
