// The elementwise passes policies make over the gradient or the parameters
// (one per policy per step, over ~50 KB at width 1000, from the L2 cache).
// Plain loops, compiled by GCC for three x86-64 levels and chosen when the
// plugin loads (target_clones), because the SDK's Eigen is built for the
// baseline: its SSE2 clamp runs at a third of the AVX-512 loop's speed. No
// fused multiply-add is allowed (fp-contract off), and every loop keeps its
// order of operations, so each level computes the same bytes.
#pragma once

#include <algorithm>
#include <cstddef>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define RELULAB_PASS \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), optimize("fp-contract=off")))
#else
#define RELULAB_PASS
#endif

namespace relulab::passes {

// Sum of squares in eight interleaved partial sums, combined pairwise: the
// same tree on every level.
RELULAB_PASS inline double squared_norm(const double* x, std::size_t n) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t k = 0; k < 8; ++k) s[k] += x[i + k] * x[i + k];
  for (std::size_t k = 0; i < n; ++i, ++k) s[k] += x[i] * x[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

RELULAB_PASS inline void scale(double* x, std::size_t n, double factor) {
  for (std::size_t i = 0; i < n; ++i) x[i] *= factor;
}

RELULAB_PASS inline void clamp(double* x, std::size_t n, double bound) {
  for (std::size_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], -bound), bound);
}

// y <- y + alpha x
RELULAB_PASS inline void add_scaled(double* y, const double* x, std::size_t n, double alpha) {
  for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

// x <- start + factor (x - start)
RELULAB_PASS inline void scale_move(double* x, const double* start, std::size_t n, double factor) {
  for (std::size_t i = 0; i < n; ++i) x[i] = start[i] + factor * (x[i] - start[i]);
}

}  // namespace relulab::passes
