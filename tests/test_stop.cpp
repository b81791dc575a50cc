// [experiment] stop: a run that ends at the record where a condition first holds.
// The expected stopping record is derived from an uninterrupted run without the
// condition (same seed, so the same trajectory), by the rule the docs state.
#include <catch2/catch.hpp>

#include "support.hpp"
#include "sweep/search.hpp"

#include <fstream>
#include <sstream>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

struct Csv {
  std::vector<std::string> lines;  // header first
  std::vector<double> column(const std::string& name) const {
    std::stringstream header(lines.at(0));
    std::string cell;
    int index = -1;
    for (int i = 0; std::getline(header, cell, ','); ++i)
      if (cell == name) index = i;
    REQUIRE(index >= 0);
    std::vector<double> values;
    for (std::size_t r = 1; r < lines.size(); ++r) {
      std::stringstream row(lines[r]);
      for (int i = 0; std::getline(row, cell, ','); ++i)
        if (i == index) values.push_back(std::stod(cell));
    }
    return values;
  }
};

Csv read_csv(const fs::path& p) {
  Csv c;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) c.lines.push_back(line);
  return c;
}

// The rule: row 0 (the initial point) is not judged; from row 1 on, the run ends
// at the first row that completes `records` consecutive rows below `bound`. -1: never.
int expected_stop_row(const std::vector<double>& values, double bound, int records) {
  int run = 0;
  for (std::size_t r = 1; r < values.size(); ++r) {
    run = values[r] < bound ? run + 1 : 0;
    if (run >= records && r + 1 < values.size()) return static_cast<int>(r);  // the last row completes anyway
  }
  return -1;
}

std::string with_stop(const std::string& stop, int iterations = 3000) {
  std::string text = small_experiment(iterations);
  text.insert(text.find("seed = 7"), "stop = " + stop + "\n");
  return text;
}

std::string stop_text(double bound, int records) {
  std::ostringstream s;
  s.precision(17);
  s << "[{ metric = \"train_mse\", below = " << bound << ", records = " << records << " }]";
  return s.str();
}

}  // namespace

TEST_CASE("a stop condition ends the run at the first record where it holds for its consecutive records",
          "[stop]") {
  const fs::path dir = temp_dir("stop");
  REQUIRE(run_into(experiment_from_text(small_experiment(3000)), dir / "straight").outcome ==
          host::Outcome::Completed);
  const Csv straight = read_csv(dir / "straight" / "metrics.csv");
  const std::vector<double> mse = straight.column("train_mse");
  // Bounds at several quantiles of the recorded train MSE, so that some stop
  // early, some late, and (with records = 3) some later than with records = 1.
  std::vector<double> sorted(mse.begin() + 1, mse.end());
  std::sort(sorted.begin(), sorted.end());
  bool consecutive_mattered = false;
  for (double q : {0.9, 0.6, 0.3}) {
    const double bound = sorted[static_cast<std::size_t>(q * (sorted.size() - 1))];
    for (int records : {1, 3}) {
      const int row = expected_stop_row(mse, bound, records);
      if (records == 3 && row != expected_stop_row(mse, bound, 1)) consecutive_mattered = true;
      std::ostringstream name;
      name << "q" << q << "_records" << records;
      const fs::path out = dir / name.str();
      const auto r = run_into(experiment_from_text(with_stop(stop_text(bound, records))), out);
      INFO("bound " << bound << " records " << records << " expected row " << row);
      const Csv got = read_csv(out / "metrics.csv");
      if (row < 0) {
        CHECK(r.outcome == host::Outcome::Completed);
        continue;
      }
      REQUIRE(r.outcome == host::Outcome::Stopped);
      // The same trajectory up to and including the stopping record, and nothing after it.
      REQUIRE(got.lines.size() == static_cast<std::size_t>(row) + 2);
      CHECK(std::equal(got.lines.begin(), got.lines.end(), straight.lines.begin()));
      const std::string summary = slurp(out / "summary.json");
      CHECK_THAT(summary, Contains("\"status\": \"stopped\"") && Contains("train_mse below") &&
                              Contains("at iteration " + std::to_string(100 * row)));
      CHECK(fs::exists(out / "W_final.npy"));  // weights as for a completed run
      CHECK(fs::exists(out / "a_final.npy"));
    }
  }
  CHECK(consecutive_mattered);  // the trajectory's noise makes records = 3 differ somewhere; else the test proves less
  fs::remove_all(dir);
}

