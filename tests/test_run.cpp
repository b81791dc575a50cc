// Running experiments in-process: outputs, determinism, resume, divergence.
#include <catch2/catch.hpp>
#include <relulab/math/linalg.hpp>
#include <relulab/io/npy.hpp>

#include "io/output.hpp"
#include "support.hpp"

#include <boost/crc.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

const std::vector<std::string> kOutputs = {"metrics.csv", "X_train.npy", "y_train.npy", "W_init.npy",
                                           "a_init.npy",  "W_final.npy", "a_final.npy", "config.toml"};

}  // namespace

TEST_CASE("a run directory holds config, CSV, summary and arrays", "[run]") {
  const fs::path dir = temp_dir("run");
  const auto ex = experiment_from_text(small_experiment(1000));
  const auto r = run_into(ex, dir / "out");
  REQUIRE(r.outcome == host::Outcome::Completed);
  const auto csv = lines_of(slurp(dir / "out" / "metrics.csv"));
  CHECK(csv.front() == "iteration,time,train_mse,test_mse,ols_train_mse,ols_test_mse");
  // every = 100 over 1000 iterations: 0, 100, ..., 1000.
  REQUIRE(csv.size() == 12);
  CHECK(csv[1].rfind("0,0,", 0) == 0);
  CHECK(csv.back().rfind("1000,", 0) == 0);
  const auto summary = nlohmann::json::parse(slurp(dir / "out" / "summary.json"));
  CHECK(summary["status"] == "completed");
  CHECK(summary["iteration"] == 1000);
  // The summary's final values are the CSV's last row, digit for digit.
  CHECK_THAT(csv.back(), Contains(host::format_number(summary["final"]["train_mse"].get<double>())));
  CHECK(io::npy::decode(slurp(dir / "out" / "X_train.npy")).shape == std::vector<std::size_t>{200, 5});
  CHECK(io::npy::decode(slurp(dir / "out" / "W_final.npy")).shape == std::vector<std::size_t>{20, 5});
  // The stored training set is the one trained on: OLS on it reproduces the recorded OLS train MSE.
  const auto X = io::npy::decode(slurp(dir / "out" / "X_train.npy"));
  const auto y = io::npy::decode(slurp(dir / "out" / "y_train.npy"));
  const RowMatrix Xm = Eigen::Map<const RowMatrix>(X.data.data(), 200, 5);
  const Vector ym = Eigen::Map<const Vector>(y.data.data(), 200);
  CHECK(math::mean_squared_residual(Xm, ym, math::ordinary_least_squares(Xm, ym)) ==
        Approx(summary["final"]["ols_train_mse"].get<double>()).epsilon(1e-12));
  const std::string config = slurp(dir / "out" / "config.toml");
  CHECK_THAT(config, Contains("sampling = 'reshuffle'") && Contains("[provenance]") && Contains("git_commit"));
  // Each plugin's entry names the library file and its CRC-32, computed here again from the file.
  const auto* sgd = registry().find(PluginKind::Optimizer, "sgd");
  REQUIRE(sgd);
  const std::string library = slurp(sgd->path);
  boost::crc_32_type crc;
  crc.process_bytes(library.data(), library.size());
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(crc.checksum()));
  CHECK_THAT(config, Contains("[provenance.plugins.sgd]") && Contains("library_crc32 = '" + std::string(hex) + "'"));
  fs::remove_all(dir);
}

TEST_CASE("same file, same seed: bit-identical outputs", "[run][determinism]") {
  const fs::path dir = temp_dir("det");
  const auto ex = experiment_from_text(small_experiment(1500));
  run_into(ex, dir / "a");
  run_into(ex, dir / "b");
  for (const auto& f : kOutputs) {
    INFO(f);
    CHECK(slurp(dir / "a" / f) == slurp(dir / "b" / f));
  }
  // A different seed changes the data and the results.
  const auto other = experiment_from_text(small_experiment(1500), {"experiment.seed=8"});
  run_into(other, dir / "c");
  CHECK(slurp(dir / "a" / "X_train.npy") != slurp(dir / "c" / "X_train.npy"));
  fs::remove_all(dir);
}

TEST_CASE("an interrupted run resumes to the uninterrupted result", "[run][resume]") {
  const fs::path dir = temp_dir("resume");
  const auto ex = experiment_from_text(small_experiment(3000));
  run_into(ex, dir / "straight");
  // A stop request already pending: the run checkpoints at its first report and stops.
  std::atomic<int> stop{2};
  const auto first = run_into(ex, dir / "split", &stop);
  REQUIRE(first.outcome == host::Outcome::Interrupted);
  CHECK(!fs::exists(dir / "split" / "summary.json"));
  CHECK(fs::exists(dir / "split" / "checkpoint.bin"));
  const auto second = run_into(ex, dir / "split");
  REQUIRE(second.outcome == host::Outcome::Completed);
  for (const auto& f : kOutputs) {
    INFO(f);
    CHECK(slurp(dir / "straight" / f) == slurp(dir / "split" / f));
  }
  // Running a finished experiment again changes nothing and reports it.
  const auto third = run_into(ex, dir / "split");
  CHECK((third.already_done && third.outcome == host::Outcome::Completed));
  CHECK(third.final_values == second.final_values);
  // A different experiment is not written into the same directory.
  const auto other = experiment_from_text(small_experiment(3000), {"optimizer.lr=0.01"});
  CHECK_THROWS_WITH(run_into(other, dir / "split"), Contains("holds the results of a different experiment"));
  fs::remove_all(dir);
}

