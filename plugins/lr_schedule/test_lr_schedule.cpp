// Tests of the lr_schedule policy: its formulas, its composition with other
// rate policies, and the optimizer keys it replaced (an old spelling that
// gives the same run, the same bytes and the same run folder).
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <algorithm>
#include <cmath>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

// Step t's rate from base rate 0.01 in a run of 100 steps.
double rate(const std::map<std::string, ParamValue>& set, std::uint64_t t) {
  return make_policy({"lr_schedule", set})->learning_rate(0.01, {t, 100, 1.0});
}

}  // namespace

TEST_CASE("lr_schedule: constant, step, exponential and cosine, with a floor", "[lr_schedule]") {
  CHECK(rate({}, 0) == 0.01);
  CHECK(rate({}, 99) == 0.01);
  const std::map<std::string, ParamValue> step = {{"schedule", "step"}, {"decay", 0.1}, {"every", std::int64_t(10)}};
  CHECK(rate(step, 9) == 0.01);
  // 0.01 * 0.1^k: k multiplications of inexact decimals, a few ulp.
  CHECK(rate(step, 10) == Approx(0.001).epsilon(1e-14));
  CHECK(rate(step, 25) == Approx(0.0001).epsilon(1e-14));
  const std::map<std::string, ParamValue> expo = {
      {"schedule", "exponential"}, {"decay", 0.5}, {"every", std::int64_t(10)}};
  CHECK(rate(expo, 5) == Approx(0.01 / std::sqrt(2.0)).epsilon(1e-14));
  // Cosine from 0.01 to 0.001: (0.01 + 0.001) / 2 half way, within a cosine's rounding.
  const std::map<std::string, ParamValue> cosine = {{"schedule", "cosine"}, {"min", 0.001}};
  CHECK(rate(cosine, 0) == Approx(0.01).epsilon(1e-15));
  CHECK(rate(cosine, 50) == Approx(0.0055).epsilon(1e-15));
  CHECK(rate(cosine, 100) == Approx(0.001).epsilon(1e-15));
  const std::map<std::string, ParamValue> floor = {
      {"schedule", "step"}, {"decay", 0.1}, {"every", std::int64_t(1)}, {"min", 1e-6}};
  CHECK(rate(floor, 50) == 1e-6);
}

TEST_CASE("lr_schedule composes with warm-up: SGD moves by the sum of the products", "[lr_schedule][warmup]") {
  // A constant gradient c: T steps move theta by -c sum_t lr_t, with lr_t the
  // step schedule (halving every 3 steps) times the warm-up factor.
  const int steps = 9;
  SeparableObjective f(Vector::Zero(1), Vector::Ones(1), Vector::Zero(1));
  const Vector end =
      run_full_batch("sgd", f, steps, {{"lr", 0.1}},
                     {{"lr_schedule", {{"schedule", "step"}, {"decay", 0.5}, {"every", std::int64_t(3)}}},
                      {"warmup", {{"steps", std::int64_t(5)}, {"start_factor", 0.5}}}});
  double sum = 0;
  for (int t = 0; t < steps; ++t) sum += 0.1 * std::pow(0.5, t / 3) * (0.5 + 0.5 * std::min(t, 5) / 5.0);
  CHECK(end[0] == Approx(-sum).epsilon(1e-14));  // nine additions: a few ulp
}

TEST_CASE("the old optimizer keys lr_schedule, lr_decay, lr_decay_every and lr_min are the lr_schedule policy",
          "[lr_schedule][config]") {
  const std::string old_keys = "lr_schedule = \"step\"\nlr_decay = 0.5\nlr_decay_every = 40\n";
  const std::string policy =
      "policies = [{ plugin = \"lr_schedule\", schedule = \"step\", decay = 0.5, every = 40 }]\n";
  const auto old_form = experiment_from_text(small_experiment(200, old_keys));
  const auto new_form = experiment_from_text(small_experiment(200, policy));
  // One computation, one run folder: the one the old form always had.
  CHECK(old_form.hash == new_form.hash);
  REQUIRE(old_form.policies.size() == 1);
  CHECK(old_form.policies[0].plugin->descriptor.name == "lr_schedule");
  CHECK(old_form.resolved["optimizer"]["lr_schedule"].node() == nullptr);  // resolved in its one place
  // And the same bytes.
  const fs::path dir = temp_dir("moved");
  REQUIRE(run_into(old_form, dir / "old").outcome == host::Outcome::Completed);
  REQUIRE(run_into(new_form, dir / "new").outcome == host::Outcome::Completed);
  CHECK(slurp(dir / "old" / "W_final.npy") == slurp(dir / "new" / "W_final.npy"));
  CHECK(slurp(dir / "old" / "metrics.csv") == slurp(dir / "new" / "metrics.csv"));
  // The schedule changed the run: a constant rate ends elsewhere.
  REQUIRE(run_into(experiment_from_text(small_experiment(200)), dir / "constant").outcome == host::Outcome::Completed);
  CHECK(slurp(dir / "constant" / "W_final.npy") != slurp(dir / "new" / "W_final.npy"));
  fs::remove_all(dir);
}

TEST_CASE("old schedule keys that restate their defaults add no policy and keep the hash", "[lr_schedule][config]") {
  const auto bare = experiment_from_text(small_experiment(200));
  const auto restated = experiment_from_text(small_experiment(200, "lr_schedule = \"constant\"\nlr_min = 0.0\n"));
  CHECK(restated.policies.empty());
  CHECK(restated.hash == bare.hash);
  // A constant policy written out is the same computation as none.
  const auto written = experiment_from_text(small_experiment(200, "policies = [{ plugin = \"lr_schedule\" }]\n"));
  CHECK(written.hash == bare.hash);
}

TEST_CASE("an old schedule key is checked against the policy's own range, at its line", "[lr_schedule][config]") {
  CHECK_THAT(error_of(small_experiment(200, "lr_decay = 2.0\n")),
             Contains("exp.toml:18:1: [optimizer] lr_decay: value 2 is out of range (0, 1]"));
  CHECK_THAT(error_of(small_experiment(200, "lr_schedule = \"linear\"\n")),
             Contains("[optimizer] lr_schedule: \"linear\" is not one of constant | step | exponential | cosine"));
}
