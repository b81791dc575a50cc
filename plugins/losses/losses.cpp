// Train and test loss of the network, in the experiment's loss.
//
// - Squared error: train/test MSE next to ordinary least squares fitted on
//   the same training data (the paper's baseline in Figure 1). The test MSE
//   is exact when the data generator has a closed form for this student
//   (Gaussian inputs, bias-free ReLU or leaky ReLU student: docs/science.md
//   sections 5 and 6) and is otherwise measured on a held-out sample drawn
//   once from the test stream (GeLU, a hidden bias, an unknown input law).
// - A classification loss (labels -1 / +1): train/test loss and the 0-1
//   error, the fraction of samples with y h(x) <= 0. No OLS baseline: a least
//   squares fit of signs means nothing next to a margin loss.
// - Any other loss: its train/test value.
// With n = "online" or "infinite" there is no finite training set: the train
// column is the population loss (the test loss), and the OLS baseline is the
// population least-squares line E[x y] (the best linear predictor under
// N(0, I) inputs), from the teacher's closed form (docs/science.md §8).
#include <relulab/relulab.hpp>
#include <relulab/math/linalg.hpp>

#include <cstdio>
#include <limits>
#include <optional>
#include <sstream>

namespace {

using namespace relulab;

class Losses final : public Metric {
 public:
  Losses(const Params& p, const BuildContext& ctx)
      : test_samples_(p.integer("test_samples")),
        mode_(p.text("test")),
        loss_name_(ctx.loss ? ctx.loss->name() : "mse"),
        squared_error_(loss_name_ == "mse"),
        classification_(ctx.loss && ctx.loss->needs_sign_labels()),
        finite_(ctx.training_set == TrainingSet::Finite) {
    if (mode_ == "exact" && !squared_error_)
      throw ParameterError("test", "test = \"exact\" is the Gaussian closed form of the squared error; the loss is " +
                                       loss_name_ + ": use test = \"auto\" or \"sample\"");
    if (mode_ == "exact" && ctx.data && !capability<PopulationRisk>(*ctx.data))
      throw ParameterError("test",
                           "test = \"exact\" needs the exact test loss in closed form (a teacher with "
                           "Gaussian inputs); this experiment's data has none: use test = \"auto\"");
    if (mode_ == "exact" && ctx.model && ctx.model->view().activation == "gelu")
      throw ParameterError("test",
                           "test = \"exact\" has no closed form for a GeLU network; use test = \"auto\" "
                           "(a held-out sample) or \"sample\"");
  }

  std::vector<std::string> columns() const override {
    if (squared_error_) return {"train_mse", "test_mse", "ols_train_mse", "ols_test_mse"};
    std::vector<std::string> c{"train_" + loss_name_, "test_" + loss_name_};
    if (classification_) c.insert(c.end(), {"train_error", "test_error"});
    return c;
  }

  void prepare(const Dataset& train, const DataGenerator& data, Rng& rng) override {
    // The test set: fresh samples from a teacher's law (drawn even when the
    // OLS loss is exact: the network's may still need them), else the data
    // set's own test files, else none.
    if (teacher_of(data)) {
      test_ = data.sample(test_samples_, rng);
      test_source_ = "held-out sample of " + std::to_string(test_samples_) + " points";
    } else if (const Dataset* given = data.test_set()) {
      test_ = *given;
      test_source_ = "the data set's test files (" + std::to_string(given->size()) + " rows)";
    } else {
      has_test_ = false;
      test_source_ = "none (the data set has no test files: give X_test and y_test)";
    }
    risk_ = mode_ == "sample" ? nullptr : capability<PopulationRisk>(data);
    if (mode_ == "exact" && !risk_)
      throw std::runtime_error("losses: test = \"exact\" needs the exact test loss in closed form; this data has none");
    if (!squared_error_) return;
    if (!finite_) return population_ols(data);
    const Vector beta = math::ordinary_least_squares(train.X, train.y);
    ols_train_ = math::mean_squared_residual(train.X, train.y, beta);
    ols_test_ = risk_       ? risk_->linear_mse(beta)
                : has_test_ ? math::mean_squared_residual(test_.X, test_.y, beta)
                            : kNone;
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    out[1] = test_loss(s);
    out[0] = finite_ ? s.model.loss_and_gradient(s.train, {}, nullptr) : out[1];
    if (squared_error_) {
      out[2] = ols_train_;
      out[3] = ols_test_;
    } else if (classification_) {
      out[2] = zero_one_error(s.model, s.train);
      out[3] = has_test_ ? zero_one_error(s.model, test_) : kNone;
    }
  }

