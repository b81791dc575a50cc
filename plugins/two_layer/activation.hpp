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
// The vector form, scaled_derivative(r, dr, c, alpha_c), returns c sigma'(z)
// from what pass 1 stored; alpha_c is c times leaky ReLU's slope, computed once
// per sample, so that leaky ReLU picks between c and alpha c (a blend, as cheap
// as ReLU's mask). The kept path multiplies by a_j once per chunk, not per sample.
// Derivatives at 0 follow PyTorch: relu'(0) = 0, leaky'(0) = alpha, gelu'(0) = 1/2.
#pragma once

#include <cmath>
#include <type_traits>

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
  Vec<T> scaled_derivative(Vec<T> r, const T*, Vec<T> c, Vec<T>) const {
    return simd::select_or_zero<T>(r > Vec<T>{}, c);
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
  Vec<T> scaled_derivative(Vec<T> r, const T*, Vec<T> c, Vec<T> alpha_c) const {
    return simd::select<T>(r > Vec<T>{}, c, alpha_c);
  }
};

// erf and exp lane by lane: glibc's vector math library (libmvec), whose
// entries are named per instruction set and type, else the scalar functions
// one lane at a time. Mvec names the four entries; lanewise applies one.
#if defined(__x86_64__)
extern "C" {
#if defined(__AVX512F__)
__m512d _ZGVeN8v_erf(__m512d);
__m512d _ZGVeN8v_exp(__m512d);
__m512 _ZGVeN16v_erff(__m512);
__m512 _ZGVeN16v_expf(__m512);
}
struct Mvec {
  static constexpr auto erf_d = _ZGVeN8v_erf, exp_d = _ZGVeN8v_exp;
  static constexpr auto erf_f = _ZGVeN16v_erff, exp_f = _ZGVeN16v_expf;
};
#elif defined(__AVX2__)
__m256d _ZGVdN4v_erf(__m256d);
__m256d _ZGVdN4v_exp(__m256d);
__m256 _ZGVdN8v_erff(__m256);
__m256 _ZGVdN8v_expf(__m256);
}
struct Mvec {
  static constexpr auto erf_d = _ZGVdN4v_erf, exp_d = _ZGVdN4v_exp;
  static constexpr auto erf_f = _ZGVdN8v_erff, exp_f = _ZGVdN8v_expf;
};
#else
__m128d _ZGVbN2v_erf(__m128d);
__m128d _ZGVbN2v_exp(__m128d);
__m128 _ZGVbN4v_erff(__m128);
__m128 _ZGVbN4v_expf(__m128);
}
struct Mvec {
  static constexpr auto erf_d = _ZGVbN2v_erf, exp_d = _ZGVbN2v_exp;
  static constexpr auto erf_f = _ZGVbN4v_erff, exp_f = _ZGVbN4v_expf;
};
#endif
template <class T, class Native>
inline Vec<T> lanewise(Native (*f)(Native), Vec<T> v) {
  return reinterpret_cast<Vec<T>>(f(reinterpret_cast<Native>(v)));
}
#else
struct Mvec {
  static double erf_d(double x) { return std::erf(x); }
  static double exp_d(double x) { return std::exp(x); }
  static float erf_f(float x) { return std::erf(x); }
  static float exp_f(float x) { return std::exp(x); }
};
template <class T>
inline Vec<T> lanewise(T (*f)(T), Vec<T> v) {
  for (int l = 0; l < simd::kLanes<T>; ++l) v[l] = f(v[l]);
  return v;
}
#endif

inline Vec<double> erf(Vec<double> v) { return lanewise<double>(Mvec::erf_d, v); }
inline Vec<double> exp(Vec<double> v) { return lanewise<double>(Mvec::exp_d, v); }
inline Vec<float> erf(Vec<float> v) { return lanewise<float>(Mvec::erf_f, v); }
inline Vec<float> exp(Vec<float> v) { return lanewise<float>(Mvec::exp_f, v); }

// gelu(z) = z Phi(z) with Phi(z) = (1 + erf(z / sqrt 2)) / 2, the erf form
// (PyTorch's default, approximate = 'none'); gelu'(z) = Phi(z) + z phi(z)
// with phi(z) = exp(-z^2 / 2) / sqrt(2 pi).
template <class T>
struct Gelu {
  static constexpr bool kStoresDerivative = true;
  static constexpr T kInvSqrt2 = T(0.70710678118654752440);
  static constexpr T kInvSqrt2Pi = T(0.39894228040143267794);
  // Phi and phi from one exponential (gaussian.hpp): float32 always, float64 in the AVX-512 kernel.
  static constexpr bool kSharedForm =
      std::is_same_v<T, float> || (std::is_same_v<T, double> && gaussian::kSharedFormInDouble);
  T slope;  // unused
  static T cdf(T z) { return T(0.5) * (T(1) + std::erf(z * kInvSqrt2)); }
  static T pdf(T z) { return std::exp(T(-0.5) * z * z) * kInvSqrt2Pi; }
  T value(T z) const {
    if constexpr (kSharedForm) {  // lane 0 of the vector form: the same value in any lane
      Vec<T> derivative;
      return value(simd::broadcast(z), &derivative)[0];
    }
    return z * cdf(z);
  }
  T scaled_derivative_at(T z, T c) const {
    if constexpr (kSharedForm) {
      Vec<T> derivative;
      value(simd::broadcast(z), &derivative);
      return c * derivative[0];
    }
    return c * (cdf(z) + z * pdf(z));
  }
  T scaled_derivative_kept(T, T dr, T c) const { return c * dr; }
  // The value, with the derivative stored at *derivative: the shared form, or
  // libmvec's erf and exp, which with 4 or 2 lanes are faster than that form in
  // double (docs/performance.md, "GeLU").
  Vec<T> value(Vec<T> z, Vec<T>* derivative) const {
    if constexpr (kSharedForm) {
      const gaussian::CdfPdf<T> normal = gaussian::cdf_and_pdf<T>(z);
      *derivative = normal.cdf + z * normal.pdf;
      return z * normal.cdf;
    }
    const Vec<T> half = simd::broadcast(T(0.5));
    const Vec<T> phi = half * (simd::broadcast(T(1)) + erf(z * simd::broadcast(kInvSqrt2)));
    const Vec<T> density = exp(-half * z * z) * simd::broadcast(kInvSqrt2Pi);
    *derivative = phi + z * density;
    return z * phi;
  }
  Vec<T> scaled_derivative(Vec<T>, const T* dr, Vec<T> c, Vec<T>) const { return c * simd::load(dr); }
};

}  // namespace relulab::two_layer::RELULAB_KERNEL_NS::activation
