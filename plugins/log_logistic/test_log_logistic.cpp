// Tests of the log_logistic loss: its per-sample logarithms against long
// double, and the two_layer model's objective J = log of the mean logistic
// loss against the plain logistic model (where both are finite) and against
// central differences of J (where the plain loss has underflowed).
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace relulab;
using namespace relulab::test;

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// log l(m) in long double, straight from the definition: long double's
// exponent reaches e^{-11000}, so for every margin below the value is formed
// without underflow and without the series the plugin uses past m = 40.
long double reference_log_loss(long double m) { return std::log(std::log1p(std::exp(-m))); }
// log(1 / (1 + e^{m})), the same way.
long double reference_log_slope(long double m) { return -std::log1p(std::exp(m)); }

// A leaky ReLU network (slope 0.1, no bias) and the half of 48 random inputs
// on which its output is largest in size, labelled by its own signs, so every
// margin is positive and none is near 0. With smallest_margin > 0 both layers
// are scaled by one factor until the smallest margin is that (the network is
// 2-homogeneous: margins scale as the factor squared).
struct SeparableCase {
  std::unique_ptr<Loss> log_loss = make_loss("log_logistic"), plain_loss = make_loss("logistic");
  std::unique_ptr<Model> log_model, plain_model;
  Dataset data{RowMatrix(24, 3), Vector(24)};

  explicit SeparableCase(double smallest_margin = 0.0) {
    const Index d = 3, width = 7;
    log_model = make_network(d, width, false, "leaky_relu", log_loss.get(), {{"slope", 0.1}});
    plain_model = make_network(d, width, false, "leaky_relu", plain_loss.get(), {{"slope", 0.1}});
    Rng rng(11);
    log_model->initialize(rng);
    const Dataset inputs = random_dataset(48, d, 5);
    Vector h;
    log_model->predict(inputs.X, h);
    std::vector<Index> order(48);
    for (Index k = 0; k < 48; ++k) order[static_cast<std::size_t>(k)] = k;
    std::sort(order.begin(), order.end(), [&](Index i, Index j) { return std::fabs(h[i]) > std::fabs(h[j]); });
    for (Index k = 0; k < 24; ++k) {
      const Index row = order[static_cast<std::size_t>(k)];
      data.X.row(k) = inputs.X.row(row);
      data.y[k] = h[row] >= 0 ? 1.0 : -1.0;
    }
    if (smallest_margin > 0) log_model->parameters() *= std::sqrt(smallest_margin / margins().minCoeff());
    plain_model->parameters() = log_model->parameters();
  }
  Vector margins() const {
    Vector h;
    log_model->predict(data.X, h);
    return h.cwiseProduct(data.y);
  }
};

}  // namespace

TEST_CASE("log_logistic: log l and the scaled slope equal their long double definitions", "[loss][log_logistic]") {
  auto loss = make_loss("log_logistic");
  const auto* objective = capability<LogMeanObjective>(*loss);
  REQUIRE(objective);
  CHECK(loss->needs_sign_labels());
  for (double m : {-700.0, -50.0, -3.0, -0.5, 0.0, 0.5, 3.0, 20.0, 39.9, 40.1, 100.0, 745.5, 800.0, 5000.0}) {
    INFO("margin " << m);
    // h = -m on label -1 gives margin m. log l is one logarithm of an accurate
    // loss (or, past 40, two operations): 4 eps relative, at least 4 eps absolute near log l = 0.
    const double log_l = objective->log_loss(-m, -1.0);
    const long double want = reference_log_loss(m);
    CHECK(std::fabs(log_l - static_cast<double>(want)) <= 4 * kEps * std::max(1.0L, std::fabs(want)));
    // The scaled slope e^{log sigma(-m) - s}: the exponent's rounding, eps (|m| + |s| + 1), becomes
    // that relative error in the result; 4 times it.
    for (double log_scale : {0.0, -m, -m + 3.0}) {
      const double got = objective->scaled_derivative(-m, -1.0, log_scale);  // dl/dh = +1 / (1 + e^m) for y = -1
      const long double exact = std::exp(reference_log_slope(m) - log_scale);
      INFO("log scale " << log_scale);
      CHECK(std::fabs(got - static_cast<double>(exact)) <=
            4 * kEps * (std::fabs(m) + std::fabs(log_scale) + 1) * static_cast<double>(exact));
    }
  }
  // Per sample it is the plain logistic loss (what metrics and contract checks see).
  auto plain = make_loss("logistic");
  const double h[3] = {0.3, -2.0, 7.0}, y[3] = {1.0, 1.0, -1.0};
  double sum_log = 0.0, sum_plain = 0.0, d_log[3], d_plain[3];
  loss->accumulate(h, y, 3, 0.5, sum_log, d_log);
  plain->accumulate(h, y, 3, 0.5, sum_plain, d_plain);
  CHECK(sum_log == sum_plain);
  for (int k = 0; k < 3; ++k) CHECK(d_log[k] == d_plain[k]);
}

