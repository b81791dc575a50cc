// Mini-batch stochastic gradient descent on the MSE, theta <- theta - lr_t * grad.
// Batches come from an epoch-wise reshuffle (a shuffled data loader: every
// sample once per epoch, the last batch of an epoch may be smaller) or are
// drawn with replacement. batch_size = 0 uses the full training set at every
// step: plain gradient descent, through the same loop (FirstOrderOptimizer).
#include <relulab/first_order.hpp>
#include <relulab/relulab.hpp>

namespace {

using namespace relulab;

class Sgd final : public FirstOrderOptimizer {
 public:
  using FirstOrderOptimizer::FirstOrderOptimizer;

 protected:
  void update(Eigen::Map<Vector>& theta, const Eigen::Map<const Vector>& grad, double lr, std::uint64_t) override {
    theta.noalias() -= lr * grad;
  }
  // Decoupled decay folded into the same pass: theta <- keep theta - lr grad.
  void update_from(double keep, Eigen::Map<Vector>& theta, const Eigen::Map<const Vector>& grad, double lr,
                   std::uint64_t step) override {
    if (keep == 1.0) return update(theta, grad, lr, step);
    theta = keep * theta - lr * grad;
  }
};

PluginDescriptor describe() {
  return make_plugin<Sgd>("sgd", "1.0.0", "mini-batch SGD or full-batch GD", FirstOrderOptimizer::schema());
}

}  // namespace

RELULAB_PLUGIN(describe)
