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

// Its composition with a schedule is tested in plugins/lr_schedule.
