// Tests of the gradient_norm metric: closed forms of the MSE gradient where the
// ReLU network is linear, and exactly zero at a stationary point.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

std::unique_ptr<Metric> gradient_norm(const BuildContext& ctx) {
  const auto& desc = descriptor(PluginKind::Metric, "gradient_norm");
  return desc.make<Metric>(defaults(desc.schema, {}), ctx);
}

const DataGenerator& linear_teacher() {
  static const auto made = [] {
    const auto& desc = descriptor(PluginKind::DataGenerator, "linear_teacher");
    return desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(3)}}), BuildContext{});
  }();
  return *made;
}

std::vector<double> evaluate(Model& model, const Dataset& ds) {
  BuildContext ctx;
  ctx.input_dim = ds.dim();
  ctx.num_samples = ds.size();
  ctx.model = &model;
  auto metric = gradient_norm(ctx);
  std::vector<double> values(metric->columns().size());
  NoArrays sink;
  metric->evaluate(Snapshot{model, ds, linear_teacher(), 0, 0, sink}, values);
  return values;
}

}  // namespace

TEST_CASE("gradient_norm: the MSE gradient's norm where every neuron is active, in closed form", "[gradient_norm]") {
  // Positive inputs and positive first-layer weights: every pre-activation is positive, the ReLU
  // network is linear, h_k = sum_j a_j w_j . x_k, and with r_k = h_k - y_k the MSE gradient is
  //   dL/da_j = (2/n) sum_k r_k w_j . x_k,   dL/dw_j = (2/n) sum_k r_k a_j x_k.
  const Index n = 40, d = 3, m = 5;
  auto model = make_network(d, m, false, "relu", nullptr);
  Eigen::MatrixXd W = Eigen::MatrixXd::Random(m, d).cwiseAbs() + Eigen::MatrixXd::Constant(m, d, 0.1);
  const Vector a = Vector::LinSpaced(m, -1.0, 1.5);
  model->assign(W, a, Vector());
  Dataset ds = random_dataset(n, d, 4);
  ds.X = ds.X.cwiseAbs();
  const Vector r = ds.X * W.transpose() * a - ds.y;  // n residuals
  const Vector grad_a = (2.0 / n) * W * ds.X.transpose() * r;
  const Eigen::MatrixXd grad_W = (2.0 / n) * a * (r.transpose() * ds.X);  // m x d
  const double norm = std::sqrt(grad_a.squaredNorm() + grad_W.squaredNorm());
  const double sup = std::max(grad_a.cwiseAbs().maxCoeff(), grad_W.cwiseAbs().maxCoeff());
  const auto values = evaluate(*model, ds);
  // Two summation orders of the same 40-term sums, values O(1): 1e-13 relative is a few hundred
  // roundings, far below any wrong term.
  CHECK(values[0] == Approx(norm).epsilon(1e-13));
  CHECK(values[1] == Approx(sup).epsilon(1e-13));
}

TEST_CASE("gradient_norm: zero at a stationary point, refused on online data", "[gradient_norm]") {
  // W = 0 and a = 0: every pre-activation is 0, where ReLU and its derivative (0 at 0) vanish, so
  // every partial derivative is an empty product: exactly 0 whatever the labels.
  auto model = make_network(3, 6, false, "relu", nullptr);
  model->assign(Eigen::MatrixXd::Zero(6, 3), Vector::Zero(6), Vector());
  const auto values = evaluate(*model, random_dataset(25, 3, 8));
  CHECK(values[0] == 0.0);
  CHECK(values[1] == 0.0);
  BuildContext online;
  online.input_dim = 3;
  online.training_set = TrainingSet::Online;
  CHECK_THROWS_WITH(gradient_norm(online), Contains("gradient_norm"));
}
