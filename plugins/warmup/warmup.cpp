// Linear learning-rate warm-up, as torch.optim.lr_scheduler.LinearLR with
// end_factor 1: step t (0-based) runs at
//   lr_t = lr * (start + (1 - start) * min(t, steps) / steps),
// from start * lr at the first step up to the scheduled lr from step `steps` on.
// It multiplies whatever rate the policies before it produced, so it composes
// with lr_schedule (step, cosine, ...) and with inverse_loss.
#include <relulab/relulab.hpp>

#include <algorithm>

namespace {

using namespace relulab;

class Warmup final : public Policy {
 public:
  Warmup(const Params& p, const BuildContext&)
      : steps_(static_cast<double>(p.integer("steps"))), start_(p.real("start_factor")) {}

  unsigned hooks() const override { return LearningRate; }

  double learning_rate(double lr, const StepInfo& step) override {
    const double progress = std::min(static_cast<double>(step.step), steps_) / steps_;
    return lr * (start_ + (1.0 - start_) * progress);
  }

 private:
  double steps_, start_;
};

PluginDescriptor describe() {
  Schema s;
  s.integer("steps", "steps until the full learning rate").def(1000).at_least(1);
  s.real("start_factor", "fraction of the learning rate at the first step (PyTorch LinearLR's default 1/3)")
      .def(1.0 / 3.0)
      .above(0)
      .at_most(1);
  return make_plugin<Warmup>("warmup", "1.0.0", "linear learning-rate warm-up (PyTorch's LinearLR)", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
