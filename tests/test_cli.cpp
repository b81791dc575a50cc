// The relulab program, end to end.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <nlohmann/json.hpp>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

TEST_CASE("relulab plugins lists the bundled plugins of every kind", "[cli]") {
  const auto r = run_command(relulab_exe() + " plugins");
  REQUIRE(r.exit_code == 0);
  for (const char* name : {"linear_teacher", "two_layer", "sgd", "losses", "logistic"})
    CHECK_THAT(r.out, Contains(name));
  CHECK_THAT(r.out, Contains("loss:") && Contains("two_layer_relu     (old name of two_layer)"));
}

TEST_CASE("relulab plugins describe prints every parameter", "[cli]") {
  const auto r = run_command(relulab_exe() + " plugins describe sgd");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("lr ") && Contains("float") && Contains("0.01") && Contains("(0, inf)") &&
                        Contains("learning rate (a schedule is a policy") && Contains("batch_size") &&
                        Contains("iterations"));
  const auto bad = run_command(relulab_exe() + " plugins describe sdg");
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Contains("no plugin called 'sdg' (did you mean 'sgd'?)"));
}

TEST_CASE("relulab validate reports a bad file and exits 1", "[cli]") {
  const fs::path dir = temp_dir("cli");
  write_text(dir / "bad.toml", small_experiment().replace(small_experiment().find("lr = 0.05"), 9, "lr = -0.05"));
  const auto r = run_command(relulab_exe() + " validate " + (dir / "bad.toml").string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("bad.toml:15:1: [optimizer] lr: value -0.05 is out of range (0, inf)"));
  write_text(dir / "good.toml", small_experiment());
  const auto ok = run_command(relulab_exe() + " validate " + (dir / "good.toml").string() + " --set optimizer.lr=0.1");
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Contains("valid"));
  fs::remove_all(dir);
}

TEST_CASE("the quickstart runs end to end and prints its comparison", "[cli][e2e]") {
  const fs::path dir = temp_dir("quick");
  const auto r = run_command(relulab_exe() + " run " RELULAB_TEST_SOURCE_DIR "/experiments/quickstart.toml --out " +
                             (dir / "run").string());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("network") && Contains("OLS") && Contains("train MSE") && Contains("test MSE") &&
                        Contains("sigma^2 = 0.090000"));
  // Not a terminal: plain progress lines, the last one at 100%.
  CHECK_THAT(r.err, Contains("100.0%"));
  const auto s = nlohmann::json::parse(slurp(dir / "run" / "summary.json"))["final"];
  const double train = s["train_mse"], test = s["test_mse"], ols_train = s["ols_train_mse"],
               ols_test = s["ols_test_mse"];
  // n = 4000 > the d = 5 threshold: no interpolation. OLS train ~ sigma^2 (1 - d/n) = 0.0899 and OLS test
  // ~ sigma^2 (1 + d/n) = 0.0901, each within a few sampling sd (sigma^2 sqrt(2/n) = 0.002).
  CHECK(ols_train == Approx(0.09).margin(0.01));
  CHECK(ols_test == Approx(0.09).margin(0.01));
  // The network learned the teacher (it starts at test MSE 1.09) and sits near OLS without interpolating.
  CHECK(train > 0.8 * ols_train);
  CHECK(train < 1.1 * ols_train);
  CHECK(test < ols_test + 0.01);
  fs::remove_all(dir);
}

