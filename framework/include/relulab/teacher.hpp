// A teacher: labels y = f*(x) + noise with a known f* and input law. Being a
// teacher is itself a capability of a data generator (capability.hpp); so is
// each closed form a teacher may know, and a metric asks for the one it uses:
//
//   Teacher          noise variance and f*(x)                  the OLS baseline, sigma^2 in summaries
//   PopulationRisk   exact test MSE of a network or a line     losses (exact test loss)
//   PopulationDrift  E[1{<w,x> > 0} y x] and its extremal       drift_concentration, extremal_vectors
//                    vectors in closed form
//   LinearTarget     beta* of a linear f*(x) = <beta*, x>       theorem2
//   FreshSamples     samples drawn into given storage           online data (n = "online")
//   GaussianTeacher  f* as ReLU units plus a linear part,        the population objective (n = "infinite")
//                    under x ~ N(0, I_d)
//
// A teacher plugin derives from TeacherGenerator (a DataGenerator that offers
// Teacher) and from the closed forms it knows, and lists them in
// find_capability (linear_teacher.cpp shows all four).
#pragma once

#include <relulab/capability.hpp>
#include <relulab/math/gaussian.hpp>
#include <relulab/data_generator.hpp>
#include <relulab/model.hpp>
#include <relulab/params.hpp>

#include <optional>
#include <utility>
#include <vector>

namespace relulab {

class Teacher {
 public:
  static constexpr const char* kCapability = "teacher";
  static constexpr const char* kDescription = "a teacher (a known target function and noise level)";
  virtual ~Teacher() = default;

  // Variance of the label noise: the best achievable test MSE.
  virtual double noise_variance() const = 0;
  // The clean teacher f*(x), x of length dim().
  virtual double target(const double* x) const = 0;
};

// The exact test MSE E[(h(x) - y)^2], noise included, from the input law.
class PopulationRisk {
 public:
  static constexpr const char* kCapability = "population_risk";
  static constexpr const char* kDescription = "the exact test loss of a network in closed form";
  virtual ~PopulationRisk() = default;
  // Of a two-layer student; nothing when this student has no closed form
  // (a hidden bias, an activation without one): a metric then samples.
  virtual std::optional<double> network_mse(const TwoLayerView& student) const = 0;
  // Of a linear predictor x -> <beta, x>.
  virtual double linear_mse(const Vector& beta) const = 0;
};

// The population drift D(w) = E[1{<w,x> > 0} y x] (docs/science.md, section 3).
class PopulationDrift {
 public:
  static constexpr const char* kCapability = "population_drift";
  static constexpr const char* kDescription = "the population drift and its extremal vectors in closed form";
  virtual ~PopulationDrift() = default;
  virtual Vector drift(const Vector& w) const = 0;
  // The extremal vectors of the drift as (unit direction, sign) pairs (a
  // linear teacher with Gaussian inputs: +-beta*/|beta*|).
  virtual std::vector<std::pair<Vector, int>> extremal_vectors() const = 0;
};

// A linear target f*(x) = <beta*, x> (Theorem 2 splits the data by its sign).
class LinearTarget {
 public:
  static constexpr const char* kCapability = "linear_target";
  static constexpr const char* kDescription = "a linear target function beta*";
  virtual ~LinearTarget() = default;
  virtual Vector beta_star() const = 0;
};

// The teacher vector beta* of the key `beta_star` (exactly d entries), or e_1 when it is not given;
// a ParameterError at the key otherwise.
inline Vector beta_star_of(const Params& p, Index d) {
  if (!p.has("beta_star")) return Vector::Unit(d, 0);
  const auto& b = p.reals("beta_star");
  if (static_cast<Index>(b.size()) != d)
    throw ParameterError("beta_star", "beta_star has " + std::to_string(b.size()) +
                                          " entries but d = " + std::to_string(d) + "; give exactly d entries");
  return Eigen::Map<const Vector>(b.data(), d);
}

// Online data (n = "online"): the next samples of the stream, drawn into
// storage the host sized once, one sample after the other as sample() draws
// them (so k draws of b samples are the samples of one sample(k b)).
class FreshSamples {
 public:
  static constexpr const char* kCapability = "fresh_samples";
  static constexpr const char* kDescription = "fresh samples on demand (a teacher to draw from)";
  virtual ~FreshSamples() = default;
  // Fills every row of `into` (X n x d, y n; n unchanged).
  virtual void draw(Rng& rng, Dataset& into) const = 0;
};

// The teacher's f*(x) = sum_i a*_i relu(<w*_i, x>) + <beta*, x> under
// x ~ N(0, I_d), the labels y = f*(x) + noise: what the population loss and
// its gradient are computed from (relulab/math/population.hpp).
class GaussianTeacher {
 public:
  static constexpr const char* kCapability = "gaussian_teacher";
  static constexpr const char* kDescription =
      "a teacher with Gaussian inputs whose f* is ReLU units and a linear part (linear_teacher, relu_teacher)";
  virtual ~GaussianTeacher() = default;
  // Views into the teacher: valid as long as it lives.
  virtual math::gaussian::ReluExpansion expansion() const = 0;
};

// A data generator that is a teacher. Every teacher can draw fresh samples:
// through sample() unless it overrides draw() to fill the storage in place
// (the bundled teachers do; sample() allocates a data set at every step).
class TeacherGenerator : public DataGenerator, public Teacher, public FreshSamples {
 public:
  void* find_capability(std::string_view name) override { return offer<Teacher, FreshSamples>(this, name); }
  void draw(Rng& rng, Dataset& into) const override {
    Dataset fresh = sample(into.size(), rng);
    into.X = fresh.X;
    into.y = fresh.y;
  }
};

// The teacher behind a data generator, or null (a data set whose law is unknown).
inline const Teacher* teacher_of(const DataGenerator& data) { return capability<Teacher>(data); }

}  // namespace relulab
