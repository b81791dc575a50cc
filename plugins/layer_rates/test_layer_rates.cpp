// Tests of the layer_rates policy: each layer's move scaled, for any rule.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

namespace {

constexpr Index kD = 3, kWidth = 5, kN = 40;

// The parameters after `steps` adam steps (batch 8) from the same start, wrapped in `policies`.
Vector train(std::uint64_t steps, const std::vector<PolicySpec>& policies) {
  const Dataset ds = random_dataset(kN, kD, 6);
  auto model = make_model(kD, kWidth, true, "gaussian", 0.5);
  Rng init(2);
  model->initialize(init);
  auto opt =
      make_wrapped("adam", kN, {{"lr", 0.01}, {"batch_size", std::int64_t(8)}, {"iterations", std::int64_t(steps)}},
                   policies, model.get());
  ModelObjective objective(*model, ds);
  RunToEnd monitor(steps);
  Rng rng(5);
  opt->run(objective, monitor, rng);
  return model->parameters();
}

LayerRanges layers() {
  auto model = make_model(kD, kWidth, true);
  return layer_ranges(*model);
}

}  // namespace

TEST_CASE("layer rates scale each layer's adam step, as PyTorch parameter groups with their own lr", "[layer_rates]") {
  // One step: Adam moves every coordinate by lr * g/(|g| + eps) (bias-corrected
  // first step); a parameter group with rate f * lr moves it f times as far.
  const Vector start = train(0, {}), bare = train(1, {});
  const Vector scaled = train(1, {{"layer_rates", {{"first", 0.5}, {"second", 3.0}}}});
  const LayerRanges r = layers();
  REQUIRE(r.first.size() == 2);  // W and the hidden bias
  for (const auto& [ranges, factor] : {std::pair{r.first, 0.5}, std::pair{r.second, 3.0}})
    for (const auto& [begin, end] : ranges) {
      const Index size = end - begin;
      const Vector expected =
          start.segment(begin, size) + factor * (bare.segment(begin, size) - start.segment(begin, size));
      // Two roundings of numbers of size ~1: 1e-15 is a few ulp.
      CHECK((scaled.segment(begin, size) - expected).cwiseAbs().maxCoeff() < 1e-15);
    }
}

TEST_CASE("a layer rate of 0 freezes that layer bit for bit while the other trains", "[layer_rates]") {
  const Vector start = train(0, {}), frozen = train(20, {{"layer_rates", {{"second", 0.0}}}});
  const LayerRanges r = layers();
  for (const auto& [begin, end] : r.second)
    CHECK(frozen.segment(begin, end - begin) == start.segment(begin, end - begin));
  for (const auto& [begin, end] : r.first)
    CHECK(frozen.segment(begin, end - begin) != start.segment(begin, end - begin));
}

TEST_CASE("layer rates of 1 cost nothing and change nothing", "[layer_rates]") {
  CHECK(train(15, {}) == train(15, {{"layer_rates", {{"first", 1.0}, {"second", 1.0}}}}));
}
