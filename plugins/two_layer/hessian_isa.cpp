// Exact Hessian-vector products of the training loss (docs/science.md §9),
// compiled once per instruction set beside the gradient kernel (the loops over
// neurons are plain and `#pragma omp simd` vectorises them for each).
//
// With z_kj = <w_j, x_k> + b_j, h_k = sum_j a_j s(z_kj), g_k = l'(h_k) / n and
// H_k = l''(h_k) / n, the gradient is
//   dL/da_j = sum_k g_k s(z_kj),   dL/dw_j = sum_k g_k a_j s'(z_kj) x_k,   dL/db_j = the same without x_k.
// Its derivative along v = (dW, da, db), with dz_kj = <dw_j, x_k> + db_j,
// dh_k = sum_j (da_j s(z_kj) + a_j s'(z_kj) dz_kj) and dg_k = H_k dh_k, is
//   (Hv)_a_j = sum_k dg_k s(z_kj) + g_k s'(z_kj) dz_kj,
//   (Hv)_w_j = sum_k p_kj x_k,   (Hv)_b_j = sum_k p_kj,
//   p_kj = (dg_k a_j + g_k da_j) s'(z_kj) + g_k a_j s''(z_kj) dz_kj.
// ReLU and leaky ReLU have s'' = 0 away from the kink and s'(0) as the
// gradient takes it (0 for ReLU, alpha for leaky ReLU), so H is the Hessian
// wherever the loss is twice differentiable: no sample on a kink.
//
// A chunk of samples goes through two passes: the first computes z, dz, h and
// dh and keeps z and dz; the loss then gives g and H for the chunk; the second
// accumulates the product. Cost per sample: three passes over the m x d
// weights (z, dz and the product's W part) against the gradient's two.
#include "kernel.hpp"

#include <algorithm>
#include <cmath>

namespace relulab::two_layer::RELULAB_KERNEL_NS {

namespace {

struct ReluSecond {
  static constexpr bool kCurved = false;
  double slope;  // unused
  double value(double z) const { return z > 0 ? z : 0.0; }
  double first(double z) const { return z > 0 ? 1.0 : 0.0; }
  double second(double) const { return 0.0; }
};

struct LeakySecond {
  static constexpr bool kCurved = false;
  double slope;
  double value(double z) const { return z > 0 ? z : slope * z; }
  double first(double z) const { return z > 0 ? 1.0 : slope; }
  double second(double) const { return 0.0; }
};

// gelu(z) = z Phi(z): gelu' = Phi + z phi, gelu'' = phi (2 - z^2), since phi' = -z phi.
struct GeluSecond {
  static constexpr bool kCurved = true;
  double slope;  // unused
  static double cdf(double z) { return 0.5 * (1.0 + std::erf(z * 0.70710678118654752440)); }
  static double pdf(double z) { return std::exp(-0.5 * z * z) * 0.39894228040143267794; }
  double value(double z) const { return z * cdf(z); }
  double first(double z) const { return cdf(z) + z * pdf(z); }
  double second(double z) const { return pdf(z) * (2.0 - z * z); }
};

struct Layout {
  const double *W, *a, *b;  // b null without a bias
};

Layout layout(const double* p, const HessianArgs& A) {
  const double* a = p + A.d * A.m;
  return {p, a, A.bias ? a + A.m : nullptr};
}

// Pass 1 for sample k of a chunk: z and dz into their rows, the output and its derivative along v.
template <class Act>
void forward(const HessianArgs& A, const Act& act, const double* x, double* z, double* dz, double& h, double& dh) {
  const Index m = A.m;
  const Layout p = layout(A.theta, A), v = layout(A.v, A);
#pragma omp simd
  for (Index j = 0; j < m; ++j) {
    z[j] = p.b ? p.b[j] : 0.0;
    dz[j] = v.b ? v.b[j] : 0.0;
  }
  for (Index i = 0; i < A.d; ++i) {
    const double xi = x[i];
    const double *Wi = p.W + i * m, *dWi = v.W + i * m;
#pragma omp simd
    for (Index j = 0; j < m; ++j) {
      z[j] += xi * Wi[j];
      dz[j] += xi * dWi[j];
    }
  }
  double out = 0.0, slope = 0.0;
#pragma omp simd reduction(+ : out, slope)
  for (Index j = 0; j < m; ++j) {
    const double s = act.value(z[j]);
    out += p.a[j] * s;
    slope += v.a[j] * s + p.a[j] * act.first(z[j]) * dz[j];
  }
  h = out;
  dh = slope;
}

// Pass 2 for sample k: adds its terms to the product; dz is overwritten with p_kj.
template <class Act>
void backward(const HessianArgs& A, const Act& act, const double* x, const double* z, double* dz, double g,
              double dg) {
  const Index m = A.m;
  const Layout p = layout(A.theta, A), v = layout(A.v, A);
  double* out_a = A.product + A.d * m;
  double* out_b = A.bias ? out_a + m : nullptr;
#pragma omp simd
  for (Index j = 0; j < m; ++j) {
    const double s1 = act.first(z[j]);
    out_a[j] += dg * act.value(z[j]) + g * s1 * dz[j];
    double pj = (dg * p.a[j] + g * v.a[j]) * s1;
    if constexpr (Act::kCurved) pj += g * p.a[j] * act.second(z[j]) * dz[j];
    dz[j] = pj;
  }
  if (out_b) {
#pragma omp simd
    for (Index j = 0; j < m; ++j) out_b[j] += dz[j];
  }
  for (Index i = 0; i < A.d; ++i) {
    const double xi = x[i];
    double* out_Wi = A.product + i * m;
#pragma omp simd
    for (Index j = 0; j < m; ++j) out_Wi[j] += xi * dz[j];
  }
}

template <class Act>
double product_with(const HessianArgs& A, const Act act) {
  const Index d = A.d, m = A.m, c = A.chunk;
  std::fill(A.product, A.product + (d + 1 + (A.bias ? 1 : 0)) * m, 0.0);
  double* Z = A.scratch;
  double* dZ = Z + c * m;
  double* x = dZ + c * m;
  double *h = x + c * d, *dh = h + c, *g = dh + c, *H = g + c, *y = H + c;
  const double weight = 1.0 / static_cast<double>(A.count);
  double sum = 0.0;
  for (Index first = 0; first < A.count; first += c) {
    const Index n = std::min(c, A.count - first);
    for (Index k = 0; k < n; ++k) {
      const Index row = A.rows ? A.rows[first + k] : first + k;
      std::copy_n(A.X + row * d, d, x + k * d);
      y[k] = A.y[row];
      forward(A, act, x + k * d, Z + k * m, dZ + k * m, h[k], dh[k]);
    }
    A.loss->accumulate(h, y, n, weight, sum, g);
    A.loss->second_derivative(h, y, n, weight, H);
    for (Index k = 0; k < n; ++k) backward(A, act, x + k * d, Z + k * m, dZ + k * m, g[k], H[k] * dh[k]);
  }
  return sum * weight;
}

}  // namespace

double hessian_vector_product(const HessianArgs& args) {
  switch (args.activation) {
    case Activation::LeakyRelu: return product_with(args, LeakySecond{args.slope});
    case Activation::Gelu: return product_with(args, GeluSecond{0.0});
    case Activation::Relu: break;
  }
  return product_with(args, ReluSecond{0.0});
}

}  // namespace relulab::two_layer::RELULAB_KERNEL_NS