TEST_CASE("SIGINT checkpoints, says how to resume, and the resumed run equals a straight one", "[cli][resume]") {
  const fs::path dir = temp_dir("sig");
  // About a second of work (ten under the sanitizers) with a checkpoint every
  // 0.05 s; the signal goes out once the first checkpoint exists, so the run
  // is caught mid-way on any machine.
  std::string text = small_experiment(600'000);
  text.insert(text.find("seed = 7"), "checkpoint_seconds = 0.05\n");
  text.replace(text.find("{ every = 100 }"), 15, "{ geometric = 1.05 }");
  write_text(dir / "e.toml", text);
  const std::string cmd = relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out ";
  const auto straight = run_command(cmd + (dir / "a").string());
  REQUIRE(straight.exit_code == 0);
  const auto checkpointed = [&] { return fs::exists(dir / "b" / "checkpoint.bin"); };

  SECTION("SIGINT") {
    const auto r = run_and_signal_when(cmd + (dir / "b").string(), SIGINT, checkpointed);
    REQUIRE(r.signalled);  // else the run ended before its first checkpoint
    REQUIRE(r.result.exit_code == 130);
    CHECK_THAT(r.result.err, Contains("checkpoint saved") && Contains("resume with: relulab run"));
  }
  SECTION("SIGTERM") {  // what a batch scheduler sends at the end of a job's time
    const auto r = run_and_signal_when(cmd + (dir / "b").string(), SIGTERM, checkpointed);
    REQUIRE(r.signalled);
    REQUIRE(r.result.exit_code == 128 + 15);
    CHECK_THAT(r.result.err, Contains("checkpoint saved") && Contains("resume with: relulab run"));
  }
  SECTION("kill -9") {
    const auto r = run_and_signal_when(cmd + (dir / "b").string(), SIGKILL, checkpointed);
    REQUIRE(r.signalled);
    REQUIRE(r.result.exit_code == 128 + 9);
  }
  // Stopped mid-way: a checkpoint, no summary.
  REQUIRE(fs::exists(dir / "b" / "checkpoint.bin"));
  REQUIRE(!fs::exists(dir / "b" / "summary.json"));
  const auto resumed = run_command(cmd + (dir / "b").string());
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.err, Contains("resuming"));
  for (const char* f : {"metrics.csv", "W_final.npy", "a_final.npy"}) {
    INFO(f);
    CHECK(slurp(dir / "a" / f) == slurp(dir / "b" / f));
  }
  fs::remove_all(dir);
}

namespace {

// The quickstart-sized experiment with the test fixture's "faulty" optimizer.
std::string faulty_experiment(const std::string& fail, const std::string& sweep = "") {
  std::string text = small_experiment(2000);
  text.replace(text.find("plugin = \"sgd\""), 14, "plugin = \"faulty\"\nfail = \"" + fail + "\"\nfail_at = 500");
  return text + sweep;
}

std::string with_faulty_plugin(const std::string& command) {
  return "RELULAB_PLUGIN_PATH=" + std::string(RELULAB_TEST_FOREIGN_DIR) + "/faulty " + command;
}

}  // namespace

TEST_CASE("a plugin that throws in its factory: a located error, exit 1, no crash", "[cli][errors]") {
  const fs::path dir = temp_dir("factory");
  write_text(dir / "exp.toml", faulty_experiment("factory"));
  const auto r = run_command(
      with_faulty_plugin(relulab_exe() + " run " + (dir / "exp.toml").string() + " --out " + (dir / "run").string()));
  CHECK(r.exit_code == 1);  // an ordinary error exit: not a signal (128 + n)
  CHECK_THAT(r.err, Contains("exp.toml:13:1: [optimizer] plugin 'faulty' could not be built: faulty: refusing to be "
                             "built (fail = \"factory\")"));
  fs::remove_all(dir);
}

TEST_CASE("a plugin that throws mid-run: named, rows kept, and the sweep's other cells finish", "[cli][errors]") {
  const fs::path dir = temp_dir("midrun");
  write_text(dir / "exp.toml", faulty_experiment("run"));
  const auto r = run_command(with_faulty_plugin(relulab_exe() + " run " + (dir / "exp.toml").string() +
                                                " --quiet --out " + (dir / "run").string()));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err,
             Contains("optimizer plugin 'faulty' failed near iteration 500: faulty: lost its footing at step 500"));
  CHECK_THAT(r.err, Contains("metrics.csv up to the last recorded row"));
  // Rows every 100 iterations were recorded up to 400, before the throw at 500: header + 0..400.
  const std::string csv = slurp(dir / "run" / "metrics.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 5);
  CHECK(!fs::exists(dir / "run" / "summary.json"));  // not marked finished

  write_text(dir / "sweep.toml", faulty_experiment("run", "[sweep]\n\"optimizer.fail\" = [\"none\", \"run\"]\n"));
  const auto s = run_command(with_faulty_plugin(relulab_exe() + " run " + (dir / "sweep.toml").string() +
                                                " --quiet --out " + (dir / "sweep").string()));
  CHECK(s.exit_code == 2);
  CHECK_THAT(s.out,
             Contains("1 of 2 cells completed, 1 failed") && Contains("cell 1 failed: optimizer plugin 'faulty'"));
  const auto t = run_command(relulab_exe() + " table " + (dir / "sweep").string());
  CHECK_THAT(t.out, Contains("0,none,completed,") && Contains("1,run,failed"));
  fs::remove_all(dir);
}
