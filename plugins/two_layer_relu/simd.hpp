// A small fixed-width vector of doubles for the register-blocked kernel, in
// GCC/Clang vector extensions: the widest width the translation unit targets
// (8 lanes with AVX-512, 4 with AVX, 2 with SSE2). Included by kernel_isa.cpp
// only, inside its instruction set's namespace.
#pragma once

#include <cstddef>
#include <cstring>
#include <utility>

namespace relulab::two_layer::RELULAB_KERNEL_NS::simd {

#if defined(__AVX512F__)
inline constexpr int kLanes = 8;
#elif defined(__AVX__)
inline constexpr int kLanes = 4;
#else
inline constexpr int kLanes = 2;
#endif

using Doubles = double __attribute__((vector_size(kLanes * sizeof(double))));
using Mask = long long __attribute__((vector_size(kLanes * sizeof(double))));

// Unaligned load and store (memcpy compiles to one vector move).
inline Doubles load(const double* p) {
  Doubles v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, Doubles v) { std::memcpy(p, &v, sizeof v); }

template <std::size_t... I>
inline Doubles broadcast(double s, std::index_sequence<I...>) {
  return Doubles{((void)I, s)...};
}
inline Doubles broadcast(double s) { return broadcast(s, std::make_index_sequence<kLanes>{}); }

// v where the mask is set, +0.0 elsewhere.
inline Doubles select_or_zero(Mask m, Doubles v) { return reinterpret_cast<Doubles>(reinterpret_cast<Mask>(v) & m); }

// std::max(z, 0.0) lane by lane, with its exact semantics: z unless z < 0
// (so NaN and -0.0 pass through, and a NaN weight still poisons the loss).
inline Doubles relu(Doubles z) { return select_or_zero(~(z < Doubles{}), z); }

inline double sum(Doubles v) {
  double s = 0.0;
  for (int l = 0; l < kLanes; ++l) s += v[l];
  return s;
}

}  // namespace relulab::two_layer::RELULAB_KERNEL_NS::simd
