// The logarithm of the mean logistic loss, J = log((1/n) sum_k log(1 + e^{-y_k h_k})),
// as a training objective (docs/science.md §7): its gradient is the mean
// loss's divided by the mean loss, so gradient descent on J at a fixed rate
// is Lyu and Li's schedule lr / loss, and J stays finite once every sample's
// loss has underflowed (margins beyond 745), where the plain logistic loss
// and its gradient are 0. Use it instead of `logistic` with `inverse_loss`.
//
// Per sample it is the logistic loss (accumulate: what a metric or a contract
// check sees sample by sample); the model turns it into J through the
// LogMeanObjective capability, and a model that cannot is refused.
#include <relulab/relulab.hpp>
#include <relulab/math/losses.hpp>

#include <cmath>

namespace {

using namespace relulab;

class LogLogistic final : public Loss, public LogMeanObjective {
 public:
  LogLogistic(const Params&, const BuildContext&) {}
  std::string name() const override { return "log_logistic"; }
  bool needs_sign_labels() const override { return true; }

  // l = log(1 + e^{-m}), dl/dh = -y / (1 + e^{m}), m = y h: the per-sample logistic loss.
  void accumulate(const double* h, const double* y, std::ptrdiff_t count, double weight, double& sum,
                  double* derivative) const override {
    math::losses::accumulate_logistic(h, y, count, weight, sum, derivative);
  }

  double log_loss(double h, double y) const override { return math::losses::log_logistic(y * h); }

  // -y e^{log(1 / (1 + e^{m})) - log_scale}: one exponential of a difference of logarithms.
  double scaled_derivative(double h, double y, double log_scale) const override {
    return -y * std::exp(math::losses::log_logistic_slope(y * h) - log_scale);
  }

  void* find_capability(std::string_view name) override { return offer<LogMeanObjective>(this, name); }
};

PluginDescriptor describe() {
  return make_plugin<LogLogistic>(
      "log_logistic", "1.0.0",
      "log of the mean logistic loss: Lyu & Li's lr / loss, finite past float64's smallest losses; labels -1 / +1",
      Schema{});
}

}  // namespace

RELULAB_PLUGIN(describe)
