// Tests of the logistic loss plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>

using namespace relulab;
using namespace relulab::test;

namespace {
struct Point {
  double value, derivative;
};
Point logistic_at(const Loss& loss, double h, double y, double weight = 1.0) {
  double sum = 0.0, derivative = 0.0;
  loss.accumulate(&h, &y, 1, weight, sum, &derivative);
  return {sum, derivative};
}
}  // namespace

TEST_CASE("logistic: closed forms at margin 0 and moderate margins", "[loss][logistic]") {
  auto loss = make_loss("logistic");
  CHECK(loss->needs_sign_labels());
  // m = 0: l = log 2, dl/dh = -y / 2; weight 0.25 scales the derivative only.
  CHECK(logistic_at(*loss, 0.0, 1.0).value == Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(logistic_at(*loss, 0.0, -1.0, 0.25).derivative == 0.125);
  // m = y h = 3 and -3, against the textbook forms log(1 + e^{-m}) and
  // -y / (1 + e^{m}), which are accurate there (no overflow, no cancellation):
  // a few roundings apart, 1e-14 relative.
  for (double m : {3.0, -3.0, 0.5, -20.0}) {
    const Point p = logistic_at(*loss, -m, -1.0);  // y = -1, h = -m: margin m
    CHECK(p.value == Approx(std::log1p(std::exp(-m))).epsilon(1e-14));
    CHECK(p.derivative == Approx(1.0 / (1.0 + std::exp(m))).epsilon(1e-14));
  }
}

TEST_CASE("logistic: finite values and derivatives at margins of +-1000", "[loss][logistic]") {
  auto loss = make_loss("logistic");
  // m = 1000: e^{-1000} is below the smallest double, so l and dl/dh are 0.
  const Point far_right = logistic_at(*loss, 1000.0, 1.0);
  CHECK(far_right.value == 0.0);
  CHECK(far_right.derivative == 0.0);
  // m = -1000: l = 1000 + log1p(e^{-1000}) = 1000 exactly in double, dl/dh = -y.
  const Point far_wrong = logistic_at(*loss, -1000.0, 1.0);
  CHECK(far_wrong.value == 1000.0);
  CHECK(far_wrong.derivative == -1.0);
  // The naive form log(1 + exp(1000)) would be inf.
  CHECK(std::isinf(std::log(1.0 + std::exp(1000.0))));
}

TEST_CASE("logistic: the derivative is the finite difference of the value", "[loss][logistic]") {
  auto loss = make_loss("logistic");
  // Central differences with step 1e-5: truncation error about step^2 |l'''| / 6 < 1e-11,
  // rounding error about eps |l| / step < 1e-10 for |l| < 10; 1e-8 absolute covers both.
  const double step = 1e-5;
  for (double y : {1.0, -1.0})
    for (double h : {-7.0, -1.0, -0.1, 0.0, 0.3, 2.0, 9.0}) {
      const double fd = (logistic_at(*loss, h + step, y).value - logistic_at(*loss, h - step, y).value) / (2 * step);
      CHECK(logistic_at(*loss, h, y).derivative == Approx(fd).margin(1e-8));
    }
}
