// Margins of a classifier network (Lyu, Li, Wang, Arora, NeurIPS 2021;
// docs/science.md §7), on the training set:
//   normalized_margin  gamma(theta) = min_i y_i f(x_i) / |theta|^2, |theta|^2 = sum_j a_j^2 + |w_j|^2 (+ b_j^2)
//   margin_ratio       gamma(theta) / ((1 + alpha) / 4 gamma_SVM): 1 at the bound two opposite
//                      neurons reach on symmetric data (alpha: leaky ReLU's slope, 0 for ReLU)
//   cos_svm, cos_mean  cosine of v = sum_j a_j w_j with w_SVM and with mu = (1/n) sum_i y_i x_i
//   even_odd           RMS over the inputs of the even part (f(x) + f(-x))/2 over that of the odd part
// gamma_SVM and w_SVM come from the hard-margin SVM without intercept
// (relulab/math/svm.hpp), solved once to a certified 1e-9 relative gap.
#include <relulab/relulab.hpp>
#include <relulab/math/svm.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using namespace relulab;

class Margin final : public Metric {
 public:
  Margin(const Params&, const BuildContext& ctx) {
    require_finite_training_set(ctx, "margin", "the normalised margin (and the hard-margin SVM)");
    if (ctx.loss && !ctx.loss->needs_sign_labels())
      throw ParameterError("plugin",
                           "margin measures a classifier: it needs a classification loss (logistic or "
                           "exponential) and labels -1 / +1; this experiment's loss is " +
                               ctx.loss->name());
  }

  std::vector<std::string> columns() const override {
    return {"normalized_margin", "margin_ratio", "cos_svm", "cos_mean", "even_odd"};
  }

  // Margin maximisation is about separable data: on data that no hyperplane
  // through the origin separates there is no max-margin direction to converge
  // to, so the run is refused before training rather than given numbers.
  void prepare(const Dataset& train, const DataGenerator&, Rng&) override {
    svm_ = math::svm::hard_margin(train.X, train.y);
    if (!svm_.separable)
      throw std::invalid_argument("margin: the training set (" + std::to_string(train.size()) +
                                  " samples) is not separable by a hyperplane through the origin, so it has no "
                                  "max-margin direction and no normalized margin to approach; the margin metric "
                                  "needs separable data (for example linear_classifier without flip)");
    mean_ = (train.X.transpose() * train.y) / static_cast<double>(train.size());
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    const TwoLayerView v = s.model.view();
    s.model.predict(s.train.X, plus_);
    s.model.predict(-s.train.X, minus_);
    double norm2 = v.W.squaredNorm() + v.a.squaredNorm() + v.b.squaredNorm();
    const double margin = (s.train.y.array() * plus_.array()).minCoeff() / norm2;
    const double alpha = v.activation == "leaky_relu" ? v.slope : 0.0;
    const Vector direction = v.W.transpose() * v.a;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    out[0] = margin;
    out[1] = svm_.separable ? margin / ((1.0 + alpha) / 4.0 * svm_.margin) : nan;
    out[2] = svm_.separable ? cosine(direction, svm_.direction) : nan;
    out[3] = cosine(direction, mean_);
    const double odd = (plus_ - minus_).norm(), even = (plus_ + minus_).norm();
    out[4] = odd > 0 ? even / odd : nan;
  }

  std::string final_report(std::span<const double> v, const DataGenerator&) const override {
    std::ostringstream r;
    if (!svm_.separable) {
      r << "  margin: the training set is not separable through the origin (no SVM margin, no ratio)";
      return r.str();
    }
    r << "  SVM margin (no intercept) " << svm_.margin << "; normalized margin " << v[0] << " = " << v[1]
      << " of the bound (1 + alpha)/4 gamma_SVM\n  cos(v, w_SVM) " << v[2] << ", cos(v, mu) " << v[3] << ", even/odd "
      << v[4];
    return r.str();
  }

 private:
  static double cosine(const Vector& a, const Vector& b) {
    const double n = a.norm() * b.norm();
    return n > 0 ? a.dot(b) / n : std::numeric_limits<double>::quiet_NaN();
  }

  math::svm::HardMargin svm_;
  Vector mean_, plus_, minus_;
};

PluginDescriptor describe() {
  PluginDescriptor d =
      make_plugin<Margin>("margin", "0.1.0",
                          "normalized margin against the SVM bound, cosines to w_SVM and to the mean, even/odd "
                          "ratio (classification)",
                          Schema{});
  d.column_labels = {{"normalized_margin", "normalized margin"},
                     {"margin_ratio", "margin / SVM margin"},
                     {"cos_svm", "cosine to the SVM direction"},
                     {"cos_mean", "cosine to the class-mean direction"},
                     {"even_odd", "even/odd ratio"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
