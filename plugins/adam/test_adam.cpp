// Tests of the adam plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

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
