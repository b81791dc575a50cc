// Tests of the linear_classifier plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

namespace {
std::unique_ptr<DataGenerator> classifier(std::map<std::string, ParamValue> set) {
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_classifier");
  return desc.make<DataGenerator>(defaults(desc.schema, set), {});
}
}  // namespace

TEST_CASE("linear_classifier: signed labels of the teacher, outside the margin gap", "[data][classification]") {
  auto data =
      classifier({{"d", std::int64_t(3)}, {"beta_star", std::vector<double>{0.0, 3.0, -4.0}}, {"margin_gap", 0.5}});
  Rng rng(4);
  const Dataset ds = data->sample(2000, rng);
  const Vector u = (Vector(3) << 0.0, 0.6, -0.8).finished();  // beta* / |beta*|
  int positive = 0;
  for (Index k = 0; k < ds.size(); ++k) {
    const double projection = ds.X.row(k).dot(u);
    CHECK(std::fabs(projection) >= 0.5 - 1e-12);  // the gap (1e-12: u is rounded differently from the plugin's)
    CHECK(ds.y[k] == (projection > 0 ? 1.0 : -1.0));
    positive += ds.y[k] > 0;
  }
  // Symmetric law: positives ~ Binomial(2000, 1/2), sd 22.4; 5 sd = 112.
  CHECK(std::abs(positive - 1000) < 112);
}

TEST_CASE("linear_classifier: symmetric data come in pairs (x, y), (-x, -y)", "[data][classification]") {
  auto data = classifier({{"d", std::int64_t(4)}, {"symmetric", true}});
  Rng rng(9);
  const Dataset ds = data->sample(101, rng);  // odd n: the last sample has no partner
  for (Index k = 1; k < ds.size(); k += 2) {
    CHECK(ds.X.row(k) == -ds.X.row(k - 1));
    CHECK(ds.y[k] == -ds.y[k - 1]);
  }
  // The first samples of a larger draw are the same samples.
  Rng again(9);
  CHECK(data->sample(201, again).X.topRows(101) == ds.X);
}

TEST_CASE("linear_classifier: a zero teacher is refused at its key", "[data][classification]") {
  CHECK_THROWS_AS(classifier({{"d", std::int64_t(2)}, {"beta_star", std::vector<double>{0.0, 0.0}}}), ParameterError);
}

TEST_CASE("linear_classifier: input_std scales each coordinate, flip turns that fraction of labels",
          "[data][classification]") {
  // beta* = e1, so the gap conditions x1 only: x2 keeps its law N(0, 3^2) exactly.
  const Index n = 20'000;
  auto data = classifier({{"d", std::int64_t(2)}, {"input_std", std::vector<double>{1.0, 3.0}}, {"flip", 0.2}});
  Rng rng(6);
  const Dataset ds = data->sample(n, rng);
  const double variance = ds.X.col(1).squaredNorm() / n;
  // The sample variance of N(0, 9) has standard error 9 sqrt(2/n) = 0.09; five of them.
  CHECK(std::abs(variance - 9.0) < 5 * 9.0 * std::sqrt(2.0 / n));
  Index flipped = 0;
  for (Index k = 0; k < n; ++k) flipped += (ds.X(k, 0) > 0 ? 1.0 : -1.0) != ds.y[k];
  // A binomial(n, 0.2) count: standard error sqrt(n 0.2 0.8) = 57; five of them.
  CHECK(std::abs(static_cast<double>(flipped) - 0.2 * n) < 5 * std::sqrt(n * 0.2 * 0.8));
  CHECK_THROWS_WITH(classifier({{"d", std::int64_t(3)}, {"input_std", std::vector<double>{1.0, 3.0}}}),
                    Catch::Contains("input_std has 2 entries but d = 3"));
}
