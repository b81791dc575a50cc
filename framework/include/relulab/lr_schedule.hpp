// Learning-rate schedules shared by every step-based optimizer. An optimizer
// merges LearningRateSchedule::schema() into its own and builds the schedule
// from its validated parameters.
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
    s.real("lr", "initial learning rate").def(0.01).above(0);
    s.text("lr_schedule",
           "constant; step: lr * lr_decay^floor(t / lr_decay_every); exponential: lr * lr_decay^(t / "
           "lr_decay_every); cosine: from lr down to lr_min over the run")
        .def("constant")
        .one_of({"constant", "step", "exponential", "cosine"});
    s.real("lr_decay", "factor per lr_decay_every iterations (step, exponential)").def(0.5).above(0).at_most(1);
    s.integer("lr_decay_every", "iterations between decays (step, exponential)").def(1000).at_least(1);
    s.real("lr_min", "the learning rate never goes below this").def(0.0).at_least(0);
    return s;
  }

  LearningRateSchedule() = default;
  explicit LearningRateSchedule(const Params& p)
      : lr_(p.real("lr")),
        decay_(p.real("lr_decay")),
        every_(static_cast<double>(p.integer("lr_decay_every"))),
        min_(p.real("lr_min")) {
    const std::string& kind = p.text("lr_schedule");
    kind_ = kind == "step" ? Kind::Step : kind == "exponential" ? Kind::Exponential : kind == "cosine" ? Kind::Cosine
                                                                                                        : Kind::Constant;
  }

  // Learning rate of step t (0-based) of a run of `horizon` steps.
  double at(std::uint64_t t, std::uint64_t horizon) const {
    const double s = static_cast<double>(t);
    double lr = lr_;
    switch (kind_) {
      case Kind::Constant: break;
      case Kind::Step: lr = lr_ * std::pow(decay_, std::floor(s / every_)); break;
      case Kind::Exponential: lr = lr_ * std::pow(decay_, s / every_); break;
      case Kind::Cosine: {
        const double frac = horizon > 0 ? std::min(1.0, s / static_cast<double>(horizon)) : 1.0;
        return min_ + (lr_ - min_) * 0.5 * (1.0 + std::cos(std::numbers::pi * frac));
      }
    }
    return std::max(lr, min_);
  }

 private:
  enum class Kind { Constant, Step, Exponential, Cosine };
  Kind kind_ = Kind::Constant;
  double lr_ = 0.01, decay_ = 0.5, every_ = 1000, min_ = 0.0;
};

}  // namespace relulab
