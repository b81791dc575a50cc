// Sweeps past one machine: shards started at once, `relulab status`, `--retry failed`, a changed
// experiment refused with its keys, the shard count against Slurm's array, `relulab submit`'s script.
// The real cluster is tests/slurm/one_node.sh.
#include <catch2/catch.hpp>

#include "support.hpp"
#include "sweep/status.hpp"
#include "sweep/sweep.hpp"

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

std::string four_cells(const std::string& lr = "0.05", int iterations = 3000) {
  return replaced(small_experiment(iterations), "lr = 0.05", "lr = " + lr) +
         "[sweep]\n\"experiment.seed\" = { range = [0, 4] }\n";
}

host::Sweep cluster_sweep(const std::string& toml) {
  const fs::path file = temp_dir("cluster_sweep") / "exp.toml";
  write_text(file, toml);
  return host::expand_sweep(host::parse_experiment_file(file), registry());
}

std::map<std::string, int> counts(const host::FolderStatus& s) {
  std::map<std::string, int> c;
  for (const auto& cell : s.cells) ++c[cell.state];
  return c;
}

}  // namespace

TEST_CASE("two shards started at the same instant both run: the manifest they share is written without a race",
          "[cluster][shard][cli]") {
  // Both shards write sweep.json and table.csv; with one temporary name for all writers, one process's
  // rename took the other's file and the second shard died ("cannot rename ...sweep.json.tmp"), as the
  // first real Slurm array did. Ten starts at once, each in a fresh folder.
  const fs::path dir = temp_dir("shards_at_once");
  write_text(dir / "s.toml", four_cells());
  for (int attempt = 0; attempt < 10; ++attempt) {
    const std::string out = (dir / ("out" + std::to_string(attempt))).string();
    const std::string run = relulab_exe() + " run " + (dir / "s.toml").string() + " --quiet --jobs 1 --out " + out;
    const auto r = run_command("(" + run + " --shard 0/2; echo \"0:$?\" > " + out + ".0) & (" + run +
                               " --shard 1/2; echo \"1:$?\" > " + out + ".1) & wait");
    REQUIRE(r.exit_code == 0);
    CHECK(slurp(out + ".0") == "0:0\n");
    CHECK(slurp(out + ".1") == "1:0\n");
    CHECK(counts(host::folder_status(out))["completed"] == 4);
  }
  fs::remove_all(dir);
}

TEST_CASE("relulab status reads a sweep's folder: finished, running, interrupted, not started, workers and time left",
          "[cluster][status][cli]") {
  const fs::path dir = temp_dir("status");
  // 400 000 steps a cell (about a second): long enough to be stopped mid-cell after a checkpoint.
  write_text(dir / "s.toml", replaced(four_cells("0.05", 400000), "seed = 7", "seed = 7\ncheckpoint_seconds = 0.05"));
  const std::string run = relulab_exe() + " run " + (dir / "s.toml").string() + " --quiet --jobs 1 --out " +
                          (dir / "out").string();
  REQUIRE(run_command(run + " --shard 0/2").exit_code == 0);  // cells 0 and 2
  auto s = host::folder_status(dir / "out");
  CHECK(s.kind == "sweep");
  CHECK(counts(s) == std::map<std::string, int>{{"completed", 2}, {"not started", 2}});
  // Two cells left, each at the finished cells' median (of two: the upper one), shared by one worker.
  REQUIRE(s.eta_seconds);
  CHECK(*s.eta_seconds == Approx(2 * std::max(s.cells[0].wall_seconds, s.cells[2].wall_seconds)).epsilon(1e-12));
  CHECK(s.cells[0].worker.rfind("shard 0/2 on ", 0) == 0);
  // Shard 1 stopped by SIGINT once cell 1 has a checkpoint: an interrupted cell with an iteration.
  const auto stopped = run_and_signal_when(run + " --shard 1/2", SIGINT, [&] {
    for (const auto& c : host::folder_status(dir / "out").cells)
      if (c.index == 1 && c.iteration) return true;
    return false;
  });
  REQUIRE(stopped.signalled);
  const auto long_ago = host::folder_status(dir / "out", 1e-9);  // every checkpoint older than the heartbeat
  const auto& cell = long_ago.cells[1];
  CHECK(cell.state == "interrupted");
  REQUIRE(cell.iteration);
  CHECK(*cell.iteration > 0);
  CHECK(cell.horizon == std::optional<std::uint64_t>(400000));
  CHECK(cell.rate > 0);
  CHECK(cell.worker.rfind("shard 1/2 on ", 0) == 0);
  CHECK(host::folder_status(dir / "out", 1e9).cells[1].state == "running");  // a fresh heartbeat
  const std::string text = host::format_status(dir / "out", long_ago);
  CHECK_THAT(text, Contains("2 completed") && Contains("1 interrupted") && Contains("not started: cell 3"));
  CHECK_THAT(text, Contains("(the same command resumes it)"));
  CHECK_THAT(run_command(relulab_exe() + " status " + (dir / "nowhere").string()).err, Contains("not a run"));
  fs::remove_all(dir);
}

