// Weight decay, in the two forms PyTorch has:
//   coupled (L2, the weight_decay argument of torch.optim.SGD and Adam):
//       g <- g + rate * theta, before the rule sees the gradient;
//   decoupled (torch.optim.AdamW, Loshchilov & Hutter 2019):
//       theta <- theta * (1 - lr * rate), before the rule's update.
// For SGD the two are the same map; for momentum and Adam they differ: the
// coupled decay goes through the velocity or the second-moment scaling, the
// decoupled one does not. `layers` restricts the decay to one layer.
#include <relulab/math/passes.hpp>
#include <relulab/relulab.hpp>

#include <utility>
#include <vector>

namespace {

using namespace relulab;

class WeightDecay final : public Policy {
 public:
  WeightDecay(const Params& p, const BuildContext& ctx)
      : rate_(p.real("rate")), decoupled_(p.text("mode") == "decoupled"), layers_(p.text("layers")) {
    if (layers_ != "all") {
      if (!ctx.model) throw ParameterError("layers", "decaying one layer needs the model");
      const LayerRanges r = layer_ranges(*ctx.model);
      ranges_ = layers_ == "first" ? r.first : r.second;
    }
  }

  // Decoupled decay of every parameter is a factor the rule folds into its own
  // pass (ScaleParameters); of one layer, a pass over that layer before the update.
  unsigned hooks() const override {
    if (!decoupled_) return Gradient;
    return layers_ == "all" ? ScaleParameters : BeforeUpdate;
  }

  double parameter_scale(double lr) override { return 1.0 - lr * rate_; }

  void prepare(Index num_parameters, Index) override {
    if (layers_ == "all") ranges_.assign(1, {0, num_parameters});
  }

  void adjust_gradient(Eigen::Map<const Vector> theta, Eigen::Map<Vector> gradient, const StepInfo&) override {
    for (const auto& [begin, end] : ranges_)
      passes::add_scaled(gradient.data() + begin, theta.data() + begin, static_cast<std::size_t>(end - begin), rate_);
  }

  void before_update(Eigen::Map<Vector> theta, double lr) override {
    for (const auto& [begin, end] : ranges_)
      passes::scale(theta.data() + begin, static_cast<std::size_t>(end - begin), 1.0 - lr * rate_);
  }

 private:
  double rate_;
  bool decoupled_;
  std::string layers_;
  std::vector<std::pair<Index, Index>> ranges_;  // the parameters that decay
};

PluginDescriptor describe() {
  Schema s;
  s.real("rate", "decay rate lambda (PyTorch's weight_decay; AdamW's default is 0.01)").def(0.01).at_least(0);
  s.text("mode", "coupled: g + lambda theta (L2, PyTorch SGD/Adam); decoupled: theta (1 - lr lambda) (AdamW)")
      .def("coupled")
      .one_of({"coupled", "decoupled"});
  s.text("layers", "which parameters decay: all, first (W and the hidden bias) or second (a)")
      .def("all")
      .one_of({"all", "first", "second"});
  return make_plugin<WeightDecay>("weight_decay", "1.0.0", "weight decay, coupled (L2) or decoupled (AdamW)", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
