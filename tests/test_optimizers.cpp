// The optimizer variants (momentum, Adam) against closed forms on objectives
// whose trajectories can be written down: a separable quadratic and a linear
// function. Full batch, so no sampling enters.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <Eigen/Dense>
#include <cmath>

using namespace relulab;
using namespace relulab::test;

namespace {

// f(theta) = sum_i c_i theta_i + 0.5 lambda_i theta_i^2, gradient c + lambda .* theta.
class SeparableObjective final : public Objective {
 public:
  SeparableObjective(Vector theta0, Vector linear, Vector curvature)
      : theta_(std::move(theta0)), c_(std::move(linear)), lambda_(std::move(curvature)) {}
  Index num_samples() const override { return 1; }
  Index num_parameters() const override { return theta_.size(); }
  Eigen::Map<Vector> parameters() override { return {theta_.data(), theta_.size()}; }
  double loss_and_gradient(Rows, double* g) override {
    if (g) Eigen::Map<Vector>(g, theta_.size()) = c_ + lambda_.cwiseProduct(theta_);
    return c_.dot(theta_) + 0.5 * theta_.dot(lambda_.cwiseProduct(theta_));
  }
  const Vector& theta() const { return theta_; }

 private:
  Vector theta_, c_, lambda_;
};

struct RunToEnd : Monitor {
  std::uint64_t end;
  explicit RunToEnd(std::uint64_t e) : end(e) {}
  std::uint64_t next_iteration() const override { return end; }
  double next_time() const override { return 1e300; }
  Directive report(const Progress&) override { return Directive::Continue; }
};

Vector run_full_batch(const std::string& name, SeparableObjective& objective, std::uint64_t steps,
                      std::map<std::string, ParamValue> set) {
  const auto& desc = descriptor(PluginKind::Optimizer, name);
  set["batch_size"] = std::int64_t(0);
  set["iterations"] = std::int64_t(steps);
  BuildContext ctx;
  ctx.num_samples = 1;
  auto opt = desc.make<Optimizer>(defaults(desc.schema, set), ctx);
  RunToEnd monitor(steps);
  Rng rng(1);
  opt->run(objective, monitor, rng);
  return objective.theta();
}

// On f = 0.5 lambda theta^2 one momentum step is linear in (theta, v):
//   heavy ball: v' = mu v + lambda theta,  theta' = theta - lr v'
//   Nesterov:   v' = mu v + lambda theta,  theta' = theta - lr (lambda theta + mu v')
// so T steps are the T-th power of a 2x2 matrix applied to (theta0, 0).
double momentum_closed_form(double theta0, double lambda, double lr, double mu, bool nesterov, int steps) {
  Eigen::Matrix2d step;
  if (nesterov)
    step << 1 - lr * lambda * (1 + mu), -lr * mu * mu, lambda, mu;
  else
    step << 1 - lr * lambda, -lr * mu, lambda, mu;
  Eigen::Matrix2d power = Eigen::Matrix2d::Identity();
  for (int t = 0; t < steps; ++t) power = step * power;
  return (power * Eigen::Vector2d(theta0, 0.0))[0];
}

}  // namespace

TEST_CASE("momentum follows the linear recurrence on a quadratic", "[momentum]") {
  const Vector theta0 = (Vector(3) << 1.0, -2.0, 0.5).finished();
  const Vector lambda = (Vector(3) << 1.0, 0.1, 0.01).finished();
  const double lr = 0.3, mu = 0.8;
  const int steps = 60;
  for (bool nesterov : {false, true}) {
    DYNAMIC_SECTION("nesterov " << nesterov) {
      SeparableObjective f(theta0, Vector::Zero(3), lambda);
      const Vector end = run_full_batch("momentum", f, steps, {{"lr", lr}, {"momentum", mu}, {"nesterov", nesterov}});
      for (Index i = 0; i < 3; ++i) {
        const double expected = momentum_closed_form(theta0[i], lambda[i], lr, mu, nesterov, steps);
        INFO("coordinate " << i << " expected " << expected);
        // Both sides do ~2 roundings per step on O(1) numbers over 60 steps, and the
        // iteration is contracting: the difference stays below 1e-13 (about 500 ulp of 1).
        CHECK(std::abs(end[i] - expected) < 1e-13);
      }
      // The iteration genuinely moved: a wrong rule (say, the momentum term
      // dropped) changes the endpoint by far more than the tolerance above.
      const double plain_gd = theta0[2] * std::pow(1 - lr * lambda[2], steps);
      CHECK(std::abs(end[2] - plain_gd) > 1e-3);
    }
  }
}

