// Tests of the warmup policy against PyTorch's LinearLR written out.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <algorithm>
#include <cmath>

using namespace relulab;
using namespace relulab::test;

TEST_CASE("warm-up multiplies the rate by start + (1 - start) min(t, T) / T", "[warmup]") {
  auto warm = make_policy({"warmup", {{"steps", std::int64_t(4)}, {"start_factor", 0.2}}});
  const double expected[] = {0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0};  // LinearLR(start_factor=0.2, total_iters=4)
  for (std::uint64_t t = 0; t < 7; ++t) {
    INFO("step " << t);
    CHECK(warm->learning_rate(0.5, {t, 100, 1.0}) == Approx(0.5 * expected[t]).epsilon(1e-15));
  }
}

TEST_CASE("warm-up composes with the lr_schedule: SGD moves by the sum of the products", "[warmup]") {
  // A constant gradient c: T steps move theta by -c sum_t lr_t, with lr_t the
  // step schedule (halving every 3 steps) times the warm-up factor.
  const int steps = 9;
  SeparableObjective f(Vector::Zero(1), Vector::Ones(1), Vector::Zero(1));
  const Vector end = run_full_batch(
      "sgd", f, steps, {{"lr", 0.1}, {"lr_schedule", "step"}, {"lr_decay", 0.5}, {"lr_decay_every", std::int64_t(3)}},
      {{"warmup", {{"steps", std::int64_t(5)}, {"start_factor", 0.5}}}});
  double sum = 0;
  for (int t = 0; t < steps; ++t)
    sum += 0.1 * std::pow(0.5, t / 3) * (0.5 + 0.5 * std::min(t, 5) / 5.0);
  CHECK(end[0] == Approx(-sum).epsilon(1e-14));  // nine additions: a few ulp
}