TEST_CASE("a damaged checkpoint is never resumed from", "[run][resume]") {
  const fs::path dir = temp_dir("damaged");
  const auto ex = experiment_from_text(small_experiment(3000));
  std::atomic<int> stop{2};
  REQUIRE(run_into(ex, dir, &stop).outcome == host::Outcome::Interrupted);
  std::string bytes = slurp(dir / "checkpoint.bin");
  bytes[bytes.size() / 2] ^= 0x10;  // one flipped bit
  host::write_file_atomic(dir / "checkpoint.bin", bytes);
  CHECK_THROWS_WITH(run_into(ex, dir), Contains("refusing to resume") && Contains("--fresh"));
  fs::remove_all(dir);
}

TEST_CASE("a diverging run is marked and keeps its finite metrics", "[run][diverge]") {
  const fs::path dir = temp_dir("div");
  const auto ex = experiment_from_text(small_experiment(3000), {"optimizer.lr=50", "model.init_scale=1"});
  const auto r = run_into(ex, dir);
  REQUIRE(r.outcome == host::Outcome::Diverged);
  CHECK_THAT(r.reason, Contains("the training loss became"));
  const auto summary = nlohmann::json::parse(slurp(dir / "summary.json"));
  CHECK(summary["status"] == "diverged");
  // The first recorded row (iteration 0) is finite.
  const auto csv = lines_of(slurp(dir / "metrics.csv"));
  REQUIRE(csv.size() >= 2);
  CHECK(csv[1].find("nan") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("one seed per stream: data_seed, init_seed, batch_seed each move their stream alone", "[run][seeds]") {
  // Runs with one stream's root changed, compared file by file with the plain run.
  auto run_with = [](const std::string& extra) {
    const auto ex = experiment_from_text(replaced(small_experiment(200), "seed = 7\n", "seed = 7\n" + extra));
    const fs::path dir = temp_dir("seeds");
    REQUIRE(run_into(ex, dir).outcome == host::Outcome::Completed);
    return dir;
  };
  const fs::path plain = run_with(""), same = run_with("data_seed = 7\ninit_seed = 7\n");
  const fs::path data = run_with("data_seed = 8\n"), init = run_with("init_seed = 8\n"),
                 batch = run_with("batch_seed = 8\n");
  auto same_file = [](const fs::path& a, const fs::path& b, const std::string& f) {
    return slurp(a / f) == slurp(b / f);
  };
  // A stream's own key set to experiment.seed gives the very same stream.
  CHECK(same_file(plain, same, "metrics.csv"));
  CHECK(same_file(plain, same, "W_final.npy"));
  // data_seed: other data, the same initial weights.
  CHECK_FALSE(same_file(plain, data, "X_train.npy"));
  CHECK(same_file(plain, data, "W_init.npy"));
  // init_seed: the same data, other initial weights ("same data, ten initialisations").
  CHECK(same_file(plain, init, "X_train.npy"));
  CHECK(same_file(plain, init, "y_train.npy"));
  CHECK_FALSE(same_file(plain, init, "W_init.npy"));
  // batch_seed: same data and start, other mini-batches, so other final weights.
  CHECK(same_file(plain, batch, "X_train.npy"));
  CHECK(same_file(plain, batch, "W_init.npy"));
  CHECK_FALSE(same_file(plain, batch, "W_final.npy"));
  for (const auto& d : {plain, same, data, init, batch}) fs::remove_all(d);
}

TEST_CASE("a run with noisy policies resumes to the uninterrupted bytes, and the noise has its own seed",
          "[run][resume][policies]") {
  const std::string policies =
      "policies = [{ plugin = \"label_noise\", scale = 0.3 }, { plugin = \"gradient_noise\", scale = 1e-3 },"
      " { plugin = \"weight_decay\", rate = 1e-3 }, { plugin = \"layer_rates\", second = 2.0 }]\n";
  const fs::path dir = temp_dir("resume_policies");
  const auto ex = experiment_from_text(small_experiment(3000, policies));
  run_into(ex, dir / "straight");
  std::atomic<int> stop{2};
  REQUIRE(run_into(ex, dir / "split", &stop).outcome == host::Outcome::Interrupted);
  REQUIRE(run_into(ex, dir / "split").outcome == host::Outcome::Completed);
  for (const auto& f : kOutputs) {
    INFO(f);
    CHECK(slurp(dir / "straight" / f) == slurp(dir / "split" / f));
  }
  // noise_seed moves the policies' noise alone: same data, same start, other final weights.
  const auto reseeded =
      experiment_from_text(replaced(small_experiment(3000, policies), "seed = 7\n", "seed = 7\nnoise_seed = 8\n"));
  run_into(reseeded, dir / "noise8");
  CHECK(slurp(dir / "straight" / "X_train.npy") == slurp(dir / "noise8" / "X_train.npy"));
  CHECK(slurp(dir / "straight" / "W_init.npy") == slurp(dir / "noise8" / "W_init.npy"));
  CHECK(slurp(dir / "straight" / "W_final.npy") != slurp(dir / "noise8" / "W_final.npy"));
  fs::remove_all(dir);
}
