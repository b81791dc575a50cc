// An out-of-tree learning-rate schedule, written as a policy: the inverse
// square-root decay of the Transformer recipes,
//   lr_t = lr / sqrt(1 + t / steps),
// for every first-order rule, bundled or not, with no part of relulab rebuilt.
#include <relulab/relulab.hpp>

#include <cmath>

namespace {

using namespace relulab;

class InverseSqrt final : public Policy {
 public:
  InverseSqrt(const Params& p, const BuildContext&) : steps_(static_cast<double>(p.integer("steps"))) {}

  unsigned hooks() const override { return LearningRate; }

  double learning_rate(double lr, const StepInfo& step) override {
    return lr / std::sqrt(1.0 + static_cast<double>(step.step) / steps_);
  }

 private:
  double steps_;
};

PluginDescriptor describe() {
  Schema s;
  s.integer("steps", "the rate halves after 3 * steps steps").def(1000).at_least(1);
  return make_plugin<InverseSqrt>("inverse_sqrt", "1.0.0", "learning rate lr / sqrt(1 + t / steps)", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
