// Sweeps: expansion, validation of every cell, parallel determinism, resume after a kill, shards, tables.
#include <catch2/catch.hpp>

#include "support.hpp"
#include "cli/plot.hpp"
#include "sweep/sweep.hpp"
#include "sweep/sweep_table.hpp"

#include <nlohmann/json.hpp>

#include <set>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

host::Sweep sweep_from_text(const std::string& toml, fs::path* file_out = nullptr) {
  const fs::path dir = temp_dir("sweep");
  const fs::path file = dir / "exp.toml";
  write_text(file, toml);
  if (file_out) *file_out = file;
  return host::expand_sweep(host::parse_experiment_file(file), registry());
}

}  // namespace

TEST_CASE("a sweep beyond the cell limit is refused before any cell is expanded", "[sweep][config]") {
  // 999 x 1000 cells: the fuzzer's find. Expanding them all took 2 minutes
  // and gigabytes; the count is checked before any cell is built.
  CHECK_THROWS_WITH(sweep_from_text(small_experiment(100) + "[sweep]\n\"data.d\" = { range = [1, 1000] }\n"
                                                            "\"data.noise_std\" = { linspace = [0.1, 1.0, 1000] }\n"),
                    Contains("[sweep] expands to more than " + std::to_string(host::kMaxCells) + " cells (999 x 1000"));
}

namespace {

std::string labels(const host::Cell& c) {
  std::string s;
  for (const auto& [k, v] : c.labels) s += k + "=" + v + ";";
  return s;
}

// Everything a cell produced that must not depend on scheduling.
std::string cell_outputs(const fs::path& cell) {
  return slurp(cell / "metrics.csv") + slurp(cell / "W_final.npy") + slurp(cell / "a_final.npy");
}

}  // namespace

TEST_CASE("a sweep is the cartesian product of its axes, the first varying slowest", "[sweep]") {
  const auto s = sweep_from_text(small_experiment(100) +
                                 "[sweep]\n\"data.n\" = [100, 200]\n\"experiment.seed\" = { range = [0, 3] }\n");
  REQUIRE(s.cells.size() == 6);
  CHECK(labels(s.cells[0]) == "data.n=100;experiment.seed=0;");
  CHECK(labels(s.cells[2]) == "data.n=100;experiment.seed=2;");
  CHECK(labels(s.cells[3]) == "data.n=200;experiment.seed=0;");
  CHECK(s.cells[5].experiment.n == 200);
  CHECK(s.cells[5].experiment.seed == 2);
  // Distinct cells, distinct directories.
  std::set<fs::path> dirs;
  for (const auto& c : s.cells) dirs.insert(c.dir);
  CHECK(dirs.size() == 6);
}

TEST_CASE("an override with --set reaches a quoted sweep key", "[sweep][config]") {
  fs::path file;
  sweep_from_text(small_experiment(100) + "[sweep]\n\"data.n\" = [100, 200]\n", &file);
  auto raw = host::parse_experiment_file(file);
  host::apply_override(raw, "sweep.\"data.n\"=[50, 60, 70]");
  const auto s = host::expand_sweep(raw, registry());
  REQUIRE(s.cells.size() == 3);
  CHECK(s.cells[2].experiment.n == 70);
}

TEST_CASE("sweep helpers: logspace rounds for integer ends, linspace, zip groups", "[sweep]") {
  const auto s = sweep_from_text(small_experiment(100) + "[sweep]\n\"data.n\" = { logspace = [10, 100_000, 5] }\n");
  std::vector<Index> ns;
  for (const auto& c : s.cells) ns.push_back(c.experiment.n);
  CHECK(ns == std::vector<Index>{10, 100, 1000, 10000, 100000});
  const auto lr =
      sweep_from_text(small_experiment(100) + "[sweep]\n\"optimizer.lr\" = { logspace = [1e-3, 1e-1, 3] }\n");
  REQUIRE(lr.cells.size() == 3);
  CHECK(lr.cells[1].experiment.optimizer.params.real("lr") == Approx(1e-2).epsilon(1e-12));
  const auto z = sweep_from_text(small_experiment(100) +
                                 "[sweep]\n\"experiment.seed\" = [1, 2]\n[[sweep.zip]]\n\"data.n\" = [100, 1000]\n"
                                 "\"optimizer.iterations\" = [10, 20]\n");
  REQUIRE(z.cells.size() == 4);
  CHECK(z.cells[1].experiment.n == 1000);
  CHECK(z.cells[1].experiment.optimizer.params.integer("iterations") == 20);
}

