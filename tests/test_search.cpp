// The threshold finder ([search]).
#include <catch2/catch.hpp>

#include "sweep/search.hpp"
#include "support.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

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
  const auto r = search(raw, dir / "out", 2);
  REQUIRE(r.bracket);
  const auto [lo, hi] = *r.bracket;
  CHECK(hi / lo <= 1.5 + 1e-12);  // narrow to the tolerance (integers: or adjacent)
  std::map<double, bool> side;
  for (const auto& p : r.points) side[p.value] = p.satisfied;
  REQUIRE(side.count(lo) == 1);
  REQUIRE(side.count(hi) == 1);
  CHECK(side[lo] != side[hi]);
  CHECK(side[10] == side[lo]);  // the low end's side, as every point below lo
  for (const auto& p : r.points)
    if (p.value <= lo) CHECK(p.satisfied == side[10]);
  // A round evaluates points_per_round (default 2) points, never more.
  std::map<int, int> per_round;
  for (const auto& p : r.points) ++per_round[p.round];
  CHECK(per_round[0] == 2);  // the range's ends
  for (const auto& [round, count] : per_round)
    if (round > 0) CHECK(count <= 2);
  // Run again: every cell is found finished, the same points and bracket come back.
  const auto again = search(raw, dir / "out", 2);
  CHECK(again.bracket == r.bracket);
  CHECK(again.points.size() == r.points.size());
  fs::remove_all(dir);
}

TEST_CASE("search: --jobs changes how many points run at once, never which: same bytes, and resumable across",
          "[search]") {
  const fs::path dir = temp_dir("search_jobs");
  const auto raw = search_experiment(
      "key = \"data.n\"\nrange = [10, 2000]\nmetric = \"train_mse\"\nbelow = 0.045\ntolerance = 1.3\n"
      "points_per_round = 3\n",
      dir);
  const auto one = search(raw, dir / "one", 1);
  const auto three = search(raw, dir / "three", 3);
  REQUIRE(one.bracket);
  CHECK(one.bracket == three.bracket);
  CHECK(slurp(dir / "one" / "search.csv") == slurp(dir / "three" / "search.csv"));
  std::map<int, int> per_round;
  for (const auto& p : one.points) ++per_round[p.round];
  CHECK(per_round.at(1) == 3);  // the first round splits [10, 2000] in 4: 38, 141, 532, all distinct
  // A search started with --jobs 1 resumes (finds its cells) under --jobs 2.
  const auto resumed = search(raw, dir / "one", 2);
  CHECK(resumed.bracket == one.bracket);
  fs::remove_all(dir);
}

TEST_CASE("search: a criterion that never changes side says so and gives no bracket", "[search]") {
  const fs::path dir = temp_dir("search_none");
  const auto raw =
      search_experiment("key = \"data.n\"\nrange = [500, 2000]\nmetric = \"train_mse\"\nbelow = 10.0\n", dir);
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
  CHECK_THAT(error("key = \"data.n\"\nrange = [10, 100]\nmetric = \"train_mse\"\n"),
             Contains("[search] below: missing"));
  CHECK_THAT(error("key = \"data.n\"\nrange = [10, 100]\nmetric = \"train_loss\"\nbelow = 1\n"),
             Contains("[search] metric: no metric column 'train_loss'") &&
                 Contains("the metrics give: train_mse, test_mse"));
  // Refused before round 0 trains: no cell folder was made.
  CHECK_THAT(error("key = \"data.n\"\nrange = [10, 100]\nmetric = \"trian_mse\"\nbelow = 1\n"),
             Contains("no metric column 'trian_mse' (did you mean 'train_mse'?)"));
  CHECK_FALSE(fs::exists(dir / "out" / "round-0"));
  CHECK_THAT(error("key = \"data.m\"\nrange = [10, 100]\nmetric = \"train_mse\"\nbelow = 1\n"),
             Contains("data.m"));
  CHECK_THAT(error("key = \"data.n\"\nrange = [10, 100]\nmetric = \"train_mse\"\nbelow = 1\nstatistic = \"mean\"\n"),
             Contains("search.toml:") && Contains("[search] statistic: expected \"final\" or \"late_median\""));
  CHECK_THAT(error("key = \"data.n\"\nrange = [10, 100]\nmetric = \"train_mse\"\nbelow = 1\npoints_per_round = 0\n"),
             Contains("search.toml:") && Contains("[search] points_per_round: expected 1 to 64"));
  fs::remove_all(dir);
}

