// The relulab program, end to end.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <nlohmann/json.hpp>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

TEST_CASE("relulab plugins lists the four bundled plugins", "[cli]") {
  const auto r = run_command(relulab_exe() + " plugins");
  REQUIRE(r.exit_code == 0);
  for (const char* name : {"linear_teacher", "two_layer_relu", "sgd", "losses"}) CHECK_THAT(r.out, Contains(name));
}

TEST_CASE("relulab plugins describe prints every parameter", "[cli]") {
  const auto r = run_command(relulab_exe() + " plugins describe sgd");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("lr ") && Contains("float") && Contains("0.01") && Contains("(0, inf)") &&
                        Contains("initial learning rate") && Contains("batch_size") && Contains("iterations"));
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
  const double train = s["train_mse"], test = s["test_mse"], ols_train = s["ols_train_mse"], ols_test = s["ols_test_mse"];
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
  // A few seconds of work, interrupted after 1 s; a checkpoint every 0.2 s so a kill -9 finds one.
  std::string text = small_experiment(1'000'000);
  text.insert(text.find("seed = 7"), "checkpoint_seconds = 0.2\n");
  text.replace(text.find("{ every = 100 }"), 15, "{ geometric = 1.05 }");
  write_text(dir / "e.toml", text);
  const std::string cmd = relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out ";
  const auto straight = run_command(cmd + (dir / "a").string());
  REQUIRE(straight.exit_code == 0);

  SECTION("SIGINT") {
    const auto r = run_command("timeout --preserve-status -s INT 1 " + cmd + (dir / "b").string());
    REQUIRE(r.exit_code == 130);
    CHECK_THAT(r.err, Contains("checkpoint saved") && Contains("resume with: relulab run"));
  }
  SECTION("kill -9") {
    const auto r = run_command("timeout --preserve-status -s KILL 1 " + cmd + (dir / "b").string());
    REQUIRE(r.exit_code == 128 + 9);
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
