// Tests of the mse loss plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("mse: values and weighted derivatives by hand", "[loss][mse]") {
  auto loss = make_loss("mse");
  CHECK(loss->name() == "mse");
  CHECK_FALSE(loss->needs_sign_labels());
  // h = (1.5, -0.5), y = (1, 1): r = (0.5, -1.5), r^2 sums to 2.5; with weight
  // 1/2 the derivatives 2 w r are (0.5, -1.5). Every number is a dyadic
  // rational, so the results are exact.
  const double h[] = {1.5, -0.5}, y[] = {1.0, 1.0};
  double sum = 1.0, derivative[2];
  loss->accumulate(h, y, 2, 0.5, sum, derivative);
  CHECK(sum == 3.5);  // added to what was there
  CHECK(derivative[0] == 0.5);
  CHECK(derivative[1] == -1.5);
}

TEST_CASE("mse: no derivative asked, none written", "[loss][mse]") {
  auto loss = make_loss("mse");
  const double h[] = {2.0}, y[] = {0.0};
  double sum = 0.0;
  loss->accumulate(h, y, 1, 1.0, sum, nullptr);
  CHECK(sum == 4.0);
}
