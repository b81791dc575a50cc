// The size of the full-batch gradient of the training loss at the record: how
// far the parameters are from a stationary point (docs/science.md §9). The
// gradient is the model's own loss_and_gradient on the whole training set (in
// the model's training precision), not the mini-batch gradient a step used.
// Columns:
//   grad_norm      ||grad L||, the Euclidean norm over every parameter
//   grad_max       max_i |d L / d theta_i|
#include <relulab/relulab.hpp>

#include <cmath>

namespace {

using namespace relulab;

class GradientNorm final : public Metric {
 public:
  GradientNorm(const Params&, const BuildContext& ctx) {
    require_finite_training_set(ctx, "gradient_norm", "the gradient of the training loss");
    if (ctx.model) gradient_.resize(ctx.model->num_parameters());
  }

  std::vector<std::string> columns() const override { return {"grad_norm", "grad_max"}; }

  void evaluate(const Snapshot& s, std::span<double> values) override {
    gradient_.resize(s.model.num_parameters());  // sized at construction: a no-op
    s.model.loss_and_gradient(s.train, {}, gradient_.data());
    values[0] = gradient_.norm();
    values[1] = gradient_.cwiseAbs().maxCoeff();
  }

 private:
  Vector gradient_;
};

PluginDescriptor describe() {
  PluginDescriptor d = make_plugin<GradientNorm>(
      "gradient_norm", "1.0.0", "the norm of the full-batch gradient of the training loss (stationarity)", Schema{});
  d.column_labels = {{"grad_norm", "||grad L|| (full batch)"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
