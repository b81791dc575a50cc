// Optimizer interface, after ensmallen: the optimizer owns its loop; it sees
// an objective (loss and gradient on rows of the training set) and a monitor
// that says when to report. At a report the host records metrics, writes a
// checkpoint or stops the run; between reports the loop runs untouched.
#pragma once

#include <relulab/dataset.hpp>
#include <relulab/model.hpp>
#include <relulab/plugin_object.hpp>
#include <relulab/policy.hpp>
#include <relulab/rng.hpp>
#include <relulab/state.hpp>

#include <Eigen/Core>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace relulab {

// What an optimizer's progress is measured in.
enum class Clock { Iterations, ContinuousTime };

struct Progress {
  std::uint64_t iteration = 0;
  double time = 0.0;
  double loss = 0.0;  // the latest loss the optimizer computed (batch or full)
  bool last = false;  // the optimizer stops here by itself (converged) before its horizon
};

enum class Directive { Continue, Stop };

class Monitor {
 public:
  virtual ~Monitor() = default;
  // Iteration-clock optimizers call report() once their iteration count reaches
  // next_iteration(); continuous-time ones land exactly on next_time(). Both
  // report at their horizon, and whenever their loss stops being finite.
  virtual std::uint64_t next_iteration() const = 0;
  virtual double next_time() const = 0;
  virtual Directive report(const Progress& progress) = 0;
};

// What an optimizer trains. Beyond the loss and its gradient, an objective may
// offer capabilities (capability.hpp), asked for by the policies and rules
// that need them: TrainingLabels (label noise) today.
class Objective : public CapabilityProvider {
 public:
  virtual Index num_samples() const = 0;
  virtual Index num_parameters() const = 0;
  // The model's live parameter vector: the optimizer updates it in place.
  virtual Eigen::Map<Vector> parameters() = 0;
  // The experiment's training loss (its [loss] plugin, a mean over samples) on
  // `rows` (empty: all samples) at the live parameters, and its gradient into
  // gradient[0 .. num_parameters()) when not null.
  virtual double loss_and_gradient(Rows rows, double* gradient) = 0;
};

// A capability of an objective: its training labels, and the same loss and
// gradient against other labels (one per sample, read only at `rows`): how
// label-noise SGD trains on perturbed labels without copying the inputs.
class TrainingLabels {
 public:
  static constexpr const char* kCapability = "training_labels";
  static constexpr const char* kDescription = "training labels that a step may replace (label noise)";
  virtual ~TrainingLabels() = default;
  virtual const Vector& labels() const = 0;
  virtual double loss_and_gradient_for(const Vector& labels, Rows rows, double* gradient) = 0;
};

// The objective of a model on a dataset: the host's, and the one to use when
// testing an optimizer by hand.
class ModelObjective final : public Objective, public TrainingLabels {
 public:
  ModelObjective(Model& model, const Dataset& data) : model_(model), data_(data) {}
  Index num_samples() const override { return data_.size(); }
  Index num_parameters() const override { return model_.num_parameters(); }
  Eigen::Map<Vector> parameters() override { return model_.parameters(); }
  double loss_and_gradient(Rows rows, double* gradient) override {
    return model_.loss_and_gradient(data_, rows, gradient);
  }
  void* find_capability(std::string_view name) override { return offer<TrainingLabels>(this, name); }
  const Vector& labels() const override { return data_.y; }
  double loss_and_gradient_for(const Vector& labels, Rows rows, double* gradient) override {
    return model_.loss_and_gradient_for(data_.X, labels, rows, gradient);
  }

 private:
  Model& model_;
  const Dataset& data_;
};

class Optimizer : public PluginObject {
 public:
  virtual Clock clock() const = 0;
  // Where the run ends: a number of iterations, or an end time.
  virtual double horizon() const = 0;

  // Runs from the current state until the horizon or until the monitor says
  // stop. Must report when the horizon is reached. `rng` is the run's batch
  // stream; the host saves and restores it with the checkpoint.
  virtual void run(Objective& objective, Monitor& monitor, Rng& rng) = 0;

  virtual std::uint64_t iteration() const = 0;
  virtual double time() const = 0;

  // Everything needed to continue exactly where the run stopped.
  virtual void save_state(State& state) const = 0;
  virtual void load_state(const State& state) = 0;

  // Policies wrap an optimizer's steps (policy.hpp). The host builds them from
  // the optimizer's `policies` list and hands them over in the order written;
  // it owns them and keeps them alive as long as the optimizer. An optimizer
  // with no steps for policies to act on says why it refuses them.
  virtual std::string policy_refusal() const {
    return "it takes no policies: they act on the steps of a first-order rule (sgd, momentum, adam)";
  }
  virtual void use_policies(std::vector<Policy*> /*policies*/) {}

  // Counters worth recording in the summary (gradient evaluations, ...).
  virtual std::map<std::string, double> statistics() const { return {}; }
};

}  // namespace relulab
