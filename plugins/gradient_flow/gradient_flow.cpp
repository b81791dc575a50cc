// Gradient flow d theta / dt = -grad L(theta) on the full training set,
// integrated by Dormand-Prince 5(4) with error control and dense output
// (Boost.Odeint). Metrics are recorded at the monitor's times exactly, by
// interpolation, so the recording schedule never changes the trajectory.
#include <relulab/relulab.hpp>

#include <boost/numeric/odeint.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>

namespace {

using namespace relulab;
namespace odeint = boost::numeric::odeint;

using StateVector = std::vector<double>;
using Dopri5 = odeint::runge_kutta_dopri5<StateVector>;
using DenseStepper = odeint::result_of::make_dense_output<Dopri5>::type;

class GradientFlow final : public Optimizer {
 public:
  GradientFlow(const Params& p, const BuildContext&)
      : end_time_(p.real("end_time")),
        abs_tol_(p.real("abs_tol")),
        rel_tol_(p.real("rel_tol")),
        initial_dt_(p.real("initial_dt")),
        max_dt_(p.real("max_dt")),
        grad_tol_(p.real("grad_tol")) {}

  Clock clock() const override { return Clock::ContinuousTime; }
  double horizon() const override { return end_time_; }
  std::uint64_t iteration() const override { return accepted_; }
  // The last time the host saw (a report), not the integrator's time, which runs ahead of it.
  double time() const override { return reported_time_; }

  void run(Objective& objective, Monitor& monitor, Rng&) override {
    Eigen::Map<Vector> theta = objective.parameters();
    const std::size_t P = static_cast<std::size_t>(theta.size());
    // The right-hand side: -grad L at x. Every evaluation is counted, so the
    // rejected steps follow from Dormand-Prince's fixed cost per attempt.
    double last_gradient_norm = INFINITY;
    auto rhs = [&](const StateVector& x, StateVector& dxdt, double) {
      theta = Eigen::Map<const Vector>(x.data(), static_cast<Index>(P));
      objective.loss_and_gradient({}, dxdt.data());
      double norm2 = 0;
      for (double& g : dxdt) {
        g = -g;
        norm2 += g * g;
      }
      last_gradient_norm = std::sqrt(norm2);
      ++evaluations_;
    };
    if (state_.empty()) state_.assign(theta.data(), theta.data() + P);  // a fresh start from the model
    if (state_.size() != P) throw std::runtime_error("gradient_flow: saved state does not match the model");
    if (dt_ <= 0) dt_ = initial_dt_;
    bool derivative_pending = true;  // the stepper evaluates once after initialize()
    DenseStepper stepper = max_dt_ > 0 ? odeint::make_dense_output(abs_tol_, rel_tol_, max_dt_, Dopri5())
                                       : odeint::make_dense_output(abs_tol_, rel_tol_, Dopri5());
    stepper.initialize(state_, time_, dt_);
    StateVector observed(P);
    double next = monitor.next_time();
    // Between reports the stepper's own state (x, t, dt) carries the run; the
    // model's parameters are only the latest evaluation point or an
    // interpolated observation.
    for (;;) {
      if (report_observations(stepper, objective, monitor, observed, next)) return;
      if (derivative_pending) {
        ++starts_;
        derivative_pending = false;
      }
      if (!step(stepper, rhs, monitor)) return;
      // An accepted step's last evaluation is the gradient at its new point
      // (Dormand-Prince's first-same-as-last stage), so the check is free.
      if (grad_tol_ > 0 && last_gradient_norm < grad_tol_) converged_ = true;
    }
  }

  // Reports every observation time already covered by the last step (the
  // model's parameters set to the interpolated state); true when the run ends.
  bool report_observations(DenseStepper& stepper, Objective& objective, Monitor& monitor, StateVector& observed,
                           double& next) {
    Eigen::Map<Vector> theta = objective.parameters();
    while (next <= stepper.current_time() || (converged_ && next <= end_time_)) {
      const double t_obs = converged_ ? stepper.current_time() : next;
      stepper.calc_state(t_obs, observed);
      theta = Eigen::Map<const Vector>(observed.data(), theta.size());
      const double loss = objective.loss_and_gradient({}, nullptr);
      save_stepper(stepper);
      reported_time_ = t_obs;
      Progress progress{accepted_, t_obs, loss};
      progress.last = converged_ || t_obs >= end_time_;
      if (monitor.report(progress) == Directive::Stop || progress.last) return true;
      next = monitor.next_time();
    }
    return false;
  }

