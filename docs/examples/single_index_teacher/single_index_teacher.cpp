// A single-index teacher, y = g(<beta*, x>) + eta with x ~ N(0, I_d): the
// simplest nonlinear teacher whose population drift still points along
// +-beta*. The link g is chosen by name.
//
// An example of a data-generator plugin written outside relulab: it includes
// only the SDK, declares its parameters in a schema (the host validates them
// and reports errors at the experiment file's line), and exports one entry.
#include <relulab/relulab.hpp>

#include <cmath>

namespace {

using namespace relulab;

class SingleIndexTeacher final : public DataGenerator {
 public:
  SingleIndexTeacher(const Params& p, const BuildContext&)
      : d_(p.integer("d")), noise_std_(p.real("noise_std")), link_(parse_link(p.text("link"))) {
    beta_ = Vector::Unit(d_, 0);
    if (p.has("beta_star")) {
      const auto& b = p.reals("beta_star");
      // ParameterError names the key: the host adds the file, line and table.
      if (static_cast<Index>(b.size()) != d_)
        throw ParameterError("beta_star", "beta_star has " + std::to_string(b.size()) + " entries but d = " +
                                              std::to_string(d_));
      beta_ = Eigen::Map<const Vector>(b.data(), d_);
    }
  }

  Index dim() const override { return d_; }
  double noise_variance() const override { return noise_std_ * noise_std_; }
  // Standard Gaussian inputs: the host's Gaussian closed forms (OLS test loss,
  // population drift) apply where they need only the input law.
  InputLaw input_law() const override { return InputLaw::StandardGaussian; }

  Dataset sample(Index n, Rng& rng) const override {
    Dataset ds{RowMatrix(n, d_), Vector(n)};
    for (Index k = 0; k < n; ++k) {
      for (Index i = 0; i < d_; ++i) ds.X(k, i) = rng.normal();
      ds.y[k] = target(&ds.X(k, 0)) + noise_std_ * rng.normal();
    }
    return ds;
  }

  double target(const double* x) const override {
    const double z = Eigen::Map<const Vector>(x, d_).dot(beta_);
    switch (link_) {
      case Link::Tanh: return std::tanh(z);
      case Link::Relu: return std::max(z, 0.0);
      case Link::Cube: return z * z * z;
      case Link::AbsoluteValue: return std::abs(z);
    }
    return z;
  }

 private:
  enum class Link { Tanh, Relu, Cube, AbsoluteValue };
  static Link parse_link(const std::string& name) {
    // The schema's one_of() has already refused any other name.
    if (name == "relu") return Link::Relu;
    if (name == "cube") return Link::Cube;
    if (name == "abs") return Link::AbsoluteValue;
    return Link::Tanh;
  }

  Index d_;
  double noise_std_;
  Link link_;
  Vector beta_;
};

PluginDescriptor describe() {
  Schema s;
  s.integer("d", "input dimension").def(5).at_least(1);
  s.real("noise_std", "standard deviation of the Gaussian label noise").def(0.3).at_least(0);
  s.reals("beta_star", "index vector, d entries (default: e_1)").optional();
  s.text("link", "the link g in y = g(<beta*, x>) + eta").def("tanh").one_of({"tanh", "relu", "cube", "abs"});
  return make_data_generator_plugin<SingleIndexTeacher>("single_index_teacher", "1.0.0",
                                                        "y = g(<beta*, x>) + noise, Gaussian inputs (example plugin)", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
