// The loop every mini-batch first-order method shares: draw a batch, evaluate
// the loss and its gradient, apply an update rule, report when the monitor
// asks. A variant (momentum, Adam, a researcher's own) derives from
// FirstOrderOptimizer and writes only its update rule and the state that rule
// keeps; batching, policies (policy.hpp: schedules among them), checkpoints
// and divergence reporting come from here, so every variant resumes bit for
// bit and every policy wraps every variant.
#pragma once

#include <relulab/math/passes.hpp>
#include <relulab/optimizer.hpp>
#include <relulab/params.hpp>
#include <relulab/plugin.hpp>
#include <relulab/policy_chain.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace relulab {

class FirstOrderOptimizer : public Optimizer {
 public:
  // lr, batch_size, iterations, sampling: merge into a variant's own schema.
  static Schema schema() {
    Schema s;
    s.real("lr", "learning rate (a schedule is a policy: policies = [{ plugin = \"lr_schedule\", ... }])")
        .def(0.01)
        .above(0);
    s.integer("batch_size", "samples per step; 0 (or >= n) means the full training set, i.e. gradient descent")
        .def(32)
        .at_least(0);
    s.integer("iterations", "number of steps").def(10'000).at_least(0);
    s.text("sampling", "reshuffle: every sample once per epoch; replacement: i.i.d. uniform indices")
        .def("reshuffle")
        .one_of({"reshuffle", "replacement"});
    moved_schedule_keys(s);
    return s;
  }

  // The schedule keys optimizers had before schedules became the lr_schedule
  // policy: still read (with a warning), as that policy first in the list.
  static void moved_schedule_keys(Schema& s) {
    const std::string moved = "moved to the lr_schedule policy as ";
    s.text("lr_schedule", moved + "schedule").def("constant").moved_to("lr_schedule", "schedule");
    s.real("lr_decay", moved + "decay").def(0.5).moved_to("lr_schedule", "decay");
    s.integer("lr_decay_every", moved + "every").def(1000).moved_to("lr_schedule", "every");
    s.real("lr_min", moved + "min").def(0.0).moved_to("lr_schedule", "min");
  }

  FirstOrderOptimizer(const Params& p, const BuildContext& ctx)
      : lr_(p.real("lr")),
        batch_size_(p.integer("batch_size")),
        iterations_(static_cast<std::uint64_t>(p.integer("iterations"))),
        with_replacement_(p.text("sampling") == "replacement"),
        n_(ctx.num_samples) {}

  Clock clock() const override { return Clock::Iterations; }
  double horizon() const override { return static_cast<double>(iterations_); }
  std::uint64_t iteration() const override { return iteration_; }
  double time() const override { return continuous_time_; }

  std::string policy_refusal() const override { return {}; }
  void use_policies(std::vector<Policy*> policies) override { policies_ = PolicyChain(std::move(policies)); }

  void run(Objective& objective, Monitor& monitor, Rng& rng) final {
    n_ = objective.num_samples();
    const Index p = objective.num_parameters();
    gradient_.resize(static_cast<std::size_t>(p));  // once per run, never per step
    prepare(p);
    policies_.prepare(objective, p);
    if (!full_batch() && with_replacement_) batch_.resize(static_cast<std::size_t>(batch_size_));
    if (!full_batch() && !with_replacement_ && order_.size() != static_cast<std::size_t>(n_)) {
      order_.resize(static_cast<std::size_t>(n_));
      position_ = order_.size();  // forces a shuffle before the first batch
    }
    Eigen::Map<Vector> theta = objective.parameters();
    Eigen::Map<Vector> grad(gradient_.data(), p);  // policies may change it
    const Eigen::Map<const Vector> rule_grad(gradient_.data(), p);
    std::uint64_t next_report = monitor.next_iteration();
    while (iteration_ < iterations_) {
      const Rows rows = next_batch(rng);
      StepInfo info{iteration_, iterations_, 0.0};
      const double loss = policies_.loss_and_gradient(objective, rows, gradient_.data(), info);
      info.loss = loss;
      policies_.adjust_gradient(theta, grad, info);
      const double lr = policies_.learning_rate(lr_, info);
      ++iteration_;
      policies_.before_update(theta, lr);
      update_from(policies_.parameter_scale(lr), theta, rule_grad, lr, iteration_);
      policies_.after_update(theta, lr);
      continuous_time_ += lr;  // the gradient-flow time plain SGD would approximate
      // A non-finite loss is reported at once, so the host can mark divergence.
      if (iteration_ >= next_report || !std::isfinite(loss)) {
        if (monitor.report({iteration_, continuous_time_, loss}) == Directive::Stop) return;
        next_report = monitor.next_iteration();
      }
    }
  }

  void save_state(State& s) const final {
    s.put_u64("iteration", iteration_);
    s.put_f64("time", continuous_time_);
    s.put_u64("position", position_);
    s.put_u64s("order", reinterpret_cast<const std::uint64_t*>(order_.data()), order_.size());
    save_rule_state(s);
    policies_.save_state(s);
  }
  void load_state(const State& s) final {
    iteration_ = s.u64("iteration");
    continuous_time_ = s.f64("time");
    position_ = s.u64("position");
    order_.resize(s.count_u64s("order"));
    s.u64s("order", reinterpret_cast<std::uint64_t*>(order_.data()), order_.size());
    load_rule_state(s);
    policies_.load_state(s);
  }

 protected:
  // Called at the start of every run() (also after a resume) with the number
  // of parameters: size the rule's buffers here, not in update().
  virtual void prepare(Index /*num_parameters*/) {}
  // One step: theta <- rule(theta, grad, lr). `step` counts from 1 (Adam's
  // bias correction needs it). Runs in the hot loop: must not allocate.
  virtual void update(Eigen::Map<Vector>& theta, const Eigen::Map<const Vector>& grad, double lr,
                      std::uint64_t step) = 0;
  // The step from keep * theta (decoupled weight decay): keep is exactly 1
  // without such a policy. This default scales theta in a pass of its own and
  // calls update(); a rule that folds keep into its own pass (the bundled ones
  // do) overrides it and must give update()'s bytes when keep == 1.
  virtual void update_from(double keep, Eigen::Map<Vector>& theta, const Eigen::Map<const Vector>& grad, double lr,
                           std::uint64_t step) {
    if (keep != 1.0) passes::scale(theta.data(), static_cast<std::size_t>(theta.size()), keep);
    update(theta, grad, lr, step);
  }
  // The rule's own state (velocities, moment estimates), for exact resume.
  virtual void save_rule_state(State& /*state*/) const {}
  virtual void load_rule_state(const State& /*state*/) {}

  // Helpers for rule state kept in std::vector<double>.
  static void save_buffer(State& s, const std::string& key, const std::vector<double>& v) {
    s.put_doubles(key, v.data(), v.size());
  }
  static void load_buffer(const State& s, const std::string& key, std::vector<double>& v) {
    v.resize(s.count_doubles(key));
    s.doubles(key, v.data(), v.size());
  }

 private:
  static_assert(sizeof(Index) == sizeof(std::uint64_t));

  bool full_batch() const { return batch_size_ == 0 || batch_size_ >= n_; }

  Rows next_batch(Rng& rng) {
    if (full_batch()) return {};
    if (with_replacement_) {
      for (auto& k : batch_) k = static_cast<Index>(rng.below(static_cast<std::uint64_t>(n_)));
      return {batch_.data(), batch_.size()};
    }
    if (position_ >= order_.size()) reshuffle(rng);
    const std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(batch_size_), order_.size() - position_);
    const Rows rows(order_.data() + position_, take);
    position_ += take;
    return rows;
  }

  // Fisher-Yates with Boost.Random's exactly specified uniform integers.
  void reshuffle(Rng& rng) {
    std::iota(order_.begin(), order_.end(), Index{0});
    for (std::size_t i = order_.size() - 1; i > 0; --i)
      std::swap(order_[i], order_[rng.below(static_cast<std::uint64_t>(i) + 1)]);
    position_ = 0;
  }

  double lr_;
  PolicyChain policies_;
  Index batch_size_;
  std::uint64_t iterations_;
  bool with_replacement_;
  Index n_;
  std::uint64_t iteration_ = 0;
  double continuous_time_ = 0.0;
  std::vector<Index> order_;
  std::size_t position_ = 0;
  std::vector<Index> batch_;
  std::vector<double> gradient_;
};

}  // namespace relulab
