// Closed forms: OLS, the Gaussian kernels and population loss, schedules, random streams, .npy.
#include <catch2/catch.hpp>
#include <relulab/math/gaussian.hpp>
#include <relulab/math/linalg.hpp>
#include <relulab/io/npy.hpp>

#include "io/output.hpp"
#include "config/schedule.hpp"
#include "support.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <numbers>

using namespace relulab;
using namespace relulab::test;

TEST_CASE("OLS equals the normal-equation solution", "[math]") {
  Rng rng(1);
  const Index n = 60, d = 4;
  RowMatrix X(n, d);
  Vector y(n);
  for (Index k = 0; k < n; ++k) {
    for (Index i = 0; i < d; ++i) X(k, i) = rng.normal();
    y[k] = rng.normal();
  }
  const Vector beta = math::ordinary_least_squares(X, y);
  const Eigen::MatrixXd XtX = X.transpose() * X;
  const Vector normal = XtX.llt().solve(X.transpose() * y);
  // X^T X of Gaussian rows is well conditioned (n = 15 d): both solutions agree to ~1e-14.
  CHECK((beta - normal).norm() < 1e-12 * normal.norm());
  // And the residual is orthogonal to the columns, the defining property.
  CHECK((X.transpose() * (X * beta - y)).norm() < 1e-10);

  SECTION("fewer samples than dimensions: the minimum-norm interpolant") {
    const RowMatrix Xs = X.topRows(3);
    const Vector ys = y.head(3);
    const Vector b = math::ordinary_least_squares(Xs, ys);
    const Eigen::MatrixXd G = Xs * Xs.transpose();
    const Vector min_norm = Xs.transpose() * G.llt().solve(ys);
    CHECK((Xs * b - ys).norm() < 1e-12);
    CHECK((b - min_norm).norm() < 1e-12);
    CHECK(math::mean_squared_residual(Xs, ys, b) < 1e-24);
  }
}

TEST_CASE("the ReLU kernel at angles with known values", "[math]") {
  using math::gaussian::relu_kernel;
  // phi = 0: E[relu(z)^2] |u||v| = |u||v| / 2.
  CHECK(relu_kernel(2.0, 3.0, 6.0) == Approx(3.0).epsilon(1e-15));
  // phi = pi: relu(z) relu(-z) = 0.
  CHECK(relu_kernel(2.0, 3.0, -6.0) == Approx(0.0).margin(1e-15));
  // phi = pi/2: E[relu(z1)] E[relu(z2)] = (1/sqrt(2 pi))^2 |u||v| = |u||v| / (2 pi).
  CHECK(relu_kernel(2.0, 3.0, 0.0) == Approx(6.0 / (2 * std::numbers::pi)).epsilon(1e-15));
}

TEST_CASE("the symmetric second moment equals the full double sum", "[math]") {
  // F(x) = sum_j a_j relu(<w_j, x>) + <beta, x>, with one zero neuron and one
  // zero output weight (both skipped by the pair loop, and both exact zeros).
  const Index m = 40, d = 5;
  Rng rng(7);
  Eigen::MatrixXd W(m, d);
  Vector a(m), beta(d);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < d; ++i) W(j, i) = rng.normal();
    a[j] = rng.normal();
  }
  for (Index i = 0; i < d; ++i) beta[i] = rng.normal();
  W.row(3).setZero();
  a[5] = 0.0;
  // The oracle: every ordered pair from the kernel's definition, plus the linear terms.
  double oracle = a.dot(W * beta) + beta.squaredNorm(), magnitude = std::abs(oracle);
  for (Index j = 0; j < m; ++j)
    for (Index l = 0; l < m; ++l) {
      const double term =
          a[j] * a[l] * math::gaussian::relu_kernel(W.row(j).norm(), W.row(l).norm(), W.row(j).dot(W.row(l)));
      oracle += term;
      magnitude += std::abs(term);
    }
  for (const bool with_beta : {true, false}) {
    const Vector b = with_beta ? beta : Vector(0);
    const math::gaussian::ReluExpansion F{W, a, b};
    const double expected = with_beta ? oracle : oracle - a.dot(W * beta) - beta.squaredNorm();
    // The same m^2 terms summed in another order (pairs once, doubled; the
    // diagonal as |w|^2/2): each term carries a few roundings (norms, acos,
    // sqrt, products) and a sum of N terms adds at most N eps |terms|;
    // (2m + 16) eps times the sum of |terms| bounds both.
    const double tolerance = (2.0 * m + 16.0) * std::numeric_limits<double>::epsilon() * magnitude;
    CHECK(std::abs(math::gaussian::squared_norm(F) - expected) <= tolerance);
    CHECK(std::abs(math::gaussian::inner_product(F, F) - expected) <= tolerance);
  }
}

