// Tests of the clip_gradient policy against torch.nn.utils' formulas written out.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>

using namespace relulab;
using namespace relulab::test;

TEST_CASE("clipping by norm rescales a long gradient to max / (norm + 1e-6) and leaves a short one",
          "[clip_gradient]") {
  // f = c.theta has the constant gradient c, so each SGD step moves theta by
  // -lr * clip(c) exactly: T steps move it T times that.
  const Vector c = (Vector(3) << 3.0, -4.0, 12.0).finished();  // norm 13
  const Vector theta0 = Vector::Zero(3);
  const double lr = 0.1;
  const int steps = 7;
  SeparableObjective longer(theta0, c, Vector::Zero(3));
  const Vector clipped =
      run_full_batch("sgd", longer, steps, {{"lr", lr}}, {{"clip_gradient", {{"by", "norm"}, {"max", 2.0}}}});
  const Vector expected = -steps * lr * c * (2.0 / (13.0 + 1e-6));  // clip_grad_norm_'s clip_coef
  CHECK((clipped - expected).cwiseAbs().maxCoeff() < 1e-14);  // 7 additions of ~0.2: a few ulp
  SeparableObjective shorter(theta0, c, Vector::Zero(3));
  const Vector untouched =
      run_full_batch("sgd", shorter, steps, {{"lr", lr}}, {{"clip_gradient", {{"by", "norm"}, {"max", 13.5}}}});
  CHECK((untouched + steps * lr * c).cwiseAbs().maxCoeff() < 1e-13);
}

TEST_CASE("clipping by value clamps each coordinate to [-max, max]", "[clip_gradient]") {
  const Vector c = (Vector(4) << 3.0, -4.0, 0.25, -0.5).finished();
  SeparableObjective f(Vector::Zero(4), c, Vector::Zero(4));
  const Vector end = run_full_batch("sgd", f, 1, {{"lr", 1.0}}, {{"clip_gradient", {{"by", "value"}, {"max", 0.5}}}});
  const Vector expected = -(Vector(4) << 0.5, -0.5, 0.25, -0.5).finished();
  CHECK(end == expected);  // clamping and one subtraction from zero are exact
}

TEST_CASE("clipping wraps adam: the clipped gradient feeds the moments", "[clip_gradient][adam]") {
  // Adam's first step is lr * g / (|g| + eps) per coordinate whatever the scale
  // of g, so clipping by norm does not change it (the direction is kept)...
  const Vector c = (Vector(2) << 30.0, -40.0).finished();
  SeparableObjective a(Vector::Zero(2), c, Vector::Zero(2)), b(Vector::Zero(2), c, Vector::Zero(2));
  const Vector bare = run_full_batch("adam", a, 1, {{"lr", 0.01}});
  const Vector clipped = run_full_batch("adam", b, 1, {{"lr", 0.01}}, {{"clip_gradient", {{"max", 1.0}}}});
  // ... up to eps / |g|: eps = 1e-8 against |g| = 30 or 0.6 after clipping.
  CHECK((bare - clipped).cwiseAbs().maxCoeff() < 1e-9);
  // ... while clipping by value changes the direction, and so Adam's step.
  SeparableObjective v(Vector::Zero(2), (Vector(2) << 30.0, -0.001).finished(), Vector::Zero(2));
  const Vector by_value =
      run_full_batch("adam", v, 1, {{"lr", 0.01}}, {{"clip_gradient", {{"by", "value"}, {"max", 1.0}}}});
  CHECK(by_value[0] == Approx(-0.01).epsilon(1e-7));
  CHECK(by_value[1] == Approx(0.01).epsilon(1e-4));  // |g| = 1e-3 against eps 1e-8
}
