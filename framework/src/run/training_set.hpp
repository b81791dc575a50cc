// What the optimizer trains on, for [data] n = "online" and n = "infinite"
// (docs/science.md §8; a finite n trains on ModelObjective):
//   OnlineObjective      every step's batch is fresh samples from the teacher
//   PopulationObjective  the exact population loss and its gradient
// and the checks that refuse, at their keys, the experiments that cannot run so.
#pragma once

#include "config/config.hpp"
#include "run/build.hpp"

#include <relulab/relulab.hpp>

namespace relulab::host {

// Refuses an online or infinite experiment whose data, model, loss, optimizer
// or policies cannot train so, with a ConfigError at the key to change.
void check_training_set(const Experiment& ex, const Built& built);

// The batch size an online experiment draws per step: its optimizer's batch_size.
Index online_batch_size(const Experiment& ex);

// Online data. The objective holds the next batch, drawn from the data
// stream; each evaluation (loss_and_gradient, or loss_and_gradient_for under
// label noise) uses it and then draws the next. Rows index into the batch, so
// every optimizer and policy works unchanged: num_samples() is the batch size
// and an epoch is one batch. The held batch and the stream go into checkpoints.
class OnlineObjective final : public Objective, public TrainingLabels {
 public:
  OnlineObjective(Model& model, const FreshSamples& source, Rng& stream, Index batch, Index d)
      : model_(model), source_(source), stream_(stream), held_{RowMatrix(batch, d), Vector(batch)} {
    source_.draw(stream_, held_);
  }
  Index num_samples() const override { return held_.size(); }
  Index num_parameters() const override { return model_.num_parameters(); }
  Eigen::Map<Vector> parameters() override { return model_.parameters(); }
  double loss_and_gradient(Rows rows, double* gradient) override {
    const double loss = model_.loss_and_gradient(held_, rows, gradient);
    source_.draw(stream_, held_);
    return loss;
  }
  void* find_capability(std::string_view name) override { return offer<TrainingLabels>(this, name); }
  const Vector& labels() const override { return held_.y; }
  double loss_and_gradient_for(const Vector& labels, Rows rows, double* gradient) override {
    const double loss = model_.loss_and_gradient_for(held_.X, labels, rows, gradient);
    source_.draw(stream_, held_);
    return loss;
  }
  const Dataset& held() const { return held_; }

  void save(State& s) const;
  void restore(const State& s, const std::string& where);

 private:
  Model& model_;
  const FreshSamples& source_;
  Rng& stream_;
  Dataset held_;  // the next step's batch
};

// The population objective: no samples (num_samples() = 0), every call is the
// full loss E[(h(x) - y)^2] and its gradient, from the model's closed form.
class PopulationObjective final : public Objective {
 public:
  PopulationObjective(Model& model, PopulationTraining& population) : model_(model), population_(population) {}
  Index num_samples() const override { return 0; }
  Index num_parameters() const override { return model_.num_parameters(); }
  Eigen::Map<Vector> parameters() override { return model_.parameters(); }
  double loss_and_gradient(Rows rows, double* gradient) override;

 private:
  Model& model_;
  PopulationTraining& population_;
};

}  // namespace relulab::host
