// The exponential loss e^{-y h} on labels y in {-1, +1} (docs/science.md §6).
#include <relulab/relulab.hpp>
#include <relulab/math/losses.hpp>

namespace {

using namespace relulab;

class Exponential final : public Loss, public LossCurvature {
 public:
  Exponential(const Params&, const BuildContext&) {}
  std::string name() const override { return "exponential"; }
  bool needs_sign_labels() const override { return true; }

  // l = e^{-m}, dl/dh = -y e^{-m}, m = y h.
  void accumulate(const double* h, const double* y, std::ptrdiff_t count, double weight, double& sum,
                  double* derivative) const override {
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      const double value = math::losses::exponential(y[k] * h[k]);
      sum += value;
      if (derivative) derivative[k] = -weight * y[k] * value;
    }
  }

  // d^2l/dh^2 = y^2 e^{-m}.
  void* find_capability(std::string_view name) override { return offer<LossCurvature>(this, name); }
  void second_derivative(const double* h, const double* y, std::ptrdiff_t count, double weight,
                         double* second) const override {
    for (std::ptrdiff_t k = 0; k < count; ++k)
      second[k] = weight * y[k] * y[k] * math::losses::exponential(y[k] * h[k]);
  }
};

PluginDescriptor describe() {
  return make_plugin<Exponential>("exponential", "1.0.0", "exponential loss exp(-y h), labels -1 / +1", Schema{});
}

}  // namespace

RELULAB_PLUGIN(describe)
