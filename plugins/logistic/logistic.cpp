// The logistic loss log(1 + e^{-y h}) on labels y in {-1, +1} (docs/science.md
// section 6), stable at any margin: see relulab/math/losses.hpp.
#include <relulab/relulab.hpp>
#include <relulab/math/losses.hpp>

namespace {

using namespace relulab;

class Logistic final : public Loss, public LossCurvature {
 public:
  Logistic(const Params&, const BuildContext&) {}
  std::string name() const override { return "logistic"; }
  bool needs_sign_labels() const override { return true; }

  // l = log(1 + e^{-m}), dl/dh = -y / (1 + e^{m}), m = y h.
  void accumulate(const double* h, const double* y, std::ptrdiff_t count, double weight, double& sum,
                  double* derivative) const override {
    math::losses::accumulate_logistic(h, y, count, weight, sum, derivative);
  }

  // d^2l/dh^2 = y^2 q (1 - q) with q = 1 / (1 + e^{m}); y^2 = 1 for labels +-1.
  void* find_capability(std::string_view name) override { return offer<LossCurvature>(this, name); }
  void second_derivative(const double* h, const double* y, std::ptrdiff_t count, double weight,
                         double* second) const override {
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      const double q = math::losses::logistic_slope(y[k] * h[k]);
      second[k] = weight * y[k] * y[k] * q * (1.0 - q);
    }
  }
};

PluginDescriptor describe() {
  return make_plugin<Logistic>("logistic", "1.0.0", "logistic loss log(1 + exp(-y h)), labels -1 / +1", Schema{});
}

}  // namespace

RELULAB_PLUGIN(describe)