TEST_CASE("a sweep over the plugin choice, each with its own parameters", "[sweep]") {
  const auto s = sweep_from_text(small_experiment(100) +
                                 "[sweep]\noptimizer = [{ plugin = \"sgd\", lr = 0.1 }, "
                                 "{ plugin = \"gradient_flow\", end_time = 2.0 }]\n");
  REQUIRE(s.cells.size() == 2);
  CHECK(s.cells[0].experiment.optimizer.plugin->descriptor.name == "sgd");
  CHECK(s.cells[1].experiment.optimizer.plugin->descriptor.name == "gradient_flow");
  CHECK(s.cells[1].experiment.optimizer.params.real("end_time") == 2.0);
}

TEST_CASE("every cell is validated before any runs, and an error names its cell", "[sweep]") {
  CHECK_THROWS_WITH(
      sweep_from_text(small_experiment(100) + "[sweep]\n\"optimizer.lr\" = [0.1, -1.0]\n"),
      Contains("[optimizer] lr: value -1 is out of range") && Contains("in sweep cell 1 (optimizer.lr = -1.0)"));
  CHECK_THROWS_WITH(sweep_from_text(small_experiment(100) + "[sweep]\n\"data.n\" = { logspace = [10, 100] }\n"),
                    Contains("[sweep] data.n: 'logspace' = [first, last, count]"));
  CHECK_THROWS_WITH(sweep_from_text(small_experiment(100) +
                                    "[sweep]\n[[sweep.zip]]\n\"data.n\" = [1, 2]\n\"experiment.seed\" = [1]\n"),
                    Contains("1 values, but 'data.n' in the same zip group has 2"));
}

TEST_CASE("cells are bit-identical whatever the number of jobs and a sweep gets one table", "[sweep][determinism]") {
  const fs::path dir = temp_dir("jobs");
  const std::string text =
      small_experiment(600) + "[sweep]\n\"data.n\" = [50, 100, 150]\n\"experiment.seed\" = [0, 1]\n";
  auto one = sweep_from_text(text), two = sweep_from_text(text);
  host::SweepOptions o1, o2;
  o1.jobs = 1, o2.jobs = 2;
  o1.progress = o2.progress = false;
  o1.dir = dir / "one", o2.dir = dir / "two";
  run_sweep(one, o1);
  const auto r2 = run_sweep(two, o2);
  for (std::size_t i = 0; i < one.cells.size(); ++i) {
    INFO("cell " << i);
    CHECK(r2.outcomes[i].outcome == host::Outcome::Completed);
    CHECK(cell_outputs(one.cells[i].dir) == cell_outputs(two.cells[i].dir));
  }
  const auto t = host::sweep_table(dir / "two");
  CHECK(t.header == std::vector<std::string>{"cell", "data.n", "experiment.seed", "status", "train_mse", "test_mse",
                                             "ols_train_mse", "ols_test_mse"});
  REQUIRE(t.rows.size() == 6);
  CHECK(t.rows[5][1] == "150");
  const auto agg = host::aggregate_table(t, "experiment.seed");
  REQUIRE(agg.rows.size() == 3);
  CHECK(agg.header[1] == "cells");
  // The mean over the two seeds, recomputed from the table.
  const double mean = (std::stod(t.rows[0][4]) + std::stod(t.rows[1][4])) / 2;
  CHECK(std::stod(agg.rows[0][2]) == Approx(mean).epsilon(1e-14));
  fs::remove_all(dir);
}

