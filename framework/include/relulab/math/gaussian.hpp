// Exact second moments under x ~ N(0, I_d) (docs/science.md §5), for
// functions of the form F(x) = sum_j a_j relu(<w_j, x>) + <beta, x>.
//   E[relu(<u,x>) relu(<v,x>)] = |u||v| (sin phi + (pi - phi) cos phi) / (2 pi)
//   E[relu(<u,x>) <beta,x>]   = <u, beta> / 2
//   E[<b1,x> <b2,x>]          = <b1, b2>
// With them the test MSE of a bias-free student against a linear or bias-free
// ReLU teacher is an exact double sum, free of Monte Carlo noise.
#pragma once

#include <relulab/dataset.hpp>
#include <relulab/model.hpp>
#include <relulab/stop.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

namespace relulab::math::gaussian {

// E[relu(<u,x>) relu(<v,x>)] from the norms and the inner product.
inline double relu_kernel(double norm_u, double norm_v, double inner) {
  if (norm_u == 0.0 || norm_v == 0.0) return 0.0;
  const double c = std::clamp(inner / (norm_u * norm_v), -1.0, 1.0);
  const double phi = std::acos(c);
  return norm_u * norm_v * (std::sqrt(std::max(0.0, 1.0 - c * c)) + (std::numbers::pi - phi) * c) /
         (2.0 * std::numbers::pi);
}

// A function sum_j a_j relu(<w_j, x>) + <beta, x>; W is m x d (rows are
// neurons), beta may be empty (no linear part), m may be 0.
struct ReluExpansion {
  Eigen::Ref<const Eigen::MatrixXd> W;
  Eigen::Ref<const Vector> a;
  Eigen::Ref<const Vector> beta;
};

// sum_{l >= first} G.a_l E[relu(<w,x>) relu(<g_l,x>)] for one neuron w of
// norm norm_w against G's rows from `first` on (g_norms: their norms). One
// row of the Gram matrix at a time keeps memory at O(m); gram_row is scratch
// of at least G's width.
inline double kernel_row_sum(const Eigen::Ref<const Eigen::RowVectorXd>& w, double norm_w, const ReluExpansion& G,
                             const Vector& g_norms, Index first, Vector& gram_row) {
  const Index rest = G.W.rows() - first;
  gram_row.head(rest).noalias() = G.W.bottomRows(rest) * w.transpose();
  double sum = 0.0;
  for (Index l = 0; l < rest; ++l) sum += G.a[first + l] * relu_kernel(norm_w, g_norms[first + l], gram_row[l]);
  return sum;
}

// The terms of E[F(x) G(x)] that involve a linear part:
// E[relu(<w,x>) <beta,x>] = <w, beta> / 2 and E[<b1,x> <b2,x>] = <b1, b2>.
inline double linear_terms(const ReluExpansion& F, const ReluExpansion& G) {
  double total = 0.0;
  if (G.beta.size() > 0 && F.W.rows() > 0) total += 0.5 * F.a.dot(F.W * G.beta);
  if (F.beta.size() > 0 && G.W.rows() > 0) total += 0.5 * G.a.dot(G.W * F.beta);
  if (F.beta.size() > 0 && G.beta.size() > 0) total += F.beta.dot(G.beta);
  return total;
}

// E[F(x) G(x)] for two expansions over the same d. `stop` is polled once per
// row of pairs (stop.hpp): at m = 10^5 the double sum takes minutes.
inline double inner_product(const ReluExpansion& F, const ReluExpansion& G, const StopToken& stop = {}) {
  double total = 0.0;
  if (F.W.rows() > 0 && G.W.rows() > 0) {
    const Vector nf = F.W.rowwise().norm();
    const Vector ng = G.W.rowwise().norm();
    Vector gram_row(G.W.rows());
    const StopPoll poll(stop);
    for (Index j = 0; j < F.W.rows(); ++j) {
      poll.check();
      if (F.a[j] != 0.0) total += F.a[j] * kernel_row_sum(F.W.row(j), nf[j], G, ng, 0, gram_row);
    }
  }
  return total + linear_terms(F, G);
}

// E[F(x)^2]: inner_product(F, F) at half the cost. The Gram sum is
// symmetric, so each pair j < l is computed once and counted twice, and the
// diagonal needs no arc-cosine: E[relu(<w,x>)^2] = |w|^2 / 2.
inline double squared_norm(const ReluExpansion& F, const StopToken& stop = {}) {
  const Index m = F.W.rows();
  double diagonal = 0.0, pairs = 0.0;
  if (m > 0) {
    const Vector norms = F.W.rowwise().norm();
    Vector gram_row(m);
    const StopPoll poll(stop);
    for (Index j = 0; j + 1 < m; ++j) {
      poll.check();
      if (F.a[j] != 0.0) pairs += F.a[j] * kernel_row_sum(F.W.row(j), norms[j], F, norms, j + 1, gram_row);
    }
    for (Index j = 0; j < m; ++j) diagonal += F.a[j] * F.a[j] * 0.5 * F.W.row(j).squaredNorm();
  }
  return diagonal + 2.0 * pairs + linear_terms(F, F);
}

// E[(F(x) - G(x))^2].
inline double squared_distance(const ReluExpansion& F, const ReluExpansion& G, const StopToken& stop = {}) {
  return squared_norm(F, stop) - 2.0 * inner_product(F, G, stop) + squared_norm(G, stop);
}

// A bias-free student as a ReLU expansion, when its activation has one
// (docs/science.md §6): ReLU as it is; leaky ReLU through
// sigma_alpha(z) = alpha z + (1 - alpha) relu(z), so a_j becomes
// (1 - alpha) a_j and the linear part is beta = alpha sum_j a_j w_j. GeLU and
// a student with biases have none (a held-out sample measures them).
struct StudentExpansion {
  Eigen::MatrixXd W;
  Vector a, beta;
  ReluExpansion expansion() const { return {W, a, beta}; }
};

inline std::optional<StudentExpansion> student_expansion(const TwoLayerView& s) {
  if (s.has_bias()) return std::nullopt;
  if (s.activation == "relu") return StudentExpansion{s.W, s.a, Vector(0)};
  if (s.activation == "leaky_relu")
    return StudentExpansion{s.W, (1.0 - s.slope) * s.a, s.slope * (s.W.transpose() * s.a)};
  return std::nullopt;
}

}  // namespace relulab::math::gaussian
