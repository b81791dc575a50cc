// y = <beta*, x> + eta, eta ~ N(0, noise_std^2). Inputs are standard Gaussian
// (the paper's Figure 1) or Theorem 2's two opposite cones around +-beta*.
#include <relulab/relulab.hpp>
#include <relulab/math/gaussian.hpp>

#include <cmath>

namespace {

using namespace relulab;

// With Gaussian inputs it knows every closed form; with two cones only beta*.
class LinearTeacher final : public TeacherGenerator,
                            public PopulationRisk,
                            public PopulationDrift,
                            public LinearTarget,
                            public GaussianTeacher {
 public:
  LinearTeacher(const Params& p, const BuildContext& ctx)
      : stop_(ctx.stop),
        d_(p.integer("d")),
        noise_std_(p.real("noise_std")),
        cone_spread_(p.real("cone_spread")),
        beta_(beta_star_of(p, d_)) {
    const std::string& law = p.text("input");
    two_cones_ = law == "two_cones";
    if (two_cones_ && beta_.norm() == 0.0)
      throw ParameterError("beta_star", "the two_cones input law needs a non-zero beta_star (the cone axis)");
    axis_ = two_cones_ ? Vector(beta_ / beta_.norm()) : Vector();
  }

  Index dim() const override { return d_; }
  double noise_variance() const override { return noise_std_ * noise_std_; }

  Dataset sample(Index n, Rng& rng) const override {
    Dataset ds{RowMatrix(n, d_), Vector(n)};
    draw(rng, ds);
    return ds;
  }

  void draw(Rng& rng, Dataset& ds) const override {
    for (Index k = 0; k < ds.size(); ++k) {
      auto x = ds.X.row(k);
      if (two_cones_) {
        // x = s (axis + eps z), s a fair sign: symmetric, continuous, and
        // concentrated in two opposite cones around +-beta* (Assumption 1).
        const double s = rng.coin() ? 1.0 : -1.0;
        for (Index i = 0; i < d_; ++i) x[i] = s * (axis_[i] + cone_spread_ * rng.normal());
      } else {
        for (Index i = 0; i < d_; ++i) x[i] = rng.normal();
      }
      ds.y[k] = x.dot(beta_.transpose()) + noise_std_ * rng.normal();
    }
  }

  double target(const double* x) const override { return Eigen::Map<const Vector>(x, d_).dot(beta_); }

  void* find_capability(std::string_view name) override {
    if (two_cones_) return offer<LinearTarget>(this, name, TeacherGenerator::find_capability(name));
    return offer<PopulationRisk, PopulationDrift, LinearTarget, GaussianTeacher>(this, name,
                                                                                 TeacherGenerator::find_capability(name));
  }

  std::optional<double> network_mse(const TwoLayerView& s) const override {
    const auto student = math::gaussian::student_expansion(s);
    if (!student) return std::nullopt;
    const Eigen::MatrixXd no_neurons(0, d_);
    const Vector no_weights(0);
    const math::gaussian::ReluExpansion teacher{no_neurons, no_weights, beta_};
    return math::gaussian::squared_distance(student->expansion(), teacher, stop_) + noise_variance();
  }

  Vector beta_star() const override { return beta_; }

  math::gaussian::ReluExpansion expansion() const override { return {no_units_, no_weights_, beta_}; }

  // For a symmetric isotropic law D(w) = E[1{<w,x> > 0} x x^T] beta* = beta*/2 for
  // every w (the noise is independent of x and centred, so it drops out).
  Vector drift(const Vector&) const override { return beta_ / 2; }

  std::vector<std::pair<Vector, int>> extremal_vectors() const override {
    if (beta_.norm() == 0) return {};
    const Vector u = beta_ / beta_.norm();
    return {{u, 1}, {-u, -1}};
  }

  double linear_mse(const Vector& beta) const override {
    return (beta - beta_).squaredNorm() + noise_variance();  // isotropic inputs
  }

 private:
  StopToken stop_;  // the exact test loss is O(m^2): it polls the host's stop request
  Index d_;
  double noise_std_, cone_spread_;
  bool two_cones_ = false;
  Vector beta_, axis_;
  Eigen::MatrixXd no_units_ = Eigen::MatrixXd(0, d_);  // f* has no ReLU units
  Vector no_weights_;
};

PluginDescriptor describe() {
  Schema s;
  s.integer("d", "input dimension").def(5).at_least(1).at_most(1 << 20);
  s.real("noise_std", "standard deviation of the Gaussian label noise").def(0.3).at_least(0);
  s.reals("beta_star", "teacher vector, d entries (default: e_1)").optional();
  s.text("input", "input law: gaussian (N(0, I_d)) or two_cones (x = s(beta*/|beta*| + cone_spread z), Theorem 2)")
      .def("gaussian")
      .one_of({"gaussian", "two_cones"});
  s.real("cone_spread", "spread epsilon of the two cones (input = two_cones)").def(0.1).at_least(0);
  return make_plugin<LinearTeacher>("linear_teacher", "1.0.0",
                                    "linear teacher y = <beta*, x> + noise, Gaussian or two-cone inputs", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