TEST_CASE("shards run disjoint cells and the table merges them", "[sweep][shard]") {
  const fs::path dir = temp_dir("shard");
  const std::string text = small_experiment(200) + "[sweep]\n\"experiment.seed\" = { range = [0, 5] }\n";
  for (std::size_t i = 0; i < 2; ++i) {
    auto s = sweep_from_text(text);
    host::SweepOptions o;
    o.progress = false;
    o.dir = dir;
    o.shard_index = i, o.shard_count = 2;
    const auto r = run_sweep(s, o);
    for (std::size_t c = 0; c < 5; ++c)
      CHECK(r.outcomes[c].outcome == (c % 2 == i ? host::Outcome::Completed : host::Outcome::NotRun));
    if (i == 0) CHECK(host::sweep_table(dir).rows[1][2] == "pending");
  }
  for (const auto& row : host::sweep_table(dir).rows) CHECK(row[2] == "completed");
  fs::remove_all(dir);
}

TEST_CASE("a diverged cell is recorded and the sweep goes on", "[sweep][diverge]") {
  const fs::path dir = temp_dir("sdiv");
  auto s = sweep_from_text(small_experiment(2000) +
                           "[sweep]\n\"optimizer.lr\" = [0.05, 50.0]\n\"model.init_scale\" = [1.0]\n");
  host::SweepOptions o;
  o.progress = false;
  o.dir = dir;
  const auto r = run_sweep(s, o);
  CHECK(r.outcomes[0].outcome == host::Outcome::Completed);
  CHECK(r.outcomes[1].outcome == host::Outcome::Diverged);
  const auto summary = nlohmann::json::parse(slurp(dir / "summary.json"));
  CHECK(summary["status"]["diverged"] == 1);
  CHECK_THAT(summary["diverged"][0]["reason"].get<std::string>(), Contains("the training loss became"));
  fs::remove_all(dir);
}

TEST_CASE("a 2 x 2 quickstart sweep killed with -9 resumes to the uninterrupted result", "[sweep][resume][cli]") {
  const fs::path dir = temp_dir("skill");
  std::string text = slurp(RELULAB_TEST_SOURCE_DIR "/experiments/quickstart.toml");
  text.replace(text.find("seed = 0"), 8, "seed = 0\ncheckpoint_seconds = 0.2");
  text.replace(text.find("iterations = 200_000"), 20, "iterations = 150_000");
  text += "\n[sweep]\n\"data.n\" = [2000, 4000]\n\"experiment.seed\" = [0, 1]\n";
  write_text(dir / "s.toml", text);
  const std::string cmd = relulab_exe() + " run " + (dir / "s.toml").string() + " --quiet --jobs 2 --out ";
  REQUIRE(run_command(cmd + (dir / "straight").string()).exit_code == 0);
  // Killed as soon as some cell has checkpointed, i.e. mid-way through it.
  const auto some_cell_checkpointed = [&] {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / "split" / "cells", ec))
      if (fs::exists(e.path() / "checkpoint.bin")) return true;
    return false;
  };
  const auto killed = run_and_signal_when(cmd + (dir / "split").string(), SIGKILL, some_cell_checkpointed);
  REQUIRE(killed.signalled);
  REQUIRE(killed.result.exit_code == 128 + 9);
  // Killed mid-way: not every cell has a summary.
  std::size_t finished = 0;
  for (const auto& e : fs::directory_iterator(dir / "split" / "cells"))
    finished += fs::exists(e.path() / "summary.json");
  REQUIRE(finished < 4);
  const auto resumed = run_command(cmd + (dir / "split").string());
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.out, Contains("4 of 4 cells completed"));
  for (const auto& e : fs::directory_iterator(dir / "straight" / "cells")) {
    INFO(e.path().filename());
    CHECK(cell_outputs(e.path()) == cell_outputs(dir / "split" / "cells" / e.path().filename()));
  }
  // One row per cell in the merged table: none lost, none twice.
  CHECK(host::sweep_table(dir / "split").rows.size() == 4);
  const auto dry = run_command(relulab_exe() + " run " + (dir / "s.toml").string() + " --dry-run");
  CHECK_THAT(dry.out, Contains("4 cells, all valid") && Contains("data.n=4000  experiment.seed=1"));
  fs::remove_all(dir);
}

