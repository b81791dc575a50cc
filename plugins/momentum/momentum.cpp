// SGD with heavy-ball or Nesterov momentum, in the form PyTorch's SGD uses
// (so results compare directly with the peers researchers know):
//   v <- mu v + g;   heavy ball: theta <- theta - lr v
//                    Nesterov:   theta <- theta - lr (g + mu v)
// with v = 0 at the start. Batching and learning-rate schedules are SGD's.
#include <relulab/first_order.hpp>
#include <relulab/relulab.hpp>

#include <vector>

namespace {

using namespace relulab;

class Momentum final : public FirstOrderOptimizer {
 public:
  Momentum(const Params& p, const BuildContext& ctx)
      : FirstOrderOptimizer(p, ctx), mu_(p.real("momentum")), nesterov_(p.flag("nesterov")) {}

 protected:
  void prepare(Index num_parameters) override {
    // A resumed run keeps the velocity it loaded; a fresh one starts at rest.
    if (velocity_.size() != static_cast<std::size_t>(num_parameters))
      velocity_.assign(static_cast<std::size_t>(num_parameters), 0.0);
  }

  void update(Eigen::Map<Vector>& theta, const Eigen::Map<const Vector>& grad, double lr, std::uint64_t step) override {
    update_from(1.0, theta, grad, lr, step);
  }
  // theta <- keep theta - lr (step); keep = 1 is the plain rule, to the byte.
  void update_from(double keep, Eigen::Map<Vector>& theta, const Eigen::Map<const Vector>& grad, double lr,
                   std::uint64_t) override {
    Eigen::Map<Vector> v(velocity_.data(), theta.size());
    v = mu_ * v + grad;
    if (keep == 1.0) {
      if (nesterov_) theta.noalias() -= lr * (grad + mu_ * v);
      else theta.noalias() -= lr * v;
    } else if (nesterov_) {
      theta = keep * theta - lr * (grad + mu_ * v);
    } else {
      theta = keep * theta - lr * v;
    }
  }

  void save_rule_state(State& s) const override { save_buffer(s, "velocity", velocity_); }
  void load_rule_state(const State& s) override { load_buffer(s, "velocity", velocity_); }

 private:
  double mu_;
  bool nesterov_;
  std::vector<double> velocity_;
};

PluginDescriptor describe() {
  Schema s = FirstOrderOptimizer::schema();
  s.real("momentum", "momentum coefficient mu").def(0.9).at_least(0).below(1);
  s.flag("nesterov", "Nesterov's look-ahead form instead of the heavy ball").def(true);
  return make_plugin<Momentum>("momentum", "1.0.0", "SGD with heavy-ball or Nesterov momentum (PyTorch's convention)",
                               s);
}

}  // namespace

RELULAB_PLUGIN(describe)
