// Early alignment's drift field and its extremal vectors (docs/science.md §3).
//   D_n(w) = (1/n) sum_k 1{<w, x_k> > 0} r_k x_k,   G_n(w) = <w, D_n(w)>,
// with r the labels (the network is ~0 during early alignment) or the current
// residuals. An extremal vector is a unit w with some drift parallel to it
// (at a kink the kink's samples may enter with any weight in [0, 1]); sign +
// when w = +D/|D| (G > 0), sign - when w = -D/|D| (G < 0). Neurons with a > 0
// climb G and settle at its local maxima with G > 0; neurons with a < 0 at its
// local minima with G < 0: those are the stable extremal vectors searched here.
#pragma once

#include <relulab/dataset.hpp>
#include <relulab/rng.hpp>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace relulab::math::extremal {

struct ExtremalVector {
  Vector direction;  // unit
  int sign = 1;  // +1 or -1
  double G = 0.0;  // G_n at the direction
  double share = 0.0;  // fraction of the search's starts that reached it (0 for the exact enumeration)
  bool kink = false;  // lies on at least one line <w, x_k> = 0
};

inline Vector drift(const RowMatrix& X, const Vector& r, const Vector& w) {
  const Index n = X.rows(), d = X.cols();
  Vector D = Vector::Zero(d);
  // Plain loops over rows: no temporary of size n (this runs thousands of times per search).
  for (Index k = 0; k < n; ++k) {
    const double* x = X.data() + k * d;
    double z = 0;
    for (Index i = 0; i < d; ++i) z += x[i] * w[i];
    if (z > 0)
      for (Index i = 0; i < d; ++i) D[i] += r[k] * x[i];
  }
  return n ? Vector(D / static_cast<double>(n)) : D;
}

inline double G(const RowMatrix& X, const Vector& r, const Vector& w) { return w.dot(drift(X, r, w)); }

inline double angle(const Vector& u, const Vector& v) {
  return std::acos(std::clamp(u.dot(v) / (u.norm() * v.norm()), -1.0, 1.0));
}

struct SearchOptions {
  int starts = 200;  // random starting directions, half of each sign
  int fixed_point_iterations = 100;
  int subgradient_iterations = 2000;
  double merge_angle = 1.0 * std::numbers::pi / 180;  // results closer than this are one vector
  double kink_tolerance = 1e-2;  // kinks nearer than this (|<w, x_k>| / |x_k|) are tried after the ascent
  // After an ascent (no exact fixed point), the drift's part across w may be
  // this fraction of |D|: with many samples the kinks are too dense to land on
  // exactly, and the averaged ascent stops within ~1e-4 rad of the vector.
  double ascent_tolerance = 1e-2;
};

