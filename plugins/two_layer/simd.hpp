// Small fixed-width vectors of doubles or floats for the register-blocked
// kernel, in GCC/Clang vector extensions: the widest width the translation
// unit targets (64 bytes with AVX-512, 32 with AVX, 16 with SSE2), so a float
// vector has twice a double vector's lanes. Included by kernel_isa.cpp only,
// inside its instruction set's namespace.
#pragma once

#include <cstddef>
#include <cstring>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace relulab::two_layer::RELULAB_KERNEL_NS::simd {

#if defined(__AVX512F__)
inline constexpr int kBytes = 64;
#elif defined(__AVX__)
inline constexpr int kBytes = 32;
#else
inline constexpr int kBytes = 16;
#endif

// Vector registers: 32 with AVX-512, 16 with AVX or SSE2 in 64-bit mode.
#if defined(__AVX512F__)
inline constexpr int kRegisters = 32;
#else
inline constexpr int kRegisters = 16;
#endif

template <class T>
struct Types;
template <>
struct Types<double> {
  using Vec = double __attribute__((vector_size(kBytes)));
  using Mask = long long __attribute__((vector_size(kBytes)));
};
template <>
struct Types<float> {
  using Vec = float __attribute__((vector_size(kBytes)));
  using Mask = int __attribute__((vector_size(kBytes)));
};
template <class T>
using Vec = typename Types<T>::Vec;
template <class T>
using Mask = typename Types<T>::Mask;
template <class T>
inline constexpr int kLanes = kBytes / static_cast<int>(sizeof(T));

// Unaligned load and store (memcpy compiles to one vector move).
template <class T>
inline Vec<T> load(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
inline void store(T* p, Vec<T> v) {
  std::memcpy(p, &v, sizeof v);
}

// Every lane s (spelled out, not 0 + s, which would turn -0.0 into +0.0).
template <class T, std::size_t... I>
inline Vec<T> broadcast(T s, std::index_sequence<I...>) {
  return Vec<T>{((void)I, s)...};
}
template <class T>
inline Vec<T> broadcast(T s) {
  return broadcast<T>(s, std::make_index_sequence<kLanes<T>>{});
}

// v where the mask is set, +0 elsewhere.
template <class T>
inline Vec<T> select_or_zero(Mask<T> m, Vec<T> v) {
  return reinterpret_cast<Vec<T>>(reinterpret_cast<Mask<T>>(v) & m);
}

// a where the mask is set, b elsewhere.
template <class T>
inline Vec<T> select(Mask<T> m, Vec<T> a, Vec<T> b) {
  return reinterpret_cast<Vec<T>>((reinterpret_cast<Mask<T>>(a) & m) | (reinterpret_cast<Mask<T>>(b) & ~m));
}

// x86's max(a, b) lane by lane: a > b ? a : b exactly (b when either is NaN,
// and when both are zeros). GCC does not always find it from that ternary.
// (With AVX-512, the masked form with every lane set: the plain one passes GCC 12
// an undefined vector that -Wmaybe-uninitialized reports.)
#if defined(__AVX512F__)
inline Vec<double> x86_max(Vec<double> a, Vec<double> b) { return _mm512_mask_max_pd(a, 0xFF, a, b); }
inline Vec<float> x86_max(Vec<float> a, Vec<float> b) { return _mm512_mask_max_ps(a, 0xFFFF, a, b); }
#elif defined(__AVX__)
inline Vec<double> x86_max(Vec<double> a, Vec<double> b) { return _mm256_max_pd(a, b); }
inline Vec<float> x86_max(Vec<float> a, Vec<float> b) { return _mm256_max_ps(a, b); }
#elif defined(__SSE2__)
inline Vec<double> x86_max(Vec<double> a, Vec<double> b) { return _mm_max_pd(a, b); }
inline Vec<float> x86_max(Vec<float> a, Vec<float> b) { return _mm_max_ps(a, b); }
#else
template <class T>
inline Vec<T> x86_max(Vec<T> a, Vec<T> b) {
  return a > b ? a : b;
}
#endif

// std::max(z, 0) lane by lane, with its exact semantics: z unless z < 0
// (so NaN and -0.0 pass through, and a NaN weight still poisons the loss).
// That is max(0, z) in x86's sense: one instruction, where a compare and a
// mask took two.
template <class T>
inline Vec<T> relu(Vec<T> z) {
  return x86_max(Vec<T>{}, z);
}

template <class T>
inline T sum(Vec<T> v) {
  T s = 0;
  for (int l = 0; l < kLanes<T>; ++l) s += v[l];
  return s;
}

}  // namespace relulab::two_layer::RELULAB_KERNEL_NS::simd
