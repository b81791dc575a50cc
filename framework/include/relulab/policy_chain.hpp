// The policies of one first-order optimizer, sorted by the phases they take
// part in (policy.hpp): the loop calls each phase's list in the order the
// experiment wrote the policies, and with no policies it calls nothing but
// the objective and the rule, so a bare rule runs exactly as it did before.
#pragma once

#include <relulab/optimizer.hpp>
#include <relulab/policy.hpp>
#include <relulab/state.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace relulab {

class PolicyChain {
 public:
  PolicyChain() = default;
  explicit PolicyChain(std::vector<Policy*> policies) : all_(std::move(policies)) {
    for (Policy* p : all_) {
      const unsigned h = p->hooks();
      if (h & Policy::Labels) labels_.push_back(p);
      if (h & Policy::Gradient) gradient_.push_back(p);
      if (h & Policy::LearningRate) rate_.push_back(p);
      if (h & Policy::BeforeUpdate) before_.push_back(p);
      if (h & Policy::AfterUpdate) after_.push_back(p);
      if (h & Policy::ScaleParameters) scale_.push_back(p);
    }
  }

  bool empty() const { return all_.empty(); }

  // Sizes every buffer (the noisy labels, the policies' own) before a run.
  void prepare(Objective& objective, Index num_parameters) {
    relabel_ = nullptr;
    if (!labels_.empty()) {
      relabel_ = capability<TrainingLabels>(objective);
      if (!relabel_)
        throw MissingCapability("a label policy", "the objective", TrainingLabels::kCapability,
                                TrainingLabels::kDescription);
      noisy_labels_ = relabel_->labels();
    }
    for (Policy* p : all_) p->prepare(num_parameters, objective.num_samples());
  }

  // The batch's loss and gradient, against perturbed labels when a policy perturbs them.
  double loss_and_gradient(Objective& objective, Rows rows, double* gradient, const StepInfo& info) {
    if (labels_.empty()) return objective.loss_and_gradient(rows, gradient);
    for (Policy* p : labels_) p->perturb_labels(rows, relabel_->labels(), noisy_labels_, info);
    return relabel_->loss_and_gradient_for(noisy_labels_, rows, gradient);
  }

  void adjust_gradient(const Eigen::Map<Vector>& theta, Eigen::Map<Vector>& gradient, const StepInfo& info) {
    for (Policy* p : gradient_)
      p->adjust_gradient(Eigen::Map<const Vector>(theta.data(), theta.size()), gradient, info);
  }
  double learning_rate(double lr, const StepInfo& info) {
    for (Policy* p : rate_) lr = p->learning_rate(lr, info);
    return lr;
  }
  void before_update(Eigen::Map<Vector>& theta, double lr) {
    for (Policy* p : before_) p->before_update(theta, lr);
  }
  // The product of the policies' parameter scales: 1 (exactly) without any.
  double parameter_scale(double lr) {
    double keep = 1.0;
    for (Policy* p : scale_) keep *= p->parameter_scale(lr);
    return keep;
  }
  void after_update(Eigen::Map<Vector>& theta, double lr) {
    for (Policy* p : after_) p->after_update(theta, lr);
  }

  // Policy i keeps its state under "policy<i>.".
  void save_state(State& state) const {
    for (std::size_t i = 0; i < all_.size(); ++i) all_[i]->save_state(state, prefix(i));
  }
  void load_state(const State& state) {
    for (std::size_t i = 0; i < all_.size(); ++i) all_[i]->load_state(state, prefix(i));
  }

 private:
  static std::string prefix(std::size_t i) { return "policy" + std::to_string(i) + "."; }

  std::vector<Policy*> all_, labels_, gradient_, rate_, before_, after_, scale_;
  TrainingLabels* relabel_ = nullptr;  // the objective's, when a policy perturbs labels
  Vector noisy_labels_;
};

}  // namespace relulab
