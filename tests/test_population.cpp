// The population loss and its gradient (relulab/math/population.hpp,
// docs/science.md §8), each against a computation that shares nothing with it:
// central finite differences, a Monte Carlo mean of sampled gradients, and a
// quadrature of the loss over the circle in d = 2.
#include <catch2/catch.hpp>
#include <relulab/math/population.hpp>

#include "support.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

using namespace relulab;
using math::gaussian::ReluExpansion;
using math::population::StudentPopulationLoss;

namespace {

struct Student {
  Eigen::MatrixXd W;  // m x d, row j = unit j
  Vector a;
  double slope = 0.0;
};

struct TeacherNet {
  Eigen::MatrixXd W;  // k x d (k may be 0)
  Vector a, beta;  // beta: d entries, or empty
  double noise = 0.0;
  ReluExpansion expansion() const { return {W, a, beta}; }
};

Student random_student(Index m, Index d, double slope, std::uint64_t seed) {
  Rng rng(seed);
  Student s{Eigen::MatrixXd(m, d), Vector(m), slope};
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < d; ++i) s.W(j, i) = rng.normal();
    s.a[j] = rng.normal();
  }
  return s;
}

TeacherNet relu_teacher(Index k, Index d, std::uint64_t seed, bool linear_part) {
  Rng rng(seed);
  TeacherNet t{Eigen::MatrixXd(k, d), Vector(k), Vector(linear_part ? d : 0), 0.25};
  for (Index i = 0; i < k; ++i) {
    for (Index c = 0; c < d; ++c) t.W(i, c) = rng.normal();
    t.a[i] = rng.normal();
  }
  for (Index c = 0; c < t.beta.size(); ++c) t.beta[c] = rng.normal();
  return t;
}

double loss_of(const Student& s, const TeacherNet& t) {
  StudentPopulationLoss L(s.W.rows(), s.W.cols(), s.slope, t.expansion(), t.noise);
  return L.loss_and_gradient(s.W, s.a, t.expansion(), nullptr, nullptr);
}

struct Gradient {
  double loss;
  Eigen::MatrixXd W;
  Vector a;
};
Gradient gradient_of(const Student& s, const TeacherNet& t) {
  StudentPopulationLoss L(s.W.rows(), s.W.cols(), s.slope, t.expansion(), t.noise);
  Gradient g{0.0, Eigen::MatrixXd(s.W.rows(), s.W.cols()), Vector(s.a.size())};
  Eigen::Ref<Eigen::MatrixXd> gW(g.W);
  Eigen::Ref<Vector> ga(g.a);
  g.loss = L.loss_and_gradient(s.W, s.a, t.expansion(), &gW, &ga);
  return g;
}

// sigma(z) of the student and its derivative, written out.
double act(double z, double slope) { return z > 0 ? z : slope * z; }
double act_slope(double z, double slope) { return z > 0 ? 1.0 : slope; }

// f*(x) of a teacher, written out.
double teacher_at(const TeacherNet& t, const Vector& x) {
  double f = t.beta.size() ? t.beta.dot(x) : 0.0;
  for (Index i = 0; i < t.W.rows(); ++i) f += t.a[i] * std::max(0.0, t.W.row(i).dot(x));
  return f;
}
double student_at(const Student& s, const Vector& x) {
  double h = 0.0;
  for (Index j = 0; j < s.W.rows(); ++j) h += s.a[j] * act(s.W.row(j).dot(x), s.slope);
  return h;
}

}  // namespace

TEST_CASE("the kernel's gradient at the pairs docs/science.md names: v = u gives u/2, v = -u gives 0",
          "[population]") {
  const Vector u = (Vector(3) << 0.3, -1.2, 0.7).finished();
  // Both are exact in the formula (phi = 0: (pi v)/(2 pi); phi = pi: 0 and sin pi ~ 1e-16 |v|).
  CHECK((math::population::relu_kernel_gradient(u, u) - u / 2).norm() < 1e-15);
  CHECK(math::population::relu_kernel_gradient(u, -u).norm() < 1e-15);
  // u = 0: no gradient (relu'(0) = 0, as the sampled gradient has it).
  CHECK(math::population::relu_kernel_gradient(Vector::Zero(3), u).norm() == 0.0);
}

TEST_CASE("the population gradient equals central differences of the population loss", "[population]") {
  // m = 70 spans two tiles (64 + 6): diagonal tiles, an off-diagonal tile and a partial one.
  const Index d = 3;
  struct Case {
    const char* name;
    Index m;
    double slope;
    TeacherNet teacher;
  };
  TeacherNet linear{Eigen::MatrixXd(0, d), Vector(0), (Vector(d) << 1.0, -0.5, 0.25).finished(), 0.09};
  const std::vector<Case> cases{{"ReLU student, linear teacher", 70, 0.0, linear},
                                {"leaky student, ReLU teacher with a linear part", 70, 0.2, relu_teacher(5, d, 9, true)},
                                {"ReLU student, ReLU teacher", 5, 0.0, relu_teacher(3, d, 4, false)}};
  for (const Case& c : cases) {
    SECTION(c.name) {
      Student s = random_student(c.m, d, c.slope, 7);
      // A unit at the origin, where the loss is not differentiable in w_2: the closed form takes
      // sigma'(0) = 0 for ReLU, as the sampled gradient does (for leaky ReLU, sigma'(0) = alpha and
      // the unit keeps its linear part's gradient). Its a_2 still has a derivative, checked below.
      s.W.row(2).setZero();
      const Gradient g = gradient_of(s, c.teacher);
      if (c.slope == 0.0) CHECK(g.W.row(2).norm() == 0.0);
      // Central differences with step h: truncation h^2 |L'''| / 6 ~ 1e-12 (L is smooth away from
      // w_j = 0 and from parallel units, and O(1) in every derivative here), rounding
      // ~ eps |L| m / h ~ 1e-8 at m = 70 (the loss sums ~m^2 terms of size ~1 that cancel to O(m)):
      // a bound of 1e-6 per coordinate, against gradients of size ~1-10.
      const double h = 1e-6;
      double worst = 0.0;
      for (Index j = 0; j < c.m; j += (c.m > 10 ? 7 : 1)) {
        for (Index i = (j == 2 ? d : 0); i <= d; ++i) {
          Student plus = s, minus = s;
          double& p = i < d ? plus.W(j, i) : plus.a[j];
          double& q = i < d ? minus.W(j, i) : minus.a[j];
          p += h, q -= h;
          const double fd = (loss_of(plus, c.teacher) - loss_of(minus, c.teacher)) / (2 * h);
          const double exact = i < d ? g.W(j, i) : g.a[j];
          worst = std::max(worst, std::abs(fd - exact));
        }
      }
      INFO("largest |finite difference - closed form| = " << worst);
      CHECK(worst < 1e-6);
    }
  }
}

