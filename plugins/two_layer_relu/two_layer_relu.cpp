// Two-layer ReLU network h(x) = sum_j a_j relu(<w_j, x> + b_j), trained on the
// mean squared error (PyTorch's MSELoss, SCIENCE.md section 1).
//
// Parameter layout (one contiguous vector): W column by column (d blocks of m,
// so that a block holds one input coordinate of every neuron and the inner
// loops run over neurons, contiguous and vectorisable), then a (m), then b (m,
// only with a hidden bias).
#include <relulab/relulab.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace relulab;

// <w_j, x> and g_j += s x with w_j spread over d columns of length m (neuron
// j at offset j of each). For a compile-time d the sum is written out term by
// term, leaving the loop over neurons as the only loop, which GCC vectorises;
// an inner loop over d would be vectorised instead, across strided columns.
template <std::size_t... I>
inline double column_dot(const double* __restrict W, const double* __restrict x, Index m, Index j,
                         std::index_sequence<I...>) {
  return ((W[I * m + j] * x[I]) + ...);
}
template <std::size_t... I>
inline void column_axpy(double* __restrict G, const double* __restrict x, double s, Index m, Index j,
                        std::index_sequence<I...>) {
  ((G[I * m + j] += s * x[I]), ...);
}
template <int D>
inline double neuron_dot(const double* __restrict W, const double* __restrict x, Index m, Index j, Index d) {
  if constexpr (D > 0) {
    return column_dot(W, x, m, j, std::make_index_sequence<D>{});
  } else {
    double z = 0.0;
    for (Index i = 0; i < d; ++i) z += W[i * m + j] * x[i];
    return z;
  }
}
template <int D>
inline void neuron_axpy(double* __restrict G, const double* __restrict x, double s, Index m, Index j, Index d) {
  if constexpr (D > 0) {
    column_axpy(G, x, s, m, j, std::make_index_sequence<D>{});
  } else {
    for (Index i = 0; i < d; ++i) G[i * m + j] += s * x[i];
  }
}

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
        chunk_(std::min(kChunk, kActivationBudget / m_ / 4 * 4)),
        keeps_activations_(chunk_ >= kMinKeptChunk) {
    if (!keeps_activations_) chunk_ = kChunk;
    scratch_.resize(static_cast<std::size_t>(chunk_ * (d_ + 1) + (keeps_activations_ ? chunk_ * m_ : 0)));
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

  void assign(const Eigen::MatrixXd& W, const Vector& a, const Vector& b) override {
    if (W.rows() != m_ || W.cols() != d_ || a.size() != m_ || b.size() != (bias_ ? m_ : 0))
      throw std::invalid_argument("weights of shape W " + std::to_string(W.rows()) + "x" + std::to_string(W.cols()) +
                                  ", a " + std::to_string(a.size()) + ", b " + std::to_string(b.size()) +
                                  " do not fit this model (width " + std::to_string(m_) + ", d " +
                                  std::to_string(d_) + (bias_ ? ", with bias)" : ", no bias)"));
    Eigen::Map<Eigen::MatrixXd>(theta_.data(), m_, d_) = W;  // column-major m x d: the layout of theta
    theta_.segment(d_ * m_, m_) = a;
    if (bias_) theta_.segment((d_ + 1) * m_, m_) = b;
  }

  void predict(const RowMatrix& X, Vector& out) const override {
    out.resize(X.rows());
    for (Index k = 0; k < X.rows(); ++k) out[k] = forward(X.row(k).data());
  }

  double loss_and_gradient(const Dataset& data, Rows rows, double* gradient) const override {
    return bias_ ? dispatch<true>(data, rows, gradient) : dispatch<false>(data, rows, gradient);
  }

 private:
  // Samples are processed in chunks and neurons in blocks small enough that a
  // block's weights and gradient stay in L1 while the chunk's samples stream
  // past them. Pass 1 sums the chunk's outputs block by block; the residuals
  // then give every sample's weight c_k = (2/n) r_k; pass 2 accumulates the
  // gradient. Neurons run in the SIMD lanes, so no reduction sits inside the
  // inner loops except the output sum, which is vectorised by `omp simd
  // reduction` (-fopenmp-simd: no OpenMP runtime).
  //
  // Pass 2 needs relu(z) for every sample and neuron. Pass 1 keeps them when a
  // chunk of them (chunk x m doubles) fits kActivationBudget, an L2 cache's
  // share; that saves pass 2 the d multiply-adds per sample and neuron of
  // recomputing z, about a third of the work at d = 5. A wider network keeps
  // nothing and recomputes instead: a chunk short enough to fit would re-read
  // W (d x m) too often. Both paths give the same bits.
  static constexpr Index kChunk = 64;
  static constexpr Index kBlock = 256;
  static constexpr Index kActivationBudget = 32 * 1024;  // doubles: 256 KiB
  static constexpr Index kMinKeptChunk = 16;

  // The input dimension and the bias as compile-time constants: the inner
  // loops unroll and the neuron loops carry no branch, so they vectorise.
  template <bool Bias>
  double dispatch(const Dataset& data, Rows rows, double* gradient) const {
    switch (d_) {
      case 1: return kernel<1, Bias>(data, rows, gradient);
      case 2: return kernel<2, Bias>(data, rows, gradient);
      case 3: return kernel<3, Bias>(data, rows, gradient);
      case 4: return kernel<4, Bias>(data, rows, gradient);
      case 5: return kernel<5, Bias>(data, rows, gradient);
      case 6: return kernel<6, Bias>(data, rows, gradient);
      case 8: return kernel<8, Bias>(data, rows, gradient);
      case 10: return kernel<10, Bias>(data, rows, gradient);
      default: return kernel<0, Bias>(data, rows, gradient);
    }
  }

  template <int D, bool Bias>
  double kernel(const Dataset& data, Rows rows, double* gradient) const {
    const Index d = D > 0 ? D : d_, m = m_;
    const Index count = rows.empty() ? data.size() : static_cast<Index>(rows.size());
    // The first four-sample group of the kept path writes the gradient instead
    // of adding to it (0.0 + sum: the same bits as adding to zeros), which
    // saves a pass over it, ~8% of a step at width 1000. Other paths zero it.
    const bool first_group_assigns = keeps_activations_ && D > 0 && count >= 4;
    if (gradient && !first_group_assigns) std::fill(gradient, gradient + theta_.size(), 0.0);
    if (count == 0) return 0.0;
    const double* W = theta_.data();
    const double* a = W + d * m;
    const double* b = a + m;  // read only when Bias
    const Index chunk = chunk_;
    const bool keep = keeps_activations_;
    double* x = scratch_.data();  // chunk inputs, d per sample, contiguous
    double* c = x + chunk * d;    // per-sample outputs, then residual weights
    double* act = c + chunk;      // relu(z), m per sample, when kept
    const double two_over_n = 2.0 / static_cast<double>(count);
    double sum_sq = 0.0;
    for (Index t0 = 0; t0 < count; t0 += chunk) {
      const Index nc = std::min(chunk, count - t0);
      for (Index t = 0; t < nc; ++t) {
        const Index k = rows.empty() ? t0 + t : rows[t0 + t];
        std::copy_n(data.X.row(k).data(), d, x + t * d);
        c[t] = 0.0;
      }
      for (Index j0 = 0; j0 < m; j0 += kBlock) {
        const Index j1 = std::min(m, j0 + kBlock);
        Index t = 0;
        // Four samples per pass over the block: each neuron's weights are
        // loaded once for four dot products.
        for (; D > 0 && t + 4 <= nc; t += 4) {
          const double *x0 = x + t * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
          double h0 = 0.0, h1 = 0.0, h2 = 0.0, h3 = 0.0;
          if (keep) {
            double *r0 = act + t * m, *r1 = r0 + m, *r2 = r1 + m, *r3 = r2 + m;
#pragma omp simd reduction(+ : h0, h1, h2, h3)
            for (Index j = j0; j < j1; ++j) {
              const double bj = Bias ? b[j] : 0.0, aj = a[j];
              // Every load before the first store, which might otherwise alias them.
              const double z0 = std::max(neuron_dot<D>(W, x0, m, j, d) + bj, 0.0);
              const double z1 = std::max(neuron_dot<D>(W, x1, m, j, d) + bj, 0.0);
              const double z2 = std::max(neuron_dot<D>(W, x2, m, j, d) + bj, 0.0);
              const double z3 = std::max(neuron_dot<D>(W, x3, m, j, d) + bj, 0.0);
              r0[j] = z0, r1[j] = z1, r2[j] = z2, r3[j] = z3;
              h0 += aj * z0, h1 += aj * z1, h2 += aj * z2, h3 += aj * z3;
            }
          } else {
#pragma omp simd reduction(+ : h0, h1, h2, h3)
            for (Index j = j0; j < j1; ++j) {
              const double bj = Bias ? b[j] : 0.0, aj = a[j];
              h0 += aj * std::max(neuron_dot<D>(W, x0, m, j, d) + bj, 0.0);
              h1 += aj * std::max(neuron_dot<D>(W, x1, m, j, d) + bj, 0.0);
              h2 += aj * std::max(neuron_dot<D>(W, x2, m, j, d) + bj, 0.0);
              h3 += aj * std::max(neuron_dot<D>(W, x3, m, j, d) + bj, 0.0);
            }
          }
          c[t] += h0, c[t + 1] += h1, c[t + 2] += h2, c[t + 3] += h3;
        }
        for (; t < nc; ++t) {
          const double* xt = x + t * d;
          double h = 0.0;
          if (!keep) {
#pragma omp simd reduction(+ : h)
            for (Index j = j0; j < j1; ++j) h += a[j] * std::max(neuron_dot<D>(W, xt, m, j, d) + (Bias ? b[j] : 0.0), 0.0);
          } else {
            double* rt = act + t * m;
#pragma omp simd reduction(+ : h)
            for (Index j = j0; j < j1; ++j) {
              const double r = std::max(neuron_dot<D>(W, xt, m, j, d) + (Bias ? b[j] : 0.0), 0.0);
              rt[j] = r;
              h += a[j] * r;
            }
          }
          c[t] += h;
        }
      }
      for (Index t = 0; t < nc; ++t) {
        const Index k = rows.empty() ? t0 + t : rows[t0 + t];
        const double r = c[t] - data.y[k];
        sum_sq += r * r;
        c[t] = two_over_n * r;
      }
      if (!gradient) continue;
      double* gW = gradient;
      double* ga = gradient + d * m;
      double* gb = ga + m;  // written only when Bias
      for (Index j0 = 0; j0 < m; j0 += kBlock) {
        const Index j1 = std::min(m, j0 + kBlock);
        Index t = 0;
        // Four samples per pass: each neuron's weights are loaded, and its
        // gradient read and written, once for four samples (a single-sample
        // loop does ~2d + 3 memory operations per 2d + 2 multiply-adds and is
        // bound by them, not by arithmetic).
        const auto kept_group = [&]<bool Assign>(Index t) {
          const double *x0 = x + t * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
          const double *r0 = act + t * m, *r1 = r0 + m, *r2 = r1 + m, *r3 = r2 + m;
          const double c0 = c[t], c1 = c[t + 1], c2 = c[t + 2], c3 = c[t + 3];
#pragma omp simd
          for (Index j = j0; j < j1; ++j) {
            const double aj = a[j], z0 = r0[j], z1 = r1[j], z2 = r2[j], z3 = r3[j];
            ga[j] = (Assign ? 0.0 : ga[j]) + (c0 * z0 + c1 * z1 + c2 * z2 + c3 * z3);
            const double s0 = (z0 > 0.0 ? c0 : 0.0) * aj, s1 = (z1 > 0.0 ? c1 : 0.0) * aj;
            const double s2 = (z2 > 0.0 ? c2 : 0.0) * aj, s3 = (z3 > 0.0 ? c3 : 0.0) * aj;
            if constexpr (Bias) gb[j] = (Assign ? 0.0 : gb[j]) + (s0 + s1 + s2 + s3);
            for (Index i = 0; i < (D > 0 ? D : 1); ++i)
              gW[i * m + j] = (Assign ? 0.0 : gW[i * m + j]) + (s0 * x0[i] + s1 * x1[i] + s2 * x2[i] + s3 * x3[i]);
          }
        };
        if (D > 0 && keep && t0 == 0 && nc >= 4) {
          kept_group.template operator()<true>(0);
          t = 4;
        }
        for (; D > 0 && keep && t + 4 <= nc; t += 4) kept_group.template operator()<false>(t);
        for (; D > 0 && !keep && t + 4 <= nc; t += 4) {
          const double *x0 = x + t * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
          const double c0 = c[t], c1 = c[t + 1], c2 = c[t + 2], c3 = c[t + 3];
#pragma omp simd
          for (Index j = j0; j < j1; ++j) {
            const double bj = Bias ? b[j] : 0.0, aj = a[j];
            const double z0 = neuron_dot<D>(W, x0, m, j, d) + bj, z1 = neuron_dot<D>(W, x1, m, j, d) + bj;
            const double z2 = neuron_dot<D>(W, x2, m, j, d) + bj, z3 = neuron_dot<D>(W, x3, m, j, d) + bj;
            ga[j] += c0 * std::max(z0, 0.0) + c1 * std::max(z1, 0.0) + c2 * std::max(z2, 0.0) + c3 * std::max(z3, 0.0);
            const double s0 = (z0 > 0.0 ? c0 : 0.0) * aj, s1 = (z1 > 0.0 ? c1 : 0.0) * aj;
            const double s2 = (z2 > 0.0 ? c2 : 0.0) * aj, s3 = (z3 > 0.0 ? c3 : 0.0) * aj;
            if constexpr (Bias) gb[j] += s0 + s1 + s2 + s3;
            for (Index i = 0; i < (D > 0 ? D : 1); ++i)
              gW[i * m + j] += s0 * x0[i] + s1 * x1[i] + s2 * x2[i] + s3 * x3[i];
          }
        }
        for (; t < nc; ++t) {
          const double* xt = x + t * d;
          const double ct = c[t];
          // dL/da_j = c relu(z_j); dL/db_j = c a_j 1{z_j > 0}; dL/dw_j = dL/db_j x (sigma'(0) = 0, as PyTorch).
          const auto accumulate = [&](Index j, double r) {
            ga[j] += ct * r;
            const double s = (r > 0.0 ? ct : 0.0) * a[j];
            if constexpr (Bias) gb[j] += s;
            neuron_axpy<D>(gW, xt, s, m, j, d);
          };
          if (keep) {
            const double* rt = act + t * m;
#pragma omp simd
            for (Index j = j0; j < j1; ++j) accumulate(j, rt[j]);
          } else {
#pragma omp simd
            for (Index j = j0; j < j1; ++j)
              accumulate(j, std::max(neuron_dot<D>(W, xt, m, j, d) + (Bias ? b[j] : 0.0), 0.0));
          }
        }
      }
    }
    return sum_sq / static_cast<double>(count);
  }

  // h(x), for predictions (not a hot path).
  double forward(const double* x) const {
    const double* W = theta_.data();
    const double* a = W + d_ * m_;
    double h = 0.0;
    for (Index j = 0; j < m_; ++j) {
      double z = bias_ ? a[m_ + j] : 0.0;
      for (Index i = 0; i < d_; ++i) z += W[i * m_ + j] * x[i];
      h += z > 0.0 ? a[j] * z : 0.0;
    }
    return h;
  }

  Index d_, m_;
  bool bias_;
  std::string init_;
  double scale_, ratio_;
  Vector theta_;
  Index chunk_;              // samples per chunk
  bool keeps_activations_;   // pass 1 keeps relu(z) for pass 2
  mutable std::vector<double> scratch_;  // a chunk's inputs, outputs and activations; sized once, so calls never allocate
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
