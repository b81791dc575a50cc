// Tests of the margin metric and the hard-margin SVM it uses.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <relulab/math/svm.hpp>

#include <numbers>

using namespace relulab;
using namespace relulab::test;

namespace {
// gamma_SVM in d = 2 by brute force: max over angles of min_i y_i <u, x_i>, a fine
// grid then golden-section refinement (the objective is unimodal near its max).
double brute_force_margin_2d(const Dataset& d) {
  auto margin = [&](double t) {
    const Eigen::Vector2d u(std::cos(t), std::sin(t));
    return (d.y.array() * (d.X * u).array()).minCoeff();
  };
  double best = -1e300, at = 0;
  for (int k = 0; k < 100'000; ++k) {
    const double t = 2 * std::numbers::pi * k / 100'000;
    if (margin(t) > best) best = margin(t), at = t;
  }
  double lo = at - 1e-4, hi = at + 1e-4;
  for (int k = 0; k < 200; ++k) {
    const double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
    (margin(m1) < margin(m2) ? lo : hi) = margin(m1) < margin(m2) ? m1 : m2;
  }
  return margin(0.5 * (lo + hi));
}
}  // namespace

TEST_CASE("hard-margin SVM without intercept: the margin by brute force in d = 2", "[margin][svm]") {
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_classifier");
  auto data = desc.make<DataGenerator>(
      defaults(desc.schema, {{"d", std::int64_t(2)}, {"margin_gap", 0.2}, {"beta_star", std::vector<double>{1, 2}}}),
      {});
  for (std::uint64_t seed : {1, 2, 3}) {
    Rng rng(seed);
    const Dataset d = data->sample(60, rng);
    const auto svm = math::svm::hard_margin(d.X, d.y);
    REQUIRE(svm.separable);
    // The solver certifies a gap of 1e-9 relative; the brute force is exact to
    // about 1e-12 (golden section on a Lipschitz function): 1e-8 relative covers both.
    CHECK(svm.margin == Approx(brute_force_margin_2d(d)).epsilon(1e-8));
    CHECK(svm.margin >= 0.2 / std::sqrt(5.0) - 1e-12);  // the teacher's direction already has margin >= gap
    CHECK(svm.upper >= svm.margin);
  }
}

TEST_CASE("hard-margin SVM: data with the origin in their hull are not separable", "[margin][svm]") {
  Dataset d{RowMatrix(3, 2), Vector(3)};
  d.X << 1, 0, -1, 1, -1, -1;  // z_i = y_i x_i surround the origin
  d.y << 1, 1, 1;
  CHECK_FALSE(math::svm::hard_margin(d.X, d.y, 1e-9, 20'000).separable);
}

TEST_CASE("margin metric: two opposite neurons along w_SVM reach the bound on symmetric data", "[margin]") {
  // f(x) = a relu(<w, x>) - a relu(<-w, x>) = a <w, x> with |a| = |w| = c: |theta|^2 = 4 c^2 and
  // min_i y_i f(x_i) = c^2 gamma_SVM when w = c w_SVM, so the ratio to gamma_SVM / 4 is exactly 1.
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_classifier");
  auto data = desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(3)}, {"symmetric", true}}), {});
  Rng rng(4);
  const Dataset train = data->sample(40, rng);
  auto loss = make_loss("logistic");
  auto model = make_network(3, 2, false, "relu", loss.get());
  const auto svm = math::svm::hard_margin(train.X, train.y);
  REQUIRE(svm.separable);
  const double c = 0.7;
  Eigen::MatrixXd W(2, 3);
  W.row(0) = c * svm.direction.transpose();
  W.row(1) = -c * svm.direction.transpose();
  model->assign(W, Vector((Vector(2) << c, -c).finished()), Vector(0));
  const auto& mdesc = descriptor(PluginKind::Metric, "margin");
  BuildContext ctx;
  ctx.loss = loss.get();
  auto metric = mdesc.make<Metric>(Params{}, ctx);
  Rng test_rng(1);
  metric->prepare(train, *data, test_rng);
  NoArrays sink;
  std::vector<double> out(5);
  metric->evaluate(Snapshot{*model, train, *data, 0, 0.0, sink}, out);
  // Every quantity is a short sum of products: 1e-12 relative.
  CHECK(out[0] == Approx(svm.margin / 4).epsilon(1e-12));
  CHECK(out[1] == Approx(1.0).epsilon(1e-12));
  CHECK(out[2] == Approx(1.0).epsilon(1e-12));
  CHECK(std::abs(out[4]) < 1e-12);  // f is odd (linear): no even part
}

TEST_CASE("margin metric refuses a regression loss at its plugin key", "[margin]") {
  auto mse = make_loss("mse");
  BuildContext ctx;
  ctx.loss = mse.get();
  CHECK_THROWS_AS(descriptor(PluginKind::Metric, "margin").make<Metric>(Params{}, ctx), ParameterError);
}

TEST_CASE("margin metric refuses data that are not separable, before any number", "[margin]") {
  // A quarter of the labels flipped: with 200 Gaussian points in d = 3 some flipped
  // point lies among the other class, so no hyperplane through the origin separates them.
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_classifier");
  auto data = desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(3)}, {"flip", 0.25}}), {});
  Rng rng(4);
  const Dataset train = data->sample(200, rng);
  REQUIRE(!math::svm::hard_margin(train.X, train.y).separable);
  auto loss = make_loss("logistic");
  BuildContext ctx;
  ctx.loss = loss.get();
  auto metric = descriptor(PluginKind::Metric, "margin").make<Metric>(Params{}, ctx);
  Rng test_rng(1);
  CHECK_THROWS_WITH(metric->prepare(train, *data, test_rng), Catch::Contains("is not separable"));
}

TEST_CASE("a run with the margin metric on non-separable data is refused at the metric's line, writing nothing",
          "[margin][run]") {
  const fs::path dir = temp_dir("marginrun");
  write_text(dir / "e.toml",
             "[experiment]\nname = \"m\"\nseed = 1\n"
             "[data]\nplugin = \"linear_classifier\"\nd = 3\nn = 200\nflip = 0.25\n"
             "[model]\nplugin = \"two_layer\"\nwidth = 10\n"
             "[loss]\nplugin = \"logistic\"\n"
             "[optimizer]\nplugin = \"sgd\"\nlr = 0.1\nbatch_size = 16\niterations = 100\n"
             "[[metrics]]\nplugin = \"margin\"\n");
  const auto r = run_command(relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out " +
                             (dir / "run").string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("e.toml:20:") && Catch::Contains("[metrics[0]] plugin") &&
                        Catch::Contains("is not separable"));
  for (const char* f : {"config.toml", "X_train.npy", "W_init.npy", "metrics.csv"}) {
    INFO(f);
    CHECK_FALSE(fs::exists(dir / "run" / f));
  }
  fs::remove_all(dir);
}
