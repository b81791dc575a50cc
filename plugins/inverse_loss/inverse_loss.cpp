// A learning rate inversely proportional to the loss, as in Lyu & Li (2020)
// and Lyu et al. (2021)'s experiments on separable data:
//   lr_t = lr / max(L_t, floor),   capped at max_lr,
// with L_t this step's loss (the full training loss for gradient descent).
// With the logistic or exponential loss, L -> 0 and the gradient shrinks like
// L, so the step lr * grad / L keeps a steady size and the normalised
// quantities (margin, direction) move on a log-time scale in far fewer steps.
// The floor keeps lr finite when the loss underflows; the cap bounds the step
// while the loss is still large.
#include <relulab/relulab.hpp>

#include <algorithm>
#include <stdexcept>

namespace {

using namespace relulab;

class InverseLoss final : public Policy {
 public:
  InverseLoss(const Params& p, const BuildContext& ctx) : floor_(p.real("floor")), max_lr_(p.real("max_lr")) {
    // Its loss would be log L (negative once L < 1): lr / max(log L, floor) is meaningless.
    if (capability<LogMeanObjective>(ctx.loss))
      throw ParameterError("plugin", "the loss '" + ctx.loss->name() +
                                  "' already trains on the log of the mean loss, which is this policy's schedule: "
                                  "drop the policy, or use loss = \"logistic\"");
  }

  unsigned hooks() const override { return LearningRate; }

  double learning_rate(double lr, const StepInfo& step) override {
    return std::min(max_lr_, lr / std::max(step.loss, floor_));
  }

 private:
  double floor_, max_lr_;
};

PluginDescriptor describe() {
  Schema s;
  s.real("floor", "the loss is taken as at least this, so lr stays finite when it underflows").def(1e-300).above(0);
  s.real("max_lr", "the learning rate never exceeds this").def(1e300).above(0);
  return make_plugin<InverseLoss>("inverse_loss", "1.0.0", "learning rate lr / loss (Lyu & Li's schedule)", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
