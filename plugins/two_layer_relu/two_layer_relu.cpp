// Two-layer ReLU network h(x) = sum_j a_j relu(<w_j, x> + b_j), trained on the
// mean squared error (PyTorch's MSELoss, SCIENCE.md section 1).
//
// Parameter layout (one contiguous vector): W column by column (d blocks of m,
// so that a block holds one input coordinate of every neuron and the inner
// loops run over neurons, contiguous and vectorisable), then a (m), then b (m,
// only with a hidden bias).
#include <relulab/relulab.hpp>

#include "simd.hpp"

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
    // A chunk's inputs and outputs; when kept, its activations and one vector
    // of partial outputs per sample.
    scratch_.resize(static_cast<std::size_t>(chunk_ * (d_ + 1) +
                                             (keeps_activations_ ? chunk_ * (m_ + simd::kLanes) : 0)));
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
  // Samples are processed in chunks. Pass 1 computes the chunk's outputs; the
  // residuals then give every sample's weight c_k = (2/n) r_k; pass 2
  // accumulates the gradient. Neurons run in the SIMD lanes, so no horizontal
  // reduction sits inside an inner loop.
  //
  // Two paths. When a chunk of activations relu(z) (chunk x m doubles) fits
  // kActivationBudget, an L2 cache's share, and d is a compile-time constant,
  // `kept_kernel` keeps them from pass 1 for pass 2 and is register-blocked:
  // see there. Otherwise `kernel` recomputes them in pass 2: a chunk short
  // enough to keep them would re-read W (d x m) too often.
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

  // Copies samples t0 .. t0 + nc - 1 (of `rows`, or of the data set when
  // `rows` is empty) into x, d per sample, and zeroes their outputs c.
  static void gather_chunk(const Dataset& data, Rows rows, Index t0, Index nc, Index d, double* x, double* c) {
    for (Index t = 0; t < nc; ++t) {
      const Index k = rows.empty() ? t0 + t : rows[t0 + t];
      std::copy_n(data.X.row(k).data(), d, x + t * d);
      c[t] = 0.0;
    }
  }

  // The kept path, one vector of neurons at a time with everything that vector
  // needs in registers. Pass 1 loads a vector's weights once and runs every
  // sample of the chunk past them: d multiply-adds per sample, the inputs
  // broadcast from L1, the activations stored for pass 2, the outputs summed
  // in one vector of partial sums per sample (reduced once per chunk). Pass 2
  // keeps the vector's gradient in registers across the chunk and adds each
  // sample's share: per sample a load of its activations and d + 1
  // multiply-adds, and the gradient is stored once per chunk (the first
  // chunk writes it, so it is never zero-filled). With neurons in lanes and
  // samples in the inner loop, loads per multiply-add stay near one: the
  // arithmetic, not the memory operations, sets the pace. Neurons beyond the
  // last whole vector take a scalar loop.
  template <int D, bool Bias>
  double kept_kernel(const Dataset& data, Rows rows, double* gradient) const {
    using simd::Doubles;
    constexpr Index L = simd::kLanes;
    const Index m = m_, chunk = chunk_;
    const Index count = rows.empty() ? data.size() : static_cast<Index>(rows.size());
    if (count == 0) {
      if (gradient) std::fill(gradient, gradient + theta_.size(), 0.0);
      return 0.0;
    }
    const double* W = theta_.data();
    const double* a = W + D * m;
    const double* b = a + m;  // read only when Bias
    double* x = scratch_.data();  // chunk inputs, D per sample, contiguous
    double* c = x + chunk * D;    // per-sample scalar-tail outputs, then residual weights
    // relu(z), neuron-major so that both passes walk it contiguously: the
    // chunk's values for neurons j..j+L-1 sit at act + j * chunk, L per sample
    // (a scalar-tail neuron's at act + j * chunk, one per sample).
    double* act = c + chunk;
    double* partial = act + chunk * m;  // one vector of partial outputs per sample
    const Index vector_end = m / L * L;
    const double two_over_n = 2.0 / static_cast<double>(count);
    double sum_sq = 0.0;
    for (Index t0 = 0; t0 < count; t0 += chunk) {
      const Index nc = std::min(chunk, count - t0);
      gather_chunk(data, rows, t0, nc, D, x, c);
      for (Index t = 0; t < nc; ++t) simd::store(partial + t * L, Doubles{});
      for (Index j = 0; j < vector_end; j += L) {
        Doubles w[D];
        for (Index i = 0; i < D; ++i) w[i] = simd::load(W + i * m + j);
        const Doubles aj = simd::load(a + j);
        const Doubles bj = Bias ? simd::load(b + j) : Doubles{};
        for (Index t = 0; t < nc; ++t) {
          const double* xt = x + t * D;
          Doubles z = w[0] * simd::broadcast(xt[0]);
          for (Index i = 1; i < D; ++i) z += w[i] * simd::broadcast(xt[i]);
          const Doubles r = simd::relu(z + bj);
          simd::store(act + j * chunk + t * L, r);
          simd::store(partial + t * L, simd::load(partial + t * L) + aj * r);
        }
      }
      for (Index j = vector_end; j < m; ++j)
        for (Index t = 0; t < nc; ++t) {
          const double r = std::max(neuron_dot<D>(W, x + t * D, m, j, D) + (Bias ? b[j] : 0.0), 0.0);
          act[j * chunk + t] = r;
          c[t] += a[j] * r;
        }
      for (Index t = 0; t < nc; ++t) {
        const Index k = rows.empty() ? t0 + t : rows[t0 + t];
        const double r = simd::sum(simd::load(partial + t * L)) + c[t] - data.y[k];
        sum_sq += r * r;
        c[t] = two_over_n * r;
      }
      if (!gradient) continue;
      // dL/da_j = c relu(z_j); dL/db_j = c a_j 1{z_j > 0}; dL/dw_j = dL/db_j x (sigma'(0) = 0, as PyTorch).
      double* gW = gradient;
      double* ga = gradient + D * m;
      double* gb = ga + m;  // written only when Bias
      const bool first = t0 == 0;
      for (Index j = 0; j < vector_end; j += L) {
        Doubles g[D], g_a = first ? Doubles{} : simd::load(ga + j), g_b{};
        for (Index i = 0; i < D; ++i) g[i] = first ? Doubles{} : simd::load(gW + i * m + j);
        if constexpr (Bias) g_b = first ? Doubles{} : simd::load(gb + j);
        const Doubles aj = simd::load(a + j);
        for (Index t = 0; t < nc; ++t) {
          const Doubles r = simd::load(act + j * chunk + t * L), ct = simd::broadcast(c[t]);
          g_a += ct * r;
          const Doubles s = simd::select_or_zero(r > Doubles{}, ct) * aj;
          if constexpr (Bias) g_b += s;
          const double* xt = x + t * D;
          for (Index i = 0; i < D; ++i) g[i] += s * simd::broadcast(xt[i]);
        }
        for (Index i = 0; i < D; ++i) simd::store(gW + i * m + j, g[i]);
        simd::store(ga + j, g_a);
        if constexpr (Bias) simd::store(gb + j, g_b);
      }
      for (Index j = vector_end; j < m; ++j) {
        double g[D], g_a = first ? 0.0 : ga[j], g_b = Bias && !first ? gb[j] : 0.0;
        for (Index i = 0; i < D; ++i) g[i] = first ? 0.0 : gW[i * m + j];
        for (Index t = 0; t < nc; ++t) {
          const double r = act[j * chunk + t];
          g_a += c[t] * r;
          const double s = (r > 0.0 ? c[t] : 0.0) * a[j];
          g_b += s;
          for (Index i = 0; i < D; ++i) g[i] += s * x[t * D + i];
        }
        for (Index i = 0; i < D; ++i) gW[i * m + j] = g[i];
        ga[j] = g_a;
        if constexpr (Bias) gb[j] = g_b;
      }
    }
    return sum_sq / static_cast<double>(count);
  }

  template <int D, bool Bias>
  double kernel(const Dataset& data, Rows rows, double* gradient) const {
    if constexpr (D > 0)
      if (keeps_activations_) return kept_kernel<D, Bias>(data, rows, gradient);
    const Index d = D > 0 ? D : d_, m = m_;
    const Index count = rows.empty() ? data.size() : static_cast<Index>(rows.size());
    if (gradient) std::fill(gradient, gradient + theta_.size(), 0.0);
    if (count == 0) return 0.0;
    const double* W = theta_.data();
    const double* a = W + d * m;
    const double* b = a + m;  // read only when Bias
    double* x = scratch_.data();  // chunk inputs, d per sample, contiguous
    double* c = x + chunk_ * d;   // per-sample outputs, then residual weights
    const double two_over_n = 2.0 / static_cast<double>(count);
    double sum_sq = 0.0;
    for (Index t0 = 0; t0 < count; t0 += chunk_) {
      const Index nc = std::min(chunk_, count - t0);
      gather_chunk(data, rows, t0, nc, d, x, c);
      for (Index j0 = 0; j0 < m; j0 += kBlock) {
        const Index j1 = std::min(m, j0 + kBlock);
        Index t = 0;
        // Four samples per pass over the block: each neuron's weights are
        // loaded once for four dot products.
        for (; D > 0 && t + 4 <= nc; t += 4) {
          const double *x0 = x + t * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
          double h0 = 0.0, h1 = 0.0, h2 = 0.0, h3 = 0.0;
#pragma omp simd reduction(+ : h0, h1, h2, h3)
          for (Index j = j0; j < j1; ++j) {
            const double bj = Bias ? b[j] : 0.0, aj = a[j];
            h0 += aj * std::max(neuron_dot<D>(W, x0, m, j, d) + bj, 0.0);
            h1 += aj * std::max(neuron_dot<D>(W, x1, m, j, d) + bj, 0.0);
            h2 += aj * std::max(neuron_dot<D>(W, x2, m, j, d) + bj, 0.0);
            h3 += aj * std::max(neuron_dot<D>(W, x3, m, j, d) + bj, 0.0);
          }
          c[t] += h0, c[t + 1] += h1, c[t + 2] += h2, c[t + 3] += h3;
        }
        for (; t < nc; ++t) {
          const double* xt = x + t * d;
          double h = 0.0;
#pragma omp simd reduction(+ : h)
          for (Index j = j0; j < j1; ++j) {
            const double z = neuron_dot<D>(W, xt, m, j, d) + (Bias ? b[j] : 0.0);
            h += a[j] * std::max(z, 0.0);  // branch-free, so the loop vectorises
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
        for (; D > 0 && t + 4 <= nc; t += 4) {
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
#pragma omp simd
          for (Index j = j0; j < j1; ++j) {
            const double z = neuron_dot<D>(W, xt, m, j, d) + (Bias ? b[j] : 0.0);
            // dL/da_j = c relu(z_j); dL/db_j = c a_j 1{z_j > 0}; dL/dw_j = dL/db_j x (sigma'(0) = 0, as PyTorch).
            ga[j] += ct * std::max(z, 0.0);
            const double s = (z > 0.0 ? ct : 0.0) * a[j];
            if constexpr (Bias) gb[j] += s;
            neuron_axpy<D>(gW, xt, s, m, j, d);
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
  Index chunk_;             // samples per chunk
  bool keeps_activations_;  // the kept path (for a compile-time d)
  mutable std::vector<double> scratch_;  // sized once, so calls never allocate
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
  return make_plugin<TwoLayerRelu>("two_layer_relu", "1.0.0",
                                         "two-layer ReLU network, MSE loss, optional hidden bias", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
