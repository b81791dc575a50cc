// The hard-margin linear SVM without intercept, through its dual: the point
// p of the convex hull of {z_i = y_i x_i} nearest the origin. For separable
// data p != 0, w_SVM = p / |p| and gamma_SVM = |p| = max over unit w of
// min_i y_i <w, x_i>; when the origin is in the hull (p = 0) no direction
// separates the data through the origin.
//
// Solved by accelerated projected gradient (FISTA) on the simplex of the
// weights alpha (p = Z^T alpha), stopped on the duality gap: every iterate
// gives the achieved margin min_i <z_i, p> / |p| (a lower bound on
// gamma_SVM) and |p| (an upper bound), so the answer is certified.
#pragma once

#include <relulab/dataset.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace relulab::math::svm {

struct HardMargin {
  bool separable = false;
  Vector direction;  // w_SVM, unit norm (empty when not separable)
  double margin = 0.0;  // min_i y_i <w_SVM, x_i>: achieved, within `relative_gap` of the maximum
  double upper = 0.0;  // |p|: no unit direction does better
  int iterations = 0;
};

// Euclidean projection of v onto the probability simplex (sort-based).
inline void project_to_simplex(Vector& v) {
  std::vector<double> s(v.data(), v.data() + v.size());
  std::sort(s.begin(), s.end(), std::greater<>());
  double cumulative = 0.0, theta = 0.0;
  for (std::size_t k = 0; k < s.size(); ++k) {
    cumulative += s[k];
    const double t = (cumulative - 1.0) / static_cast<double>(k + 1);
    if (s[k] - t > 0) theta = t;
  }
  v = (v.array() - theta).max(0.0).matrix();
}

// Solves to a relative duality gap `tolerance`, or gives up after `max_iterations`
// (then `separable` is false unless an iterate already separates the data).
inline HardMargin hard_margin(const RowMatrix& X, const Vector& y, double tolerance = 1e-9,
                              int max_iterations = 200'000) {
  const Index n = X.rows();
  const RowMatrix Z = y.asDiagonal() * X;
  const double lipschitz = 2.0 * Z.rowwise().squaredNorm().sum();  // >= 2 lambda_max(Z Z^T)
  Vector alpha = Vector::Constant(n, 1.0 / static_cast<double>(n)), previous = alpha, search = alpha;
  double momentum = 1.0;
  HardMargin best;
  for (int it = 1; it <= max_iterations && lipschitz > 0; ++it) {
    const Vector p = Z.transpose() * search;
    Vector next = search - (2.0 / lipschitz) * (Z * p);
    project_to_simplex(next);
    const double t_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * momentum * momentum));
    search = next + ((momentum - 1.0) / t_next) * (next - previous);
    previous = next, momentum = t_next;
    if (it % 50 != 0) continue;
    const Vector q = Z.transpose() * next;
    const double norm = q.norm();
    if (norm == 0.0) break;
    const double achieved = (Z * q).minCoeff() / norm;
    best.iterations = it;
    if (achieved > 0 && (!best.separable || achieved > best.margin))
      best.separable = true, best.margin = achieved, best.direction = q / norm;
    best.upper = best.upper == 0.0 ? norm : std::min(best.upper, norm);  // every hull point bounds |p*|
    if (best.separable && best.upper - best.margin <= tolerance * best.upper) break;
  }
  return best;
}

}  // namespace relulab::math::svm
