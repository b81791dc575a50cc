#pragma once

#include <Eigen/Core>
#include <span>

namespace relulab {

using Index = Eigen::Index;
// Samples are rows: one sample's d inputs are contiguous, which is what the
// per-sample kernels read.
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;

struct Dataset {
  RowMatrix X;  // n x d
  Vector y;  // n
  Index size() const { return X.rows(); }
  Index dim() const { return X.cols(); }
};

// A set of rows of a dataset; an empty span means every row.
using Rows = std::span<const Index>;

}  // namespace relulab
