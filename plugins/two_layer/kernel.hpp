// The loss-and-gradient kernel's interface, free of Eigen: it is compiled
// once per instruction set (kernel_isa.cpp with -mavx2 -mfma, -mavx512f, or
// the baseline), and a translation unit built for AVX-512 must share no
// inline code with one built for SSE2 (Eigen's alignment differs between
// them, and a linker may keep either copy of an inline function).
#pragma once

#include <relulab/loss.hpp>

#include <atomic>
#include <cstddef>

namespace relulab::two_layer {

using Index = std::ptrdiff_t;

// The activations compiled into the kernel (activation.hpp).
enum class Activation { Relu, LeakyRelu, Gelu };

// Values pass 1 stores per sample and neuron for pass 2: sigma(z), and for GeLU sigma'(z) too.
inline Index stored_per_neuron(Activation a) { return a == Activation::Gelu ? 2 : 1; }

// One call: the network, the samples, where the gradient goes.
struct KernelArgs {
  const double* theta;  // W column by column (d blocks of m), then a (m), then b (m, with a bias)
  Index d, m;
  bool bias;
  const double* X;  // n x d, row-major
  const double* y;  // n
  const Index* rows;  // the samples to use, or null for all n
  Index count;  // rows' length, or n
  Index total;  // the n of the loss's 1/n: count, or the whole call's when this is one block of it
  double* gradient;  // (d + 1 + bias) m, or null
  double* scratch;  // scratch_size(...) doubles (float64)
  Index chunk;  // samples per chunk
  bool keep_activations;  // the register-blocked path (needs chunk * m values of scratch)
  bool float32;  // compute in float32 (mixed precision: theta and the gradient stay float64)
  float* scratch32;  // float32: scratch32_size(...) floats
  Activation activation;
  double slope;  // leaky ReLU's alpha
  const Loss* loss;  // per-sample loss value and derivative
  double* loss_scratch;  // 3 chunk doubles: a chunk's outputs, labels and loss derivatives
  // A loss-only call of many samples (a metric's train loss at a large width):
  // the host's stop flag, read before each chunk; once it is set the kernel
  // returns NaN at once and the model throws relulab::Interrupted. Null otherwise.
  const std::atomic<int>* stop = nullptr;
};

// The most lanes any compiled instruction set uses (16 floats in 64 bytes), for sizing scratch.
inline constexpr Index kMaxLanes = 16;

// Values (doubles, or floats in float32) of working space for one call.
// The kernel returns (1/total) sum_k l(h_k, y_k) and writes (not adds) its gradient.
// The kept path adds c times the slope per sample, up to 64 bytes (kMaxLanes values at most) of
// alignment before the activations, the activations, and one vector of partial outputs per sample.
inline Index scratch_size(Index d, Index m, Index chunk, bool keep_activations, Activation activation) {
  return chunk * (d + 1) +
         (keep_activations ? chunk + kMaxLanes + chunk * (stored_per_neuron(activation) * m + kMaxLanes) : 0);
}

// float32 lays the weights out in columns padded to a whole number of the
// kernel's own vectors, so that no neuron falls in a scalar tail; padding to
// the widest (kMaxLanes) bounds every kernel's, so scratch is sized by it.
inline Index padded_width(Index m) { return (m + kMaxLanes - 1) / kMaxLanes * kMaxLanes; }

// Floats of scratch32 for a float32 call: the padded weights and gradient, then the working space.
inline Index scratch32_size(Index d, Index m, bool bias, Index chunk, bool keep_activations, Activation activation) {
  const Index padded = padded_width(m);
  return 2 * (d + 1 + (bias ? 1 : 0)) * padded + scratch_size(d, padded, chunk, keep_activations, activation);
}

using KernelFunction = double (*)(const KernelArgs&);

// One Hessian-vector product H v of the training loss (1/count) sum_k l(h(x_k), y_k), float64
// (hessian_isa.cpp, docs/science.md §9). Writes (not adds) `product`; returns the loss.
struct HessianArgs {
  const double* theta;  // the layout of KernelArgs::theta
  const double* v;  // the direction, in the same layout
  double* product;  // H v, in the same layout
  Index d, m;
  bool bias;
  const double* X;  // n x d, row-major
  const double* y;  // n
  const Index* rows;  // the samples to use, or null for all n
  Index count;  // rows' length, or n
  double* scratch;  // hessian_scratch_size(d, m, chunk) doubles
  Index chunk;  // samples per chunk
  Activation activation;
  double slope;  // leaky ReLU's alpha
  const Loss* loss;  // its derivative
  const LossCurvature* curvature;  // its second derivative
};

// A chunk's pre-activations z and their derivatives along v (2 chunk m), its inputs (chunk d), and
// per sample the output, its derivative along v, the loss's first and second derivatives and the label.
inline Index hessian_scratch_size(Index d, Index m, Index chunk) { return chunk * (2 * m + d + 5); }

using HessianFunction = double (*)(const HessianArgs&);

// GeLU's value and derivative at n points, computed as the kernel computes them.
template <class T>
using GeluFunction = void (*)(const T* z, Index n, T* value, T* derivative);

struct Kernel {
  const char* isa;  // "sse2", "avx2", "avx512"
  KernelFunction loss_and_gradient;
  GeluFunction<double> gelu;  // for the accuracy tests (test_activations.cpp)
  GeluFunction<float> gelu32;
  HessianFunction hessian_vector_product;
};

// One per compiled instruction set (null when this build did not compile it).
Kernel kernel_sse2();
Kernel kernel_avx2();
Kernel kernel_avx512();

// The kernel for this CPU: the widest it supports, or the one named by the
// environment variable RELULAB_ISA (sse2, avx2, avx512) when it supports that.
Kernel select_kernel();
// Every compiled kernel this CPU can run, narrowest first (for tests).
std::size_t supported_kernels(Kernel* out, std::size_t capacity);

}  // namespace relulab::two_layer
