// Gradient clipping, as torch.nn.utils does it:
//   by norm  (clip_grad_norm_):  g <- g * max / (||g|| + 1e-6)  when that factor is below 1;
//   by value (clip_grad_value_): g_i <- min(max(g_i, -max), max).
// The norm is the Euclidean norm of the whole gradient (both layers), PyTorch's
// default norm_type = 2 over all the parameters it is given.
#include <relulab/math/passes.hpp>
#include <relulab/relulab.hpp>

#include <cmath>

namespace {

using namespace relulab;

class ClipGradient final : public Policy {
 public:
  ClipGradient(const Params& p, const BuildContext&) : max_(p.real("max")), by_norm_(p.text("by") == "norm") {}

  unsigned hooks() const override { return Gradient; }

  void adjust_gradient(Eigen::Map<const Vector>, Eigen::Map<Vector> gradient, const StepInfo&) override {
    const auto n = static_cast<std::size_t>(gradient.size());
    if (by_norm_) {
      // PyTorch's 1e-6 keeps the factor finite for a zero gradient, and makes a
      // gradient of norm exactly max come out a hair shorter, as there.
      const double factor = max_ / (std::sqrt(passes::squared_norm(gradient.data(), n)) + 1e-6);
      if (factor < 1.0) passes::scale(gradient.data(), n, factor);
    } else {
      passes::clamp(gradient.data(), n, max_);
    }
  }

 private:
  double max_;
  bool by_norm_;
};

PluginDescriptor describe() {
  Schema s;
  s.text("by", "norm: rescale the whole gradient to norm at most max; value: clamp each coordinate to [-max, max]")
      .def("norm")
      .one_of({"norm", "value"});
  s.real("max", "the largest norm (by = norm) or coordinate (by = value) let through").def(1.0).above(0);
  return make_plugin<ClipGradient>("clip_gradient", "1.0.0", "gradient clipping by norm or by value (PyTorch's)", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
