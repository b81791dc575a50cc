// SGD with gradient-norm clipping: theta <- theta - lr * g * min(1, c / |g|).
// Clipping bounds every step by lr * c, which keeps a large learning rate from
// diverging at the cost of slowing the steps that would have been large.
//
// An example of an optimizer plugin written outside relulab. It derives from
// the SDK's FirstOrderOptimizer and writes only its update rule; the batching
// (reshuffled epochs or i.i.d.), the learning-rate schedules, divergence
// reports and bit-exact checkpoints come with the base class.
#include <relulab/first_order.hpp>
#include <relulab/relulab.hpp>

#include <algorithm>

namespace {

using namespace relulab;

class ClippedSgd final : public FirstOrderOptimizer {
 public:
  ClippedSgd(const Params& p, const BuildContext& ctx) : FirstOrderOptimizer(p, ctx), clip_(p.real("clip_norm")) {}

  std::map<std::string, double> statistics() const override { return {{"clipped_steps", double(clipped_)}}; }

 protected:
  void update(Eigen::Map<Vector>& theta, const Eigen::Map<const Vector>& grad, double lr, std::uint64_t) override {
    const double norm = grad.norm();
    double scale = 1.0;
    if (norm > clip_) {
      scale = clip_ / norm;
      ++clipped_;
    }
    theta.noalias() -= (lr * scale) * grad;
  }

  // The counter is part of the state, so a resumed run reports the same total.
  void save_rule_state(State& s) const override { s.put_u64("clipped_steps", clipped_); }
  void load_rule_state(const State& s) override { clipped_ = s.u64("clipped_steps"); }

 private:
  double clip_;
  std::uint64_t clipped_ = 0;
};

PluginDescriptor describe() {
  Schema s = FirstOrderOptimizer::schema();  // lr, lr_schedule, batch_size, iterations, sampling
  s.real("clip_norm", "largest gradient norm a step uses").def(1.0).above(0);
  return make_plugin<ClippedSgd>("clipped_sgd", "1.0.0", "SGD with gradient-norm clipping (example plugin)", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
