// A learning-rate schedule as a policy: maps the rate it is given (the
// optimizer's lr, or what the policies before it made of it) to step t's,
//   constant     lr
//   step         lr * decay^floor(t / every)
//   exponential  lr * decay^(t / every)
//   cosine       min + (lr - min) (1 + cos(pi t / T)) / 2 over a run of T steps,
// never below `min`. Written first in the policies list, it is exactly what
// the optimizer keys lr_schedule, lr_decay, lr_decay_every and lr_min did
// before it (they are now its old spelling).
#include <relulab/lr_schedule.hpp>
#include <relulab/relulab.hpp>

namespace {

using namespace relulab;

class LearningRateSchedulePolicy final : public Policy {
 public:
  LearningRateSchedulePolicy(const Params& p, const BuildContext&) : schedule_(p) {}

  unsigned hooks() const override { return LearningRate; }

  double learning_rate(double lr, const StepInfo& step) override { return schedule_.at(lr, step.step, step.horizon); }

 private:
  LearningRateSchedule schedule_;
};

PluginDescriptor describe() {
  return make_plugin<LearningRateSchedulePolicy>("lr_schedule", "1.0.0",
                                                 "learning-rate schedule: constant, step, exponential or cosine",
                                                 LearningRateSchedule::schema());
}

}  // namespace

RELULAB_PLUGIN(describe)
