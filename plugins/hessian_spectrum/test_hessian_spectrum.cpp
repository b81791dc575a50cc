// Tests of the hessian_spectrum metric: two saddles whose spectra are known in
// closed form, the spectrum file, a run resumed to the same bytes, bad input.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <relulab/math/extremal.hpp>

#include <cmath>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {


// hessian_min, hessian_max, hessian_negative, hessian_zero, hessian_asymmetry.
std::vector<double> spectrum_of(Model& model, const Dataset& ds, std::map<std::string, ParamValue> set = {}) {
  BuildContext ctx;
  ctx.input_dim = ds.dim();
  ctx.num_samples = ds.size();
  ctx.model = &model;
  const auto& desc = descriptor(PluginKind::Metric, "hessian_spectrum");
  auto metric = desc.make<Metric>(defaults(desc.schema, set), ctx);
  std::vector<double> values(metric->columns().size());
  NoArrays sink;
  metric->evaluate(Snapshot{model, ds, linear_teacher_of_dim(ds.dim()), 0, 0, sink}, values);
  return values;
}

}  // namespace

TEST_CASE("hessian_spectrum: one neuron with a = 0 is a saddle with eigenvalues 0 and (alpha +- sqrt(alpha^2 + 4|g|^2))/2",
          "[hessian_spectrum][hessian]") {
  // L = (1/n) sum_i (a relu(w.x_i) - y_i)^2 at a = 0. Second derivatives, parameters (w_1, w_2, a):
  //   d2L/da2    = alpha = (2/n) sum_i relu(w.x_i)^2
  //   d2L/dw da  = g     = (2/n) sum_i (0 - y_i) 1[w.x_i > 0] x_i
  //   d2L/dw2    = 0     (a = 0, and ReLU's second derivative is 0)
  // so H = [[0, g], [g^T, alpha]]: eigenvalues 0 (along g's orthogonal complement in w) and
  // (alpha +- sqrt(alpha^2 + 4 |g|^2)) / 2, one of each sign whenever g != 0: a saddle.
  const Index n = 50, d = 2;
  const Dataset ds = random_dataset(n, d, 31);
  auto model = make_network(d, 1, false, "relu", nullptr);
  Eigen::MatrixXd W(1, d);
  W << 0.7, -0.4;
  model->assign(W, Vector::Zero(1), Vector());
  double alpha = 0;
  Vector g = Vector::Zero(d);
  for (Index i = 0; i < n; ++i) {
    const double z = W.row(0).dot(ds.X.row(i));
    if (z > 0) {
      alpha += 2.0 / n * z * z;
      g += 2.0 / n * (-ds.y[i]) * ds.X.row(i).transpose();
    }
  }
  REQUIRE(g.norm() > 0.1);  // the data make it a saddle, not a degenerate case
  const double root = std::sqrt(alpha * alpha + 4 * g.squaredNorm());
  const auto v = spectrum_of(*model, ds);
  // Sums of 50 O(1) terms in another order, then a 3 x 3 eigensolve: 1e-12 relative is thousands of
  // roundings and far below any wrong term.
  CHECK(v[0] == Approx((alpha - root) / 2).epsilon(1e-12));
  CHECK(v[1] == Approx((alpha + root) / 2).epsilon(1e-12));
  CHECK(v[2] == 1);  // one negative eigenvalue
  CHECK(v[3] == 1);  // and one zero: (0, 0, 0) in w's complement of g is exactly 0 up to rounding
  CHECK(v[4] <= 1e-14 * root);  // the products are symmetric to rounding
}

TEST_CASE("hessian_spectrum: at a tiny initialisation the spectrum is +-2|D_n(w_j)| per neuron", "[hessian_spectrum][extremal]") {
  // With the network ~0, the squared error's Hessian is its residual part: per neuron the block
  // [[0, -2 D_n(w_j)^T], [-2 D_n(w_j), 0]] over (a_j, w_j) (docs/science.md §3, §9), whose nonzero
  // eigenvalues are +-2 |D_n(w_j)|. The Gauss-Newton part and the cross terms are O(s) = 1e-6
  // relative, so with a band of 1e-4 (above them, below every |D|) the negative eigenvalues are
  // exactly one per neuron whose drift clears the band.
  const Index d = 4, m = 30;
  auto model = make_network(d, m, false, "relu", nullptr, {{"init_scale", 1e-6}});
  Rng rng(8);
  model->initialize(rng);
  const Dataset ds = random_dataset(300, d, 9);
  const TwoLayerView view = model->view();
  double largest = 0;
  std::vector<double> drifts;
  for (Index j = 0; j < m; ++j) {
    drifts.push_back(2 * math::extremal::drift(ds.X, ds.y, Vector(view.W.row(j).transpose())).norm());
    largest = std::max(largest, drifts.back());
  }
  const double band = 1e-4 * largest;
  const auto clear = std::count_if(drifts.begin(), drifts.end(), [&](double x) { return x > band; });
  REQUIRE(clear > m / 2);
  const auto v = spectrum_of(*model, ds, {{"zero_band", 1e-4}});
  CHECK(v[0] == Approx(-largest).epsilon(1e-5));  // O(s) corrections, 1e-6 relative
  CHECK(v[1] == Approx(largest).epsilon(1e-5));
  CHECK(v[2] == static_cast<double>(clear));
}

