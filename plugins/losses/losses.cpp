// Train and test MSE of the network, next to ordinary least squares fitted on
// the same training data (the paper's baseline in Figure 1).
//
// Test MSE is exact when the data generator has a closed form for this
// student (Gaussian inputs, bias-free ReLU student: SCIENCE.md section 5) and
// is otherwise measured on a held-out sample drawn once from the test stream.
#include <relulab/relulab.hpp>
#include <relulab/math/linalg.hpp>


#include <cstdio>
#include <sstream>

namespace {

using namespace relulab;

class Losses final : public Metric {
 public:
  Losses(const Params& p, const BuildContext&)
      : test_samples_(p.integer("test_samples")), mode_(p.text("test")) {}

  std::vector<std::string> columns() const override {
    return {"train_mse", "test_mse", "ols_train_mse", "ols_test_mse"};
  }

  void prepare(const Dataset& train, const DataGenerator& data, Rng& rng) override {
    const Vector beta = math::ordinary_least_squares(train.X, train.y);
    ols_train_ = math::mean_squared_residual(train.X, train.y, beta);
    const Teacher* teacher = data.teacher();
    const auto exact = mode_ == "sample" || !teacher ? std::nullopt : teacher->population_mse_linear(beta);
    // The held-out sample is drawn even when the OLS loss is exact: the
    // network's test loss may still need it (a student with a bias).
    test_ = data.sample(test_samples_, rng);
    ols_test_ = exact ? *exact : math::mean_squared_residual(test_.X, test_.y, beta);
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    out[0] = s.model.loss_and_gradient(s.train, {}, nullptr);
    std::optional<double> exact;
    if (mode_ != "sample" && s.data.teacher()) exact = s.data.teacher()->population_mse(s.model.view());
    if (mode_ == "exact" && !exact)
      throw std::runtime_error(
          "losses: test = \"exact\" but the data generator has no closed-form test loss for this model; use "
          "test = \"auto\" or \"sample\"");
    out[1] = exact ? *exact : s.model.loss_and_gradient(test_, {}, nullptr);
    out[2] = ols_train_;
    out[3] = ols_test_;
  }

  std::string final_report(std::span<const double> v, const DataGenerator& data) const override {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "               network        OLS\n"
                  "  train MSE  %10.6f %10.6f\n"
                  "  test MSE   %10.6f %10.6f",
                  v[0], v[2], v[1], v[3]);
    std::string report = buf;
    if (const Teacher* teacher = data.teacher()) {
      std::snprintf(buf, sizeof buf, "\n  noise level sigma^2 = %.6f", teacher->noise_variance());
      report += buf;
    }
    return report;
  }

 private:
  Index test_samples_;
  std::string mode_;
  double ols_train_ = 0.0, ols_test_ = 0.0;
  Dataset test_;
};

PluginDescriptor describe() {
  Schema s;
  s.text("test", "test loss: auto (exact when a closed form exists, else held-out sample), exact, or sample")
      .def("auto")
      .one_of({"auto", "exact", "sample"});
  s.integer("test_samples", "size of the held-out test sample when one is used").def(10'000).at_least(1);
  return make_plugin<Losses>("losses", "1.0.0", "train/test MSE with the OLS baseline on the same data", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
