// Tests of the sharpness metric: Lanczos against the dense Hessian, warm starts, resume, bad input.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <relulab/math/extremal.hpp>

#include <Eigen/Eigenvalues>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

std::unique_ptr<Metric> sharpness(const BuildContext& ctx, std::map<std::string, ParamValue> set = {}) {
  const auto& desc = descriptor(PluginKind::Metric, "sharpness");
  return desc.make<Metric>(defaults(desc.schema, set), ctx);
}


// The Hessian of a small model, column by column from its Hessian-vector products.
Eigen::MatrixXd dense_hessian(const Model& model, const Dataset& ds) {
  const Index P = model.num_parameters();
  Eigen::MatrixXd H(P, P);
  auto& products = require_capability<HessianProducts>(model, "test");
  for (Index c = 0; c < P; ++c) {
    const Vector e = Vector::Unit(P, c);
    products.hessian_vector_product(ds.X, ds.y, {}, e.data(), H.col(c).data());
  }
  return H;
}

}  // namespace

TEST_CASE("sharpness: Lanczos's top eigenvalues are the dense Hessian's", "[sharpness][hessian]") {
  for (const std::string activation : {"relu", "gelu"}) {
    DYNAMIC_SECTION(activation) {
      auto model = make_network(2, 4, true, activation, nullptr, {{"init_scale", 0.8}});
      Rng rng(21);
      model->initialize(rng);
      const Dataset ds = random_dataset(30, 2, 22);
      const Eigen::MatrixXd H = dense_hessian(*model, ds);
      // Products of exact second derivatives: H is symmetric up to the rounding of its sums.
      CHECK((H - H.transpose()).norm() <= 1e-12 * H.norm());
      const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> dense(0.5 * (H + H.transpose()));
      BuildContext ctx;
      ctx.input_dim = 2;
      ctx.num_samples = 30;
      ctx.model = model.get();
      auto metric = sharpness(ctx, {{"k", std::int64_t(3)}});
      Rng metric_rng(1);
      metric->prepare(ds, linear_teacher_of_dim(ds.dim()), metric_rng);
      NoArrays sink;
      std::vector<double> values(4);
      metric->evaluate(Snapshot{*model, ds, linear_teacher_of_dim(ds.dim()), 0, 0, sink}, values);
      const Index P = model->num_parameters();
      // Lanczos's relative tolerance is 1e-8 per eigenvalue; the dense solver's error is ~1e-15 |H|.
      for (Index i = 0; i < 3; ++i)
        CHECK(values[static_cast<std::size_t>(i)] == Approx(dense.eigenvalues()[P - 1 - i]).epsilon(1e-7));
      CHECK(values[3] > 0);  // the products it took
    }
  }
}

TEST_CASE("sharpness: a warm start from the last record takes fewer products", "[sharpness]") {
  auto model = make_network(5, 60, false, "relu", nullptr, {{"init_scale", 0.5}});
  Rng rng(3);
  model->initialize(rng);
  const Dataset ds = random_dataset(400, 5, 4);
  BuildContext ctx;
  ctx.input_dim = 5;
  ctx.num_samples = 400;
  ctx.model = model.get();
  auto metric = sharpness(ctx, {{"samples", std::int64_t(200)}});
  Rng metric_rng(1);
  metric->prepare(ds, linear_teacher_of_dim(ds.dim()), metric_rng);
  NoArrays sink;
  std::vector<double> cold(2), warm(2);
  metric->evaluate(Snapshot{*model, ds, linear_teacher_of_dim(ds.dim()), 0, 0, sink}, cold);
  model->parameters() *= 1.001;  // a small step along the trajectory
  metric->evaluate(Snapshot{*model, ds, linear_teacher_of_dim(ds.dim()), 1, 0, sink}, warm);
  INFO("cold " << cold[1] << " products, warm " << warm[1]);
  CHECK(warm[1] < cold[1]);
  CHECK(warm[0] == Approx(cold[0]).epsilon(0.01));  // a 0.1 % step moves the top eigenvalue by about 0.2 %
}

TEST_CASE("sharpness in a run: recorded, resumed to the same bytes, bad input located", "[sharpness][resume]") {
  const std::string metric = "[[metrics]]\nplugin = \"sharpness\"\nschedule = { every = 200 }\nk = 2\nsamples = 100\n";
  const std::string text = small_experiment(2000) + metric;
  const fs::path dir = temp_dir("sharpness");
  const auto ex = experiment_from_text(text);
  REQUIRE(run_into(ex, dir / "straight").outcome == host::Outcome::Completed);
  std::atomic<int> stop{2};
  REQUIRE(run_into(ex, dir / "split", &stop).outcome == host::Outcome::Interrupted);
  REQUIRE(run_into(ex, dir / "split").outcome == host::Outcome::Completed);
  CHECK(slurp(dir / "straight" / "metrics.csv") == slurp(dir / "split" / "metrics.csv"));
  CHECK_THAT(slurp(dir / "straight" / "metrics.csv"), Contains("sharpness,hessian_eig_2,hessian_products"));
  fs::remove_all(dir);
  // small_experiment: width 20, d = 5, no bias: 120 parameters; n = 200.
  CHECK_THAT(error_of(replaced(text, "k = 2", "k = 120")), Contains("exp.toml:25:1: [metrics[1]] k:") && Contains("120 parameters"));
  CHECK_THAT(error_of(replaced(text, "samples = 100", "samples = 500")),
             Contains("exp.toml:26:1: [metrics[1]] samples:") && Contains("training set of n = 200"));
  CHECK_THAT(error_of(replaced(text, "n = 200", "n = \"online\"")), Contains("no finite training set"));
}

TEST_CASE("sharpness at a tiny initialisation is twice the largest early-alignment drift", "[sharpness][extremal]") {
  // With the network ~0 (outputs O(m s^2)), the squared error's Hessian is its residual part:
  // per neuron the block [[0, -2 D_n(w_j)^T], [-2 D_n(w_j), 0]] over (a_j, w_j), with D_n the drift
  // (docs/science.md §3 and §9), whose eigenvalues are +-2 |D_n(w_j)|; the Gauss-Newton part is O(s^2).
  auto model = make_network(4, 30, false, "relu", nullptr, {{"init_scale", 1e-6}});
  Rng rng(8);
  model->initialize(rng);
  const Dataset ds = random_dataset(300, 4, 9);
  const TwoLayerView v = model->view();
  double largest = 0;
  for (Index j = 0; j < v.width(); ++j)
    largest = std::max(largest, math::extremal::drift(ds.X, ds.y, Vector(v.W.row(j).transpose())).norm());
  BuildContext ctx;
  ctx.input_dim = 4;
  ctx.num_samples = 300;
  ctx.model = model.get();
  auto metric = sharpness(ctx);
  Rng metric_rng(1);
  metric->prepare(ds, linear_teacher_of_dim(ds.dim()), metric_rng);
  NoArrays sink;
  std::vector<double> values(2);
  metric->evaluate(Snapshot{*model, ds, linear_teacher_of_dim(ds.dim()), 0, 0, sink}, values);
  // Corrections are O(s) = 1e-6 relative to the O(1) drift; Lanczos's tolerance is 1e-8.
  CHECK(values[0] == Approx(2 * largest).epsilon(1e-5));
}
