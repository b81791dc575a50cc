// Every input the fuzzer ever flagged (tests/fuzz/regressions/) and every
// shipped experiment goes through the fuzz harness in the normal build: the
// loader must accept it or refuse it with a located ConfigError, never throw
// anything else (the harness lets other exceptions escape, failing the test).
#include <catch2/catch.hpp>

#include "fuzz/loader_harness.hpp"
#include "support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("fuzzer regressions and shipped experiments load or are refused cleanly", "[fuzz][config]") {
  const fs::path source = RELULAB_TEST_SOURCE_DIR;
  int regressions = 0, experiments = 0;
  for (const auto& e : fs::recursive_directory_iterator(source / "tests" / "fuzz" / "regressions")) {
    if (!e.is_regular_file()) continue;
    INFO(e.path().string());
    ++regressions;
    CHECK_NOTHROW(fuzz::load_experiment_text(slurp(e.path()), registry()));
  }
  for (const auto& e : fs::recursive_directory_iterator(source / "experiments")) {
    if (e.path().extension() != ".toml") continue;
    INFO(e.path().string());
    ++experiments;
    // The shipped experiments are valid (the harness accepts them outright).
    CHECK(fuzz::load_experiment_text(slurp(e.path()), registry(), e.path()) == fuzz::Outcome::Accepted);
  }
  CHECK(experiments >= 10);
  CHECK(regressions >= 1);
}
