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
// A chunk of samples goes through two passes, each by blocks of neurons: the
// first computes z, dz, h and dh and keeps z and dz; the loss then gives g and
// H for the chunk; the second accumulates the product. Cost per sample: three passes over the m x d
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
  double first(double z) const { return static_cast<double>(z > 0); }
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

// The loops run over a block of neurons for one sample at a time: the block's
// weights, direction and product (d x kBlock values each) stay in L1 while a
// chunk's samples pass; z and dz of the chunk are kept for pass 2 (chunk x m
// each, in L2). Plain pointers and branch-free bodies, so that every loop over
// neurons vectorises.
constexpr Index kBlock = 128;

struct Span {
  Index first, size;  // neurons [first, first + size)
};

// Pass 1 for one sample and one block: z and dz into their rows, adding to the output and its
// derivative along v. Vectorised across neurons, the sum over inputs kept in registers.
template <int D, bool Bias, class Act>
void forward(const HessianArgs& A, const Act act, Span J, const double* x, double* __restrict z,
             double* __restrict dz, double& h, double& dh) {
  const Index m = A.m, f = J.first, n = J.size, d = D ? D : A.d;
  const Layout p = layout(A.theta, A), v = layout(A.v, A);
  const double* __restrict W = p.W + f;
  const double* __restrict dW = v.W + f;
  const double* __restrict a = p.a + f;
  const double* __restrict da = v.a + f;
  const double* __restrict b = p.b ? p.b + f : nullptr;
  const double* __restrict db = v.b ? v.b + f : nullptr;
  double out = 0.0, slope = 0.0;
#pragma omp simd reduction(+ : out, slope)
  for (Index j = 0; j < n; ++j) {
    double zj = 0.0, dzj = 0.0;
    if constexpr (Bias) zj = b[j], dzj = db[j];
    for (Index i = 0; i < d; ++i) {
      zj += x[i] * W[i * m + j];
      dzj += x[i] * dW[i * m + j];
    }
    z[j] = zj;
    dz[j] = dzj;
    const double s = act.value(zj);
    out += a[j] * s;
    slope += da[j] * s + a[j] * act.first(zj) * dzj;
  }
  h += out;
  dh += slope;
}

// What pass 2 needs of one sample: its input, its z and dz rows, g and dg.
struct Pass2Sample {
  const double *x, *z, *dz;
  double g, dg;
};

// One sample's contribution at one neuron: adds to the product's a entry, returns p_kj.
template <class Act>
inline double term(const Act& act, double a, double da, double z, double dz, double g, double dg, double& out_a) {
  const double s1 = act.first(z);
  out_a += dg * act.value(z) + g * s1 * dz;
  double p = (dg * a + g * da) * s1;
  if constexpr (Act::kCurved) p += g * a * act.second(z) * dz;
  return p;
}

// Pass 2 for one or two samples (`second`: the other sample's values, or null) and one block: adds
// their terms to the product. Two at a time halve the loads and stores of the product's W part.
template <int D, bool Bias, class Act>
void backward(const HessianArgs& A, const Act act, Span J, const Pass2Sample& s0, const Pass2Sample* second) {
  const Index m = A.m, f = J.first, n = J.size, d = D ? D : A.d;
  const double* __restrict a = A.theta + d * m + f;
  const double* __restrict da = A.v + d * m + f;
  double* __restrict out_W = A.product + f;
  double* __restrict out_a = A.product + d * m + f;
  double* __restrict out_b = A.bias ? out_a + m : nullptr;
  const Pass2Sample s1 = second ? *second : Pass2Sample{s0.x, s0.z, s0.dz, 0.0, 0.0};  // a zero-weight twin
  const double* __restrict z0 = s0.z + f;
  const double* __restrict dz0 = s0.dz + f;
  const double* __restrict z1 = s1.z + f;
  const double* __restrict dz1 = s1.dz + f;
#pragma omp simd
  for (Index j = 0; j < n; ++j) {
    const double p0 = term(act, a[j], da[j], z0[j], dz0[j], s0.g, s0.dg, out_a[j]);
    const double p1 = term(act, a[j], da[j], z1[j], dz1[j], s1.g, s1.dg, out_a[j]);
    if constexpr (Bias) out_b[j] += p0 + p1;
    for (Index i = 0; i < d; ++i) out_W[i * m + j] += s0.x[i] * p0 + s1.x[i] * p1;
  }
}

template <int D, bool Bias, class Act>
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
      h[k] = dh[k] = 0.0;
    }
    for (Index f = 0; f < m; f += kBlock) {
      const Span J{f, std::min(kBlock, m - f)};
      for (Index k = 0; k < n; ++k) forward<D, Bias>(A, act, J, x + k * d, Z + k * m + f, dZ + k * m + f, h[k], dh[k]);
    }
    A.loss->accumulate(h, y, n, weight, sum, g);
    A.curvature->second_derivative(h, y, n, weight, H);
    for (Index k = 0; k < n; ++k) dh[k] *= H[k];  // dg_k = H_k dh_k
    for (Index f = 0; f < m; f += kBlock) {
      const Span J{f, std::min(kBlock, m - f)};
      for (Index k = 0; k < n; k += 2) {
        const Pass2Sample s0{x + k * d, Z + k * m, dZ + k * m, g[k], dh[k]};
        if (k + 1 == n) {
          backward<D, Bias>(A, act, J, s0, nullptr);
          break;
        }
        const Pass2Sample s1{x + (k + 1) * d, Z + (k + 1) * m, dZ + (k + 1) * m, g[k + 1], dh[k + 1]};
        backward<D, Bias>(A, act, J, s0, &s1);
      }
    }
  }
  return sum * weight;
}

// The input dimension as a constant up to 8, so that the sums over inputs unroll and the loops over
// neurons vectorise (as the gradient kernel specialises); wider inputs take the general loops.
template <int D, class Act>
double product_in(const HessianArgs& args, const Act act) {
  return args.bias ? product_with<D, true>(args, act) : product_with<D, false>(args, act);
}

template <class Act>
double product(const HessianArgs& args, const Act act) {
  switch (args.d) {
    case 1: return product_in<1>(args, act);
    case 2: return product_in<2>(args, act);
    case 3: return product_in<3>(args, act);
    case 4: return product_in<4>(args, act);
    case 5: return product_in<5>(args, act);
    case 6: return product_in<6>(args, act);
    case 7: return product_in<7>(args, act);
    case 8: return product_in<8>(args, act);
    default: return product_in<0>(args, act);
  }
}

}  // namespace

double hessian_vector_product(const HessianArgs& args) {
  switch (args.activation) {
    case Activation::LeakyRelu: return product(args, LeakySecond{args.slope});
    case Activation::Gelu: return product(args, GeluSecond{0.0});
    case Activation::Relu: break;
  }
  return product(args, ReluSecond{0.0});
}

}  // namespace relulab::two_layer::RELULAB_KERNEL_NS
