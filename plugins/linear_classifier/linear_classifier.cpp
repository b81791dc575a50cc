// Classification data labelled by a linear teacher: x ~ N(0, I_d) conditioned
// on |<u, x>| >= margin_gap with u = beta*/|beta*|, and y = sign(<beta*, x>)
// in {-1, +1}. The gap makes the data linearly separable with margin at least
// margin_gap (by u itself) whatever n. With symmetric = true the samples come
// in pairs (x, y), (-x, -y): the symmetric data of Lyu, Li, Wang and Arora
// (NeurIPS 2021; docs/science.md §7), on which the odd part of a leaky ReLU
// network decides the labels.
//
// input_std scales each input coordinate (x_i ~ N(0, s_i^2), the gap still
// measured along u): with unequal scales the class mean mu = E[y x], which is
// along Sigma beta*, leaves the teacher's direction, so the early-alignment
// direction (mu) and the max-margin one (near beta*) can be told apart.
// flip turns each label (of a symmetric pair: the pair's) with that
// probability: label noise, after which the data is usually not separable.
#include <relulab/relulab.hpp>

#include <cmath>

namespace {

using namespace relulab;

class LinearClassifier final : public TeacherGenerator, public LinearTarget {
 public:
  LinearClassifier(const Params& p, const BuildContext&)
      : d_(p.integer("d")),
        gap_(p.real("margin_gap")),
        flip_(p.real("flip")),
        symmetric_(p.flag("symmetric")),
        beta_(beta_star_of(p, d_)),
        scale_(Vector::Ones(d_)) {
    if (beta_.norm() == 0.0) throw ParameterError("beta_star", "beta_star must not be zero: it defines the labels");
    axis_ = beta_ / beta_.norm();
    if (p.has("input_std")) {
      const auto& s = p.reals("input_std");
      if (static_cast<Index>(s.size()) != d_)
        throw ParameterError("input_std",
                             "input_std has " + std::to_string(s.size()) + " entries but d = " + std::to_string(d_));
      for (Index i = 0; i < d_; ++i) {
        if (!(s[static_cast<std::size_t>(i)] > 0))
          throw ParameterError("input_std", "every input_std entry must be positive");
        scale_[i] = s[static_cast<std::size_t>(i)];
      }
    }
  }

  Index dim() const override { return d_; }
  double noise_variance() const override { return 0.0; }  // labels are a function of x
  double target(const double* x) const override { return Eigen::Map<const Vector>(x, d_).dot(beta_) > 0 ? 1.0 : -1.0; }

  // Rejection sampling: the acceptance rate is P(|N(0,1)| >= gap), about 0.32
  // at gap 1, so a few draws per sample. Symmetric data alternate x and -x.
  Dataset sample(Index n, Rng& rng) const override {
    Dataset ds{RowMatrix(n, d_), Vector(n)};
    Vector x(d_);
    for (Index k = 0; k < n; ++k) {
      if (symmetric_ && k % 2 == 1) {
        ds.X.row(k) = -ds.X.row(k - 1);
        ds.y[k] = -ds.y[k - 1];
        continue;
      }
      do {
        for (Index i = 0; i < d_; ++i) x[i] = scale_[i] * rng.normal();
      } while (std::fabs(x.dot(axis_)) < gap_);
      ds.X.row(k) = x.transpose();
      ds.y[k] = target(x.data());
      if (flip_ > 0 && rng.uniform() < flip_) ds.y[k] = -ds.y[k];  // no draw at all without label noise
    }
    return ds;
  }

  void* find_capability(std::string_view name) override {
    return offer<LinearTarget>(this, name, TeacherGenerator::find_capability(name));
  }
  Vector beta_star() const override { return beta_; }

 private:
  Index d_;
  double gap_, flip_;
  bool symmetric_;
  Vector beta_, scale_, axis_;
};

PluginDescriptor describe() {
  Schema s;
  s.integer("d", "input dimension").def(5).at_least(1).at_most(1 << 20);
  s.reals("beta_star", "teacher direction, d entries (default: e_1); y = sign(<beta*, x>)").optional();
  s.real("margin_gap", "drop inputs within this distance of the teacher's hyperplane (the data's margin)")
      .def(0.1)
      .at_least(0)
      .at_most(5);
  s.flag("symmetric", "every sample x also comes as -x with the opposite label").def(false);
  s.reals("input_std", "standard deviation of each input coordinate, d entries (default: all 1)").optional();
  s.real("flip", "probability that a label is flipped (label noise; the data is then usually not separable)")
      .def(0.0)
      .at_least(0)
      .at_most(0.5);
  return make_plugin<LinearClassifier>("linear_classifier", "1.0.0",
                                       "labels y = sign(<beta*, x>) in -1/+1, Gaussian inputs with a margin gap, "
                                       "optionally symmetric",
                                       s);
}

}  // namespace

RELULAB_PLUGIN(describe)
