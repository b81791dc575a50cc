// Tests of the losses plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <relulab/math/linalg.hpp>  // ordinary least squares, the oracle here

using namespace relulab;
using namespace relulab::test;

namespace {

std::unique_ptr<DataGenerator> linear_teacher(Index d, double noise_std) {
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  BuildContext ctx;
  return desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(d)}, {"noise_std", noise_std}}), ctx);
}

std::vector<double> evaluate_losses(const std::string& mode, const Model& model, const Dataset& train,
                                    const DataGenerator& data) {
  const auto& desc = descriptor(PluginKind::Metric, "losses");
  auto metric = desc.make<Metric>(defaults(desc.schema, {{"test", mode}, {"test_samples", std::int64_t(40'000)}}), {});
  Rng test_rng(11);
  metric->prepare(train, data, test_rng);
  NoArrays sink;
  std::vector<double> out(metric->columns().size());
  metric->evaluate(Snapshot{model, train, data, 0, 0.0, sink}, out);
  return out;
}

}  // namespace

TEST_CASE("losses of the zero network: train MSE is mean(y^2), exact test MSE is |beta*|^2 + sigma^2", "[losses]") {
  const Index d = 5;
  auto data = linear_teacher(d, 0.3);
  Rng data_rng(3);
  const Dataset train = data->sample(300, data_rng);
  auto model = make_model(d, 8, false, "gaussian", 0.0);  // init_scale 0: h = 0 everywhere
  const auto v = evaluate_losses("exact", *model, train, *data);
  REQUIRE(v.size() == 4);
  // Closed forms: h = 0, so the train MSE is the mean of y^2 (summation order
  // differs from the kernel's: 1e-12 relative) and the population MSE is
  // E[y^2] = |beta*|^2 + sigma^2 = 1 + 0.09 for beta* = e_1.
  CHECK(v[0] == Approx(train.y.squaredNorm() / 300).epsilon(1e-12));
  CHECK(v[1] == Approx(1.09).epsilon(1e-12));
  // OLS on the training set: the same number the linear-algebra helper gives.
  const Vector beta = math::ordinary_least_squares(train.X, train.y);
  CHECK(v[2] == Approx(math::mean_squared_residual(train.X, train.y, beta)).epsilon(1e-12));
  // Its exact test MSE for isotropic inputs: sigma^2 + |beta_hat - beta*|^2.
  CHECK(v[3] == Approx(0.09 + (beta - Vector::Unit(d, 0)).squaredNorm()).epsilon(1e-12));
}

TEST_CASE("losses: the held-out test MSE agrees with the exact one within its standard error", "[losses]") {
  const Index d = 5;
  auto data = linear_teacher(d, 0.3);
  Rng data_rng(5);
  const Dataset train = data->sample(200, data_rng);
  auto model = make_model(d, 8, false, "gaussian", 0.5);
  const auto exact = evaluate_losses("exact", *model, train, *data);
  const auto sampled = evaluate_losses("sample", *model, train, *data);
  CHECK(sampled[0] == exact[0]);  // the train loss does not depend on the test mode
  // The sampled loss is a mean of 40 000 squared errors whose spread is about
  // sqrt(2) times their mean for Gaussian errors: a standard error of
  // sqrt(2/40000) = 0.7% of the value; 5 standard errors (3.5%) never fail
  // by chance (seeded) and catch any bias larger than that.
  CHECK(sampled[1] == Approx(exact[1]).epsilon(0.035));
  CHECK(sampled[3] == Approx(exact[3]).epsilon(0.035));
}
