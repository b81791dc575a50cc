// The two-layer network's loss-and-gradient kernel, compiled once per
// instruction set: CMake builds this file three times with
// RELULAB_KERNEL_NS = sse2, avx2 (-mavx2 -mfma) or avx512 (-mavx512f ...),
// each into its own namespace, so no inline function is shared between
// builds for different instruction sets. It includes no Eigen (kernel.hpp).
#include "kernel.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#ifndef RELULAB_KERNEL_NS
#error "kernel_isa.cpp is compiled with -DRELULAB_KERNEL_NS=<isa>"
#endif

#include "simd.hpp"
#include "gaussian.hpp"
#include "activation.hpp"

namespace relulab::two_layer::RELULAB_KERNEL_NS {
namespace {

// std::min for indices, local so that nothing inline is shared across instruction sets.
inline Index smaller(Index a, Index b) { return b < a ? b : a; }

template <class T>
inline void zero(T* p, Index n) {
  for (Index i = 0; i < n; ++i) p[i] = T(0);
}

// p rounded up to a 64-byte boundary (the scratch starts on one), so that the
// activations' vectors never straddle two cache lines.
template <class T>
inline T* aligned_up(T* p) {
  constexpr std::uintptr_t kAlign = 64;
  const std::uintptr_t address = reinterpret_cast<std::uintptr_t>(p);
  return reinterpret_cast<T*>((address + kAlign - 1) / kAlign * kAlign);
}

// Whether the host asked a long loss-only call to stop (KernelArgs::stop).
inline bool stopped(const KernelArgs& args) { return args.stop && args.stop->load(std::memory_order_relaxed) != 0; }

// The sample behind position t of the call: rows[t], or t itself.
inline Index sample(const KernelArgs& args, Index t) { return args.rows ? args.rows[t] : t; }

// <w_j, x> and g_j += s x with w_j spread over d columns of length m (neuron
// j at offset j of each). For a compile-time d the sum is written out term by
// term, leaving the loop over neurons as the only loop, which GCC vectorises;
// an inner loop over d would be vectorised instead, across strided columns.
template <class T, std::size_t... I>
inline T column_dot(const T* __restrict W, const T* __restrict x, Index m, Index j, std::index_sequence<I...>) {
  return ((W[I * m + j] * x[I]) + ...);
}
template <class T, std::size_t... I>
inline void column_axpy(T* __restrict G, const T* __restrict x, T s, Index m, Index j, std::index_sequence<I...>) {
  ((G[I * m + j] += s * x[I]), ...);
}
template <int D, class T>
inline T neuron_dot(const T* __restrict W, const T* __restrict x, Index m, Index j, Index d) {
  if constexpr (D > 0) {
    return column_dot(W, x, m, j, std::make_index_sequence<D>{});
  } else {
    T z = 0;
    for (Index i = 0; i < d; ++i) z += W[i * m + j] * x[i];
    return z;
  }
}
template <int D, class T>
inline void neuron_axpy(T* __restrict G, const T* __restrict x, T s, Index m, Index j, Index d) {
  if constexpr (D > 0) {
    column_axpy(G, x, s, m, j, std::make_index_sequence<D>{});
  } else {
    for (Index i = 0; i < d; ++i) G[i * m + j] += s * x[i];
  }
}

// Samples are processed in chunks. Pass 1 computes the chunk's outputs; the
// residuals then give every sample's weight c_k = (2/n) r_k; pass 2
// accumulates the gradient. Neurons run in the SIMD lanes, so no horizontal
// reduction sits inside an inner loop.
//
// Two paths. `kept_kernel` keeps pass 1's activations sigma(z) for pass 2;
// for a compile-time d it is register-blocked, for any other d it runs the
// same passes from L1 (kept_forward_any_d): see there. The model picks the
// chunk (two_layer.cpp: in L2 when it fits, at least 16 samples otherwise).
// Otherwise `kernel` recomputes them in pass 2: for widths whose
// activations would take more than 64 MiB, or when forced (the tests).
static constexpr Index kBlock = 256;

// Copies samples t0 .. t0 + nc - 1 (of `rows`, or of the data set when
// `rows` is empty) into x, d per sample, and zeroes their outputs c.
template <class T>
inline void gather_chunk(const KernelArgs& args, Index t0, Index nc, Index d, T* x, T* c) {
  for (Index t = 0; t < nc; ++t) {
    const double* row = args.X + sample(args, t0 + t) * d;
    for (Index i = 0; i < d; ++i) x[t * d + i] = static_cast<T>(row[i]);
    c[t] = T(0);
  }
}

// The network as the kernel reads it, and where its gradient goes.
template <class T>
struct Net {
  const T *W, *a, *b;  // b read only with a bias
  Index m, d;
};
template <class T>
struct Grad {
  T *W, *a, *b;  // b written only with a bias
};
template <class T>
Net<T> net_of(const T* W, Index m, Index d) {
  return {W, W + d * m, W + (d + 1) * m, m, d};
}
template <class T>
Grad<T> grad_of(T* G, Index m, Index d) {
  return {G, G + d * m, G + (d + 1) * m};
}

// Hands the chunk's outputs c[t] to the loss, which adds their losses to the
// call's running sum (in double, whatever T; one running sum, so the order of
// additions is sample order) and, for a gradient, turns each into its weight
// c_k = (1/n) dl/dh(h_k, y_k) (for the squared error, (2/n) r_k).
template <class T>
inline void loss_weights(const KernelArgs& args, Index t0, Index nc, T* c, double& sum, bool gradient) {
  double* h = args.loss_scratch;
  double* y = h + args.chunk;
  double* derivative = y + args.chunk;
  for (Index t = 0; t < nc; ++t) {
    h[t] = static_cast<double>(c[t]);
    y[t] = args.y[sample(args, t0 + t)];
  }
  args.loss->accumulate(h, y, nc, 1.0 / static_cast<double>(args.total), sum, gradient ? derivative : nullptr);
  if (gradient)
    for (Index t = 0; t < nc; ++t) c[t] = static_cast<T>(derivative[t]);
}

// The kept path's buffers for one chunk of nc samples: inputs x (D per
// sample), outputs then loss weights c, alpha_c = c times leaky ReLU's slope,
// sigma(z) neuron-major in act (the chunk's values for neurons j..j+L-1 at
// act + j * chunk, L per sample; a scalar-tail neuron's at act + j * chunk,
// one per sample), one vector of partial outputs per sample, and for GeLU
// sigma'(z) in slope, laid out as act.
template <class T>
struct KeptChunk {
  const T* x;
  T *c, *alpha_c, *act, *partial, *slope;
  Index chunk, nc;
};

// Neuron vectors handled together by the kept path's inner loops: two when
// pass 2's accumulators (d + 1, + 1 with a bias, per vector) and four
// temporaries fit the register file, else one. Two vectors share each
// sample's broadcasts and its partial output's load and store, and give pass
// 2 twice the independent accumulator chains; on Zen 3 (AVX2) that made the
// width-1000 float64 step 19 % shorter (docs/performance.md). Every accumulator
// still sees the same operations in the same order: the bytes do not change.
template <int D, bool Bias>
inline constexpr Index kVectorsPerBlock = 2 * (D + 1 + (Bias ? 1 : 0)) + 4 <= simd::kRegisters ? 2 : 1;

// Pass 1 for V vectors of neurons from j: their weights loaded once, every
// sample of the chunk run past them.
template <Index V, class T, int D, bool Bias, class Act>
inline void kept_forward_block(const Net<T>& net, const KeptChunk<T>& k, Index j, Act act) {
  using Vec = simd::Vec<T>;
  constexpr Index L = simd::kLanes<T>;
  const Index m = net.m;
  Vec w[V][D], aj[V], bj[V];
  for (Index v = 0; v < V; ++v) {
    for (Index i = 0; i < D; ++i) w[v][i] = simd::load(net.W + i * m + j + v * L);
    aj[v] = simd::load(net.a + j + v * L);
    bj[v] = Bias ? simd::load(net.b + j + v * L) : Vec{};
  }
  for (Index t = 0; t < k.nc; ++t) {
    const T* xt = k.x + t * D;
    Vec z[V];
    for (Index v = 0; v < V; ++v) z[v] = w[v][0] * simd::broadcast(xt[0]);
    for (Index i = 1; i < D; ++i) {
      const Vec x = simd::broadcast(xt[i]);
      for (Index v = 0; v < V; ++v) z[v] += w[v][i] * x;
    }
    Vec partial = simd::load(k.partial + t * L);
    for (Index v = 0; v < V; ++v) {
      if constexpr (Bias) z[v] += bj[v];  // not z + 0 without a bias: that is an instruction, not a no-op (-0 + 0 = +0)
      Vec slope;
      const Vec r = act.value(z[v], &slope);
      const Index at = (j + v * L) * k.chunk + t * L;
      simd::store(k.act + at, r);
      if constexpr (Act::kStoresDerivative) simd::store(k.slope + at, slope);
      partial += aj[v] * r;
    }
    simd::store(k.partial + t * L, partial);
  }
}

// Pass 1 for the whole vectors of neurons, in blocks of kVectorsPerBlock.
template <class T, int D, bool Bias, class Act>
inline void kept_forward(const Net<T>& net, const KeptChunk<T>& k, Index vector_end, Act act) {
  constexpr Index L = simd::kLanes<T>, V = kVectorsPerBlock<D, Bias>;
  for (Index t = 0; t < k.nc; ++t) simd::store(k.partial + t * L, simd::Vec<T>{});
  Index j = 0;
  for (; j + V * L <= vector_end; j += V * L) kept_forward_block<V, T, D, Bias>(net, k, j, act);
  for (; j < vector_end; j += L) kept_forward_block<1, T, D, Bias>(net, k, j, act);
}

// Pass 1 for the neurons beyond the last whole vector, then each sample's
// output: its vector of partial sums reduced once.
template <class T, int D, bool Bias, class Act>
inline void kept_forward_tail(const Net<T>& net, const KeptChunk<T>& k, Index vector_end, Act act) {
  constexpr Index L = simd::kLanes<T>;
  for (Index j = vector_end; j < net.m; ++j)
    for (Index t = 0; t < k.nc; ++t) {
      const T z = neuron_dot<D>(net.W, k.x + t * net.d, net.m, j, net.d) + (Bias ? net.b[j] : T(0));
      const T r = act.value(z);
      k.act[j * k.chunk + t] = r;
      if constexpr (Act::kStoresDerivative) k.slope[j * k.chunk + t] = act.scaled_derivative_at(z, T(1));
      k.c[t] += net.a[j] * r;
    }
  for (Index t = 0; t < k.nc; ++t) k.c[t] = simd::sum<T>(simd::load(k.partial + t * L)) + k.c[t];
}

// Adds a_j times the chunk's sum u to the gradient column at p, or to +0 for
// the first chunk: a zero gradient stays +0 when a_j is -0 (W - lr (-0) would
// flip the sign of a -0 weight, and a stationary network would move).
template <class T>
inline void add_scaled(T* p, simd::Vec<T> aj, simd::Vec<T> u, bool first) {
  simd::store(p, (first ? simd::Vec<T>{} : simd::load(p)) + aj * u);
}

// Pass 2 for V vectors of neurons from j: their gradient in registers across
// the chunk, stored once (the first chunk writes it, so it is never
// zero-filled). dL/da_j = c sigma(z_j); dL/db_j = a_j c sigma'(z_j);
// dL/dw_j = dL/db_j x. a_j is the same for every sample, so the chunk sums
// c sigma'(z) and c sigma'(z) x and multiplies by a_j once: per sample and
// neuron, d + 1 multiply-adds and the derivative's mask, nothing more.
template <Index V, class T, int D, bool Bias, class Act>
inline void kept_backward_block(const Net<T>& net, const KeptChunk<T>& k, const Grad<T>& g, Index j, bool first,
                                Act act) {
  using Vec = simd::Vec<T>;
  constexpr Index L = simd::kLanes<T>;
  const Index m = net.m;
  Vec gw[V][D], g_a[V], g_b[V];
  for (Index v = 0; v < V; ++v) {
    for (Index i = 0; i < D; ++i) gw[v][i] = Vec{};
    g_a[v] = first ? Vec{} : simd::load(g.a + j + v * L);
    g_b[v] = Vec{};
  }
  for (Index t = 0; t < k.nc; ++t) {
    const Vec ct = simd::broadcast(k.c[t]), alpha_c = simd::broadcast(k.alpha_c[t]);
    Vec s[V];
    for (Index v = 0; v < V; ++v) {
      const Index at = (j + v * L) * k.chunk + t * L;
      const Vec r = simd::load(k.act + at);
      g_a[v] += ct * r;
      s[v] = act.scaled_derivative(r, k.slope + at, ct, alpha_c);
      if constexpr (Bias) g_b[v] += s[v];
    }
    const T* xt = k.x + t * D;
    for (Index i = 0; i < D; ++i) {
      const Vec x = simd::broadcast(xt[i]);
      for (Index v = 0; v < V; ++v) gw[v][i] += s[v] * x;
    }
  }
  for (Index v = 0; v < V; ++v) {
    const Index at = j + v * L;
    const Vec aj = simd::load(net.a + at);
    for (Index i = 0; i < D; ++i) add_scaled(g.W + i * m + at, aj, gw[v][i], first);
    simd::store(g.a + at, g_a[v]);
    if constexpr (Bias) add_scaled(g.b + at, aj, g_b[v], first);
  }
}

// Pass 2 for the whole vectors, in blocks of kVectorsPerBlock.
template <class T, int D, bool Bias, class Act>
inline void kept_backward(const Net<T>& net, const KeptChunk<T>& k, const Grad<T>& g, Index vector_end, bool first,
                          Act act) {
  constexpr Index L = simd::kLanes<T>, V = kVectorsPerBlock<D, Bias>;
  Index j = 0;
  for (; j + V * L <= vector_end; j += V * L) kept_backward_block<V, T, D, Bias>(net, k, g, j, first, act);
  for (; j < vector_end; j += L) kept_backward_block<1, T, D, Bias>(net, k, g, j, first, act);
}

// The kept path for a d without a compiled kernel (D = 0, d known at run
// time): the same two passes and the same arithmetic, in the same order per
// accumulator, with the weights and the gradient in memory (L1) instead of
// registers, and samples (pass 1) or input coordinates (pass 2) taken four at
// a time so that each vector load serves four multiply-adds. Without it such
// a d ran the recomputing path's scalar loops: at d = 7, 9.6 times slower
// (SgdStepInputDim, docs/performance.md).
inline constexpr Index kGroup = 4;

// Pass 1 for neuron vector j: z = w_0 x_0 + ... + w_{d-1} x_{d-1} (+ b) for every sample.
template <class T, bool Bias, class Act>
inline void kept_forward_any_d(const Net<T>& net, const KeptChunk<T>& k, Index vector_end, Act act) {
  using Vec = simd::Vec<T>;
  constexpr Index L = simd::kLanes<T>;
  const Index m = net.m, d = net.d;
  for (Index t = 0; t < k.nc; ++t) simd::store(k.partial + t * L, Vec{});
  for (Index j = 0; j < vector_end; j += L) {
    const Vec aj = simd::load(net.a + j), bj = Bias ? simd::load(net.b + j) : Vec{};
    for (Index t0 = 0; t0 < k.nc; t0 += kGroup) {
      const Index group = smaller(kGroup, k.nc - t0);
      Vec z[kGroup];
      const Vec w0 = simd::load(net.W + j);
      for (Index u = 0; u < group; ++u) z[u] = w0 * simd::broadcast(k.x[(t0 + u) * d]);
      for (Index i = 1; i < d; ++i) {
        const Vec w = simd::load(net.W + i * m + j);
        for (Index u = 0; u < group; ++u) z[u] += w * simd::broadcast(k.x[(t0 + u) * d + i]);
      }
      for (Index u = 0; u < group; ++u) {
        if constexpr (Bias) z[u] += bj;
        Vec slope;
        const Vec r = act.value(z[u], &slope);
        const Index at = j * k.chunk + (t0 + u) * L;
        simd::store(k.act + at, r);
        if constexpr (Act::kStoresDerivative) simd::store(k.slope + at, slope);
        simd::store(k.partial + (t0 + u) * L, simd::load(k.partial + (t0 + u) * L) + aj * r);
      }
    }
  }
}

// Pass 2 for neuron vector j: first dL/da (and dL/db) over the chunk, each
// sample's c sigma'(z) written over its activations; then the d columns of
// dL/dW, four at a time, each summed over the chunk in sample order.
template <class T, bool Bias, class Act>
inline void kept_backward_any_d(const Net<T>& net, const KeptChunk<T>& k, const Grad<T>& g, Index vector_end,
                                bool first, Act act) {
  using Vec = simd::Vec<T>;
  constexpr Index L = simd::kLanes<T>;
  const Index m = net.m, d = net.d;
  for (Index j = 0; j < vector_end; j += L) {
    Vec g_a = first ? Vec{} : simd::load(g.a + j), g_b{};
    T* s = k.act + j * k.chunk;
    for (Index t = 0; t < k.nc; ++t) {
      const Vec r = simd::load(s + t * L), ct = simd::broadcast(k.c[t]);
      g_a += ct * r;
      const Vec st = act.scaled_derivative(r, k.slope + j * k.chunk + t * L, ct, simd::broadcast(k.alpha_c[t]));
      if constexpr (Bias) g_b += st;
      simd::store(s + t * L, st);
    }
    const Vec aj = simd::load(net.a + j);
    simd::store(g.a + j, g_a);
    if constexpr (Bias) add_scaled(g.b + j, aj, g_b, first);
    for (Index i0 = 0; i0 < d; i0 += kGroup) {
      const Index group = smaller(kGroup, d - i0);
      Vec gw[kGroup] = {};
      for (Index t = 0; t < k.nc; ++t) {
        const Vec st = simd::load(s + t * L);
        for (Index u = 0; u < group; ++u) gw[u] += st * simd::broadcast(k.x[t * d + i0 + u]);
      }
      for (Index u = 0; u < group; ++u) add_scaled(g.W + (i0 + u) * m + j, aj, gw[u], first);
    }
  }
}

// Pass 2 for the neurons beyond the last whole vector (any d: a few neurons,
// summed in place; per entry the same operations in the same order as in registers).
template <class T, bool Bias, class Act>
inline void kept_backward_tail(const Net<T>& net, const KeptChunk<T>& k, const Grad<T>& g, Index vector_end, bool first,
                               Act act) {
  const Index m = net.m, d = net.d;
  for (Index j = vector_end; j < m; ++j) {
    T g_a = first ? T(0) : g.a[j], g_b = Bias && !first ? g.b[j] : T(0);
    if (first)
      for (Index i = 0; i < d; ++i) g.W[i * m + j] = T(0);
    for (Index t = 0; t < k.nc; ++t) {
      const T r = k.act[j * k.chunk + t];
      g_a += k.c[t] * r;
      const T stored = Act::kStoresDerivative ? k.slope[j * k.chunk + t] : T(0);
      const T st = act.scaled_derivative_kept(r, stored, k.c[t]) * net.a[j];
      g_b += st;
      for (Index i = 0; i < d; ++i) g.W[i * m + j] += st * k.x[t * d + i];
    }
    g.a[j] = g_a;
    if constexpr (Bias) g.b[j] = g_b;
  }
}

// The kept path, one vector of neurons at a time with everything that vector
// needs in registers. Pass 1: d multiply-adds per sample, the inputs
// broadcast from L1, the activations stored for pass 2, the outputs summed
// in one vector of partial sums per sample. Pass 2: per sample a load of its
// activations and d + 1 multiply-adds. With neurons in lanes and samples in
// the inner loop, loads per multiply-add stay near one: the arithmetic, not
// the memory operations, sets the pace.
template <class T, int D, bool Bias, class Act>
inline double kept_kernel(const KernelArgs& args, const T* W, T* gradient, T* x, Act act) {
  // A call of fewer samples than a chunk (a mini-batch) lays its activations out for its own count:
  // a smaller stride between neuron vectors, over half the memory at batch 32 in float32.
  const Index m = args.m, count = args.count, chunk = smaller(args.chunk, count);
  const Index d = D > 0 ? D : args.d;
  if (count == 0) {
    if (gradient) zero(gradient, (d + 1 + Bias) * m);
    return 0.0;
  }
  const Net<T> net = net_of(W, m, d);
  T* c = x + chunk * d;
  T* alpha_c = c + chunk;
  T* values = aligned_up(alpha_c + chunk);
  const Index vector_end = m / simd::kLanes<T> * simd::kLanes<T>;
  double sum = 0.0;
  for (Index t0 = 0; t0 < count; t0 += chunk) {
    if (stopped(args)) return NAN;
    T* partial = values + chunk * m;
    const KeptChunk<T> k{
        x, c, alpha_c, values, partial, partial + chunk * kMaxLanes, chunk, smaller(chunk, count - t0)};
    gather_chunk(args, t0, k.nc, d, x, c);
    if constexpr (D > 0) kept_forward<T, D, Bias>(net, k, vector_end, act);
    else kept_forward_any_d<T, Bias>(net, k, vector_end, act);
    kept_forward_tail<T, D, Bias>(net, k, vector_end, act);
    loss_weights(args, t0, k.nc, c, sum, gradient != nullptr);
    if (!gradient) continue;
    for (Index t = 0; t < k.nc; ++t) alpha_c[t] = act.slope * c[t];
    const Grad<T> g = grad_of(gradient, m, d);
    if constexpr (D > 0) kept_backward<T, D, Bias>(net, k, g, vector_end, t0 == 0, act);
    else kept_backward_any_d<T, Bias>(net, k, g, vector_end, t0 == 0, act);
    kept_backward_tail<T, Bias>(net, k, g, vector_end, t0 == 0, act);
  }
  return sum / static_cast<double>(args.total);
}

// The recomputing path, pass 1 for neurons j0..j1: four samples per pass over
// the block, so each neuron's weights are loaded once for four dot products.
template <class T, int D, bool Bias, class Act>
inline void forward_block(const Net<T>& net, const T* x, T* c, Index nc, Index j0, Index j1, Act act) {
  const Index m = net.m, d = net.d;
  Index t = 0;
  for (; D > 0 && t + 4 <= nc; t += 4) {
    const T *x0 = x + t * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
    T h0 = 0, h1 = 0, h2 = 0, h3 = 0;
#pragma omp simd reduction(+ : h0, h1, h2, h3)
    for (Index j = j0; j < j1; ++j) {
      const T bj = Bias ? net.b[j] : T(0), aj = net.a[j];
      h0 += aj * act.value(neuron_dot<D>(net.W, x0, m, j, d) + bj);
      h1 += aj * act.value(neuron_dot<D>(net.W, x1, m, j, d) + bj);
      h2 += aj * act.value(neuron_dot<D>(net.W, x2, m, j, d) + bj);
      h3 += aj * act.value(neuron_dot<D>(net.W, x3, m, j, d) + bj);
    }
    c[t] += h0, c[t + 1] += h1, c[t + 2] += h2, c[t + 3] += h3;
  }
  for (; t < nc; ++t) {
    const T* xt = x + t * d;
    T h = 0;
#pragma omp simd reduction(+ : h)
    for (Index j = j0; j < j1; ++j) {
      const T z = neuron_dot<D>(net.W, xt, m, j, d) + (Bias ? net.b[j] : T(0));
      h += net.a[j] * act.value(z);  // branch-free for ReLU, so the loop vectorises
    }
    c[t] += h;
  }
}

// Pass 2 for neurons j0..j1, four samples per pass: each neuron's weights are
// loaded, and its gradient read and written, once for four samples (a
// single-sample loop does ~2d + 3 memory operations per 2d + 2 multiply-adds
// and is bound by them, not by arithmetic).
template <class T, int D, bool Bias, class Act>
inline void backward_block(const Net<T>& net, const T* x, const T* c, Index nc, const Grad<T>& g, Index j0, Index j1,
                           Act act) {
  const Index m = net.m, d = net.d;
  Index t = 0;
  for (; D > 0 && t + 4 <= nc; t += 4) {
    const T *x0 = x + t * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
    const T c0 = c[t], c1 = c[t + 1], c2 = c[t + 2], c3 = c[t + 3];
#pragma omp simd
    for (Index j = j0; j < j1; ++j) {
      const T bj = Bias ? net.b[j] : T(0), aj = net.a[j];
      const T z0 = neuron_dot<D>(net.W, x0, m, j, d) + bj, z1 = neuron_dot<D>(net.W, x1, m, j, d) + bj;
      const T z2 = neuron_dot<D>(net.W, x2, m, j, d) + bj, z3 = neuron_dot<D>(net.W, x3, m, j, d) + bj;
      g.a[j] += c0 * act.value(z0) + c1 * act.value(z1) + c2 * act.value(z2) + c3 * act.value(z3);
      const T s0 = act.scaled_derivative_at(z0, c0) * aj, s1 = act.scaled_derivative_at(z1, c1) * aj;
      const T s2 = act.scaled_derivative_at(z2, c2) * aj, s3 = act.scaled_derivative_at(z3, c3) * aj;
      if constexpr (Bias) g.b[j] += s0 + s1 + s2 + s3;
      for (Index i = 0; i < (D > 0 ? D : 1); ++i) g.W[i * m + j] += s0 * x0[i] + s1 * x1[i] + s2 * x2[i] + s3 * x3[i];
    }
  }
  for (; t < nc; ++t) {
    const T* xt = x + t * d;
    const T ct = c[t];
#pragma omp simd
    for (Index j = j0; j < j1; ++j) {
      const T z = neuron_dot<D>(net.W, xt, m, j, d) + (Bias ? net.b[j] : T(0));
      // dL/da_j = c sigma(z_j); dL/db_j = c sigma'(z_j) a_j; dL/dw_j = dL/db_j x.
      g.a[j] += ct * act.value(z);
      const T s = act.scaled_derivative_at(z, ct) * net.a[j];
      if constexpr (Bias) g.b[j] += s;
      neuron_axpy<D>(g.W, xt, s, m, j, d);
    }
  }
}

// The recomputing path: neurons in blocks of kBlock (a block's weights and
// gradient stay in L1) while the chunk's samples stream past.
template <class T, int D, bool Bias, class Act>
inline double kernel(const KernelArgs& args, const T* W, T* gradient, T* x, Act act) {
  if (args.keep_activations) return kept_kernel<T, D, Bias>(args, W, gradient, x, act);
  const Index d = D > 0 ? D : args.d, m = args.m, count = args.count, chunk = args.chunk;
  if (gradient) zero(gradient, (d + 1 + Bias) * m);
  if (count == 0) return 0.0;
  const Net<T> net = net_of(W, m, d);
  T* c = x + chunk * d;  // per-sample outputs, then loss weights
  double sum = 0.0;
  for (Index t0 = 0; t0 < count; t0 += chunk) {
    if (stopped(args)) return NAN;
    const Index nc = smaller(chunk, count - t0);
    gather_chunk(args, t0, nc, d, x, c);
    for (Index j0 = 0; j0 < m; j0 += kBlock) forward_block<T, D, Bias>(net, x, c, nc, j0, smaller(m, j0 + kBlock), act);
    loss_weights(args, t0, nc, c, sum, gradient != nullptr);
    if (!gradient) continue;
    const Grad<T> g = grad_of(gradient, m, d);
    for (Index j0 = 0; j0 < m; j0 += kBlock)
      backward_block<T, D, Bias>(net, x, c, nc, g, j0, smaller(m, j0 + kBlock), act);
  }
  return sum / static_cast<double>(args.total);
}

// The input dimension and the bias as compile-time constants: the inner
// loops unroll and the neuron loops carry no branch, so they vectorise.
template <class T, bool Bias, class Act>
inline double dispatch(const KernelArgs& args, const T* W, T* gradient, T* x, Act act) {
  switch (args.d) {
    case 1: return kernel<T, 1, Bias>(args, W, gradient, x, act);
    case 2: return kernel<T, 2, Bias>(args, W, gradient, x, act);
    case 3: return kernel<T, 3, Bias>(args, W, gradient, x, act);
    case 4: return kernel<T, 4, Bias>(args, W, gradient, x, act);
    case 5: return kernel<T, 5, Bias>(args, W, gradient, x, act);
    case 6: return kernel<T, 6, Bias>(args, W, gradient, x, act);
    case 8: return kernel<T, 8, Bias>(args, W, gradient, x, act);
    case 10: return kernel<T, 10, Bias>(args, W, gradient, x, act);
    default: return kernel<T, 0, Bias>(args, W, gradient, x, act);
  }
}

template <class T, class Act>
inline double with_bias_or_not(const KernelArgs& args, const T* W, T* gradient, T* x, Act act) {
  return args.bias ? dispatch<T, true>(args, W, gradient, x, act) : dispatch<T, false>(args, W, gradient, x, act);
}

template <class T>
inline double loss_and_gradient_in(const KernelArgs& args, const T* W, T* gradient, T* x) {
  const T slope = static_cast<T>(args.slope);
  switch (args.activation) {
    case Activation::LeakyRelu: return with_bias_or_not(args, W, gradient, x, activation::LeakyRelu<T>{slope});
    case Activation::Gelu: return with_bias_or_not(args, W, gradient, x, activation::Gelu<T>{slope});
    default: return with_bias_or_not(args, W, gradient, x, activation::Relu<T>{slope});
  }
}

// float32: the weights are rounded to float once per call, the samples as
// they are gathered; the gradient is accumulated in float and widened at the
// end. The master weights and the optimizer's state stay float64.
// The float copy pads each column to a whole number of vectors with neurons
// of zero weights: such a neuron adds exactly 0 to every output (a_j = 0 and
// sigma(0) = 0 for every activation here) and its gradient is dropped, so the
// kernel runs no scalar tail (at width 1000, 8 neurons of 16-float vectors).
double loss_and_gradient_float32(const KernelArgs& args) {
  constexpr Index L = simd::kLanes<float>;
  const Index m = args.m, padded = (m + L - 1) / L * L, columns = args.d + 1 + (args.bias ? 1 : 0);
  const Index size = columns * padded;
  float* W = args.scratch32;
  float* gradient = args.gradient ? W + size : nullptr;
  float* x = W + 2 * size;
  for (Index col = 0; col < columns; ++col) {
    const double* from = args.theta + col * m;
    float* to = W + col * padded;
    for (Index j = 0; j < m; ++j) to[j] = static_cast<float>(from[j]);
    for (Index j = m; j < padded; ++j) to[j] = 0.0f;
  }
  KernelArgs in_padded = args;
  in_padded.m = padded;
  const double loss = loss_and_gradient_in<float>(in_padded, W, gradient, x);
  if (gradient)
    for (Index col = 0; col < columns; ++col) {
      const float* from = gradient + col * padded;
      double* to = args.gradient + col * m;
      for (Index j = 0; j < m; ++j) to[j] = static_cast<double>(from[j]);
    }
  return loss;
}

// GeLU's value and derivative as the kernel computes them, a vector of lanes
// at a time (the accuracy test's view of this instruction set's arithmetic).
template <class T>
void gelu_values(const T* z, Index n, T* value, T* derivative) {
  constexpr Index L = simd::kLanes<T>;
  const activation::Gelu<T> gelu{T(0)};
  for (Index i = 0; i < n; i += L) {
    const Index lanes = n - i < L ? n - i : L;
    T in[L] = {}, out[L], slope[L];
    std::memcpy(in, z + i, sizeof(T) * lanes);
    simd::Vec<T> d;
    simd::store(out, gelu.value(simd::load(in), &d));
    simd::store(slope, d);
    std::memcpy(value + i, out, sizeof(T) * lanes);
    std::memcpy(derivative + i, slope, sizeof(T) * lanes);
  }
}

double loss_and_gradient(const KernelArgs& args) {
  if (args.float32) return loss_and_gradient_float32(args);
  return loss_and_gradient_in<double>(args, args.theta, args.gradient, args.scratch);
}

}  // namespace
}  // namespace relulab::two_layer::RELULAB_KERNEL_NS

namespace relulab::two_layer {

namespace RELULAB_KERNEL_NS {
double hessian_vector_product(const HessianArgs& args);  // hessian_isa.cpp
}

Kernel RELULAB_KERNEL_ENTRY() {
  return {RELULAB_KERNEL_NAME, &RELULAB_KERNEL_NS::loss_and_gradient, &RELULAB_KERNEL_NS::gelu_values<double>,
          &RELULAB_KERNEL_NS::gelu_values<float>, &RELULAB_KERNEL_NS::hessian_vector_product};
}

}  // namespace relulab::two_layer