TEST_CASE("retry failed: only the failed cells are rerun, the others are left alone", "[cluster][retry][cli]") {
  const fs::path dir = temp_dir("retry");
  write_text(dir / "s.toml", four_cells());
  const auto sweep = cluster_sweep(four_cells());
  const std::string blocked_name = sweep.cells[2].dir.filename().string();
  fs::create_directories(dir / "out" / "cells");
  write_text(dir / "out" / "cells" / blocked_name, "a file where cell 2's folder goes: the cell fails");
  const std::string run = relulab_exe() + " run " + (dir / "s.toml").string() + " --quiet --jobs 1 --out " +
                          (dir / "out").string();
  CHECK(run_command(run + " --shard 0/2").exit_code != 0);  // cell 0 completes, cell 2 fails
  CHECK(counts(host::folder_status(dir / "out")) ==
        std::map<std::string, int>{{"completed", 1}, {"failed", 1}, {"not started", 2}});
  fs::remove(dir / "out" / "cells" / blocked_name);
  const auto retried = run_command(run + " --retry failed");
  CHECK(retried.exit_code == 0);
  const auto after = host::folder_status(dir / "out");
  CHECK(after.cells[2].state == "completed");
  CHECK(after.cells[1].state == "not started");  // --retry failed runs nothing else
  CHECK(after.cells[3].state == "not started");
  fs::remove_all(dir);
}

TEST_CASE("a sweep folder whose experiment changed is refused, naming the keys that differ", "[cluster][cli]") {
  const fs::path dir = temp_dir("changed");
  write_text(dir / "a.toml", four_cells());
  write_text(dir / "b.toml", four_cells("0.02"));
  const std::string out = " --quiet --jobs 1 --shard 0/2 --out " + (dir / "out").string();
  REQUIRE(run_command(relulab_exe() + " run " + (dir / "a.toml").string() + out).exit_code == 0);
  const auto refused = run_command(relulab_exe() + " run " + (dir / "b.toml").string() + out);
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Contains("the experiment changed (cell 0): optimizer.lr: 0.05 -> 0.02"));
  CHECK_THAT(refused.err, Contains("choose another --out (the old results stay)"));
  fs::remove_all(dir);
}

TEST_CASE("a shard count must be the size of the Slurm array it runs in", "[cluster][shard][cli]") {
  const fs::path dir = temp_dir("array_size");
  write_text(dir / "s.toml", four_cells());
  const auto r = run_command("SLURM_ARRAY_TASK_COUNT=3 " + relulab_exe() + " run " + (dir / "s.toml").string() +
                             " --quiet --shard 0/2 --out " + (dir / "out").string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("this Slurm array has 3 tasks") && Contains("--shard ${SLURM_ARRAY_TASK_ID}/3"));
  CHECK_FALSE(fs::exists(dir / "out" / "cells"));  // refused before anything ran
  fs::remove_all(dir);
}

TEST_CASE("relulab submit writes the array's script, reads [slurm], and says what is missing", "[cluster][submit][cli]") {
  const fs::path dir = temp_dir("submit");
  write_text(dir / "s.toml", four_cells() + "[slurm]\ntime = \"00:30:00\"\nmax_requeues = 5\nsbatch = [\"--qos=long\"]\n");
  const std::string submit = relulab_exe() + " submit " + (dir / "s.toml").string() + " --slurm --out " +
                             (dir / "out").string();
  const auto written = run_command(submit + " --no-submit --tasks 3");
  REQUIRE(written.exit_code == 0);
  const std::string script = slurp(dir / "out" / "slurm" / "job.sh");
  CHECK_THAT(script, Contains("#SBATCH --array=0-2\n") && Contains("#SBATCH --time=00:30:00\n"));
  CHECK_THAT(script, Contains("#SBATCH --signal=B:USR1@120\n") && Contains("#SBATCH --requeue\n"));
  CHECK_THAT(script, Contains("#SBATCH --qos=long\n") && Contains("max_requeues=5\n"));
  CHECK_THAT(script, Contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\""));
  CHECK(run_command("bash -n " + (dir / "out" / "slurm" / "job.sh").string()).exit_code == 0);
  CHECK_FALSE(fs::exists(dir / "out" / "cells"));  // nothing ran
  // No sbatch on PATH: said, with where the script is.
  const auto no_sbatch = run_command("PATH=/nonexistent " + submit);
  CHECK(no_sbatch.exit_code == 2);
  CHECK_THAT(no_sbatch.err, Contains("sbatch is not on PATH") && Contains("slurm/job.sh"));
  // A bad [slurm] key: located, with a suggestion.
  write_text(dir / "bad.toml", four_cells() + "[slurm]\ntiem = \"1:00:00\"\n");
  const auto bad = run_command(relulab_exe() + " submit " + (dir / "bad.toml").string() + " --slurm --no-submit");
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Contains("bad.toml:") && Contains("[slurm] tiem: unknown key (did you mean 'time'?)"));
  fs::remove_all(dir);
}