TEST_CASE("relulab plot draws a sweep and a run through gnuplot", "[sweep][plot]") {
  const fs::path dir = temp_dir("plot");
  auto s = sweep_from_text(small_experiment(300) + "[sweep]\n\"data.n\" = [50, 100]\n\"experiment.seed\" = [0, 1]\n");
  host::SweepOptions o;
  o.progress = false;
  o.dir = dir / "sweep";
  run_sweep(s, o);
  host::PlotOptions p;
  p.dir = dir / "sweep";
  p.x = "data.n";
  p.y = {"train_mse", "ols_train_mse"};
  p.logx = p.logy = true;
  p.out = dir / "sweep.png";
  CHECK(host::plot(p) == dir / "sweep.png");
  // A real PNG (its signature), with content (an empty canvas compresses to far less).
  const std::string png = slurp(dir / "sweep.png");
  CHECK(png.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  CHECK(png.size() > 10'000);
  // One cell's training curves, as SVG.
  host::PlotOptions curve;
  curve.dir = s.cells[0].dir;
  curve.out = dir / "curve.svg";
  host::plot(curve);
  // Its losses under the metrics' own labels, and the noise level beside them.
  CHECK_THAT(slurp(dir / "curve.svg"), Contains("<svg") && Contains("train MSE (network)") && Contains("noise level"));
  // Mistakes are named.
  p.y = {"train_mes"};
  CHECK_THROWS_WITH(host::plot(p), Contains("no metric 'train_mes'"));
  p.y = {};
  p.x = "data.m";
  CHECK_THROWS_WITH(host::plot(p), Contains("no swept key 'data.m'; available: cell, data.n, experiment.seed"));
  fs::remove_all(dir);
}

#ifdef RELULAB_WITH_MPI
TEST_CASE("mpirun -np 2 shares a sweep's cells between ranks, each once, with the local results", "[sweep][mpi]") {
  const fs::path dir = temp_dir("mpi");
  write_text(dir / "s.toml",
             small_experiment(800) + "[sweep]\n\"data.n\" = [50, 100, 150]\n\"experiment.seed\" = [0, 1]\n");
  const auto local = run_command(relulab_exe() + " run " + (dir / "s.toml").string() + " --quiet --jobs 1 --out " +
                                 (dir / "local").string());
  REQUIRE(local.exit_code == 0);
  const auto r = run_command("mpirun --allow-run-as-root --oversubscribe -np 2 " + relulab_exe() + " run " +
                             (dir / "s.toml").string() + " --quiet --out " + (dir / "mpi").string());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("6 of 6 cells completed"));
  // Each rank lists the cells it ran: together every cell, none twice.
  const auto rank0 = nlohmann::json::parse(slurp(dir / "mpi" / "rank0.json")).get<std::vector<int>>();
  const auto rank1 = nlohmann::json::parse(slurp(dir / "mpi" / "rank1.json")).get<std::vector<int>>();
  std::multiset<int> all(rank0.begin(), rank0.end());
  all.insert(rank1.begin(), rank1.end());
  CHECK(all == std::multiset<int>{0, 1, 2, 3, 4, 5});
  // Gathered in one folder, and identical to the run on one machine.
  for (const auto& e : fs::directory_iterator(dir / "local" / "cells")) {
    INFO(e.path().filename());
    CHECK(cell_outputs(e.path()) == cell_outputs(dir / "mpi" / "cells" / e.path().filename()));
  }
  CHECK(host::sweep_table(dir / "mpi").rows.size() == 6);
  fs::remove_all(dir);
}
#endif

TEST_CASE("cell folders are the index padded to the last index's digits, then the hash (as the README says)",
          "[sweep]") {
  // 8 cells: indices 0..7, one digit; 24 cells: 00..23; 120 cells: 000..119.
  const std::string base = small_experiment(100);
  for (const auto& [count, third] : std::vector<std::pair<int, std::string>>{{8, "3-"}, {24, "03-"}, {120, "003-"}}) {
    std::string text = base;
    text += "[sweep]\n\"experiment.seed\" = { range = [0, " + std::to_string(count) + "] }\n";
    const auto s = sweep_from_text(text);
    REQUIRE(s.cells.size() == static_cast<std::size_t>(count));
    const std::string name = s.cells[3].dir.filename().string();
    CHECK(name == third + s.cells[3].experiment.hash);
  }
}
