// Two-layer ReLU network h(x) = sum_j a_j relu(<w_j, x> + b_j), trained on the
// mean squared error (PyTorch's MSELoss, SCIENCE.md section 1).
//
// Parameter layout (one contiguous vector): W column by column (d blocks of m,
// so that a block holds one input coordinate of every neuron and the inner
// loops run over neurons, contiguous and vectorisable), then a (m), then b (m,
// only with a hidden bias).
#include <relulab/relulab.hpp>

#include <cmath>
#include <vector>

namespace {

using namespace relulab;

class TwoLayerRelu final : public Model {
 public:
  TwoLayerRelu(const Params& p, const BuildContext& ctx)
      : d_(ctx.input_dim),
        m_(p.integer("width")),
        bias_(p.flag("bias")),
        init_(p.text("init")),
        scale_(p.real("init_scale")),
        ratio_(p.real("dominance_ratio")),
        theta_(Vector::Zero((d_ + 1 + (bias_ ? 1 : 0)) * m_)),
        scratch_(static_cast<std::size_t>(m_)) {
    if (p.flag("scale_by_sqrt_width")) scale_ /= std::sqrt(static_cast<double>(m_));
  }

  Index input_dim() const override { return d_; }
  Index width() const override { return m_; }
  bool has_bias() const override { return bias_; }
  Index num_parameters() const override { return theta_.size(); }

  void initialize(Rng& rng) override {
    double* W = theta_.data();
    double* a = W + d_ * m_;
    double* b = bias_ ? a + m_ : nullptr;
    // Neuron by neuron, so a wider network starts with the same first neurons.
    for (Index j = 0; j < m_; ++j) {
      if (init_ == "gaussian") {
        for (Index i = 0; i < d_; ++i) W[i * m_ + j] = scale_ * rng.normal();
        a[j] = scale_ * rng.normal();
        if (b) b[j] = scale_ * rng.normal();
      } else if (init_ == "balanced") {
        double norm2 = 0.0;
        for (Index i = 0; i < d_; ++i) {
          W[i * m_ + j] = scale_ * rng.normal();
          norm2 += W[i * m_ + j] * W[i * m_ + j];
        }
        a[j] = (rng.coin() ? 1.0 : -1.0) * std::sqrt(norm2);
        if (b) b[j] = 0.0;
      } else {  // dominated: |a_j| = s > |w_j| = s * ratio
        double norm2 = 0.0;
        for (Index i = 0; i < d_; ++i) {
          W[i * m_ + j] = rng.normal();
          norm2 += W[i * m_ + j] * W[i * m_ + j];
        }
        const double to_radius = norm2 > 0 ? scale_ * ratio_ / std::sqrt(norm2) : 0.0;
        for (Index i = 0; i < d_; ++i) W[i * m_ + j] *= to_radius;
        a[j] = (rng.coin() ? 1.0 : -1.0) * scale_;
        if (b) b[j] = 0.0;
      }
    }
  }

  Eigen::Map<Vector> parameters() override { return {theta_.data(), theta_.size()}; }
  Eigen::Map<const Vector> parameters() const override { return {theta_.data(), theta_.size()}; }

  TwoLayerView view() const override {
    const double* W = theta_.data();
    return TwoLayerView{Eigen::Map<const Eigen::MatrixXd>(W, m_, d_), Eigen::Map<const Vector>(W + d_ * m_, m_),
                        Eigen::Map<const Vector>(W + (d_ + 1) * m_, bias_ ? m_ : 0), "relu"};
  }

  void predict(const RowMatrix& X, Vector& out) const override {
    out.resize(X.rows());
    for (Index k = 0; k < X.rows(); ++k) out[k] = forward(X.row(k).data());
  }

  double loss_and_gradient(const Dataset& data, Rows rows, double* gradient) const override {
    const Index count = rows.empty() ? data.size() : static_cast<Index>(rows.size());
    if (gradient) std::fill(gradient, gradient + theta_.size(), 0.0);
    if (count == 0) return 0.0;
    const double* W = theta_.data();
    const double* a = W + d_ * m_;
    double* gW = gradient;
    double* ga = gradient ? gradient + d_ * m_ : nullptr;
    double* gb = gradient && bias_ ? ga + m_ : nullptr;
    double* __restrict z = scratch_.data();
    const double two_over_n = 2.0 / static_cast<double>(count);
    double sum_sq = 0.0;
    for (Index t = 0; t < count; ++t) {
      const Index k = rows.empty() ? t : rows[t];
      const double* x = data.X.row(k).data();
      const double r = forward(x) - data.y[k];  // leaves the pre-activations in z
      sum_sq += r * r;
      if (!gradient) continue;
      const double c = two_over_n * r;
      // dL/da_j = c relu(z_j); dL/db_j = c a_j 1{z_j > 0}; dL/dw_j = dL/db_j x.
      // sigma'(0) = 0, as in PyTorch. z is overwritten by dL/db_j.
      for (Index j = 0; j < m_; ++j) {
        const bool active = z[j] > 0.0;
        ga[j] += active ? c * z[j] : 0.0;
        z[j] = active ? c * a[j] : 0.0;
      }
      if (gb)
        for (Index j = 0; j < m_; ++j) gb[j] += z[j];
      for (Index i = 0; i < d_; ++i) {
        double* __restrict g = gW + i * m_;
        const double xi = x[i];
        for (Index j = 0; j < m_; ++j) g[j] += xi * z[j];
      }
    }
    return sum_sq / static_cast<double>(count);
  }

 private:
  // h(x); leaves the pre-activations <w_j, x> + b_j in scratch_.
  double forward(const double* x) const {
    const double* W = theta_.data();
    const double* a = W + d_ * m_;
    double* __restrict z = scratch_.data();
    if (bias_) std::copy(a + m_, a + 2 * m_, z);
    else std::fill(z, z + m_, 0.0);
    for (Index i = 0; i < d_; ++i) {
      const double* __restrict w = W + i * m_;
      const double xi = x[i];
      for (Index j = 0; j < m_; ++j) z[j] += w[j] * xi;
    }
    double h = 0.0;
    for (Index j = 0; j < m_; ++j) h += a[j] * (z[j] > 0.0 ? z[j] : 0.0);
    return h;
  }

  Index d_, m_;
  bool bias_;
  std::string init_;
  double scale_, ratio_;
  Vector theta_;
  mutable std::vector<double> scratch_;  // m pre-activations; sized once, so calls never allocate
};

PluginDescriptor describe() {
  Schema s;
  s.integer("width", "number of hidden neurons m").def(100).at_least(1).at_most(100'000'000);
  s.flag("bias", "give every hidden neuron a bias b_j").def(false);
  s.text("init",
         "gaussian: W, a entries N(0, s^2); balanced: w_j ~ N(0, s^2 I), a_j = +-|w_j|; dominated: |a_j| = s, "
         "|w_j| = s * dominance_ratio")
      .def("gaussian")
      .one_of({"gaussian", "balanced", "dominated"});
  s.real("init_scale", "initialisation scale s (small: feature-learning regime; 0 starts at a stationary point)")
      .def(1e-3)
      .at_least(0);
  s.flag("scale_by_sqrt_width", "divide init_scale by sqrt(width)").def(false);
  s.real("dominance_ratio", "|w_j| / |a_j| at initialisation for init = dominated").def(0.5).above(0).below(1);
  return make_model_plugin<TwoLayerRelu>("two_layer_relu", "1.0.0",
                                         "two-layer ReLU network, MSE loss, optional hidden bias", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
