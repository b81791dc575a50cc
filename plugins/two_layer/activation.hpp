// The activations the kernel is compiled for, each a small policy with its
// value sigma(z) and its derivative, in scalar and vector form. Included by
// kernel_isa.cpp only, inside its instruction set's namespace (after simd.hpp).
//
// The kernel back-propagates c sigma'(z) for a sample's loss derivative c.
// Two ways to get it:
// - scaled_derivative_at(z, c): from the pre-activation z (the recomputing path);
// - scaled_derivative_kept(r, dr, c): from what pass 1 stored, r = sigma(z)
//   and, for an activation with kStoresDerivative, dr = sigma'(z). ReLU and
//   leaky ReLU need no dr: sigma(z) > 0 exactly when z > 0.
// The vector form, backward_weight(r, dr, c, a_j), returns c sigma'(z) a_j
// whole, so that leaky ReLU picks between a_j and alpha a_j (a blend, as
// cheap as ReLU's mask) instead of scaling c.
// Derivatives at 0 follow PyTorch: relu'(0) = 0, leaky'(0) = alpha, gelu'(0) = 1/2.
#pragma once

#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace relulab::two_layer::RELULAB_KERNEL_NS::activation {

using simd::Vec;

// relu(z) = max(z, 0).
template <class T>
struct Relu {
  static constexpr bool kStoresDerivative = false;
  T slope;  // unused
  T value(T z) const { return z < T(0) ? T(0) : z; }
  T scaled_derivative_at(T z, T c) const { return z > T(0) ? c : T(0); }
  T scaled_derivative_kept(T r, T, T c) const { return r > T(0) ? c : T(0); }
  Vec<T> value(Vec<T> z, Vec<T>*) const { return simd::relu<T>(z); }
  Vec<T> backward_weight(Vec<T> r, const T*, Vec<T> c, Vec<T> aj) const {
    return simd::select_or_zero<T>(r > Vec<T>{}, c) * aj;
  }
};

// leaky(z) = z for z > 0, alpha z otherwise (PyTorch's leaky_relu).
template <class T>
struct LeakyRelu {
  static constexpr bool kStoresDerivative = false;
  T slope;  // alpha in [0, 1]
  T value(T z) const { return z > T(0) ? z : slope * z; }
  T scaled_derivative_at(T z, T c) const { return z > T(0) ? c : slope * c; }
  T scaled_derivative_kept(T r, T, T c) const { return r > T(0) ? c : slope * c; }
  // max(z, alpha z) for alpha in [0, 1], written as the comparison the
  // compiler turns into one max instruction (NaN: alpha z, NaN too).
  Vec<T> value(Vec<T> z, Vec<T>*) const {
    const Vec<T> scaled = simd::broadcast(slope) * z;
    return z > scaled ? z : scaled;
  }
  // The loop over samples hoists alpha a_j: one blend per sample, as ReLU's mask.
  Vec<T> backward_weight(Vec<T> r, const T*, Vec<T> c, Vec<T> aj) const {
    return c * simd::select<T>(r > Vec<T>{}, aj, simd::broadcast(slope) * aj);
  }
};

// erf and exp lane by lane: glibc's vector math library (libmvec) where the
// instruction set has it, else the scalar functions one lane at a time.
#if defined(__x86_64__)
extern "C" {
#if defined(__AVX512F__)
__m512d _ZGVeN8v_erf(__m512d);
__m512d _ZGVeN8v_exp(__m512d);
__m512 _ZGVeN16v_erff(__m512);
__m512 _ZGVeN16v_expf(__m512);
#elif defined(__AVX2__)
__m256d _ZGVdN4v_erf(__m256d);
__m256d _ZGVdN4v_exp(__m256d);
__m256 _ZGVdN8v_erff(__m256);
__m256 _ZGVdN8v_expf(__m256);
#else
__m128d _ZGVbN2v_erf(__m128d);
__m128d _ZGVbN2v_exp(__m128d);
__m128 _ZGVbN4v_erff(__m128);
__m128 _ZGVbN4v_expf(__m128);
#endif
}
#endif

