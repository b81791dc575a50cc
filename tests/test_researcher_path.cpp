// A researcher's own path through the CLI: figures without flags, overrides,
// dry runs of searches, comparing runs. Each case was a trap or a papercut a
// new user met (issue 30).
#include <catch2/catch.hpp>

#include "cli/progress.hpp"
#include "support.hpp"

#include <nlohmann/json.hpp>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::string sweep_experiment() {
  return small_experiment(300) + "[sweep]\n\"data.n\" = { logspace = [20, 2000, 3] }\n\"experiment.seed\" = [1, 2]\n";
}

}  // namespace

TEST_CASE("a finished sweep draws its figure, and relulab plot needs no flags", "[cli][plot]") {
  const fs::path dir = temp_dir("plotdefault");
  write_text(dir / "s.toml", sweep_experiment());
  const auto r = run_command(relulab_exe() + " run " + (dir / "s.toml").string() + " --quiet --jobs 2 --out " +
                             (dir / "sweep").string());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("figure: " + (dir / "sweep" / "plot.png").string()));
  CHECK(fs::file_size(dir / "sweep" / "plot.png") > 10'000);  // a drawn PNG, not an empty file
  // The manifest says which axis was written with logspace, for the figure's log scale.
  const auto manifest = nlohmann::json::parse(slurp(dir / "sweep" / "sweep.json"));
  CHECK(manifest["log_keys"] == nlohmann::json::array({"data.n"}));
  // The metrics' column labels reach the summaries, for axes and legends.
  const auto cell = manifest["cells"][0]["dir"].get<std::string>();
  const auto summary = nlohmann::json::parse(slurp(dir / "sweep" / cell / "summary.json"));
  CHECK(summary["labels"]["test_mse"] == "test MSE (network)");

  fs::remove(dir / "sweep" / "plot.png");
  const auto p = run_command(relulab_exe() + " plot " + (dir / "sweep").string());
  INFO(p.err);
  CHECK(p.exit_code == 0);
  CHECK(p.out == "wrote " + (dir / "sweep" / "plot.png").string() + "\n");
  CHECK(fs::exists(dir / "sweep" / "plot.png"));
  // A failure prints its reason only, never a "wrote" without a file.
  const auto bad = run_command(relulab_exe() + " plot " + (dir / "sweep").string() + " --y no_such_column");
  CHECK(bad.exit_code != 0);
  CHECK(bad.out.empty());
  CHECK_THAT(bad.err, Contains("no metric 'no_such_column'"));
  fs::remove_all(dir);
}

TEST_CASE("an override sweep={} runs one cell of a sweep file as a single run", "[cli]") {
  const fs::path dir = temp_dir("sweepempty");
  write_text(dir / "s.toml", sweep_experiment());
  const auto r = run_command(relulab_exe() + " run " + (dir / "s.toml").string() + " --quiet --set 'sweep={}' --out " +
                             (dir / "one").string());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(dir / "one" / "summary.json"));
  CHECK_FALSE(fs::exists(dir / "one" / "sweep.json"));
  fs::remove_all(dir);
}

TEST_CASE("an override value that opens TOML and does not parse is refused, not read as a string", "[cli][config]") {
  const fs::path dir = temp_dir("setbroken");
  write_text(dir / "e.toml", small_experiment());
  const std::string cmd = relulab_exe() + " validate " + (dir / "e.toml").string() + " --set ";
  for (const char* broken :
       {"'sweep.\"data.n\"={ range = [0, 3]'", "'experiment.description=[1, 2'", "'experiment.description=\"open'"}) {
    const auto r = run_command(cmd + broken);
    INFO(broken << ": " << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains("not a TOML value"));
  }
  // A plain word still stands for a string.
  const auto plain = run_command(cmd + "experiment.description=plain_word --print");
  CHECK(plain.exit_code == 0);
  CHECK_THAT(plain.out, Contains("description = 'plain_word'"));
  fs::remove_all(dir);
}

