// Adam (Kingma & Ba, 2015) with bias correction, as PyTorch computes it:
//   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
//   theta <- theta - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
// Batching and learning-rate schedules are SGD's; lr defaults to 1e-3,
// Adam's customary value, not SGD's 0.01.
#include <relulab/first_order.hpp>
#include <relulab/relulab.hpp>

#include <cmath>
#include <vector>

namespace {

using namespace relulab;

class Adam final : public FirstOrderOptimizer {
 public:
  Adam(const Params& p, const BuildContext& ctx)
      : FirstOrderOptimizer(p, ctx), beta1_(p.real("beta1")), beta2_(p.real("beta2")), eps_(p.real("eps")) {}

 protected:
  void prepare(Index num_parameters) override {
    if (first_.size() != static_cast<std::size_t>(num_parameters)) {
      first_.assign(static_cast<std::size_t>(num_parameters), 0.0);
      second_.assign(static_cast<std::size_t>(num_parameters), 0.0);
    }
  }

  void update(Eigen::Map<Vector>& theta, const Eigen::Map<const Vector>& grad, double lr, std::uint64_t step) override {
    update_from(1.0, theta, grad, lr, step);
  }
  // theta <- keep theta - step: AdamW's decoupled decay in the same pass; keep = 1 is plain Adam, to the byte.
  void update_from(double keep, Eigen::Map<Vector>& theta, const Eigen::Map<const Vector>& grad, double lr,
                   std::uint64_t step) override {
    Eigen::Map<Vector> m(first_.data(), theta.size());
    Eigen::Map<Vector> v(second_.data(), theta.size());
    m = beta1_ * m + (1.0 - beta1_) * grad;
    v = beta2_ * v + (1.0 - beta2_) * grad.cwiseAbs2();
    const double t = static_cast<double>(step);
    const double correction1 = 1.0 - std::pow(beta1_, t);
    const double correction2 = 1.0 - std::pow(beta2_, t);
    if (keep == 1.0) theta.array() -= (lr / correction1) * m.array() / ((v.array() / correction2).sqrt() + eps_);
    else
      theta.array() = keep * theta.array() - (lr / correction1) * m.array() / ((v.array() / correction2).sqrt() + eps_);
  }

  void save_rule_state(State& s) const override {
    save_buffer(s, "first_moment", first_);
    save_buffer(s, "second_moment", second_);
  }
  void load_rule_state(const State& s) override {
    load_buffer(s, "first_moment", first_);
    load_buffer(s, "second_moment", second_);
  }

 private:
  double beta1_, beta2_, eps_;
  std::vector<double> first_, second_;
};

PluginDescriptor describe() {
  Schema s = FirstOrderOptimizer::schema();
  s.key("lr").def(1e-3);
  s.real("beta1", "decay of the first-moment estimate").def(0.9).at_least(0).below(1);
  s.real("beta2", "decay of the second-moment estimate").def(0.999).at_least(0).below(1);
  s.real("eps", "added to the root of the second moment").def(1e-8).above(0);
  return make_plugin<Adam>("adam", "1.0.0", "Adam with bias correction (PyTorch's convention)", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