TEST_CASE("hessian_spectrum in a run: the spectrum file, resumed to the same bytes, bad input located",
          "[hessian_spectrum][resume]") {
  const std::string metric =
      "[[metrics]]\nplugin = \"hessian_spectrum\"\nschedule = { every = 500 }\nspectrum = true\nmax_parameters = 200\n";
  const std::string text = small_experiment(1000) + metric;
  const fs::path dir = temp_dir("hessian_spectrum");
  const auto ex = experiment_from_text(text);
  REQUIRE(run_into(ex, dir / "straight").outcome == host::Outcome::Completed);
  std::atomic<int> stop{2};
  REQUIRE(run_into(ex, dir / "split", &stop).outcome == host::Outcome::Interrupted);
  REQUIRE(run_into(ex, dir / "split").outcome == host::Outcome::Completed);
  CHECK(slurp(dir / "straight" / "metrics.csv") == slurp(dir / "split" / "metrics.csv"));
  // small_experiment: width 20, d = 5, no bias: 120 parameters, every eigenvalue, ascending, with the
  // extremes the columns give.
  const auto values = io::npy::decode(slurp(dir / "straight" / "hessian_spectrum" / "1000.npy"));
  REQUIRE(values.shape == std::vector<std::size_t>{120});
  CHECK(std::is_sorted(values.data.begin(), values.data.end()));
  const auto summary = nlohmann::json::parse(slurp(dir / "straight" / "summary.json"));
  CHECK(summary["final"]["hessian_min"].get<double>() == values.data.front());
  CHECK(summary["final"]["hessian_max"].get<double>() == values.data.back());
  fs::remove_all(dir);
  CHECK_THAT(error_of(replaced(text, "max_parameters = 200", "max_parameters = 100")),
             Contains("exp.toml:26:1: [metrics[1]] max_parameters:") && Contains("120 parameters"));
  CHECK_THAT(error_of(replaced(text, "n = 200", "n = \"online\"")), Contains("no finite training set"));
}

namespace {

// g_j = (2/n) sum_i r_i 1[w_j . x_i > 0] x_i: neuron j's residual correlation, the off-diagonal of
// its block of the residual part of the MSE Hessian (docs/science.md §9, "Minimum or saddle").
double largest_residual_correlation(const Eigen::MatrixXd& W, const Vector& a, const Dataset& ds) {
  const Index n = ds.size();
  const Eigen::MatrixXd Z = ds.X * W.transpose();  // n x m pre-activations
  const Vector r = Z.cwiseMax(0.0) * a - ds.y;
  double largest = 0;
  for (Index j = 0; j < W.rows(); ++j) {
    Vector g = Vector::Zero(ds.dim());
    for (Index i = 0; i < n; ++i)
      if (Z(i, j) > 0) g += 2.0 / n * r[i] * ds.X.row(i).transpose();
    largest = std::max(largest, g.norm());
  }
  return largest;
}

}  // namespace

TEST_CASE("hessian_spectrum: the smallest eigenvalue is at least -max_j |g_j|, and two equal neurons attain it",
          "[hessian_spectrum][hessian]") {
  // The MSE Hessian of a ReLU network is G + R: G = (2/n) sum_i grad f_i grad f_i^T is positive
  // semidefinite, and R = (2/n) sum_i r_i Hess f_i is block diagonal over neurons, each block
  // [[0, g_j^T], [g_j, 0]] over (a_j, w_j) (ReLU's second derivative is 0), eigenvalues +-|g_j| and 0.
  // Weyl's inequality: lambda_min(H) >= lambda_min(R) = -max_j |g_j|.
  const Index n = 60, d = 3;
  const Dataset ds = random_dataset(n, d, 41);
  Rng rng(42);
  auto model = make_network(d, 6, false, "relu", nullptr, {{"init_scale", 0.7}});
  model->initialize(rng);
  const TwoLayerView view = model->view();
  const double bound = largest_residual_correlation(view.W, view.a, ds);
  const auto v = spectrum_of(*model, ds);
  // 1e-12 relative: rounding of sums of 60 O(1) terms and of a 24 x 24 eigensolve.
  CHECK(v[0] >= -bound * (1 + 1e-12));
  // Two neurons with the same weights: moving weight from one to the other, (u, -u) with u the
  // -|g| eigenvector of one neuron's R block, leaves every output unchanged to first order (G u = 0
  // on it), so it is an eigenvector of H with eigenvalue exactly -|g|, and the bound is attained.
  Eigen::MatrixXd W(2, d);
  W.row(0) << 0.9, -0.3, 0.5;
  W.row(1) = W.row(0);
  const Vector a = Vector::Constant(2, 0.4);
  model = make_network(d, 2, false, "relu", nullptr);
  model->assign(W, a, Vector());
  const double attained = largest_residual_correlation(W, a, ds);
  REQUIRE(attained > 0.05);
  CHECK(spectrum_of(*model, ds)[0] == Approx(-attained).epsilon(1e-12));
}
