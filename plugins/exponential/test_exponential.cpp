// Tests of the exponential loss plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>

using namespace relulab;
using namespace relulab::test;

namespace {
std::pair<double, double> exponential_at(const Loss& loss, double h, double y) {
  double sum = 0.0, derivative = 0.0;
  loss.accumulate(&h, &y, 1, 1.0, sum, &derivative);
  return {sum, derivative};
}
}  // namespace

TEST_CASE("exponential: closed form, finite difference, and large margins", "[loss][exponential]") {
  auto loss = make_loss("exponential");
  CHECK(loss->needs_sign_labels());
  // m = 0: l = 1, dl/dh = -y.
  CHECK(exponential_at(*loss, 0.0, -1.0) == std::pair{1.0, 1.0});
  // l = e^{-y h} at y = 1, h = 2: one rounding of exp.
  CHECK(exponential_at(*loss, 2.0, 1.0).first == Approx(std::exp(-2.0)).epsilon(1e-15));
  // Central differences, step 1e-5: truncation step^2 |l'''| / 6 < 1e-9 for |h| <= 3
  // (l''' <= e^3), rounding eps l / step < 1e-9; 1e-7 absolute covers both.
  const double step = 1e-5;
  for (double y : {1.0, -1.0})
    for (double h : {-3.0, -0.5, 0.0, 1.0, 3.0}) {
      const double fd =
          (exponential_at(*loss, h + step, y).first - exponential_at(*loss, h - step, y).first) / (2 * step);
      CHECK(exponential_at(*loss, h, y).second == Approx(fd).margin(1e-7));
    }
  // Margin +1000: e^{-1000} underflows to 0, finite. Margin -700: e^{700}
  // (about 1e304) is still finite, as is its derivative.
  CHECK(exponential_at(*loss, 1000.0, 1.0) == std::pair{0.0, -0.0});
  CHECK(std::isfinite(exponential_at(*loss, -700.0, 1.0).first));
  CHECK(std::isfinite(exponential_at(*loss, -700.0, 1.0).second));
  // Margin -1000: the loss is e^{1000}, beyond every double (the largest is
  // about e^{709.78}), so it is +inf and a run there is recorded as diverged.
  CHECK(std::isinf(exponential_at(*loss, -1000.0, 1.0).first));
}
