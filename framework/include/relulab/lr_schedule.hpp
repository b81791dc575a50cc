// Learning-rate schedules: the rate of step t as a function of the base rate.
// The `lr_schedule` policy plugin (plugins/lr_schedule) is the one way an
// experiment asks for one:
//
//   [optimizer]
//   plugin = "sgd"
//   lr = 0.01
//   policies = [{ plugin = "lr_schedule", schedule = "step", decay = 0.1, every = 1_000_000 }]
//
// A researcher's own policy may reuse LearningRateSchedule with its schema.
#pragma once

#include <relulab/params.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>

namespace relulab {

class LearningRateSchedule {
 public:
  static Schema schema() {
    Schema s;
    s.text("schedule",
           "constant; step: lr * decay^floor(t / every); exponential: lr * decay^(t / every); cosine: from lr "
           "down to min over the run")
        .def("constant")
        .one_of({"constant", "step", "exponential", "cosine"});
    s.real("decay", "factor per `every` steps (step, exponential)").def(0.5).above(0).at_most(1);
    s.integer("every", "steps between decays (step, exponential)").def(1000).at_least(1);
    s.real("min", "the learning rate never goes below this").def(0.0).at_least(0);
    return s;
  }

  LearningRateSchedule() = default;
  explicit LearningRateSchedule(const Params& p)
      : decay_(p.real("decay")), every_(static_cast<double>(p.integer("every"))), min_(p.real("min")) {
    const std::string& kind = p.text("schedule");
    kind_ = kind == "step"          ? Kind::Step
            : kind == "exponential" ? Kind::Exponential
            : kind == "cosine"      ? Kind::Cosine
                                    : Kind::Constant;
  }

  // The learning rate of step t (0-based) of a run of `horizon` steps, from the base rate `lr`.
  double at(double lr, std::uint64_t t, std::uint64_t horizon) const {
    const double s = static_cast<double>(t);
    switch (kind_) {
      case Kind::Constant: break;
      case Kind::Step: lr = lr * std::pow(decay_, std::floor(s / every_)); break;
      case Kind::Exponential: lr = lr * std::pow(decay_, s / every_); break;
      case Kind::Cosine: {
        const double frac = horizon > 0 ? std::min(1.0, s / static_cast<double>(horizon)) : 1.0;
        return min_ + (lr - min_) * 0.5 * (1.0 + std::cos(std::numbers::pi * frac));
      }
    }
    return std::max(lr, min_);
  }

 private:
  enum class Kind { Constant, Step, Exponential, Cosine };
  Kind kind_ = Kind::Constant;
  double decay_ = 0.5, every_ = 1000, min_ = 0.0;
};

}  // namespace relulab
