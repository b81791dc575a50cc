// Label-noise SGD (Blanc et al. 2020; Damian et al. 2021): each step trains on
// the batch's labels plus fresh Gaussian noise,
//   y_k <- y_k + sigma_t eps_k,   sigma_t = scale * (1 + t)^(-decay),
// which changes the implicit bias (towards flat minima) without changing the
// mean gradient. The clean labels are never touched: the noisy ones live in a
// copy the first-order loop owns. A sample drawn twice into one batch (sampling
// with replacement) gets one noisy label. The draws come from this policy's
// own stream, so the batches and the data are those of the noiseless run.
#include <relulab/relulab.hpp>

namespace {

using namespace relulab;

class LabelNoise final : public NoisePolicy {
 public:
  LabelNoise(const Params& p, const BuildContext& ctx) : NoisePolicy(p, ctx.noise_seed) {
    if (ctx.loss && ctx.loss->needs_sign_labels())
      throw ParameterError("plugin", "label noise adds Gaussian noise to real-valued labels; the loss '" +
                                         ctx.loss->name() + "' needs labels of +-1");
  }

  unsigned hooks() const override { return Labels; }

  void perturb_labels(Rows rows, const Vector& clean, Vector& labels, const StepInfo& step) override {
    const double level = sigma(step.step);
    if (rows.empty()) {
      for (Index k = 0; k < clean.size(); ++k) labels[k] = clean[k] + level * normal();
      return;
    }
    for (const Index k : rows) labels[k] = clean[k] + level * normal();
  }
};

PluginDescriptor describe() {
  return make_plugin<LabelNoise>("label_noise", "1.0.0", "label-noise SGD: fresh Gaussian noise on each batch's labels",
                                 NoisePolicy::noise_schema("label", 0.1));
}

}  // namespace

RELULAB_PLUGIN(describe)
