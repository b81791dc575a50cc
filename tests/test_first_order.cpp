// What every first-order optimizer shares, at sizes and in combinations the
// per-plugin contract (test_contracts.cpp) does not reach: both samplings,
// width 1000, and every policy at once. The rules and policies are taken from
// the registry, so a new one is covered without editing this file.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>
#include <set>

using namespace relulab;
using namespace relulab::test;

namespace {

// A monitor that reports every 100 steps and counts allocations between its first and last report.
struct AllocationCounter : Monitor {
  std::uint64_t next = 100;
  long at_first = -1, at_last = -1;
  std::uint64_t next_iteration() const override { return next; }
  double next_time() const override { return 1e300; }
  Directive report(const Progress& p) override {
    const long now = allocations_so_far();
    if (at_first < 0) at_first = now;
    at_last = now;
    next = p.iteration + 100;
    return Directive::Continue;
  }
};

// Every registered optimizer that takes policies: the first-order rules.
std::vector<std::string> first_order_rules() {
  std::vector<std::string> rules;
  for (const auto& name : registry().names(PluginKind::Optimizer)) {
    auto model = make_model(3, 2, false);
    if (make_wrapped(name, 10, {}, {}, model.get())->policy_refusal().empty()) rules.push_back(name);
  }
  REQUIRE(rules.size() >= 3);  // sgd, momentum, adam at least
  return rules;
}

}  // namespace

namespace {

// The final parameters of a 40-step run straight through, and of the same run
// stopped after 13 steps, saved, restored into fresh objects and finished.
std::pair<Vector, Vector> straight_and_resumed(const std::string& name, const std::map<std::string, ParamValue>& cfg,
                                               const std::vector<PolicySpec>& policies, bool bias) {
  const Index n = 30, d = 3;
  const Dataset ds = random_dataset(n, d, 9);
  auto straight = make_model(d, 5, bias, "gaussian", 0.5), split = make_model(d, 5, bias, "gaussian", 0.5);
  Rng i1(4), i2(4);
  straight->initialize(i1);
  split->initialize(i2);
  auto a = make_wrapped(name, n, cfg, policies, straight.get());
  ModelObjective oa(*straight, ds);
  NeverMonitor ma(40);
  Rng ra(8);
  a->run(oa, ma, ra);

  auto b = make_wrapped(name, n, cfg, policies, split.get());
  ModelObjective ob(*split, ds);
  struct StopAt : NeverMonitor {
    StopAt() : NeverMonitor(13) {}
    Directive report(const Progress&) override { return Directive::Stop; }
  } stop;
  Rng rb(8);
  b->run(ob, stop, rb);
  REQUIRE(b->iteration() == 13);
  State saved;
  b->save_state(saved);
  for (std::size_t i = 0; i < policies.size(); ++i)
    if (policies[i].name.find("noise") != std::string::npos) CHECK(saved.has("policy" + std::to_string(i) + ".rng"));
  auto c = make_wrapped(name, n, cfg, policies, split.get());
  c->load_state(saved);
  Rng rc(0);
  rc.restore(rb.save());
  NeverMonitor mc(40);
  c->run(ob, mc, rc);
  CHECK(c->iteration() == 40);
  return {straight->parameters(), split->parameters()};
}

// Allocations between the first and the last report (every 100 steps) of a
// 2000-step run at batch 32 on n = 500, d = 5: 1900 steps and 30 reshuffles.
long allocations_between_reports(const std::string& name, Index width, const std::vector<PolicySpec>& policies) {
  const Index n = 500;
  auto model = make_model(5, width, !policies.empty(), "gaussian", 1e-3);
  Rng init(1);
  model->initialize(init);
  const Dataset ds = random_dataset(n, 5, 2);
  auto opt = make_wrapped(name, n, {{"batch_size", std::int64_t(32)}, {"iterations", std::int64_t(2000)}}, policies,
                          model.get());
  AllocationCounter monitor;
  ModelObjective objective(*model, ds);
  Rng rng(3);
  opt->run(objective, monitor, rng);
  REQUIRE(monitor.at_first >= 0);
  return monitor.at_last - monitor.at_first;
}

}  // namespace

TEST_CASE("first-order optimizers resume bit for bit from their saved state", "[sgd][momentum][adam]") {
  for (const std::string& name : first_order_rules())
    for (const std::string sampling : {"reshuffle", "replacement"}) {
      DYNAMIC_SECTION(name << " " << sampling) {
        const auto [straight, resumed] = straight_and_resumed(
            name, {{"batch_size", std::int64_t(7)}, {"iterations", std::int64_t(40)}, {"sampling", sampling}}, {},
            false);
        CHECK(straight == resumed);  // exact equality, not approximate
      }
    }
}

TEST_CASE("a first-order step allocates nothing", "[sgd][momentum][adam][alloc]") {
  if (!kCountsAllocations) {
    WARN("skipped under AddressSanitizer, which owns operator new (the normal build runs it)");
    return;
  }
  const std::string name = GENERATE(from_range(first_order_rules()));
  INFO(name);
  CHECK(allocations_between_reports(name, 1000, {}) == 0);
}

namespace {

// Every registered policy at its defaults, in the registry's order; then the
// bundled ones again with settings that make each phase non-trivial.
std::vector<PolicySpec> every_policy() {
  std::vector<PolicySpec> all;
  for (const auto& name : registry().names(PluginKind::Policy)) all.push_back({name, {}});
  const std::vector<PolicySpec> tuned = {
      {"label_noise", {{"scale", 0.1}}},
      {"weight_decay", {{"rate", 1e-3}}},
      {"clip_gradient", {{"by", "norm"}, {"max", 0.5}}},
      {"gradient_noise", {{"scale", 1e-3}, {"decay", 0.55}}},
      {"lr_schedule", {{"schedule", "step"}, {"decay", 0.9}, {"every", std::int64_t(7)}}},
      {"warmup", {{"steps", std::int64_t(10)}}},
      {"inverse_loss", {{"max_lr", 0.05}}},
      {"weight_decay", {{"rate", 1e-2}, {"mode", "decoupled"}, {"layers", "first"}}},
      {"layer_rates", {{"first", 0.5}, {"second", 2.0}}},
  };
  all.insert(all.end(), tuned.begin(), tuned.end());
  return all;
}

}  // namespace

TEST_CASE("every rule wrapped in every policy resumes bit for bit", "[sgd][momentum][adam][policies]") {
  // Policies keep state of their own (the noise streams), saved with the rule's.
  const std::map<std::string, ParamValue> cfg = {{"batch_size", std::int64_t(7)}, {"iterations", std::int64_t(40)}};
  for (const std::string& name : first_order_rules()) {
    DYNAMIC_SECTION(name) {
      const auto [straight, resumed] = straight_and_resumed(name, cfg, every_policy(), true);
      CHECK(straight == resumed);  // exact equality
      // And the policies did act: the bare rule ends elsewhere.
      CHECK(straight_and_resumed(name, cfg, {}, true).first != straight);
    }
  }
}

TEST_CASE("a step wrapped in every policy allocates nothing", "[sgd][momentum][adam][policies][alloc]") {
  if (!kCountsAllocations) {
    WARN("skipped under AddressSanitizer, which owns operator new (the normal build runs it)");
    return;
  }
  const std::string name = GENERATE(from_range(first_order_rules()));
  INFO(name);
  CHECK(allocations_between_reports(name, 200, every_policy()) == 0);
}