  // One accepted step; false when it failed, reported as a non-finite state,
  // which the host records as divergence.
  template <class Rhs>
  bool step(DenseStepper& stepper, Rhs& rhs, Monitor& monitor) {
    try {
      stepper.do_step(std::ref(rhs));
    } catch (const std::exception&) {  // odeint gives up after 500 rejected attempts in a row
      save_stepper(stepper);
      monitor.report({accepted_, stepper.current_time(), NAN});
      return false;
    }
    ++accepted_;
    rejected_ = attempts() - accepted_;
    const auto& x = stepper.current_state();
    if (!std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); })) {
      save_stepper(stepper);
      monitor.report({accepted_, stepper.current_time(), NAN});
      return false;
    }
    return true;
  }

  void save_state(State& s) const override {
    s.put_doubles("state", state_.data(), state_.size());
    s.put_f64("time", time_);
    s.put_f64("reported_time", reported_time_);
    s.put_f64("dt", dt_);
    s.put_u64("starts", starts_);
    s.put_u64("accepted", accepted_);
    s.put_u64("evaluations", evaluations_);
    s.put_u64("converged", converged_ ? 1 : 0);
  }
  void load_state(const State& s) override {
    state_.resize(s.count_doubles("state"));
    s.doubles("state", state_.data(), state_.size());
    time_ = s.f64("time");
    reported_time_ = s.f64("reported_time");
    dt_ = s.f64("dt");
    starts_ = s.u64("starts");
    accepted_ = s.u64("accepted");
    evaluations_ = s.u64("evaluations");
    converged_ = s.u64("converged") != 0;
    rejected_ = attempts() - accepted_;
  }

  std::map<std::string, double> statistics() const override {
    return {{"gradient_evaluations", static_cast<double>(evaluations_)},
            {"accepted_steps", static_cast<double>(accepted_)},
            {"rejected_steps", static_cast<double>(rejected_)},
            {"converged", converged_ ? 1.0 : 0.0}};
  }

 private:
  // Each start of a run evaluates the derivative once; every attempted step
  // costs six more evaluations (seven stages, the first shared with the
  // previous step's last).
  std::uint64_t attempts() const { return (evaluations_ - starts_) / 6; }

  void save_stepper(const DenseStepper& stepper) {
    state_ = stepper.current_state();
    time_ = stepper.current_time();
    dt_ = stepper.current_time_step();
  }

  double end_time_, abs_tol_, rel_tol_, initial_dt_, max_dt_, grad_tol_;
  StateVector state_;  // the integrator's state at time_ (its last accepted step)
  double time_ = 0.0, dt_ = 0.0;  // the integrator's time and next trial step
  double reported_time_ = 0.0;
  std::uint64_t accepted_ = 0, rejected_ = 0, evaluations_ = 0, starts_ = 0;
  bool converged_ = false;
};

PluginDescriptor describe() {
  Schema s;
  s.real("end_time", "integrate from t = 0 to this time").def(10.0).above(0);
  // ReLU makes the gradient jump wherever a neuron's hyperplane crosses a
  // sample, and the solver shortens its steps at every crossing: tolerances
  // much tighter than these multiply the cost without adding accuracy.
  s.real("abs_tol", "absolute error tolerance per step").def(1e-8).above(0);
  s.real("rel_tol", "relative error tolerance per step").def(1e-6).above(0);
  s.real("initial_dt", "first trial step").def(1e-3).above(0);
  s.real("max_dt", "largest step (0: no limit)").def(0.0).at_least(0);
  s.real("grad_tol", "stop once |grad L| falls below this (0: run to end_time)").def(0.0).at_least(0);
  return make_plugin<GradientFlow>("gradient_flow", "1.0.0",
                                   "gradient flow on the full training set, Dormand-Prince 5(4) with dense output", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
