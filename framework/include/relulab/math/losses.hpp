// The per-sample losses, in plain lines, written to stay finite where a
// textbook form overflows (docs/science.md §6). m = y h is the margin of a
// label y in {-1, +1}.
//   squared error  l = (h - y)^2                 dl/dh = 2 (h - y)
//   logistic       l = log(1 + e^{-m})           dl/dh = -y / (1 + e^{m})
//   exponential    l = e^{-m}                    dl/dh = -y e^{-m}
#pragma once

#include <cmath>
#include <cstddef>

namespace relulab::math::losses {

// log(1 + e^{-m}) as max(-m, 0) + log1p(e^{-|m|}): the exponential never
// overflows, and m = -1000 gives 1000, not inf.
inline double logistic(double m) { return std::fmax(-m, 0.0) + std::log1p(std::exp(-std::fabs(m))); }

// 1 / (1 + e^{m}), the logistic loss's -dl/dm, from whichever side keeps the
// exponential at most 1: m = 1000 gives e^{-1000} (0 in double), m = -1000 gives 1.
inline double logistic_slope(double m) {
  if (m >= 0) {
    const double e = std::exp(-m);
    return e / (1.0 + e);
  }
  return 1.0 / (1.0 + std::exp(m));
}

// e^{-m}; it overflows to +inf once -m > log(DBL_MAX) = 709.78, where the
// loss itself exceeds every double (a run there is recorded as diverged).
inline double exponential(double m) { return std::exp(-m); }

// The logistic loss over a chunk, as Loss::accumulate: adds l(m_k) to `sum` in
// order and writes weight * dl/dh = -weight * y / (1 + e^{m}) (m = y h), for
// every plugin whose per-sample loss is the logistic one.
inline void accumulate_logistic(const double* h, const double* y, std::ptrdiff_t count, double weight, double& sum,
                                double* derivative) {
  for (std::ptrdiff_t k = 0; k < count; ++k) {
    const double margin = y[k] * h[k];
    sum += logistic(margin);
    if (derivative) derivative[k] = -weight * y[k] * logistic_slope(margin);
  }
}

// log(log(1 + e^{-m})), the logistic loss's logarithm, finite at every margin:
// for m > 40, log(1 + u) = u (1 - u/2 + ...) with u = e^{-m} < 5e-18 gives
// -m - u/2 to within u^2/3 (relative 1e-35), where the loss itself would
// underflow past m = 745.
inline double log_logistic(double m) {
  if (m > 40.0) return -m - 0.5 * std::exp(-m);
  return std::log(logistic(m));
}

// log(1 / (1 + e^{m})) = -softplus(m), the logarithm of logistic_slope.
inline double log_logistic_slope(double m) { return -(std::fmax(m, 0.0) + std::log1p(std::exp(-std::fabs(m)))); }

}  // namespace relulab::math::losses
