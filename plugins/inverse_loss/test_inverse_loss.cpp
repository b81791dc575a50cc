// Tests of the inverse_loss policy: lr / loss, its floor and its cap.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>

using namespace relulab;
using namespace relulab::test;

namespace {

// L(theta) = exp(-theta): the gradient is -L, so a step of lr / L moves theta by exactly lr.
class ExponentialTail final : public Objective {
 public:
  Index num_samples() const override { return 1; }
  Index num_parameters() const override { return 1; }
  Eigen::Map<Vector> parameters() override { return {theta_.data(), 1}; }
  double loss_and_gradient(Rows, double* g) override {
    const double loss = std::exp(-theta_[0]);
    if (g) g[0] = -loss;
    return loss;
  }

 private:
  Vector theta_ = Vector::Zero(1);
};

}  // namespace

TEST_CASE("the inverse-loss rate is lr / max(loss, floor), at most max_lr", "[inverse_loss]") {
  auto inverse = make_policy({"inverse_loss", {{"floor", 1e-200}, {"max_lr", 1e150}}});
  CHECK(inverse->learning_rate(0.1, {0, 10, 0.5}) == Approx(0.2).epsilon(1e-15));
  CHECK(inverse->learning_rate(0.1, {0, 10, 1e-300}) == Approx(1e150).epsilon(1e-15));  // capped
  auto floored = make_policy({"inverse_loss", {{"floor", 1e-200}}});
  CHECK(floored->learning_rate(0.1, {0, 10, 0.0}) == Approx(1e199).epsilon(1e-15));  // underflowed loss: the floor
}

TEST_CASE("gradient descent with lr / loss on an exponential tail moves at constant speed into tiny losses",
          "[inverse_loss]") {
  // theta_T = T lr exactly in real arithmetic; each step rounds lr / L * L, a
  // few ulp of lr, so after 1200 steps theta = 600 is off by well under 1e-9.
  // The loss ends near exp(-600) = 3e-261 and the rate near 2e260, finite.
  ExponentialTail f;
  const Vector end = run_full_batch("sgd", f, 1200, {{"lr", 0.5}}, {{"inverse_loss", {}}});
  CHECK(end[0] == Approx(600.0).epsilon(1e-12));
  // Past the default cap max_lr = 1e300 (loss below 5e-301, theta > 691.5) the
  // steps shrink: 400 more steps stop short of the 800 they would reach.
  const Vector capped = run_full_batch("sgd", f, 400, {{"lr", 0.5}}, {{"inverse_loss", {}}});
  CHECK(capped[0] > 691.0);
  CHECK(capped[0] < 700.0);
}
