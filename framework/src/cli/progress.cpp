#include "cli/progress.hpp"

#include "io/output.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace relulab::host {

ProgressPrinter::ProgressPrinter(std::ostream& out, bool enabled, double tty_interval, double plain_interval)
    : out_(out), enabled_(enabled), tty_(isatty(STDERR_FILENO) && &out == &std::cerr) {
  interval_ = tty_ ? tty_interval : plain_interval;
}

bool ProgressPrinter::due(double elapsed) const { return enabled_ && elapsed - last_ >= interval_; }

void ProgressPrinter::show(double elapsed, const std::string& line, bool force) {
  if (!enabled_ || (!force && !due(elapsed))) return;
  last_ = elapsed;
  if (tty_) out_ << '\r' << line << "\x1b[K" << std::flush;
  else out_ << line << '\n' << std::flush;
  drawn_ = true;
}

void ProgressPrinter::finish() {
  if (enabled_ && tty_ && drawn_) out_ << '\n' << std::flush;
  drawn_ = false;
}

std::string format_run_progress(const std::string& label, const RunProgress& p) {
  // No estimate before a rate is measured: the first lines come while the
  // setup (data, OLS, the first metrics) dominates the elapsed time, and a
  // tiny fraction would blow it up ("left 2m42s" for a run of 0.6 s).
  const bool measured = p.elapsed >= kMinSecondsForEstimate && p.fraction >= kMinFractionForEstimate;
  const double eta = p.fraction >= 1 ? 0 : measured ? p.elapsed / p.fraction - p.elapsed : NAN;
  const int width = 24, filled = static_cast<int>(std::clamp(p.fraction, 0.0, 1.0) * width);
  const std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
  char where[64];
  if (p.continuous) std::snprintf(where, sizeof where, "t %.4g", p.time);
  else std::snprintf(where, sizeof where, "it %llu", static_cast<unsigned long long>(p.iteration));
  char buf[320];
  std::snprintf(buf, sizeof buf, "%s [%s] %5.1f%%  %s  loss %.6g  elapsed %s  left %s", label.c_str(), bar.c_str(),
                100 * p.fraction, where, p.loss, format_duration(p.elapsed).c_str(), format_duration(eta).c_str());
  return buf;
}

}  // namespace relulab::host
