// Tests of the sgd plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("one SGD step equals the hand computation", "[model][sgd]") {
  // m = 2, d = 2: w1 = (1, 0), w2 = (0, 1), a = (1, -1); x1 = (1, 2), y1 = 1; x2 = (2, -1), y2 = 0.
  // h(x1) = relu(1) - relu(2) = -1, r1 = -2; h(x2) = relu(2) - relu(-1) = 2, r2 = 2; L = (4 + 4) / 2 = 4.
  // With 2/n = 1: da1 = r1*1 + r2*2 = 2; da2 = r1*2 + r2*0 = -4;
  // dw1 = a1 (r1 x1 + r2 x2) = (2, -6); dw2 = a2 r1 x1 (x2 inactive) = (2, 4).
  // lr = 0.1: a = (0.8, -0.6), w1 = (0.8, 0.6), w2 = (-0.2, 0.6).
  auto model = make_model(2, 2, false);
  auto theta = model->parameters();  // layout: W column by column (d blocks of m), then a
  theta << 1, 0, /* x-coordinates of w1, w2 */ 0, 1, /* y-coordinates */ 1, -1 /* a */;
  Dataset ds{RowMatrix(2, 2), Vector(2)};
  ds.X << 1, 2, 2, -1;
  ds.y << 1, 0;
  auto sgd = make_optimizer("sgd", 2, {{"lr", 0.1}, {"batch_size", std::int64_t(0)}, {"iterations", std::int64_t(1)}});
  SpyObjective objective(*model, ds);
  NeverMonitor monitor(1);
  Rng rng(0);
  sgd->run(objective, monitor, rng);
  REQUIRE(monitor.reports.size() == 1);
  CHECK(monitor.reports[0].loss == Approx(4.0).epsilon(1e-15));
  const auto v = model->view();
  // Every number above is a short sum of exactly representable terms; 1e-15 allows one rounding.
  CHECK(v.W(0, 0) == Approx(0.8).margin(1e-15));
  CHECK(v.W(0, 1) == Approx(0.6).margin(1e-15));
  CHECK(v.W(1, 0) == Approx(-0.2).margin(1e-15));
  CHECK(v.W(1, 1) == Approx(0.6).margin(1e-15));
  CHECK(v.a[0] == Approx(0.8).margin(1e-15));
  CHECK(v.a[1] == Approx(-0.6).margin(1e-15));
}

TEST_CASE("epoch-wise reshuffling visits every sample once per epoch", "[sgd]") {
  const Index n = 50, batch = 8;  // 7 batches per epoch, the last one of 2 samples
  auto model = make_model(3, 4, false, "gaussian", 0.1);
  Rng init(1);
  model->initialize(init);
  const Dataset ds = random_dataset(n, 3, 5);
  auto sgd = make_optimizer("sgd", n, {{"batch_size", std::int64_t(batch)}, {"iterations", std::int64_t(21)}});
  SpyObjective objective(*model, ds);
  NeverMonitor monitor(21);
  Rng rng(2);
  sgd->run(objective, monitor, rng);
  REQUIRE(objective.batches.size() == 21);
  std::vector<Index> first_epoch_order;
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::multiset<Index> seen;
    for (int b = 0; b < 7; ++b) {
      const auto& rows = objective.batches[epoch * 7 + b];
      CHECK(rows.size() == (b < 6 ? 8u : 2u));
      seen.insert(rows.begin(), rows.end());
      if (epoch == 0) first_epoch_order.insert(first_epoch_order.end(), rows.begin(), rows.end());
    }
    CHECK(seen.size() == static_cast<std::size_t>(n));
    CHECK(std::set<Index>(seen.begin(), seen.end()).size() == static_cast<std::size_t>(n));
  }
  // A reshuffle, not the identity order (the chance of drawing the identity is 1/50!).
  std::vector<Index> identity(n);
  for (Index k = 0; k < n; ++k) identity[k] = k;
  CHECK(first_epoch_order != identity);
}