TEST_CASE("the population gradient lies within 5 standard errors of a Monte Carlo mean of 10^6 sampled gradients",
          "[population]") {
  // The sampled gradient of (h(x) - y)^2 is written out here (micrograd style), with noise in y;
  // its mean over N fresh samples has standard error sd / sqrt(N) per coordinate.
  const Index d = 3, N = 1'000'000;
  const Student s = random_student(4, d, 0.1, 21);
  const TeacherNet t = relu_teacher(2, d, 22, true);
  const Gradient exact = gradient_of(s, t);
  const Index P = 4 * (d + 1);
  Vector sum = Vector::Zero(P), sum_sq = Vector::Zero(P), g(P), x(d);
  double loss_sum = 0.0, loss_sq = 0.0;
  Rng rng(23);
  for (Index k = 0; k < N; ++k) {
    for (Index i = 0; i < d; ++i) x[i] = rng.normal();
    const double r = student_at(s, x) - teacher_at(t, x) - std::sqrt(t.noise) * rng.normal();
    for (Index j = 0; j < 4; ++j) {
      const double z = s.W.row(j).dot(x);
      g[j * (d + 1) + d] = 2 * r * act(z, s.slope);
      for (Index i = 0; i < d; ++i) g[j * (d + 1) + i] = 2 * r * s.a[j] * act_slope(z, s.slope) * x[i];
    }
    sum += g, sum_sq += g.cwiseAbs2();
    loss_sum += r * r, loss_sq += r * r * r * r;
  }
  const Vector mean = sum / N;
  const Vector se = ((sum_sq / N - mean.cwiseAbs2()) / (N - 1)).cwiseSqrt();
  for (Index j = 0; j < 4; ++j)
    for (Index i = 0; i <= d; ++i) {
      const Index p = j * (d + 1) + i;
      const double closed = i < d ? exact.W(j, i) : exact.a[j];
      INFO("unit " << j << ", coordinate " << i << ": closed form " << closed << ", Monte Carlo " << mean[p]
                   << " +- " << se[p]);
      CHECK(std::abs(closed - mean[p]) < 5 * se[p]);
    }
  const double loss_mean = loss_sum / N, loss_se = std::sqrt((loss_sq / N - loss_mean * loss_mean) / (N - 1));
  CHECK(std::abs(exact.loss - loss_mean) < 5 * loss_se);
}

TEST_CASE("in d = 2 the population loss equals a quadrature over the circle", "[population]") {
  // For positively homogeneous h and f*, E[(h - f*)^2] = E[r^2] * mean over theta of (h - f*)(u_theta)^2
  // with E[r^2] = 2 in d = 2. Between the angles where a unit's pre-activation changes sign the integrand
  // is a trigonometric polynomial of degree 2, which 8-point Gauss-Legendre integrates to rounding error.
  const double nodes[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
  const double weights[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};
  for (double slope : {0.0, 0.3})
    for (Index m : {1, 2, 3}) {
      const Student s = random_student(m, 2, slope, 30 + static_cast<std::uint64_t>(m));
      const TeacherNet t = relu_teacher(2, 2, 40, true);
      std::vector<double> cuts{0.0, 2 * std::numbers::pi};
      auto add_cuts = [&](const Eigen::MatrixXd& W) {
        for (Index j = 0; j < W.rows(); ++j)
          for (double side : {0.5, 1.5}) {
            const double c = std::atan2(W(j, 1), W(j, 0)) + side * std::numbers::pi;
            cuts.push_back(std::fmod(c + 4 * std::numbers::pi, 2 * std::numbers::pi));
          }
      };
      add_cuts(s.W), add_cuts(t.W);
      std::sort(cuts.begin(), cuts.end());
      double integral = 0.0;
      for (std::size_t q = 0; q + 1 < cuts.size(); ++q) {
        const double mid = 0.5 * (cuts[q] + cuts[q + 1]), half = 0.5 * (cuts[q + 1] - cuts[q]);
        for (int n = 0; n < 4; ++n)
          for (double sign : {-1.0, 1.0}) {
            const double theta = mid + sign * nodes[n] * half;
            const Vector u = (Vector(2) << std::cos(theta), std::sin(theta)).finished();
            const double e = student_at(s, u) - teacher_at(t, u);
            integral += weights[n] * half * e * e;
          }
      }
      const double quadrature = 2.0 * integral / (2 * std::numbers::pi) + t.noise;
      INFO("m = " << m << ", slope " << slope);
      // Both sides are O(1) sums of a handful of terms: they agree to rounding, ~1e-15 relative.
      CHECK(loss_of(s, t) == Approx(quadrature).epsilon(1e-12));
    }
}