  std::string final_report(std::span<const double> v, const DataGenerator& data) const override {
    std::ostringstream r;
    char buf[256];
    if (squared_error_) {
      std::snprintf(buf, sizeof buf,
                    "               network        OLS\n"
                    "  train MSE  %10.6f %10.6f\n"
                    "  test MSE   %10.6f %10.6f",
                    v[0], v[2], v[1], v[3]);
      r << buf;
    } else {
      std::snprintf(buf, sizeof buf, "  train %s loss %.6g\n  test %s loss  %.6g", loss_name_.c_str(), v[0],
                    loss_name_.c_str(), v[1]);
      r << buf;
      if (classification_) {
        std::snprintf(buf, sizeof buf, "\n  train 0-1 error %.4f\n  test 0-1 error  %.4f", v[2], v[3]);
        r << buf;
      }
    }
    r << "\n  test loss: " << (test_exact_ ? "exact (Gaussian closed form)" : test_source_);
    if (!finite_) r << "\n  no finite training set: train = the population (test) loss, OLS = the population line";
    if (const Teacher* teacher = teacher_of(data); teacher && squared_error_) {
      std::snprintf(buf, sizeof buf, "\n  noise level sigma^2 = %.6f", teacher->noise_variance());
      r << buf;
    }
    return r.str();
  }

 private:
  // Infinite data: the population least-squares line beta = E[x y] = sum_i a*_i w*_i / 2 + beta*
  // (E[relu(<w,x>) x] = w/2), whose loss is the same on "train" and test.
  void population_ols(const DataGenerator& data) {
    const auto* teacher = capability<GaussianTeacher>(data);
    const auto* risk = capability<PopulationRisk>(data);
    ols_train_ = ols_test_ = kNone;
    if (!teacher || !risk) return;
    const math::gaussian::ReluExpansion f = teacher->expansion();
    Vector beta = 0.5 * (f.W.transpose() * f.a);
    if (f.beta.size() > 0) beta += f.beta;
    ols_train_ = ols_test_ = risk->linear_mse(beta);
  }

  double test_loss(const Snapshot& s) {
    std::optional<double> exact;
    if (squared_error_ && risk_) exact = risk_->network_mse(s.model.view());
    if (mode_ == "exact" && !exact)
      throw std::runtime_error(
          "losses: test = \"exact\" but the data generator has no closed-form test loss for this model; use "
          "test = \"auto\" or \"sample\"");
    test_exact_ = exact.has_value();
    if (exact) return *exact;
    return has_test_ ? s.model.loss_and_gradient(test_, {}, nullptr) : kNone;
  }

  // The fraction of samples with y h(x) <= 0 (a zero output counts as wrong).
  double zero_one_error(const Model& model, const Dataset& set) {
    model.predict(set.X, outputs_);
    Index wrong = 0;
    for (Index k = 0; k < set.size(); ++k) wrong += set.y[k] * outputs_[k] <= 0.0;
    return set.size() ? static_cast<double>(wrong) / static_cast<double>(set.size()) : 0.0;
  }

  Index test_samples_;
  std::string mode_, loss_name_;
  bool squared_error_, classification_;
  bool finite_;  // a finite training set (else n = "online" or "infinite": train = population loss)
  bool test_exact_ = false;
  bool has_test_ = true;
  const PopulationRisk* risk_ = nullptr;  // the data's closed form (set in prepare), unless test = "sample"
  std::string test_source_;
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // a test value that does not exist
  double ols_train_ = 0.0, ols_test_ = 0.0;
  Dataset test_;
  Vector outputs_;
};

PluginDescriptor describe() {
  Schema s;
  s.text("test", "test loss: auto (exact when a closed form exists, else held-out sample), exact, or sample")
      .def("auto")
      .one_of({"auto", "exact", "sample"});
  s.integer("test_samples", "size of the held-out test sample when one is used").def(10'000).at_least(1);
  PluginDescriptor d =
      make_plugin<Losses>("losses", "1.1.0",
                          "train/test loss in the experiment's loss; OLS baseline (squared error) or 0-1 error "
                          "(classification)",
                          s);
  d.column_labels = {{"train_mse", "train MSE (network)"},
                     {"test_mse", "test MSE (network)"},
                     {"ols_train_mse", "train MSE (OLS fit)"},
                     {"ols_test_mse", "test MSE (OLS fit)"},
                     {"train_error", "train 0-1 error"},
                     {"test_error", "test 0-1 error"},
                     {"train_logistic", "train logistic loss"},
                     {"test_logistic", "test logistic loss"},
                     {"train_exponential", "train exponential loss"},
                     {"test_exponential", "test exponential loss"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
