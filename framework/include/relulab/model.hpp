// Model interface: a two-layer network h(x) = sum_j a_j act(<w_j, x> + b_j).
#pragma once

#include <relulab/dataset.hpp>
#include <relulab/plugin_object.hpp>
#include <relulab/rng.hpp>

#include <Eigen/Core>
#include <string>

namespace relulab {

namespace math::gaussian {
struct ReluExpansion;  // relulab/math/gaussian.hpp
}

// Non-owning view of the two layers, for metrics and closed-form risks.
// W is m x d with neuron j in row j; b has size 0 when the model has no bias.
struct TwoLayerView {
  Eigen::Map<const Eigen::MatrixXd> W;
  Eigen::Map<const Vector> a;
  Eigen::Map<const Vector> b;
  std::string activation;  // "relu", "leaky_relu" or "gelu" for the bundled model; closed forms check it
  double slope = 0.0;  // leaky_relu's slope alpha on the negative side (sigma(z) = max(z, alpha z))

  Index width() const { return W.rows(); }
  Index dim() const { return W.cols(); }
  bool has_bias() const { return b.size() != 0; }
};

class Model : public PluginObject {
 public:
  virtual Index input_dim() const = 0;
  virtual Index width() const = 0;
  virtual bool has_bias() const = 0;
  virtual Index num_parameters() const = 0;

  // Draws the initial parameters.
  virtual void initialize(Rng& rng) = 0;

  // All parameters as one contiguous vector, so optimizers need not know the
  // model. Writing through it changes the model.
  virtual Eigen::Map<Vector> parameters() = 0;
  virtual Eigen::Map<const Vector> parameters() const = 0;
  virtual TwoLayerView view() const = 0;

  // Sets the weights from a two-layer description (a warm start): W is m x d,
  // b is empty without a hidden bias. Throws std::invalid_argument on a shape mismatch.
  virtual void assign(const Eigen::MatrixXd& W, const Vector& a, const Vector& b) = 0;

  // Outputs for every row of X (resizes `out`).
  virtual void predict(const RowMatrix& X, Vector& out) const = 0;

  // The experiment's loss (1/|B|) sum_k l(h(x_k), y_k) over the rows B (empty:
  // every row; l is the Loss plugin, mean squared error by default) and, if
  // `gradient` is not null, its gradient with respect to the parameter vector,
  // written to gradient[0 .. num_parameters()).
  // The hot path: it allocates nothing (scratch space is sized at construction),
  // and it leaves the parameters unchanged.
  double loss_and_gradient(const Dataset& data, Rows rows, double* gradient) const {
    return loss_and_gradient_for(data.X, data.y, rows, gradient);
  }
  // The same on inputs X against labels y (one per row of X; label noise
  // passes perturbed copies of the training labels).
  virtual double loss_and_gradient_for(const RowMatrix& X, const Vector& y, Rows rows, double* gradient) const = 0;
};

// A capability of a model: training on infinite data (n = "infinite"), the
// exact population loss E[(h(x) - y)^2] against a Gaussian teacher and its
// gradient (docs/science.md §8, relulab/math/population.hpp).
class PopulationTraining {
 public:
  static constexpr const char* kCapability = "population_training";
  static constexpr const char* kDescription = "the exact population loss and its gradient (n = \"infinite\")";
  virtual ~PopulationTraining() = default;
  // Why this model, as configured, has no closed form: the key to blame
  // ("activation", "bias") and the reason; an empty reason when it has one.
  struct Refusal {
    std::string key, reason;
  };
  virtual Refusal population_refusal() const = 0;
  // The teacher f* (copied) and the label noise; sizes the working space once.
  virtual void use_teacher(const math::gaussian::ReluExpansion& teacher, double noise_variance) = 0;
  // E[(h(x) - y)^2] at the live parameters and, if `gradient` is not null,
  // its gradient in the layout of parameters(). Allocates nothing.
  virtual double population_loss_and_gradient(double* gradient) const = 0;
};

// A capability of a model: exact Hessian-vector products of its training
// loss (docs/science.md §9), for the sharpness metric and second-order tools.
class HessianProducts {
 public:
  static constexpr const char* kCapability = "hessian_products";
  static constexpr const char* kDescription = "exact Hessian-vector products of the training loss";
  virtual ~HessianProducts() = default;
  // H v of (1/|B|) sum_k l(h(x_k), y_k) over the rows B of X (empty: every
  // row) at the live parameters, in float64, written to product[0 ..
  // num_parameters()); v in the layout of parameters(). Returns the loss.
  // The first call sizes its working space; later calls allocate nothing.
  // The loss must offer its second derivative (capability LossCurvature, loss.hpp).
  virtual double hessian_vector_product(const RowMatrix& X, const Vector& y, Rows rows, const double* v,
                                        double* product) const = 0;
};

// A capability of a model: it trains on a loss's LogMeanObjective (loss.hpp),
// returning J = log of the mean loss and J's gradient from loss_and_gradient
// whenever the experiment's loss offers that capability. A marker: the
// model's loss_and_gradient is the interface.
class LogMeanTraining {
 public:
  static constexpr const char* kCapability = "log_mean_training";
  static constexpr const char* kDescription = "training on the logarithm of the mean loss (loss capability log_mean_objective)";
  virtual ~LogMeanTraining() = default;
};

}  // namespace relulab
