// Extremal vectors: the search against the exact d = 2 enumeration, and the population limit.
#include <catch2/catch.hpp>
#include <relulab/math/extremal.hpp>
#include <relulab/io/npy.hpp>

#include "support.hpp"

#include <nlohmann/json.hpp>

#include <numbers>

using namespace relulab;
using namespace relulab::test;

namespace {

Dataset planar(Index n, std::uint64_t seed, bool linear_labels) {
  Rng rng(seed);
  Dataset ds{RowMatrix(n, 2), Vector(n)};
  const double b0 = rng.normal(), b1 = rng.normal();
  for (Index k = 0; k < n; ++k) {
    ds.X(k, 0) = rng.normal();
    ds.X(k, 1) = rng.normal();
    ds.y[k] = linear_labels ? b0 * ds.X(k, 0) + b1 * ds.X(k, 1) + 0.3 * rng.normal() : rng.normal();
  }
  return ds;
}

}  // namespace

TEST_CASE("d = 2: the search finds exactly the extremal vectors the enumeration finds", "[extremal]") {
  int kink_vectors = 0, smooth_vectors = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    for (bool linear : {true, false}) {
      DYNAMIC_SECTION("seed " << seed << (linear ? " linear labels" : " random labels")) {
        const Dataset ds = planar(12, seed, linear);
        const auto exact = math::extremal::enumerate_2d(ds.X, ds.y);
        Rng rng(seed);
        math::extremal::SearchOptions opt;
        // The smallest basins seen on these data cover ~2.5% of the circle: 500 starts of each
        // sign miss one with probability 0.975^500 ~ 3e-6.
        opt.starts = 1000;
        const auto found = math::extremal::search(ds.X, ds.y, rng, opt);
        REQUIRE(!exact.empty());
        // Every enumerated vector is found, with its sign; 1e-6 rad: fixed points are exact, and
        // kink vectors are projected onto their line exactly.
        for (const auto& e : exact) {
          bool hit = false;
          for (const auto& f : found)
            hit = hit || (f.sign == e.sign && math::extremal::angle(f.direction, e.direction) < 1e-6);
          INFO("enumerated sign " << e.sign << " at " << std::atan2(e.direction[1], e.direction[0]) << " kink "
                                  << e.kink);
          CHECK(hit);
          (e.kink ? kink_vectors : smooth_vectors)++;
        }
        // ...and nothing else.
        CHECK(found.size() == exact.size());
        for (const auto& f : found) CHECK(f.sign * f.G > 0);
      }
    }
  }
}

TEST_CASE("linear teacher, Gaussian inputs, large n: two extremal vectors near +-beta*", "[extremal]") {
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  BuildContext ctx;
  auto teacher = desc.make<DataGenerator>(
      defaults(desc.schema, {{"d", std::int64_t(4)}, {"beta_star", std::vector<double>{1.0, -1.0, 0.5, 0.0}}}), ctx);
  Rng data_rng(5);
  const Dataset ds = teacher->sample(20'000, data_rng);
  Rng rng(6);
  math::extremal::SearchOptions opt;
  opt.starts = 20;
  const auto found = math::extremal::search(ds.X, ds.y, rng, opt);
  REQUIRE(found.size() == 2);
  const Vector beta = Vector((Vector(4) << 1.0, -1.0, 0.5, 0.0).finished()).normalized();
  for (const auto& f : found) {
    // Theorem 1: sup_w |D_n - D| ~ n^-1/2 = 0.007 here; a few degrees is a wide margin.
    const double deg = math::extremal::angle(f.direction, f.sign * beta) * 180 / std::numbers::pi;
    INFO("sign " << f.sign << ": " << deg << " degrees from sign * beta*/|beta*|");
    CHECK(deg < 3.0);
    CHECK(f.sign * f.G > 0);
    CHECK(f.share == Approx(0.5));  // every start of its sign ends there
  }
  CHECK(found[0].sign != found[1].sign);
}