TEST_CASE("a stopped run killed while counting resumes to the same bytes and the same stop", "[stop][resume]") {
  // Records every 10 iterations, so that interrupting at every iteration (below) stays cheap.
  const auto dense = [](std::string text) { return replaced(text, "every = 100", "every = 10"); };
  const fs::path dir = temp_dir("stop_resume");
  REQUIRE(run_into(experiment_from_text(dense(small_experiment(400))), dir / "probe").outcome ==
          host::Outcome::Completed);
  const std::vector<double> mse = read_csv(dir / "probe" / "metrics.csv").column("train_mse");
  std::vector<double> sorted(mse.begin() + 1, mse.end());
  std::sort(sorted.begin(), sorted.end());
  std::string text = dense(with_stop(stop_text(sorted[sorted.size() / 2], 3), 400));
  text.insert(text.find("seed = 7"), "checkpoint_seconds = 1e-9\n");  // a checkpoint at every report
  const auto ex = experiment_from_text(text);
  REQUIRE(run_into(ex, dir / "straight").outcome == host::Outcome::Stopped);
  // Interrupted at the first report of every attempt (each advances one
  // iteration), so every count of the condition (0, 1, 2 consecutive records)
  // passes through a checkpoint and a resume.
  int attempts = 0;
  host::Outcome last = host::Outcome::Interrupted;
  std::ostringstream quiet;
  while (last == host::Outcome::Interrupted && attempts < 401) {
    std::atomic<int> stop{2};
    last = run_into(ex, dir / "split", &stop, &quiet).outcome;
    ++attempts;
  }
  CHECK(attempts > 30);  // at least three records' worth of interruptions
  REQUIRE(last == host::Outcome::Stopped);
  for (const char* f : {"metrics.csv", "W_final.npy", "a_final.npy"}) {
    INFO(f);
    CHECK(slurp(dir / "straight" / f) == slurp(dir / "split" / f));
  }
  // Finished: the same command reports the stop again and trains nothing.
  const auto again = run_into(ex, dir / "split");
  CHECK((again.already_done && again.outcome == host::Outcome::Stopped));
  fs::remove_all(dir);
}

TEST_CASE("bad stop conditions are located errors", "[stop][config]") {
  // with_stop puts `stop` on line 3 of small_experiment().
  CHECK_THAT(error_of(with_stop("[{ metric = \"train_mes\", below = 1e-6 }]")),
             Contains("exp.toml:3:") && Contains("no metric column 'train_mes'") &&
                 Contains("did you mean 'train_mse'?") && Contains("test_mse"));
  CHECK_THAT(error_of(with_stop("[{ metric = \"train_mse\" }]")),
             Contains("exp.toml:3:") && Contains("needs below = x, above = x or both"));
  CHECK_THAT(error_of(with_stop("[{ below = 1e-6 }]")), Contains("exp.toml:3:") && Contains("needs metric ="));
  CHECK_THAT(error_of(with_stop("[{ metric = \"train_mse\", belw = 1e-6 }]")),
             Contains("unknown key 'belw'") && Contains("did you mean 'below'?"));
  CHECK_THAT(error_of(with_stop("[{ metric = \"train_mse\", below = \"small\" }]")),
             Contains("stop.below: expected a number"));
  CHECK_THAT(error_of(with_stop("[{ metric = \"train_mse\", below = 1, records = 0 }]")),
             Contains("stop.records: expected an integer of at least 1"));
  CHECK_THAT(error_of(with_stop("\"train_mse\"")), Contains("expected a table"));
  // One condition may be written without the brackets.
  CHECK(error_of(with_stop("{ metric = \"train_mse\", below = 1e-6 }")).empty());
}

TEST_CASE("a condition changes the experiment's hash only when present", "[stop][config]") {
  const auto plain = experiment_from_text(small_experiment(3000));
  const auto stopped = experiment_from_text(with_stop(stop_text(0.1, 1)));
  const auto other = experiment_from_text(with_stop(stop_text(0.2, 1)));
  CHECK(plain.hash != stopped.hash);
  CHECK(stopped.hash != other.hash);
  CHECK(!plain.resolved["experiment"]["stop"]);  // folders of runs without it keep their names
}

TEST_CASE("a search with a stop condition finds the same bracket, its interpolating cells stopped early",
          "[stop][search]") {
  // A stop far below the criterion (1e-4 against 0.045) cannot change a cell's
  // side: the train MSE of these cells only falls further once it is that low.
  const fs::path dir = temp_dir("stop_search");
  const std::string search = "[search]\nkey = \"data.n\"\nrange = [10, 2000]\nmetric = \"train_mse\"\n"
                             "below = 0.045\ntolerance = 1.5\n";
  std::vector<host::SearchResult> results;
  for (const std::string& text : {small_experiment(3000), with_stop("{ metric = \"train_mse\", below = 1e-4 }")}) {
    write_text(dir / "search.toml", text + search);
    host::SweepOptions o;
    o.progress = false;
    o.dir = dir / ("out" + std::to_string(results.size()));
    results.push_back(host::run_search(host::parse_experiment_file(dir / "search.toml"), registry(), o));
  }
  REQUIRE(results[0].bracket);
  CHECK(results[1].bracket == results[0].bracket);
  int stopped = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "out1"))
    if (entry.path().filename() == "summary.json" && slurp(entry.path()).find("\"stopped\"") != std::string::npos)
      ++stopped;
  CHECK(stopped > 0);  // n = 10 with 100 parameters interpolates
  fs::remove_all(dir);
}
