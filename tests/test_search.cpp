// The threshold finder ([search]).
#include <catch2/catch.hpp>

#include "search.hpp"
#include "support.hpp"

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

host::RawExperiment search_experiment(const std::string& search, const fs::path& dir) {
  write_text(dir / "search.toml", small_experiment(3000) + "[search]\n" + search);
  return host::parse_experiment_file(dir / "search.toml");
}

host::SearchResult search(const host::RawExperiment& raw, const fs::path& out, unsigned jobs) {
  host::SweepOptions o;
  o.jobs = jobs;
  o.progress = false;
  o.dir = out;
  return host::run_search(raw, registry(), o);
}

}  // namespace

TEST_CASE("search: the bracket is two evaluated points on either side of the criterion, narrow, and resumes",
          "[search]") {
  const fs::path dir = temp_dir("search");
  const auto raw = search_experiment(
      "key = \"data.n\"\nrange = [10, 2000]\nmetric = \"train_mse\"\nbelow = 0.045\ntolerance = 1.5\n", dir);
  for (unsigned jobs : {1u, 3u}) {
    DYNAMIC_SECTION("jobs " << jobs) {
      const fs::path out = dir / ("out" + std::to_string(jobs));
      const auto r = search(raw, out, jobs);
      REQUIRE(r.bracket);
      const auto [lo, hi] = *r.bracket;
      CHECK(hi / lo <= 1.5 + 1e-12);  // narrow to the tolerance (integers: or adjacent)
      std::map<double, bool> side;
      for (const auto& p : r.points) side[p.value] = p.satisfied;
      REQUIRE(side.count(lo) == 1);
      REQUIRE(side.count(hi) == 1);
      CHECK(side[lo] != side[hi]);
      CHECK(side[10] == side[lo]);    // the low end's side, as every point below lo
      for (const auto& p : r.points)
        if (p.value <= lo) CHECK(p.satisfied == side[10]);
      // A round evaluates `jobs` points: at most 2 + jobs x rounds points.
      CHECK(fs::exists(out / "search.csv"));
      // Run again: every cell is found finished, the same points and bracket come back.
      const auto again = search(raw, out, jobs);
      CHECK(again.bracket == r.bracket);
      CHECK(again.points.size() == r.points.size());
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("search: a criterion that never changes side says so and gives no bracket", "[search]") {
  const fs::path dir = temp_dir("search_none");
  const auto raw = search_experiment(
      "key = \"data.n\"\nrange = [500, 2000]\nmetric = \"train_mse\"\nbelow = 10.0\n", dir);
  const auto r = search(raw, dir / "out", 2);
  CHECK_FALSE(r.bracket);
  CHECK_THAT(r.message, Contains("holds at both ends of the range: no threshold between 500 and 2000"));
  CHECK(r.points.size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("search: bad tables are located errors", "[search][config]") {
  const fs::path dir = temp_dir("search_bad");
  auto error = [&](const std::string& text) {
    try {
      search(search_experiment(text, dir), dir / "out", 1);
    } catch (const host::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(error("key = \"data.n\"\nrange = [0, 10]\nmetric = \"train_mse\"\nbelow = 1\n"),
             Contains("search.toml:") && Contains("[search] range: expected 0 < low < high on a log scale"));
  CHECK_THAT(error("key = \"data.n\"\nrange = [10, 100]\nmetric = \"train_mse\"\nbelow = 1\ntolerence = 2\n"),
             Contains("[search] tolerence: unknown key (did you mean 'tolerance'?)"));
  CHECK_THAT(error("key = \"data.n\"\nrange = [10, 100]\nmetric = \"train_mse\"\n"), Contains("[search] below: missing"));
  CHECK_THAT(error("key = \"data.n\"\nrange = [10, 100]\nmetric = \"train_loss\"\nbelow = 1\n"),
             Contains("[search] metric: no metric column 'train_loss'; the metrics give: train_mse, test_mse"));
  fs::remove_all(dir);
}