inline Vec<double> erf(Vec<double> v) {
#if defined(__x86_64__) && defined(__AVX512F__)
  return reinterpret_cast<Vec<double>>(_ZGVeN8v_erf(reinterpret_cast<__m512d>(v)));
#elif defined(__x86_64__) && defined(__AVX2__)
  return reinterpret_cast<Vec<double>>(_ZGVdN4v_erf(reinterpret_cast<__m256d>(v)));
#elif defined(__x86_64__)
  return reinterpret_cast<Vec<double>>(_ZGVbN2v_erf(reinterpret_cast<__m128d>(v)));
#else
  for (int l = 0; l < simd::kLanes<double>; ++l) v[l] = std::erf(v[l]);
  return v;
#endif
}
inline Vec<double> exp(Vec<double> v) {
#if defined(__x86_64__) && defined(__AVX512F__)
  return reinterpret_cast<Vec<double>>(_ZGVeN8v_exp(reinterpret_cast<__m512d>(v)));
#elif defined(__x86_64__) && defined(__AVX2__)
  return reinterpret_cast<Vec<double>>(_ZGVdN4v_exp(reinterpret_cast<__m256d>(v)));
#elif defined(__x86_64__)
  return reinterpret_cast<Vec<double>>(_ZGVbN2v_exp(reinterpret_cast<__m128d>(v)));
#else
  for (int l = 0; l < simd::kLanes<double>; ++l) v[l] = std::exp(v[l]);
  return v;
#endif
}
inline Vec<float> erf(Vec<float> v) {
#if defined(__x86_64__) && defined(__AVX512F__)
  return reinterpret_cast<Vec<float>>(_ZGVeN16v_erff(reinterpret_cast<__m512>(v)));
#elif defined(__x86_64__) && defined(__AVX2__)
  return reinterpret_cast<Vec<float>>(_ZGVdN8v_erff(reinterpret_cast<__m256>(v)));
#elif defined(__x86_64__)
  return reinterpret_cast<Vec<float>>(_ZGVbN4v_erff(reinterpret_cast<__m128>(v)));
#else
  for (int l = 0; l < simd::kLanes<float>; ++l) v[l] = std::erf(v[l]);
  return v;
#endif
}
inline Vec<float> exp(Vec<float> v) {
#if defined(__x86_64__) && defined(__AVX512F__)
  return reinterpret_cast<Vec<float>>(_ZGVeN16v_expf(reinterpret_cast<__m512>(v)));
#elif defined(__x86_64__) && defined(__AVX2__)
  return reinterpret_cast<Vec<float>>(_ZGVdN8v_expf(reinterpret_cast<__m256>(v)));
#elif defined(__x86_64__)
  return reinterpret_cast<Vec<float>>(_ZGVbN4v_expf(reinterpret_cast<__m128>(v)));
#else
  for (int l = 0; l < simd::kLanes<float>; ++l) v[l] = std::exp(v[l]);
  return v;
#endif
}

// gelu(z) = z Phi(z) with Phi(z) = (1 + erf(z / sqrt 2)) / 2, the erf form
// (PyTorch's default, approximate = 'none'); gelu'(z) = Phi(z) + z phi(z)
// with phi(z) = exp(-z^2 / 2) / sqrt(2 pi).
template <class T>
struct Gelu {
  static constexpr bool kStoresDerivative = true;
  static constexpr T kInvSqrt2 = T(0.70710678118654752440);
  static constexpr T kInvSqrt2Pi = T(0.39894228040143267794);
  T slope;  // unused
  static T cdf(T z) { return T(0.5) * (T(1) + std::erf(z * kInvSqrt2)); }
  static T pdf(T z) { return std::exp(T(-0.5) * z * z) * kInvSqrt2Pi; }
  T value(T z) const { return z * cdf(z); }
  T scaled_derivative_at(T z, T c) const { return c * (cdf(z) + z * pdf(z)); }
  T scaled_derivative_kept(T, T dr, T c) const { return c * dr; }
  // The value, with the derivative stored at *derivative.
  Vec<T> value(Vec<T> z, Vec<T>* derivative) const {
    const Vec<T> half = simd::broadcast(T(0.5));
    const Vec<T> phi = half * (simd::broadcast(T(1)) + erf(z * simd::broadcast(kInvSqrt2)));
    const Vec<T> density = exp(-half * z * z) * simd::broadcast(kInvSqrt2Pi);
    *derivative = phi + z * density;
    return z * phi;
  }
  Vec<T> backward_weight(Vec<T>, const T* dr, Vec<T> c, Vec<T> aj) const { return c * simd::load(dr) * aj; }
};

}  // namespace relulab::two_layer::RELULAB_KERNEL_NS::activation
