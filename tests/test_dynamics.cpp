// Gradient flow, full-batch descent, schedules, warm starts, the ReLU teacher, Theorem 2's metric.
#include <catch2/catch.hpp>
#include <relulab/math/linalg.hpp>
#include <relulab/io/npy.hpp>

#include "io/output.hpp"
#include "plugin_support.hpp"

#include <nlohmann/json.hpp>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

TEST_CASE("a warm start continues from an earlier run's weights on the same data", "[dynamics][warm]") {
  const fs::path dir = temp_dir("warm");
  const auto first = experiment_from_text(small_experiment(500));
  REQUIRE(run_into(first, dir / "first").outcome == host::Outcome::Completed);
  const std::string from = "model.warm_start=\"" + (dir / "first").string() + "\"";
  const auto second = experiment_from_text(small_experiment(300), {from, "optimizer.lr=0.04"});
  REQUIRE(run_into(second, dir / "second").outcome == host::Outcome::Completed);
  // The second run starts exactly where the first ended.
  CHECK(slurp(dir / "first" / "W_final.npy").substr(128) == slurp(dir / "second" / "W_init.npy").substr(128));
  CHECK(slurp(dir / "first" / "a_final.npy") == slurp(dir / "second" / "a_init.npy"));
  // From a checkpoint file too.
  const auto third = experiment_from_text(small_experiment(10),
                                          {"model.warm_start=\"" + (dir / "first" / "checkpoint.bin").string() + "\""});
  REQUIRE(run_into(third, dir / "third").outcome == host::Outcome::Completed);
  CHECK(slurp(dir / "first" / "W_final.npy") == slurp(dir / "third" / "W_init.npy"));
  // Other data (another seed) is refused, at the key.
  const auto other = experiment_from_text(small_experiment(300), {from, "experiment.seed=99"});
  CHECK_THROWS_WITH(run_into(other, dir / "other"),
                    Contains("[model] warm_start: the run in") && Contains("was trained on other data"));
  // Another width does not fit.
  const auto wide = experiment_from_text(small_experiment(300), {from, "model.width=21"});
  CHECK_THROWS_WITH(run_into(wide, dir / "wide"), Contains("do not fit this model (width 21"));
  // A pattern names a run whose folder name is not known in advance; it must match exactly one.
  const auto pattern =
      experiment_from_text(small_experiment(10), {"model.warm_start=\"" + (dir / "fir*").string() + "\""});
  REQUIRE(run_into(pattern, dir / "pattern").outcome == host::Outcome::Completed);
  CHECK(slurp(dir / "first" / "a_final.npy") == slurp(dir / "pattern" / "a_init.npy"));
  const auto two = experiment_from_text(small_experiment(10), {"model.warm_start=\"" + (dir / "*").string() + "\""});
  CHECK_THROWS_WITH(run_into(two, dir / "two"), Contains("[model] warm_start:") && Contains("runs; name one:"));
  const auto none =
      experiment_from_text(small_experiment(10), {"model.warm_start=\"" + (dir / "nothing-*").string() + "\""});
  CHECK_THROWS_WITH(run_into(none, dir / "none"), Contains("no run matches"));
  fs::remove_all(dir);
}
