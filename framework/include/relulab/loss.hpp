// Loss interface: the per-sample loss l(h, y) of the network's output h on a
// label y and its derivative dl/dh (and, as the capability LossCurvature, its second derivative). The model's kernel computes the outputs
// of a chunk of samples, hands them here, and back-propagates the derivatives
// it gets, so a new loss is a plugin of a few lines and the kernel never
// changes. The training loss is (1/n) sum_k l(h_k, y_k).
//
// This header includes no Eigen: the model's kernel, compiled once per
// instruction set, calls through it.
#pragma once

#include <relulab/capability.hpp>
#include <relulab/plugin_object.hpp>

#include <cstddef>
#include <string>

namespace relulab {

class Loss : public PluginObject {
 public:
  // Its name as experiment files write it ("mse", "logistic", ...).
  virtual std::string name() const = 0;
  // Classification losses take labels in {-1, +1}; the host refuses other
  // labels before training.
  virtual bool needs_sign_labels() const { return false; }

  // For k < count: adds l(h_k, y_k) to `sum`, in order of k (one running sum,
  // so that the order of additions is the samples' order whatever the chunk
  // size), and when `derivative` is not null writes weight * dl/dh(h_k, y_k)
  // to derivative[k]. The hot path: it allocates nothing.
  virtual void accumulate(const double* h, const double* y, std::ptrdiff_t count, double weight, double& sum,
                          double* derivative) const = 0;
};

// A capability of a loss: its curvature, for Hessian-vector products (the
// sharpness metric, docs/science.md §9). For k < count writes
// weight * d^2 l / dh^2 (h_k, y_k) to second[k]; allocates nothing.
class LossCurvature {
 public:
  static constexpr const char* kCapability = "loss_curvature";
  static constexpr const char* kDescription = "the loss's second derivative d^2 l / dh^2";
  virtual ~LossCurvature() = default;
  virtual void second_derivative(const double* h, const double* y, std::ptrdiff_t count, double weight,
                                 double* second) const = 0;
};

// A capability of a loss: training on the logarithm of its mean,
//   J = log((1/n) sum_k l(h_k, y_k)),   dJ/dh_k = l'(h_k, y_k) / sum_j l(h_j, y_j)
// (docs/science.md §7). Gradient descent on J at rate lr is gradient descent on
// the mean loss at rate lr / mean loss (Lyu and Li's schedule), but J and its
// gradient stay finite after every l_k has underflowed, so a run on separable
// data goes on past float64's smallest losses. The model computes J in two
// passes (the log-sum over the samples, then the scaled derivatives): a model
// must offer LogMeanTraining (model.hpp) to train on such a loss, and the
// experiment is refused otherwise.
class LogMeanObjective {
 public:
  static constexpr const char* kCapability = "log_mean_objective";
  static constexpr const char* kDescription = "training on the logarithm of the mean loss, finite at any loss";
  virtual ~LogMeanObjective() = default;
  // log l(h, y), finite wherever l > 0 in exact arithmetic.
  virtual double log_loss(double h, double y) const = 0;
  // dl/dh(h, y) / e^{log_scale}, computed without forming l or dl/dh.
  virtual double scaled_derivative(double h, double y, double log_scale) const = 0;
};

// The squared error (h - y)^2 (PyTorch's MSELoss over the samples): the
// `mse` plugin, and the model's loss when it is built without one.
class SquaredError : public Loss, public LossCurvature {
 public:
  std::string name() const override { return "mse"; }
  void accumulate(const double* h, const double* y, std::ptrdiff_t count, double weight, double& sum,
                  double* derivative) const override {
    // 2 * weight is exact, so (2 weight) r rounds as (2/n) r: the bytes of the MSE kernel before losses were plugins.
    const double twice_weight = 2.0 * weight;
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      const double r = h[k] - y[k];
      sum += r * r;
      if (derivative) derivative[k] = twice_weight * r;
    }
  }
  void second_derivative(const double*, const double*, std::ptrdiff_t count, double weight,
                         double* second) const override {
    for (std::ptrdiff_t k = 0; k < count; ++k) second[k] = 2.0 * weight;  // (h - y)^2'' = 2
  }
  void* find_capability(std::string_view name) override { return offer<LossCurvature>(this, name); }
};

}  // namespace relulab
