// Tests of the two_layer_relu plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("gradient matches central finite differences", "[model]") {
  for (bool bias : {false, true}) {
    DYNAMIC_SECTION("bias " << bias) {
      const Index d = 4, m = 7, n = 25;
      auto model = make_model(d, m, bias);
      Rng rng(11);
      model->initialize(rng);  // scale 1: pre-activations are O(1), far from kinks at the step below
      const Dataset ds = random_dataset(n, d, 3);
      Vector grad(model->num_parameters());
      const double loss = model->loss_and_gradient(ds, {}, grad.data());
      REQUIRE(loss > 0);
      auto theta = model->parameters();
      // Central differences have error h^2 f'''/6 ~ 1e-12 plus rounding eps f / h ~ 1e-10 for h = 1e-6;
      // 1e-6 relative tolerance leaves a wide margin yet catches any wrong term (those are O(1)).
      const double h = 1e-6;
      for (Index p = 0; p < theta.size(); ++p) {
        const double keep = theta[p];
        theta[p] = keep + h;
        const double up = model->loss_and_gradient(ds, {}, nullptr);
        theta[p] = keep - h;
        const double down = model->loss_and_gradient(ds, {}, nullptr);
        theta[p] = keep;
        const double fd = (up - down) / (2 * h);
        INFO("parameter " << p);
        CHECK(grad[p] == Approx(fd).epsilon(1e-6).margin(1e-9));
      }
      // The batch form agrees with the full form on the same rows.
      std::vector<Index> rows(n);
      for (Index k = 0; k < n; ++k) rows[k] = k;
      Vector grad_rows(model->num_parameters());
      CHECK(model->loss_and_gradient(ds, rows, grad_rows.data()) == Approx(loss).epsilon(1e-14));
      CHECK((grad_rows - grad).cwiseAbs().maxCoeff() < 1e-14);
    }
  }
}

TEST_CASE("the fused kernel equals the textbook gradient at widths that keep or recompute activations", "[model]") {
  // Widths on both sides of the kernel's choice to keep pass 1's activations
  // (chunk x m within 256 KiB: m <= 2048) or recompute them (m > 2048), widths
  // that are not a multiple of the vector width (3, 1001: the scalar neuron
  // tail), a d with a compile-time kernel (5) and one without (7), and n not
  // a multiple of the chunk or of the four-sample groups (other loops again).
  for (const Index m : {Index(3), Index(300), Index(1001), Index(2048), Index(2049), Index(5000)})
    for (const Index d : {Index(5), Index(7)})
      for (const bool bias : {false, true}) {
        DYNAMIC_SECTION("m " << m << ", d " << d << ", bias " << bias) {
          auto model = make_model(d, m, bias);
          Rng rng(5);
          model->initialize(rng);
          const Index n = 133;
          const Dataset ds = random_dataset(n, d, 9);
          Vector grad(model->num_parameters());
          const double loss = model->loss_and_gradient(ds, {}, grad.data());
          // The oracle, as the formulas read (SCIENCE.md section 1): Z = X W^T + b, r = relu(Z) a - y,
          // loss = |r|^2 / n, dL/da = relu(Z)^T c, dL/db = (1{Z>0} o c a^T)^T 1, dL/dW = (1{Z>0} o c a^T)^T X,
          // with c = 2 r / n.
          const TwoLayerView v = model->view();
          Eigen::MatrixXd Z = ds.X * v.W.transpose();
          if (bias) Z.rowwise() += v.b.transpose();
          const Eigen::MatrixXd H = Z.cwiseMax(0.0);
          const Vector r = H * v.a - ds.y;
          const Vector c = (2.0 / n) * r;
          const Eigen::MatrixXd S = (Z.array() > 0).cast<double>().matrix().cwiseProduct(c * v.a.transpose());
          Vector expected(model->num_parameters());
          Eigen::Map<Eigen::MatrixXd>(expected.data(), m, d) = S.transpose() * ds.X;
          expected.segment(d * m, m) = H.transpose() * c;
          if (bias) expected.segment((d + 1) * m, m) = S.colwise().sum().transpose();
          // Both compute the same sums in other orders: the difference is rounding, a few eps times the
          // sum of |terms| (n terms of O(1) size / n, times up to m for r): 1e-12 relative to the largest
          // entry leaves a wide margin, and any missing or wrong term is O(1) of it.
          CHECK(loss == Approx(r.squaredNorm() / n).epsilon(1e-12));
          const double scale = expected.cwiseAbs().maxCoeff();
          CHECK((grad - expected).cwiseAbs().maxCoeff() <= 1e-12 * scale);
        }
      }
}

TEST_CASE("initialisations follow their laws", "[model]") {
  const Index d = 6, m = 4000;
  const double s = 0.01;
  SECTION("balanced: a_j^2 = |w_j|^2, signs fair") {
    auto model = make_model(d, m, false, "balanced", s);
    Rng rng(5);
    model->initialize(rng);
    const auto v = model->view();
    int positive = 0;
    for (Index j = 0; j < m; ++j) {
      CHECK(v.a[j] * v.a[j] == Approx(v.W.row(j).squaredNorm()).epsilon(1e-12));
      positive += v.a[j] > 0;
    }
    // Fair coin: sd of the count is sqrt(m)/2 = 31.6; 5 sd = 158.
    CHECK(std::abs(positive - m / 2) < 158);
    // E|w|^2 = d s^2; the mean over m neurons has relative sd sqrt(2/(d m)) = 0.9%; allow 5%.
    CHECK(v.W.rowwise().squaredNorm().mean() == Approx(d * s * s).epsilon(0.05));
  }
  SECTION("dominated: |a_j| = s, |w_j| = s * ratio") {
    auto model = make_model(d, m, false, "dominated", s);
    Rng rng(6);
    model->initialize(rng);
    const auto v = model->view();
    for (Index j = 0; j < m; ++j) {
      CHECK(std::abs(v.a[j]) == Approx(s).epsilon(1e-14));
      CHECK(v.W.row(j).norm() == Approx(0.5 * s).epsilon(1e-12));  // default dominance_ratio 0.5
    }
  }
  SECTION("gaussian: every entry N(0, s^2)") {
    auto model = make_model(d, m, false, "gaussian", s);
    Rng rng(7);
    model->initialize(rng);
    const auto theta = model->parameters();
    const double var = theta.squaredNorm() / theta.size();
    // Sample variance of N = 28000 Gaussians: relative sd sqrt(2/N) = 0.85%; allow 5%.
    CHECK(var == Approx(s * s).epsilon(0.05));
  }
}
