// The standard normal cdf Phi(z) and density phi(z) together, lane by lane,
// for GeLU: one exponential e = exp(-z^2/2) serves both, since
//   phi(z) = e / sqrt(2 pi)   and   Phi(-|z|) = e t G(t),  t = s / (s + |z|),
// with G a polynomial fitted once (scripts/fit_gaussian_tail.py, 40 digits).
// Phi(|z|) = 1 - Phi(-|z|) never cancels (Phi(-|z|) <= 1/2), and the lower
// tail is a product, so Phi keeps its relative accuracy deep in the tail,
// where 1 + erf(z / sqrt 2) rounds to 0. Branch-free: every lane takes the
// same instructions (docs/performance.md, "GeLU").
// Included by kernel_isa.cpp only, inside its instruction set's namespace
// (after simd.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace relulab::two_layer::RELULAB_KERNEL_NS::gaussian {

using simd::broadcast;
using simd::Mask;
using simd::Vec;

template <class T>
struct TailFit;
#include "gaussian_tail.inc"

// The constants of exp's range reduction x = n ln 2 + r, per type: ln 2 in
// two parts (the high part has trailing zero bits, so n times it is exact for
// the n that occur), the round-to-integer shifter 1.5 2^p, the exponent bias
// and the position of the exponent field, and the x below which e^x is 0.
template <class T>
struct ExpConstants;
template <>
struct ExpConstants<float> {
  using Int = std::int32_t;
  static constexpr float kLog2e = 1.44269504f, kLn2Hi = 0.693145752f, kLn2Lo = 1.42860677e-6f,
                         kShifter = 12582912.0f,  // 1.5 2^23
      kUnderflow = -104.0f;  // e^-104 < half the smallest subnormal float
  static constexpr Int kBias = 127, kMantissaBits = 23;
  // Taylor to degree 7: |r|^8 / 8! < 6e-9 for |r| <= ln 2 / 2.
  static constexpr float kTaylor[8] = {1.0f, 1.0f, 0.5f, 1.0f / 6, 1.0f / 24, 1.0f / 120, 1.0f / 720, 1.0f / 5040};
};

template <>
struct ExpConstants<double> {
  using Int = std::int64_t;
  // ln 2's high part is fdlibm's: 21 trailing zero bits, so n kLn2Hi is exact for |n| < 2^21.
  static constexpr double kLog2e = 1.4426950408889634074, kLn2Hi = 6.93147180369123816490e-01,
                          kLn2Lo = 1.90821492927058770002e-10,
                          kShifter = 6755399441055744.0,  // 1.5 2^52
      kUnderflow = -746.0;  // e^-746 < half the smallest subnormal double
  static constexpr Int kBias = 1023, kMantissaBits = 52;
  // Taylor to degree 13: |r|^14 / 14! < 5e-18 for |r| <= ln 2 / 2.
  static constexpr double kTaylor[14] = {1.0,         1.0,          0.5,           1.0 / 6,        1.0 / 24,
                                         1.0 / 120,   1.0 / 720,    1.0 / 5040,    1.0 / 40320,    1.0 / 362880,
                                         1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800};
};

// Whether float64 GeLU takes this form: on AVX-512 only. With 4 lanes (AVX2) glibc's table-driven
// erf is faster than the degree-23 tail and degree-13 exponential (measured 1.4x slower in the GeLU
// step); with 8 lanes the form is faster than libmvec's 8-lane erf and exp (docs/performance.md,
// "GeLU").
#if defined(__AVX512F__)
inline constexpr bool kSharedFormInDouble = true;
#else
inline constexpr bool kSharedFormInDouble = false;
#endif

// a b + c rounded once: the instruction where the target has it (FMA is
// what makes the exact square below cheap); else multiply and add.
template <class V>
inline V fused(V a, V b, V c) {
  [[maybe_unused]] constexpr bool kFloat = std::is_same_v<V, Vec<float>>;
#if defined(__AVX512F__)
  if constexpr (kFloat) return _mm512_fmadd_ps(a, b, c);
  else return _mm512_fmadd_pd(a, b, c);
#elif defined(__FMA__)
  if constexpr (kFloat) return _mm256_fmadd_ps(a, b, c);
  else return _mm256_fmadd_pd(a, b, c);
#else
  return a * b + c;
#endif
}

// The rounding error of hi = z z, exactly: z z = hi + lo. With FMA one
// instruction; without it, Dekker's product of Veltkamp halves.
template <class T>
inline Vec<T> square_error(Vec<T> z, Vec<T> hi) {
#if defined(__FMA__) || defined(__AVX512F__)
  return fused(z, z, -hi);
#else
  constexpr T kSplitter = sizeof(T) == 4 ? T(4097.0) : T(134217729.0);  // 2^ceil(p/2) + 1
  const Vec<T> scaled = broadcast(kSplitter) * z;
  const Vec<T> high = scaled - (scaled - z), low = z - high;
  return ((high * high - hi) + T(2) * high * low) + low * low;
#endif
}

