// A teacher written outside relulab: y = g(<beta*, x>) + noise, x ~ N(0, I_d),
// beta* = e_1. It includes only the SDK, declares its parameters in a schema
// (the host validates them and locates errors in the file), exports one entry.
#include <relulab/relulab.hpp>

#include <cmath>

namespace {

using namespace relulab;

class SingleIndexTeacher final : public TeacherGenerator {
 public:
  SingleIndexTeacher(const Params& p, const BuildContext&)
      : d_(p.integer("d")), noise_std_(p.real("noise_std")), link_(p.text("link")) {}

  Index dim() const override { return d_; }
  double noise_variance() const override { return noise_std_ * noise_std_; }

  Dataset sample(Index n, Rng& rng) const override {
    Dataset ds{RowMatrix(n, d_), Vector(n)};
    for (Index k = 0; k < n; ++k) {
      for (Index i = 0; i < d_; ++i) ds.X(k, i) = rng.normal();
      ds.y[k] = target(&ds.X(k, 0)) + noise_std_ * rng.normal();
    }
    return ds;
  }

  double target(const double* x) const override {
    const double z = x[0];  // <beta*, x> with beta* = e_1
    return link_ == "relu" ? std::max(z, 0.0) : link_ == "cube" ? z * z * z : std::tanh(z);
  }

 private:
  Index d_;
  double noise_std_;
  std::string link_;  // the schema's one_of() has refused any other name
};

PluginDescriptor describe() {
  Schema s;
  s.integer("d", "input dimension").def(5).at_least(1);
  s.real("noise_std", "standard deviation of the Gaussian label noise").def(0.3).at_least(0);
  s.text("link", "the link g in y = g(<beta*, x>) + noise").def("tanh").one_of({"tanh", "relu", "cube"});
  return make_plugin<SingleIndexTeacher>("single_index_teacher", "1.0.0", "y = g(x_1) + noise (example plugin)", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
