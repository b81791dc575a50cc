// Progress lines for runs and sweeps: redrawn in place on a terminal, plain
// lines (rarer) otherwise, so a log file stays readable.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace relulab::host {

class ProgressPrinter {
 public:
  // `tty_interval` and `plain_interval`: least seconds between two lines.
  ProgressPrinter(std::ostream& out, bool enabled, double tty_interval, double plain_interval);
  // Shows `line` if the interval has passed since the last one, or if `force`.
  void show(double elapsed, const std::string& line, bool force = false);
  // Ends a line redrawn in place.
  void finish();
  bool due(double elapsed) const;

 private:
  std::ostream& out_;
  bool enabled_, tty_;
  double interval_;
  double last_ = -1e9;
  bool drawn_ = false;
};

// "label [#####...] 42.0%  it 1200  loss 0.0912  elapsed 3s  left 4s"; a
// continuous-time run shows its time t instead of the iteration.
struct RunProgress {
  double fraction = 0;
  std::uint64_t iteration = 0;
  double time = 0, loss = 0, elapsed = 0;
  bool continuous = false;
};
// "left ?" until the run has gone this long and this far: an estimate needs a measured rate.
inline constexpr double kMinSecondsForEstimate = 1.0, kMinFractionForEstimate = 0.01;
std::string format_run_progress(const std::string& label, const RunProgress& p);

}  // namespace relulab::host
