// Tests of the drift_concentration plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

namespace {

std::vector<double> drift_errors(Index n) {
  const auto& tdesc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  BuildContext ctx;
  auto data = tdesc.make<DataGenerator>(defaults(tdesc.schema, {{"d", std::int64_t(5)}, {"noise_std", 0.3}}), ctx);
  Rng data_rng(17), rng(18);
  const Dataset train = data->sample(n, data_rng);
  const auto& mdesc = descriptor(PluginKind::Metric, "drift_concentration");
  auto metric = mdesc.make<Metric>(defaults(mdesc.schema, {{"directions", std::int64_t(50)}}), ctx);
  metric->prepare(train, *data, rng);
  auto model = make_model(5, 4, false);
  NoArrays sink;
  std::vector<double> out(2);
  metric->evaluate(Snapshot{*model, train, *data, 0, 0.0, sink}, out);
  return out;
}

}  // namespace

TEST_CASE("drift concentration: |D_n - D| is within its n^-1/2 bound", "[drift_concentration]") {
  // For y = x_1 + noise and x ~ N(0, I_5) the population drift is D(w) = e_1 / 2
  // for every w, and E|D_n(w) - D(w)|^2 <= E[y^2 |x|^2] / n = (3 + 4 + 5 * 0.09) / n
  // = 7.45 / n, so the mean error over directions is at most sqrt(7.45 / n) in
  // expectation (Jensen). Five times that is a margin no seed reaches by chance.
  for (Index n : {1000, 16000}) {
    INFO("n = " << n);
    const auto e = drift_errors(n);
    const double bound = std::sqrt(7.45 / static_cast<double>(n));
    CHECK(e[1] > 0);
    CHECK(e[1] <= 5 * bound);
    CHECK(e[0] >= e[1]);  // the supremum over directions bounds their mean
  }
  // And the error shrinks with n: 16 times the samples, at least twice smaller
  // (n^-1/2 predicts four times).
  CHECK(drift_errors(16000)[1] < drift_errors(1000)[1] / 2);
}

TEST_CASE("drift concentration refuses data without a population drift", "[drift_concentration]") {
  // A data set that is not a teacher has no population to compare with.
  struct OnDisk final : DataGenerator {
    Index dim() const override { return 3; }
    Dataset sample(Index n, Rng&) const override { return {RowMatrix::Zero(n, 3), Vector::Zero(n)}; }
  } data;
  const auto& mdesc = descriptor(PluginKind::Metric, "drift_concentration");
  auto metric = mdesc.make<Metric>(defaults(mdesc.schema, {{"directions", std::int64_t(3)}}), {});
  Rng rng(1);
  const Dataset train = data.sample(10, rng);
  CHECK_THROWS_WITH(metric->prepare(train, data, rng),
                    Catch::Matchers::Contains("drift_concentration needs the population drift") &&
                        Catch::Matchers::Contains("does not offer"));
}
