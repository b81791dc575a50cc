// Direction clusters of a two-layer network's neurons (docs/science.md §3):
// after early alignment the neurons that carry norm gather on a few
// directions. Shared by the alignment metric (its effective width) and the
// neuron_clusters metric (the clusters themselves).
//
// The rule, in plain lines:
//  - a neuron's norm mass is |a_j| |w_j| (its share of the output's scale);
//    its direction is w_j / |w_j| and its sign that of a_j (the hidden bias,
//    if any, is not part of the direction);
//  - heaviest neuron first, each joins the first cluster of its sign whose
//    centre (the direction of the neuron that opened it) is within `angle`
//    radians, else opens a cluster; neurons with a_j = 0 or w_j = 0 join none;
//  - clusters are sorted by mass, heaviest first (ties: the order opened).
// Greedy and deterministic: the same network gives the same clusters, and a
// cluster's members lie within `angle` of its centre (so within 2 angle of each other).
#pragma once

#include <relulab/model.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace relulab::math::clusters {

struct Cluster {
  Vector center;  // unit direction of the neuron that opened it
  int sign = 1;  // sign of a_j of its members
  Index size = 0;  // members
  double mass = 0;  // sum of |a_j| |w_j| over its members
};

struct Clustering {
  std::vector<Cluster> clusters;  // heaviest first
  double total_mass = 0;  // over every neuron

  // The fewest clusters (heaviest first) that together carry all but `cut` of the total mass.
  Index carrying(double cut) const {
    double covered = 0;
    Index count = 0;
    for (const auto& c : clusters) {
      if (covered >= (1 - cut) * total_mass) break;
      covered += c.mass;
      ++count;
    }
    return count;
  }
};

inline double angle_between(const Vector& u, const Vector& v) {
  return std::acos(std::clamp(u.dot(v) / (u.norm() * v.norm()), -1.0, 1.0));
}

inline Clustering cluster_directions(const TwoLayerView& v, double angle) {
  const Index m = v.width();
  const Vector norms = v.W.rowwise().norm();
  const Vector mass = v.a.cwiseAbs().cwiseProduct(norms);
  std::vector<Index> order(static_cast<std::size_t>(m));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Index x, Index y) { return mass[x] > mass[y]; });
  Clustering out;
  for (Index j : order) {
    out.total_mass += mass[j];
    if (norms[j] == 0 || v.a[j] == 0) continue;
    const Vector u = v.W.row(j).transpose() / norms[j];
    const int sign = v.a[j] > 0 ? 1 : -1;
    auto home = std::find_if(out.clusters.begin(), out.clusters.end(),
                             [&](const Cluster& c) { return c.sign == sign && angle_between(u, c.center) <= angle; });
    if (home == out.clusters.end()) home = out.clusters.insert(out.clusters.end(), Cluster{u, sign, 0, 0.0});
    home->size += 1;
    home->mass += mass[j];
  }
  std::stable_sort(out.clusters.begin(), out.clusters.end(),
                   [](const Cluster& x, const Cluster& y) { return x.mass > y.mass; });
  return out;
}

}  // namespace relulab::math::clusters