namespace detail {

// Whether some drift at w, with the samples of `kinks` weighted in [0, 1], is
// parallel to sign * w, after projecting w onto those kinks' lines. Returns the
// projected direction, or an empty vector when it is not extremal within
// `accept_tolerance` (the drift's part across w relative to |D|).
inline Vector check_on_kinks(const RowMatrix& X, const Vector& r, Vector w, int sign, const std::vector<Index>& kinks,
                             double accept_tolerance) {
  const Index n = X.rows(), d = X.cols();
  if (!kinks.empty()) {
    // Onto the intersection of the kink hyperplanes: w - K^T (K K^T)^-1 K w.
    Eigen::MatrixXd K(static_cast<Index>(kinks.size()), d);
    for (std::size_t i = 0; i < kinks.size(); ++i) K.row(static_cast<Index>(i)) = X.row(kinks[i]);
    const Eigen::MatrixXd KKt = K * K.transpose();
    w -= K.transpose() * KKt.ldlt().solve(K * w);
    if (!(w.norm() > 0)) return {};
    w.normalize();
  }
  // Drift without the kink samples, plus eta_k r_k x_k / n for each of them.
  Vector base = Vector::Zero(d);
  std::vector<Vector> extra;
  for (Index k = 0; k < n; ++k) {
    if (std::find(kinks.begin(), kinks.end(), k) != kinks.end())
      extra.push_back(r[k] * X.row(k).transpose() / double(n));
    else if (X.row(k).dot(w.transpose()) > 0) base += r[k] * X.row(k).transpose() / double(n);
  }
  // Minimise the drift's part across w over eta in [0, 1]^K (projected
  // gradient on a tiny convex least-squares problem).
  const Eigen::MatrixXd P = Eigen::MatrixXd::Identity(d, d) - w * w.transpose();
  std::vector<double> eta(extra.size(), 0.5);
  auto drift_at = [&] {
    Vector D = base;
    for (std::size_t i = 0; i < extra.size(); ++i) D += eta[i] * extra[i];
    return D;
  };
  double L = 1e-300;
  for (const auto& e : extra) L += (P * e).squaredNorm();
  for (int it = 0; it < 2000 && !extra.empty(); ++it) {
    const Vector res = P * drift_at();
    for (std::size_t i = 0; i < extra.size(); ++i) eta[i] = std::clamp(eta[i] - res.dot(P * extra[i]) / L, 0.0, 1.0);
  }
  const Vector D = drift_at();
  if (sign * w.dot(D) <= 0 || (P * D).norm() > accept_tolerance * D.norm()) return {};
  return w;
}

// Refines the end point of a search: tries w on its nearest kinks (as many as
// d - 1, nearest first, then fewer), first demanding exact parallelism, then
// `accept_tolerance`.
inline Vector refine(const RowMatrix& X, const Vector& r, const Vector& w, int sign, double kink_tolerance,
                     double accept_tolerance) {
  std::vector<std::pair<double, Index>> near;
  for (Index k = 0; k < X.rows(); ++k) {
    const double distance = std::abs(X.row(k).dot(w.transpose())) / std::max(X.row(k).norm(), 1e-300);
    if (distance < kink_tolerance) near.emplace_back(distance, k);
  }
  std::sort(near.begin(), near.end());
  const std::size_t most = std::min<std::size_t>(near.size(), static_cast<std::size_t>(X.cols() - 1));
  for (double tolerance : {1e-9, accept_tolerance}) {
    for (std::size_t count = most + 1; count-- > 0;) {
      std::vector<Index> kinks;
      for (std::size_t i = 0; i < count; ++i) kinks.push_back(near[i].second);
      Vector v = check_on_kinks(X, r, w, sign, kinks, tolerance);
      if (v.size() > 0) return v;
    }
  }
  return {};
}

// Steps of `step` rad along the projected gradient of sign * G; shrinking as
// step/sqrt(it) when averaging (the iterates then straddle a kink ever closer).
inline void ascend(const RowMatrix& X, const Vector& r, Vector& w, int sign, int steps, double step, Vector* average) {
  for (int it = 1; it <= steps; ++it) {
    const Vector D = drift(X, r, w);
    const Vector tangent = sign * (D - w.dot(D) * w);
    if (tangent.norm() < 1e-15) return;
    w += (average ? step / std::sqrt(static_cast<double>(it)) : step) * tangent / tangent.norm();
    w.normalize();
    if (average) *average += w;
  }
}

// A smooth maximum is a fixed point of w -> sign D(w)/|D(w)|: the one the
// iteration from `from` reaches within `reach` rad of it, or empty.
inline Vector polish(const RowMatrix& X, const Vector& r, const Vector& from, int sign, int iterations, double reach) {
  Vector p = from;
  for (int it = 0; it < iterations; ++it) {
    const Vector D = drift(X, r, p);
    if (!(D.norm() > 0)) return {};
    const Vector next = sign * D / D.norm();
    if ((next - p).norm() < 1e-13) return angle(next, from) < reach ? next : Vector();
    p = next;
  }
  return {};
}

// Where the start w of sign `sign` ends: the ascent, then a polished smooth
// maximum, or else an averaged ascent and its projection onto the nearest
// kinks; empty when Definition 1 rejects the end point.
inline Vector end_point(const RowMatrix& X, const Vector& r, Vector w, int sign, const SearchOptions& opt) {
  // 400 steps of 0.01 rad: small enough not to jump out of a narrow basin, long enough (4 rad) to cross any.
  const int local_steps = 400;
  const double local_step = 0.01;
  ascend(X, r, w, sign, local_steps, local_step, nullptr);
  if (const Vector p = polish(X, r, w, sign, opt.fixed_point_iterations, 0.05); p.size() > 0)
    return check_on_kinks(X, r, p, sign, {}, 1e-9);
  Vector average = Vector::Zero(X.cols());
  ascend(X, r, w, sign, opt.subgradient_iterations, local_step, &average);
  if (average.norm() > 0) w = average.normalized();
  if (const Vector q = polish(X, r, w, sign, opt.fixed_point_iterations, 0.01); q.size() > 0)
    return check_on_kinks(X, r, q, sign, {}, 1e-9);
  return refine(X, r, w, sign, opt.kink_tolerance, opt.ascent_tolerance);
}

// Counts v as one more hit of a vector of its sign found within merge_angle, or adds it.
inline void merge(std::vector<ExtremalVector>& found, std::vector<int>& hits, const RowMatrix& X, const Vector& r,
                  const Vector& v, int sign, double merge_angle) {
  for (std::size_t i = 0; i < found.size(); ++i)
    if (found[i].sign == sign && angle(found[i].direction, v) < merge_angle) {
      ++hits[i];
      return;
    }
  ExtremalVector e;
  e.direction = v;
  e.sign = sign;
  e.G = G(X, r, v);
  for (Index k = 0; k < X.rows() && !e.kink; ++k)
    e.kink = std::abs(X.row(k).dot(v.transpose())) < 1e-9 * X.row(k).norm();
  found.push_back(e);
  hits.push_back(1);
}

}  // namespace detail

