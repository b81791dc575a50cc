// y = sum_{i=1..k} a*_i relu(<w*_i, x>) + eta, x ~ N(0, I_d) (the paper's Figure 3).
// The teacher's weights are drawn once from N(0, 1) with their own
// teacher_seed, independent of the experiment seed, so one teacher serves
// every cell of a sweep over n or over seeds; or they are given explicitly.
#include <relulab/relulab.hpp>
#include <relulab/math/gaussian.hpp>

namespace {

using namespace relulab;

class ReluTeacher final : public TeacherGenerator, public PopulationRisk, public GaussianTeacher {
 public:
  ReluTeacher(const Params& p, const BuildContext& ctx)
      : stop_(ctx.stop),
        d_(p.integer("d")), k_(p.integer("k")), noise_std_(p.real("noise_std")), W_(k_, d_), a_(k_) {
    Rng rng(derive_seed(static_cast<std::uint64_t>(p.integer("teacher_seed")), "relu_teacher"));
    for (Index i = 0; i < k_; ++i)  // neuron by neuron: w*_i then a*_i, so the first neurons do not depend on k
    {
      for (Index c = 0; c < d_; ++c) W_(i, c) = rng.normal();
      a_[i] = rng.normal();
    }
    if (p.has("teacher_W")) {
      const auto& w = p.reals("teacher_W");
      if (static_cast<Index>(w.size()) != k_ * d_)
        throw ParameterError("teacher_W", "teacher_W has " + std::to_string(w.size()) + " entries; k * d = " +
                                              std::to_string(k_ * d_) + " expected (row i = neuron i)");
      for (Index i = 0; i < k_; ++i)
        for (Index c = 0; c < d_; ++c) W_(i, c) = w[static_cast<std::size_t>(i * d_ + c)];
    }
    if (p.has("teacher_a")) {
      const auto& a = p.reals("teacher_a");
      if (static_cast<Index>(a.size()) != k_)
        throw ParameterError("teacher_a", "teacher_a has " + std::to_string(a.size()) +
                                              " entries; k = " + std::to_string(k_) + " expected");
      a_ = Eigen::Map<const Vector>(a.data(), k_);
    }
  }

  Index dim() const override { return d_; }
  double noise_variance() const override { return noise_std_ * noise_std_; }

  Dataset sample(Index n, Rng& rng) const override {
    Dataset ds{RowMatrix(n, d_), Vector(n)};
    draw(rng, ds);
    return ds;
  }

  // In place, sample by sample: online data draws a batch at every step.
  void draw(Rng& rng, Dataset& ds) const override {
    for (Index k = 0; k < ds.size(); ++k) {
      for (Index i = 0; i < d_; ++i) ds.X(k, i) = rng.normal();
      pre_.noalias() = W_ * ds.X.row(k).transpose();  // target()'s arithmetic, without its temporary
      ds.y[k] = a_.dot(pre_.cwiseMax(0.0)) + noise_std_ * rng.normal();
    }
  }

  double target(const double* x) const override {
    const Vector pre = W_ * Eigen::Map<const Vector>(x, d_);
    return a_.dot(pre.cwiseMax(0.0));
  }

  math::gaussian::ReluExpansion expansion() const override { return {W_, a_, no_linear_}; }

  void* find_capability(std::string_view name) override {
    return offer<PopulationRisk, GaussianTeacher>(this, name, TeacherGenerator::find_capability(name));
  }

  std::optional<double> network_mse(const TwoLayerView& s) const override {
    const auto student = math::gaussian::student_expansion(s);
    if (!student) return std::nullopt;
    const Vector no_linear(0);
    return math::gaussian::squared_distance(student->expansion(), {W_, a_, no_linear}, stop_) + noise_variance();
  }

  double linear_mse(const Vector& beta) const override {
    const Eigen::MatrixXd no_neurons(0, d_);
    const Vector none(0), no_linear(0);
    return math::gaussian::squared_distance({no_neurons, none, beta}, {W_, a_, no_linear}) + noise_variance();
  }

 private:
  StopToken stop_;  // the exact test loss is O(m^2): it polls the host's stop request
  Index d_, k_;
  double noise_std_;
  Eigen::MatrixXd W_;
  Vector a_;
  Vector no_linear_;  // f* has no linear part
  mutable Vector pre_ = Vector(k_);  // draw()'s pre-activations
};

PluginDescriptor describe() {
  Schema s;
  s.integer("d", "input dimension").def(5).at_least(1).at_most(1 << 20);
  s.integer("k", "number of teacher neurons").def(5).at_least(1).at_most(1 << 20);
  s.real("noise_std", "standard deviation of the Gaussian label noise").def(0.3).at_least(0);
  s.integer("teacher_seed", "seed of the teacher's weights (independent of experiment.seed)").def(0).at_least(0);
  s.reals("teacher_W", "explicit teacher weights, k * d entries, row i = w*_i (default: drawn)").optional();
  s.reals("teacher_a", "explicit output weights, k entries (default: drawn)").optional();
  return make_plugin<ReluTeacher>("relu_teacher", "1.0.0",
                                  "sum of k ReLUs with N(0,1) weights drawn once, Gaussian inputs, exact test MSE", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
