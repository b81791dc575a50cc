// Optimizer policies, after ensmallen's update and decay policies: small
// objects that wrap any first-order rule (sgd, momentum, adam, a researcher's
// own) without the rule knowing. Weight decay, gradient clipping, gradient and
// label noise, per-layer rates and learning-rate schedules are policies; each
// is a plugin of its own, named in the optimizer's `policies` list:
//
//   [optimizer]
//   plugin = "adam"
//   policies = [{ plugin = "weight_decay", mode = "decoupled", rate = 0.01 },
//               { plugin = "warmup", steps = 1000 }]
//
// One step of a first-order rule runs these phases, and within each phase the
// policies that take part act in the order written:
//   1. labels:        perturb the batch's labels (label noise)
//   2. gradient:      change the batch gradient (coupled weight decay, clipping, noise)
//   3. learning rate: map the scheduled rate to this step's (warm-up, 1/loss)
//   4. before update: change the parameters before the rule moves them
//   5. the rule's own update, from keep * theta, keep the product of the
//      policies' parameter_scale(lr) (decoupled weight decay: 1 - lr lambda);
//      the bundled rules fold it into their own pass over the parameters
//   6. after update:  change the rule's move (per-layer rates)
// A policy says which phases it takes part in (hooks()); the loop calls no
// other, so a policy costs nothing in the phases it leaves alone.
#pragma once

#include <relulab/dataset.hpp>
#include <relulab/model.hpp>
#include <relulab/params.hpp>
#include <relulab/plugin_object.hpp>
#include <relulab/rng.hpp>
#include <relulab/state.hpp>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace relulab {

// The step a policy acts on.
struct StepInfo {
  std::uint64_t step = 0;  // steps already taken before this one (0 for the first)
  std::uint64_t horizon = 0;  // steps in the whole run
  double loss = 0.0;  // this step's loss (the batch's; the full set's for gradient descent), once known
};

class Policy : public PluginObject {
 public:
  enum Hook : unsigned {
    Labels = 1,
    Gradient = 2,
    LearningRate = 4,
    BeforeUpdate = 8,
    AfterUpdate = 16,
    ScaleParameters = 32
  };
  // The phases this policy takes part in, as a mask of Hook values.
  virtual unsigned hooks() const = 0;

  // Called at the start of every run (also after a resume): size buffers here,
  // never in the per-step hooks, which run in the hot loop and must not allocate.
  virtual void prepare(Index /*num_parameters*/, Index /*num_samples*/) {}

  // Writes this step's training labels for `rows` (empty: every sample) into
  // `labels`, from the clean ones.
  virtual void perturb_labels(Rows /*rows*/, const Vector& /*clean*/, Vector& /*labels*/, const StepInfo&) {}
  virtual void adjust_gradient(Eigen::Map<const Vector> /*theta*/, Eigen::Map<Vector> /*gradient*/, const StepInfo&) {}
  virtual double learning_rate(double lr, const StepInfo&) { return lr; }
  virtual void before_update(Eigen::Map<Vector> /*theta*/, double /*lr*/) {}
  // The factor the rule's update starts from: theta <- rule(keep * theta, ...).
  virtual double parameter_scale(double /*lr*/) { return 1.0; }
  virtual void after_update(Eigen::Map<Vector> /*theta*/, double /*lr*/) {}

  // Everything the policy needs to continue exactly (a noise stream's state),
  // under keys starting with `prefix`.
  virtual void save_state(State& /*state*/, const std::string& /*prefix*/) const {}
  virtual void load_state(const State& /*state*/, const std::string& /*prefix*/) {}
};

// Where each layer's parameters sit in the model's parameter vector, as
// [begin, end) ranges: the first layer is W and the hidden bias b, the second a.
struct LayerRanges {
  std::vector<std::pair<Index, Index>> first, second;
};

inline LayerRanges layer_ranges(const Model& model) {
  const double* base = model.parameters().data();
  const TwoLayerView v = model.view();
  auto range = [base](const double* p, Index size) {
    const Index begin = static_cast<Index>(p - base);
    return std::pair<Index, Index>{begin, begin + size};
  };
  LayerRanges r;
  r.first.push_back(range(v.W.data(), v.W.size()));
  if (v.has_bias()) r.first.push_back(range(v.b.data(), v.b.size()));
  r.second.push_back(range(v.a.data(), v.a.size()));
  return r;
}

// A noise level that decays as a power of the step: scale * (1 + t)^(-decay)
// at step t (0-based); decay = 0 keeps it constant.
struct DecayingScale {
  double scale = 0.0, decay = 0.0;
  double at(std::uint64_t step) const {
    return decay == 0.0 ? scale : scale * std::pow(1.0 + static_cast<double>(step), -decay);
  }
};

// A policy that draws Gaussian noise of a decaying level, from a stream of its
// own seeded by the host (BuildContext::noise_seed) and saved with checkpoints.
// Its schema: scale and decay (noise_schema()).
class NoisePolicy : public Policy {
 public:
  static Schema noise_schema(const std::string& what, double default_scale) {
    Schema s;
    s.real("scale", "standard deviation of the noise added to each " + what + " at the first step")
        .def(default_scale)
        .at_least(0);
    s.real("decay", "the standard deviation falls as (1 + t)^(-decay) at step t; 0: constant").def(0.0).at_least(0);
    return s;
  }

  NoisePolicy(const Params& p, std::uint64_t seed) : level_{p.real("scale"), p.real("decay")}, rng_(seed) {}

  void save_state(State& state, const std::string& prefix) const override {
    state.put_text(prefix + "rng", rng_.save());
  }
  void load_state(const State& state, const std::string& prefix) override { rng_.restore(state.text(prefix + "rng")); }

 protected:
  double sigma(std::uint64_t step) const { return level_.at(step); }
  double normal() { return rng_.normal(); }

 private:
  DecayingScale level_;
  Rng rng_;
};

}  // namespace relulab
