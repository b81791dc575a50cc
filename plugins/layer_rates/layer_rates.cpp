// Per-layer learning rates: the rule's move of each layer is multiplied by
// that layer's factor, as PyTorch's parameter groups with lr = factor * lr do
// for every rule, Adam included (scaling the gradient instead would be undone
// by Adam's normalisation). With theta_before the parameters before the step
// and theta_rule after the rule's update,
//   theta <- theta_before + factor * (theta_rule - theta_before)
// on each layer whose factor is not 1. The first layer is W (and the hidden
// bias), the second a; factor 0 freezes a layer. Two-timescale training
// (Marion & Berthier 2023) is second >> first.
#include <relulab/math/passes.hpp>
#include <relulab/relulab.hpp>

#include <utility>
#include <vector>

namespace {

using namespace relulab;

class LayerRates final : public Policy {
 public:
  LayerRates(const Params& p, const BuildContext& ctx) {
    if (!ctx.model) throw ParameterError("plugin", "per-layer rates need the model");
    const LayerRanges layers = layer_ranges(*ctx.model);
    add(layers.first, p.real("first"));
    add(layers.second, p.real("second"));
  }

  unsigned hooks() const override { return BeforeUpdate | AfterUpdate; }

  void prepare(Index, Index) override { before_.resize(scaled_size_); }

  void before_update(Eigen::Map<Vector> theta, double) override {
    Index at = 0;
    for (const Block& b : blocks_) {
      before_.segment(at, b.size) = theta.segment(b.begin, b.size);
      at += b.size;
    }
  }

  void after_update(Eigen::Map<Vector> theta, double) override {
    Index at = 0;
    for (const Block& b : blocks_) {
      passes::scale_move(theta.data() + b.begin, before_.data() + at, static_cast<std::size_t>(b.size), b.factor);
      at += b.size;
    }
  }

 private:
  struct Block {
    Index begin, size;
    double factor;
  };

  void add(const std::vector<std::pair<Index, Index>>& ranges, double factor) {
    if (factor == 1.0) return;  // an unscaled layer costs nothing
    for (const auto& [begin, end] : ranges) {
      blocks_.push_back({begin, end - begin, factor});
      scaled_size_ += end - begin;
    }
  }

  std::vector<Block> blocks_;
  Index scaled_size_ = 0;
  Vector before_;
};

PluginDescriptor describe() {
  Schema s;
  s.real("first", "factor on the first layer's rate (W and the hidden bias)").def(1.0).at_least(0);
  s.real("second", "factor on the second layer's rate (a)").def(1.0).at_least(0);
  return make_plugin<LayerRates>("layer_rates", "1.0.0", "a learning-rate factor per layer (two-timescale training)",
                                 s);
}

}  // namespace

RELULAB_PLUGIN(describe)
