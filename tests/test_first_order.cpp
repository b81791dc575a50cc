// What every first-order optimizer (sgd, momentum, adam) shares: resuming bit for bit, and no allocation per step.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>
#include <set>

using namespace relulab;
using namespace relulab::test;






TEST_CASE("first-order optimizers resume bit for bit from their saved state", "[sgd][momentum][adam]") {
  const Index n = 30;
  const Dataset ds = random_dataset(n, 3, 9);
  for (const std::string name : {"sgd", "momentum", "adam"})
  for (const std::string sampling : {"reshuffle", "replacement"}) {
    DYNAMIC_SECTION(name << " " << sampling) {
      auto straight = make_model(3, 5, false, "gaussian", 0.5), split = make_model(3, 5, false, "gaussian", 0.5);
      Rng i1(4), i2(4);
      straight->initialize(i1);
      split->initialize(i2);
      const std::map<std::string, ParamValue> cfg = {
          {"batch_size", std::int64_t(7)}, {"iterations", std::int64_t(40)}, {"sampling", sampling}};
      auto a = make_optimizer(name, n, cfg);
      SpyObjective oa(*straight, ds);
      NeverMonitor ma(40);
      Rng ra(8);
      a->run(oa, ma, ra);

      // The same run stopped at 13 steps, saved, restored into a fresh optimizer, finished.
      auto b = make_optimizer(name, n, cfg);
      SpyObjective ob(*split, ds);
      struct StopAt : NeverMonitor {
        StopAt() : NeverMonitor(13) {}
        Directive report(const Progress&) override { return Directive::Stop; }
      } stop;
      Rng rb(8);
      b->run(ob, stop, rb);
      REQUIRE(b->iteration() == 13);
      State saved;
      b->save_state(saved);
      const std::string rng_state = rb.save();
      auto c = make_optimizer(name, n, cfg);
      c->load_state(saved);
      Rng rc(0);
      rc.restore(rng_state);
      NeverMonitor mc(40);
      c->run(ob, mc, rc);
      CHECK(c->iteration() == 40);
      CHECK(straight->parameters() == split->parameters());  // exact equality, not approximate
    }
  }
}

TEST_CASE("a first-order step allocates nothing", "[sgd][momentum][adam][alloc]") {
  if (!kCountsAllocations) {
    WARN("skipped under AddressSanitizer, which owns operator new (the normal build runs it)");
    return;
  }
  const std::string name = GENERATE(as<std::string>(), "sgd", "momentum", "adam");
  INFO(name);
  const Index n = 500;
  auto model = make_model(5, 1000, false, "gaussian", 1e-3);
  Rng init(1);
  model->initialize(init);
  const Dataset ds = random_dataset(n, 5, 2);
  auto sgd = make_optimizer(name, n, {{"batch_size", std::int64_t(32)}, {"iterations", std::int64_t(2000)}});
  // A monitor that counts allocations between its first and last report.
  struct Counting : Monitor {
    std::uint64_t next = 100;
    long at_first = -1, at_last = -1;
    std::uint64_t next_iteration() const override { return next; }
    double next_time() const override { return 1e300; }
    Directive report(const Progress& p) override {
      const long now = g_allocations.load();
      if (at_first < 0) at_first = now;
      at_last = now;
      next = p.iteration + 100;
      return Directive::Continue;
    }
  } monitor;
  ModelObjective objective(*model, ds);
  Rng rng(3);
  sgd->run(objective, monitor, rng);
  REQUIRE(monitor.at_first >= 0);
  // 1900 steps (and 30 epoch reshuffles) between the first and the last report.
  CHECK(monitor.at_last - monitor.at_first == 0);
}