TEST_CASE("log_logistic: J is the log of the logistic model's loss, its gradient that gradient over the loss",
          "[loss][log_logistic]") {
  SeparableCase c;
  REQUIRE(capability<LogMeanTraining>(*c.log_model));
  const Index p = c.log_model->num_parameters();
  Vector g_log(p), g_plain(p);
  const double J = c.log_model->loss_and_gradient(c.data, {}, g_log.data());
  const double L = c.plain_model->loss_and_gradient(c.data, {}, g_plain.data());
  // Both sum 24 accurate losses (2 eps each, 24 eps for the sum) and J adds a logarithm: 64 eps
  // relative covers it. The gradient: the same kernel on derivatives that differ by the scaling
  // (exp of a difference of logs: eps (|log l| + |log S|) ~ 10 eps here), so 1e-13 in norm.
  CHECK(J == Approx(std::log(L)).epsilon(64 * kEps));
  CHECK((g_log - g_plain / L).norm() <= 1e-13 * g_log.norm());
  // A subset of rows: J over those rows alone.
  const std::vector<Index> rows{3, 0, 17, 9};
  const double J_rows = c.log_model->loss_and_gradient(c.data, rows, g_log.data());
  const double L_rows = c.plain_model->loss_and_gradient(c.data, rows, g_plain.data());
  CHECK(J_rows == Approx(std::log(L_rows)).epsilon(64 * kEps));
  CHECK((g_log - g_plain / L_rows).norm() <= 1e-13 * g_log.norm());
}

TEST_CASE("log_logistic: past the plain loss's underflow J and its gradient are finite and exact",
          "[loss][log_logistic]") {
  // Margins above 745: every e^{-m} is below the smallest subnormal double.
  SeparableCase c(800.0);
  REQUIRE(c.margins().minCoeff() == Approx(800.0).epsilon(1e-12));
  const Index p = c.log_model->num_parameters();
  Vector g_plain(p), g_log(p);
  CHECK(c.plain_model->loss_and_gradient(c.data, {}, g_plain.data()) == 0.0);
  CHECK(g_plain.norm() == 0.0);  // the plain gradient has underflowed: gradient descent stops here
  const double J = c.log_model->loss_and_gradient(c.data, {}, g_log.data());
  CHECK(J <= -800.0 + 1e-9);  // J <= log l(800) = -800 - e^{-800}/2 (the smallest margin's term alone)
  CHECK(std::isfinite(J));
  REQUIRE(g_log.norm() > 0.0);
  // Central differences of J. J is -m_min plus a log-sum-exp of margin differences; with
  // |theta| ~ 30 and margins ~1e3 (2-homogeneous), each margin's derivative is ~2 m / |theta| ~ 1e2,
  // so |J'''| <~ 1e6 and the step 1e-6 leaves a truncation step^2 |J'''| / 6 <~ 2e-7, beside a
  // rounding of eps |J| / step ~ 2e-7 (|J| ~ 800). Against the gradient's size (~1e2), 1e-6 of
  // ||g|| (~1e-4) covers both by a factor of 100 and still catches any wrong term.
  auto theta = c.log_model->parameters();
  const double step = 1e-6;
  for (Index i = 0; i < p; ++i) {
    const double keep = theta[i];
    theta[i] = keep + step;
    const double up = c.log_model->loss_and_gradient(c.data, {}, nullptr);
    theta[i] = keep - step;
    const double down = c.log_model->loss_and_gradient(c.data, {}, nullptr);
    theta[i] = keep;
    INFO("parameter " << i);
    CHECK(std::fabs(g_log[i] - (up - down) / (2 * step)) <= 1e-6 * g_log.norm());
  }
}

TEST_CASE("log_logistic: the inverse_loss policy is refused beside it", "[loss][log_logistic]") {
  auto loss = make_loss("log_logistic");
  BuildContext ctx;
  ctx.loss = loss.get();
  CHECK_THROWS_WITH(make_policy({"inverse_loss", {}}, ctx),
                    Catch::Contains("already trains on the log of the mean loss"));
  auto plain = make_loss("logistic");
  ctx.loss = plain.get();
  CHECK_NOTHROW(make_policy({"inverse_loss", {}}, ctx));
}