TEST_CASE("run --dry-run on a search file names the folder the search writes", "[cli][search]") {
  const fs::path dir = temp_dir("searchdry");
  write_text(
      dir / "s.toml",
      small_experiment(300) + "[search]\nkey = \"data.n\"\nrange = [20, 2000]\nmetric = \"train_mse\"\nbelow = 0.05\n");
  const auto dry = run_command("cd " + dir.string() + " && " + relulab_exe() + " run s.toml --dry-run");
  INFO(dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK_THAT(dry.out, Contains("threshold search on data.n in [20, 2000]") && Contains("-search-"));
  const std::string folder = dry.out.substr(dry.out.find("search folder ") + 14,
                                            dry.out.find(" (search.csv") - dry.out.find("search folder ") - 14);
  // The folder the real search then writes is the one the dry run named.
  const auto real = run_command("cd " + dir.string() + " && " + relulab_exe() + " run s.toml --quiet --jobs 2");
  INFO(real.out << real.err);
  CHECK(fs::exists(dir / folder / "search.csv"));
  CHECK(fs::exists(dir / folder / "search.json"));
  fs::remove_all(dir);
}

TEST_CASE("the option --plugin-path is taken before or after the subcommand", "[cli]") {
  const fs::path dir = temp_dir("pluginpath");
  fs::create_directories(dir / "extra");
  for (const std::string& args : {" --plugin-path " + (dir / "extra").string() + " plugins",
                                  " plugins --plugin-path " + (dir / "extra").string()}) {
    const auto r = run_command(relulab_exe() + args);
    INFO(args << ": " << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains((dir / "extra").string() + "  (--plugin-path)"));
  }
  fs::remove_all(dir);
}

TEST_CASE("relulab diff lists only the keys two runs set differently", "[cli]") {
  const fs::path dir = temp_dir("diff");
  write_text(dir / "e.toml", small_experiment(200));
  const std::string run = relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out ";
  REQUIRE(run_command(run + (dir / "a").string()).exit_code == 0);
  REQUIRE(run_command(run + (dir / "b").string() + " --set optimizer.lr=0.02 --set model.width=10").exit_code == 0);
  const auto d = run_command(relulab_exe() + " diff " + (dir / "a").string() + " " + (dir / "b").string());
  CHECK(d.exit_code == 0);
  CHECK(d.out == "model.width: 20  ->  10\noptimizer.lr: 0.05  ->  0.02\n");
  const auto same = run_command(relulab_exe() + " diff " + (dir / "a").string() + " " + (dir / "a").string());
  CHECK_THAT(same.out, Contains("configured alike"));
  fs::remove_all(dir);
}

TEST_CASE("the progress line gives no estimate before a rate is measured", "[progress]") {
  host::RunProgress p;
  p.iteration = 1;
  // 0.4 % done after 0.6 ms of setup: extrapolating would say minutes.
  p.fraction = 0.004, p.elapsed = 0.0006;
  CHECK_THAT(host::format_run_progress("q", p), Contains("left ?"));
  p.fraction = 0.5, p.elapsed = 0.3;  // half way in 0.3 s: still under a second of measurement
  CHECK_THAT(host::format_run_progress("q", p), Contains("left ?"));
  p.fraction = 0.25, p.elapsed = 2.0;  // 2 s for a quarter: 6 s to go
  CHECK_THAT(host::format_run_progress("q", p), Contains("left 6s"));
  p.fraction = 1.0, p.elapsed = 0.6;  // done
  CHECK_THAT(host::format_run_progress("q", p), Contains("left 0s"));
}

TEST_CASE("every run's provenance says how each plugin was compiled", "[cli][plugins]") {
  const fs::path dir = temp_dir("buildflags");
  write_text(dir / "e.toml", small_experiment(100));
  REQUIRE(run_command(relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out " + (dir / "r").string())
              .exit_code == 0);
  const std::string config = slurp(dir / "r" / "config.toml");
  // The bundled plugins are built as the host is: optimised (the sanitizer build, -O1 without NDEBUG,
  // adds ", assertions on").
  CHECK_THAT(config, Contains("[provenance.plugins.sgd]\nbuild = 'optimised"));
  const auto describe = run_command(relulab_exe() + " plugins describe two_layer");
  CHECK_THAT(describe.out, Contains("\n  build: optimised"));
  CHECK_THAT(describe.out + config, !Contains("NOT optimised"));
  fs::remove_all(dir);
}

TEST_CASE("plugins describe says where a policy's parameters are written", "[cli][plugins]") {
  // A policy has no section of its own: it is an entry of [optimizer] policies.
  const auto r = run_command(relulab_exe() + " plugins describe warmup");
  CHECK_THAT(r.out, Contains("parameters ([optimizer] policies = [{ plugin = \"warmup\", ... }]):"));
  CHECK_THAT(r.out, !Contains("[policy]"));
}
