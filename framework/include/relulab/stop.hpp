// Stopping inside a long computation. The host raises a stop request on
// SIGINT or SIGTERM and acts on it between steps, at the optimizer's next
// report. A computation that can take longer than a second by itself (the
// exact test loss is O(m^2) in the width: minutes at m = 10^5) polls the
// request instead: it makes a StopPoll from the StopToken its BuildContext
// carries and calls check() every so often (once per row of neuron pairs),
// which throws Interrupted once a stop was asked for and the computation has
// run for the token's grace period (StopToken::kGraceSeconds, 0.5 s). The host then abandons the computation, saves the
// run as it was before it (the same bytes on resume) and exits.
// The grace period keeps short computations whole: they end before it.
#pragma once

#include <atomic>
#include <chrono>
#include <stdexcept>

namespace relulab {

// Thrown by StopPoll::check(): not a failure; the host catches it.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("stopped by a signal during a long computation") {}
};

// The host's stop request, or none (a default token never asks to stop),
// with the grace period a computation runs before it polls.
class StopToken {
 public:
  static constexpr double kGraceSeconds = 0.5;
  StopToken() = default;
  explicit StopToken(const std::atomic<int>* flag, double grace_seconds = kGraceSeconds)
      : flag_(flag), grace_seconds_(grace_seconds) {}
  bool requested() const { return flag_ && flag_->load(std::memory_order_relaxed) != 0; }
  double grace_seconds() const { return grace_seconds_; }
  // The flag itself, for code that reads it where a StopPoll cannot run (the model's kernel).
  const std::atomic<int>* flag() const { return flag_; }

 private:
  const std::atomic<int>* flag_ = nullptr;
  double grace_seconds_ = kGraceSeconds;
};

class StopPoll {
 public:
  explicit StopPoll(const StopToken& token) : token_(token), start_(std::chrono::steady_clock::now()) {}
  void check() const {
    if (token_.requested() && std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >=
                                  token_.grace_seconds())
      throw Interrupted();
  }

 private:
  StopToken token_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace relulab