TEST_CASE("metric schedules", "[schedule]") {
  using host::Schedule;
  Schedule g;
  g.kind = Schedule::Kind::Geometric;
  g.ratio = 1.5;
  std::vector<double> points;
  double t = 0;
  for (int i = 0; i < 8; ++i) points.push_back(t = g.next_after(t, true));
  // 1, 2, 3, then ceil(1.5 t): 5, 8, 12, 18, 27.
  CHECK(points == std::vector<double>{1, 2, 3, 5, 8, 12, 18, 27});
  Schedule e;
  e.kind = Schedule::Kind::Every;
  e.every = 100;
  CHECK(e.next_after(0, true) == 100);
  CHECK(e.next_after(100, true) == 200);
  CHECK(e.next_after(150, true) == 200);
  Schedule c = g;
  c.start = 0.01;
  c.ratio = 10;
  CHECK(c.next_after(0.0, false) == Approx(0.01));
  CHECK(c.next_after(0.01, false) == Approx(0.1));
  Schedule p;
  p.kind = Schedule::Kind::Points;
  p.points = {5, 10};
  CHECK(p.next_after(5, true) == 10);
  CHECK(std::isinf(p.next_after(10, true)));
}

TEST_CASE("random streams are reproducible and independent", "[rng]") {
  CHECK(derive_seed(0, "data") != derive_seed(0, "init"));
  CHECK(derive_seed(0, "data") != derive_seed(1, "data"));
  Rng a(derive_seed(3, "data")), b(derive_seed(3, "data"));
  for (int i = 0; i < 100; ++i) CHECK(a.normal() == b.normal());
  // Saving and restoring the engine continues the same sequence.
  const std::string state = a.save();
  const double next = a.normal();
  Rng c(0);
  c.restore(state);
  CHECK(c.normal() == next);
  // below(n) stays in range and covers it.
  std::vector<int> hits(5, 0);
  for (int i = 0; i < 1000; ++i) ++hits.at(c.below(5));
  for (int h : hits) CHECK(h > 100);  // expected 200 each, sd 12.6
}

TEST_CASE(".npy files load in numpy with the same values", "[npy]") {
  const fs::path dir = temp_dir("npy");
  RowMatrix M(3, 4);
  for (Index i = 0; i < 3; ++i)
    for (Index j = 0; j < 4; ++j) M(i, j) = 1.0 / (1 + i * 4 + j);
  host::write_npy(dir / "m.npy", M.data(), {3, 4});
  // Our own reader gets back the exact doubles.
  const auto back = io::npy::decode(slurp(dir / "m.npy"));
  CHECK(back.shape == std::vector<std::size_t>{3, 4});
  CHECK(std::equal(back.data.begin(), back.data.end(), M.data()));
  // numpy reads the shape and the element (1, 2) = 1/7 exactly (repr prints the shortest round trip).
  const auto r = run_command("/usr/bin/python3 -c \"import numpy; a = numpy.load('" + (dir / "m.npy").string() +
                             "'); print(a.shape, repr(float(a[1, 2])), a.dtype)\"");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "(3, 4) " + host::format_number(1.0 / 7) + " float64\n");
  fs::remove_all(dir);
}

TEST_CASE("durations read right from a second to centuries (no int overflow)", "[output]") {
  CHECK(host::format_duration(42) == "42s");
  CHECK(host::format_duration(187) == "3m07s");
  CHECK(host::format_duration(7500) == "2h05m");
  CHECK(host::format_duration(3 * 86400 + 5 * 3600 + 59) == "3d05h");
  // 2^63 - 1 iterations at 1 ms each: the ETA of a run with iterations = 2^63 - 1.
  CHECK(host::format_duration(9.223372036854775807e15) == "2.9e+08 years");
  CHECK(host::format_duration(-1) == "?");
}