TEST_CASE("search: late_median is the median over the second half of a cell's records", "[search]") {
  const fs::path dir = temp_dir("search_late_median");
  // Records at 0, 100, ..., 800: the second half is iterations 400 to 800, five records, the last
  // an SGD-like spike. Sorted {0.03, 0.04, 0.04, 0.05, 0.165}: the median is 0.04, the final 0.165.
  write_text(dir / "odd.csv",
             "iteration,time,train_mse\n0,0,1\n100,0,0.5\n200,0,0.3\n300,0,0.2\n400,0,0.05\n"
             "500,0,0.04\n600,0,0.03\n700,0,0.04\n800,0,0.165\n");
  CHECK(host::late_median(dir / "odd.csv", "train_mse") == 0.04);
  // An even count averages the middle two: iterations 10 and 20 (half of 20 is 10) give (1 + 3) / 2.
  // A record without the column (an empty field) is skipped.
  write_text(dir / "even.csv", "iteration,train_mse,test_mse\n0,9,1\n5,,1\n10,1,1\n20,3,1\n");
  CHECK(host::late_median(dir / "even.csv", "train_mse") == 2.0);
  CHECK_THROWS_WITH(host::late_median(dir / "even.csv", "ols_mse"),
                    Contains("even.csv") && Contains("no column 'ols_mse'"));
  CHECK_THROWS_WITH(host::late_median(dir / "none.csv", "train_mse"), Contains("none.csv: cannot read the metrics"));
  fs::remove_all(dir);
}

namespace {

// The test's own reading of a cell's metrics.csv: the train MSE of every record whose
// iteration is at least half the last, sorted, and its middle.
double late_median_by_hand(const fs::path& csv) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // iteration,time,train_mse,test_mse (the losses metric)
  REQUIRE(line.rfind("iteration,time,train_mse,", 0) == 0);
  std::vector<std::pair<double, double>> rows;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string iteration, time, train;
    std::getline(fields, iteration, ',');
    std::getline(fields, time, ',');
    std::getline(fields, train, ',');
    rows.emplace_back(std::stod(iteration), std::stod(train));
  }
  std::vector<double> late;
  for (const auto& [t, v] : rows)
    if (2 * t >= rows.back().first) late.push_back(v);
  std::sort(late.begin(), late.end());
  return late.size() % 2 ? late[late.size() / 2] : (late[late.size() / 2 - 1] + late[late.size() / 2]) / 2;
}

}  // namespace

TEST_CASE("search: statistic = \"late_median\" judges each point by its cells' late median", "[search]") {
  const fs::path dir = temp_dir("search_statistic");
  const auto raw = search_experiment(
      "key = \"data.n\"\nrange = [10, 2000]\nmetric = \"train_mse\"\nbelow = 0.045\n"
      "tolerance = 4\nstatistic = \"late_median\"\n",
      dir);
  const auto r = search(raw, dir / "out", 2);
  REQUIRE(r.bracket);
  // Every evaluated point's value is the late median of one of the search's cells, read by hand.
  std::vector<double> by_hand;
  for (const auto& cell : fs::recursive_directory_iterator(dir / "out"))
    if (cell.path().filename() == "metrics.csv") by_hand.push_back(late_median_by_hand(cell.path()));
  REQUIRE(by_hand.size() == r.points.size());
  for (const auto& p : r.points) {
    INFO("n = " << p.value);
    CHECK(std::count(by_hand.begin(), by_hand.end(), p.mean) == 1);
    CHECK(p.satisfied == (p.mean < 0.045));
  }
  std::ifstream csv(dir / "out" / "search.csv");
  std::string header;
  std::getline(csv, header);
  CHECK_THAT(header, Contains("train_mse_late_median_mean"));
  fs::remove_all(dir);
}

TEST_CASE("search: validate and --dry-run check the whole [search] before anything trains", "[search][cli]") {
  const fs::path dir = temp_dir("search_validate");
  write_text(dir / "typo.toml", small_experiment(3000) +
                                    "[search]\nkey = \"data.n\"\nrange = [10, 100]\nmetric = \"trian_mse\"\nbelow = 1\n");
  for (const std::string command : {"validate", "run --dry-run"}) {
    INFO(command);
    const auto r = run_command(relulab_exe() + " " + command + " " + (dir / "typo.toml").string());
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Contains("typo.toml:") && Contains("no metric column 'trian_mse' (did you mean 'train_mse'?)"));
  }
  write_text(dir / "good.toml", small_experiment(3000) +
                                    "[search]\nkey = \"data.n\"\nrange = [10, 100]\nmetric = \"train_mse\"\nbelow = 1\n");
  const auto ok = run_command(relulab_exe() + " validate " + (dir / "good.toml").string());
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Contains("valid, a threshold search on data.n"));
  fs::remove_all(dir);
}