// sum_i c[i] x^i (c lowest degree first) by Estrin's scheme: pairs c[2i] +
// c[2i+1] x, then pairs of those with x^2, with x^4, ... The chain of
// dependent multiply-adds is log2(N) long instead of Horner's N, so the
// evaluations of neighbouring vectors overlap in the core instead of
// waiting on one another (Horner made the degree-23 tail 2.5x slower).
template <class T, std::size_t N>
[[gnu::always_inline]] inline Vec<T> estrin(Vec<T> x, const T (&c)[N]) {
  Vec<T> terms[N];
  for (std::size_t i = 0; i < N; ++i) terms[i] = broadcast(c[i]);
  std::size_t count = N;
#pragma GCC unroll 8
  for (int level = 0; level < 8 && count > 1; ++level) {
#pragma GCC unroll 32
    for (std::size_t i = 0; i < count / 2; ++i) terms[i] = fused(terms[2 * i + 1], x, terms[2 * i]);
    if (count % 2 == 1) terms[count / 2] = terms[count - 1];
    count = (count + 1) / 2;
    x = x * x;
  }
  return terms[0];
}

// 2^n for integer n in [-2 bias, 0], as two normal factors: their product
// rounds once, into the subnormals where it must.
template <class T>
inline Vec<T> times_power_of_two(Vec<T> v, Mask<T> n) {
  using C = ExpConstants<T>;
  const Mask<T> half = n >> 1, rest = n - half;
  const Vec<T> first = reinterpret_cast<Vec<T>>((half + C::kBias) << C::kMantissaBits);
  const Vec<T> second = reinterpret_cast<Vec<T>>((rest + C::kBias) << C::kMantissaBits);
  return v * first * second;
}

// e^x for x <= 0 (NaN stays NaN): x = n ln 2 + r, |r| <= ln 2 / 2, Taylor in r.
template <class T>
[[gnu::always_inline]] inline Vec<T> exp_nonpositive(Vec<T> x) {
  using C = ExpConstants<T>;
  x = x < broadcast(C::kUnderflow) ? broadcast(C::kUnderflow) : x;
  const Vec<T> shifted = fused(x, broadcast(C::kLog2e), broadcast(C::kShifter));
  const Vec<T> n = shifted - broadcast(C::kShifter);
  Vec<T> r = fused(n, broadcast(-C::kLn2Hi), x);
  r = fused(n, broadcast(-C::kLn2Lo), r);
  const Vec<T> p = estrin<T>(r, C::kTaylor);
  const Mask<T> exponent = reinterpret_cast<Mask<T>>(shifted) - reinterpret_cast<Mask<T>>(broadcast(C::kShifter));
  const Vec<T> e = times_power_of_two<T>(p, exponent);
  return x <= broadcast(C::kUnderflow) ? Vec<T>{} : e;
}

// Phi(z) and phi(z) for every lane.
template <class T>
struct CdfPdf {
  Vec<T> cdf, pdf;
};
template <class T>
[[gnu::always_inline]] inline CdfPdf<T> cdf_and_pdf(Vec<T> z) {
  using Fit = TailFit<T>;
  constexpr T kInvSqrt2Pi = T(0.39894228040143267794);
  // e(|z|) is 0 beyond 15 in float and 39 in double: |z| is capped there, so
  // that an infinite z squares to a finite number (NaN passes the cap).
  constexpr T kCap = sizeof(T) == 4 ? T(15) : T(40);
  const Vec<T> x = z < Vec<T>{} ? -z : z;
  const Vec<T> capped = x > broadcast(kCap) ? broadcast(kCap) : x;
  const Vec<T> square = capped * capped;
  // e^{-(hi + lo)/2} = e^{-hi/2} (1 - lo/2) to within lo^2: without the low
  // part the tail would lose z^2/2 ulps of relative accuracy.
  const Vec<T> e0 = exp_nonpositive<T>(broadcast(T(-0.5)) * square);
  const Vec<T> e = fused(e0, broadcast(T(-0.5)) * square_error<T>(capped, square), e0);
  const Vec<T> t = broadcast(Fit::kScale) / (broadcast(Fit::kScale) + x);
  const Vec<T> g = estrin<T>(t, Fit::kCoefficients);
  Vec<T> lower = e * t * g;  // Phi(-|z|)
  // At z = 0 exactly 1/2 (PyTorch's gelu'(0)): float's t G(1) rounds to it, double's does not.
  if constexpr (sizeof(T) == 8) lower = x == Vec<T>{} ? broadcast(T(0.5)) : lower;
  // z < 0 is false for NaN (the cdf is then 1 - NaN) and for -0 (1 - 1/2).
  return {z < Vec<T>{} ? lower : broadcast(T(1)) - lower, e * broadcast(kInvSqrt2Pi)};
}

}  // namespace relulab::two_layer::RELULAB_KERNEL_NS::gaussian
