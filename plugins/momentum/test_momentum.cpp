// Tests of the momentum plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

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