TEST_CASE("momentum 0 is plain gradient descent, bit for bit", "[momentum]") {
  const Vector theta0 = (Vector(2) << 0.7, -1.3).finished();
  const Vector lambda = (Vector(2) << 2.0, 0.5).finished();
  SeparableObjective a(theta0, Vector::Zero(2), lambda), b(theta0, Vector::Zero(2), lambda);
  const Vector with_momentum = run_full_batch("momentum", a, 25, {{"lr", 0.1}, {"momentum", 0.0}, {"nesterov", false}});
  const Vector sgd = run_full_batch("sgd", b, 25, {{"lr", 0.1}});
  CHECK(with_momentum == sgd);
}

TEST_CASE("Adam's bias correction makes every step lr * sign(g) for a constant gradient", "[adam]") {
  // f = c . theta has the constant gradient c. With bias correction the moment
  // estimates are exactly c and c^2 in exact arithmetic, so each step is
  // lr c / (|c| + eps) and T steps move theta by T times that. Gradients of very
  // different sizes move equally far: Adam's per-coordinate scale invariance.
  const Vector c = (Vector(3) << 1e-3, -5.0, 200.0).finished();
  const Vector theta0 = (Vector(3) << 0.1, 0.2, 0.3).finished();
  const double lr = 0.01, eps = 1e-8;
  const int steps = 50;
  SeparableObjective f(theta0, c, Vector::Zero(3));
  const Vector end = run_full_batch("adam", f, steps, {{"lr", lr}, {"eps", eps}});
  for (Index i = 0; i < 3; ++i) {
    const double expected = theta0[i] - steps * lr * c[i] / (std::abs(c[i]) + eps);
    INFO("coordinate " << i);
    // (1 - b^t) in the estimates and the correction cancel up to a few ulp per
    // step; 50 steps of size 0.01 accumulate well under 1e-12.
    CHECK(std::abs(end[i] - expected) < 1e-12);
  }
  // Without the correction the first steps would be (1 - b1) / sqrt(1 - b2) ~ 3x
  // larger, so the tolerance above separates the two by four orders of magnitude.
  CHECK(std::abs(end[2] - theta0[2]) == Approx(steps * lr).epsilon(1e-8));
}

TEST_CASE("Adam converges on an ill-conditioned quadratic where its step is bounded by lr", "[adam]") {
  // Near the minimum of 0.5 lambda theta^2 Adam's step is at most about lr per
  // coordinate, so from |theta0| = 1 with lr = 0.05 it needs >= 20 steps to
  // arrive, and it does arrive: after 2000 steps every coordinate is within
  // 0.05 (one step size) of 0, whatever lambda is (1e-4 .. 1e2).
  const Vector theta0 = Vector::Ones(4);
  const Vector lambda = (Vector(4) << 1e2, 1.0, 1e-2, 1e-4).finished();
  SeparableObjective early(theta0, Vector::Zero(4), lambda), late(theta0, Vector::Zero(4), lambda);
  const Vector after10 = run_full_batch("adam", early, 10, {{"lr", 0.05}});
  CHECK(after10.minCoeff() > 1.0 - 10 * 0.05 * 1.0001);  // bounded steps (tiny slack for eps)
  const Vector after2000 = run_full_batch("adam", late, 2000, {{"lr", 0.05}});
  CHECK(after2000.cwiseAbs().maxCoeff() < 0.05);
}
