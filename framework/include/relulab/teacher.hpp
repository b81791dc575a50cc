// A teacher: labels y = f*(x) + noise with a known f* and input law. Its
// closed forms are optional hooks: a metric uses one when it is there (exact
// test loss, population drift) and falls back or refuses when it is not.
//
// A teacher plugin derives from TeacherGenerator, which is both a
// DataGenerator and a Teacher.
#pragma once

#include <relulab/data_generator.hpp>
#include <relulab/model.hpp>
#include <relulab/params.hpp>

#include <optional>
#include <utility>
#include <vector>

namespace relulab {

class Teacher {
 public:
  virtual ~Teacher() = default;

  // Variance of the label noise: the best achievable test MSE.
  virtual double noise_variance() const = 0;
  // The clean teacher f*(x), x of length dim().
  virtual double target(const double* x) const = 0;

  // Exact test MSE E[(h(x) - y)^2], noise included, when the input law allows
  // a closed form for this student; nothing otherwise (a metric then uses a
  // held-out sample).
  virtual std::optional<double> population_mse(const TwoLayerView& /*student*/) const { return std::nullopt; }
  // The same for a linear predictor x -> <beta, x>.
  virtual std::optional<double> population_mse_linear(const Vector& /*beta*/) const { return std::nullopt; }

  // The population drift D(w) = E[1{<w,x> > 0} y x] when known in closed form.
  virtual std::optional<Vector> population_drift(const Vector& /*w*/) const { return std::nullopt; }

  // The extremal vectors of the population drift, as (unit direction, sign)
  // pairs, when the input law gives them in closed form (a linear teacher with
  // Gaussian inputs: +-beta*/|beta*|).
  virtual std::vector<std::pair<Vector, int>> population_extremal_vectors() const { return {}; }

  // beta* when the teacher is linear, f*(x) = <beta*, x> (Theorem 2 splits the data by its sign).
  virtual std::optional<Vector> linear_teacher() const { return std::nullopt; }
};

// The teacher vector beta* of the key `beta_star` (exactly d entries), or e_1 when it is not given;
// a ParameterError at the key otherwise.
inline Vector beta_star_of(const Params& p, Index d) {
  if (!p.has("beta_star")) return Vector::Unit(d, 0);
  const auto& b = p.reals("beta_star");
  if (static_cast<Index>(b.size()) != d)
    throw ParameterError("beta_star", "beta_star has " + std::to_string(b.size()) + " entries but d = " +
                                          std::to_string(d) + "; give exactly d entries");
  return Eigen::Map<const Vector>(b.data(), d);
}

class TeacherGenerator : public DataGenerator, public Teacher {
 public:
  const Teacher* teacher() const final { return this; }
};

}  // namespace relulab