// From random starts, half of each sign: a projected (sub)gradient ascent of
// sign * G on the sphere, which is how a neuron moves during early alignment,
// so each start ends in the basin its neuron would; then the fixed-point
// iteration w <- sign D(w)/|D(w)| polishes a smooth maximum exactly (accepted
// only if it stays where the ascent ended); where it cycles between
// neighbouring cones (a maximum on a kink) the ascent goes on with shrinking
// steps, its iterates are averaged, and the result is projected onto the
// nearest kinks and checked against Definition 1. Results are merged by angle.
inline std::vector<ExtremalVector> search(const RowMatrix& X, const Vector& r, Rng& rng,
                                          const SearchOptions& opt = {}) {
  const Index d = X.cols();
  std::vector<ExtremalVector> found;
  std::vector<int> hits;
  int valid_starts = 0;
  for (int start = 0; start < opt.starts; ++start) {
    const int sign = start % 2 == 0 ? 1 : -1;
    Vector w(d);
    for (Index i = 0; i < d; ++i) w[i] = rng.normal();
    if (!(w.norm() > 0)) continue;
    w.normalize();
    ++valid_starts;
    if (const Vector v = detail::end_point(X, r, w, sign, opt); v.size() > 0)
      detail::merge(found, hits, X, r, v, sign, opt.merge_angle);
  }
  for (std::size_t i = 0; i < found.size(); ++i) found[i].share = valid_starts ? double(hits[i]) / valid_starts : 0.0;
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.share > b.share; });
  return found;
}

// Every stable extremal vector in d = 2, exactly: the 2n lines <w, x_k> = 0
// cut the circle into arcs with D constant on each. An arc holds a local
// maximum of sign * G with sign * G > 0 iff sign * D of the arc points into it;
// a kink between two arcs holds one iff sign * G rises into it from both sides.
inline std::vector<ExtremalVector> enumerate_2d(const RowMatrix& X, const Vector& r) {
  const double two_pi = 2 * std::numbers::pi;
  auto wrap = [&](double a) {
    a = std::fmod(a, two_pi);
    return a < 0 ? a + two_pi : a;
  };
  auto unit = [](double a) {
    Vector u(2);
    u[0] = std::cos(a);
    u[1] = std::sin(a);
    return u;
  };
  std::vector<double> cuts;
  for (Index k = 0; k < X.rows(); ++k) {
    if (X.row(k).norm() == 0) continue;
    const double t = std::atan2(X(k, 1), X(k, 0));
    cuts.push_back(wrap(t + std::numbers::pi / 2));
    cuts.push_back(wrap(t - std::numbers::pi / 2));
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end(), [](double a, double b) { return b - a < 1e-15; }), cuts.end());
  std::vector<ExtremalVector> out;
  const std::size_t m = cuts.size();
  if (m == 0) return out;
  std::vector<Vector> arc_drift(m);  // arc i runs from cuts[i] to cuts[i+1] (wrapping)
  auto arc_length = [&](std::size_t i) { return i + 1 < m ? cuts[i + 1] - cuts[i] : cuts[0] + two_pi - cuts[i]; };
  for (std::size_t i = 0; i < m; ++i) arc_drift[i] = drift(X, r, unit(cuts[i] + arc_length(i) / 2));
  for (std::size_t i = 0; i < m; ++i) {
    for (int sign : {1, -1}) {
      const Vector D = sign * arc_drift[i];
      if (D.norm() == 0) continue;
      const double off = wrap(std::atan2(D[1], D[0]) - cuts[i]);
      if (off > 0 && off < arc_length(i)) {
        ExtremalVector e;
        e.direction = D / D.norm();
        e.sign = sign;
        e.G = G(X, r, e.direction);
        out.push_back(e);
      }
      // The kink at the arc's end: d/dtheta of sign * G is <u', sign D> on each side.
      const double t = i + 1 < m ? cuts[i + 1] : cuts[0];
      const Vector u = unit(t), du = unit(t + std::numbers::pi / 2);
      const std::size_t next = (i + 1) % m;
      const double left = du.dot(sign * arc_drift[i]), right = du.dot(sign * arc_drift[next]);
      const double value = sign * u.dot(arc_drift[i]);  // G is continuous: either side gives it
      if (left > 0 && right < 0 && value > 0) {
        ExtremalVector e;
        e.direction = u;
        e.sign = sign;
        e.G = u.dot(arc_drift[i]);
        e.kink = true;
        out.push_back(e);
      }
    }
  }
  return out;
}

}  // namespace relulab::math::extremal
