// Gradient noise (Neelakantan et al. 2015): g <- g + sigma_t xi with xi a
// fresh standard Gaussian vector every step and
//   sigma_t = scale * (1 + t)^(-decay)    (t = steps taken before this one),
// so decay = 0 keeps the noise level constant (Neelakantan et al. decay the
// variance with exponent 0.55, i.e. decay = 0.275 here). The draws come from
// this policy's own stream (the experiment's noise stream and the policy's
// place in the list), so adding noise shifts neither the batches nor the data.
#include <relulab/relulab.hpp>

namespace {

using namespace relulab;

class GradientNoise final : public NoisePolicy {
 public:
  GradientNoise(const Params& p, const BuildContext& ctx) : NoisePolicy(p, ctx.noise_seed) {}

  unsigned hooks() const override { return Gradient; }

  void adjust_gradient(Eigen::Map<const Vector>, Eigen::Map<Vector> gradient, const StepInfo& step) override {
    const double level = sigma(step.step);
    for (Index i = 0; i < gradient.size(); ++i) gradient[i] += level * normal();
  }
};

PluginDescriptor describe() {
  return make_plugin<GradientNoise>("gradient_noise", "1.0.0", "Gaussian noise added to every gradient",
                                    NoisePolicy::noise_schema("gradient coordinate", 0.01));
}

}  // namespace

RELULAB_PLUGIN(describe)
