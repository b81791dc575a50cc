// Linear algebra helpers: least squares without intercept, for baselines.
#pragma once

#include <relulab/dataset.hpp>

#include <Eigen/Dense>

namespace relulab::math {

// Ordinary least squares without intercept: argmin_beta |X beta - y|^2, the
// minimum-norm solution when X has fewer rows than columns or is rank deficient.
inline Vector ordinary_least_squares(const RowMatrix& X, const Vector& y) {
  if (X.rows() == 0) return Vector::Zero(X.cols());
  Eigen::MatrixXd Xc = X;  // the decomposition wants column-major storage
  return Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(Xc).solve(y);
}

// (1/n) |X beta - y|^2
inline double mean_squared_residual(const RowMatrix& X, const Vector& y, const Vector& beta) {
  if (X.rows() == 0) return 0.0;
  return (X * beta - y).squaredNorm() / static_cast<double>(X.rows());
}

}  // namespace relulab::math
