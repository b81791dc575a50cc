// When metrics are recorded: `schedule = { every = N }`, `{ geometric = r }`
// (points 1, 2, ..., growing by the factor r; in continuous time from `start`)
// or `{ points = [...] }`. The first and the last point of a run are always recorded.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace relulab::host {

struct Schedule {
  enum class Kind { Every, Geometric, Points };
  Kind kind = Kind::Geometric;
  double every = 1;
  double ratio = 1.1;
  double start = 1;  // first point of a geometric schedule (1 iteration, or a time)
  std::vector<double> points;

  // The first scheduled point strictly after `after`. With an integer clock
  // the points are whole iterations.
  double next_after(double after, bool integer_clock) const {
    switch (kind) {
      case Kind::Every: {
        const double k = std::floor(after / every + 1e-12) + 1;
        return integer_clock ? std::ceil(k * every - 1e-9) : k * every;
      }
      case Kind::Geometric: {
        double t = start;
        while (t <= after) t = integer_clock ? std::max(t + 1, std::ceil(t * ratio - 1e-9)) : t * ratio;
        return t;
      }
      case Kind::Points: {
        auto it = std::upper_bound(points.begin(), points.end(), after);
        return it == points.end() ? INFINITY : *it;
      }
    }
    return INFINITY;
  }
};

}  // namespace relulab::host
