// Fault injection: what the file system and other processes can do to a run,
// and what relulab does about it. Every case here is a row of
// docs/reliability.md.
#include <catch2/catch.hpp>

#include "io/output.hpp"
#include "run/checkpoint.hpp"
#include "support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {
// A run that checkpoints at every report (every 100 iterations).
std::string checkpointing_experiment(int iterations) {
  std::string text = small_experiment(iterations);
  text.insert(text.find("seed = 7"), "checkpoint_seconds = 1e-9\n");
  return text;
}
// A resumed run's results against a straight run's, byte for byte.
void check_same_results(const fs::path& straight, const fs::path& resumed) {
  for (const char* f : {"metrics.csv", "W_final.npy", "a_final.npy"}) {
    INFO(f);
    CHECK(slurp(resumed / f) == slurp(straight / f));
  }
}
}  // namespace

TEST_CASE("a file where the output folder should be: a message naming it", "[faults]") {
  const fs::path dir = temp_dir("blocked");
  write_text(dir / "results", "not a folder");
  const auto ex = experiment_from_text(small_experiment(100));
  CHECK_THROWS_WITH(run_into(ex, dir / "results" / "run"),
                    Contains("cannot create the output folder") && Contains("results is a file, not a folder"));
  // The CLI says the same and exits with an error, not a crash.
  write_text(dir / "e.toml", small_experiment(100));
  const auto r = run_command(relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out " +
                             (dir / "results" / "run").string());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("is a file, not a folder"));
  fs::remove_all(dir);
}

TEST_CASE("disk full while writing a checkpoint: the run stops, keeps the last good one, resumes from it", "[faults]") {
  const fs::path dir = temp_dir("full");
  const auto ex = experiment_from_text(checkpointing_experiment(3000));
  REQUIRE(run_into(ex, dir / "straight").outcome == host::Outcome::Completed);

  std::atomic<int> stop{2};  // stop (with a checkpoint) at the first report
  REQUIRE(run_into(ex, dir / "split", &stop).outcome == host::Outcome::Interrupted);
  REQUIRE(fs::exists(dir / "split" / "checkpoint.bin"));
  // The next checkpoint's temporary file leads to /dev/full: every write to it
  // fails with ENOSPC, as on a full disk.
  fs::create_symlink("/dev/full", dir / "split" / "checkpoint.bin.tmp");
  CHECK_THROWS_WITH(run_into(ex, dir / "split"), Contains("writing results failed near iteration") &&
                                                     Contains("No space left on device") &&
                                                     Contains("which the same command resumes from"));
  CHECK(!fs::exists(dir / "split" / "summary.json"));
  CHECK(fs::exists(dir / "split" / "checkpoint.prev.bin"));  // the last good checkpoint survived
  // Room again: the run resumes from the previous checkpoint and ends exactly as the straight one.
  REQUIRE(run_into(ex, dir / "split").outcome == host::Outcome::Completed);
  check_same_results(dir / "straight", dir / "split");
  fs::remove_all(dir);
}

TEST_CASE("a file-size limit (ulimit -f) is a write error with a message, not SIGXFSZ", "[faults]") {
  const fs::path dir = temp_dir("fsize");
  // Width 4000: the largest file written at the start, W_init.npy, is
  // 4000 * 5 * 8 + 128 = 160 128 bytes; a checkpoint holds all 4000 * 6
  // parameters, over 192 000 bytes. A limit of 170 KiB between the two lets the
  // run start and fails its first checkpoint.
  std::string text = checkpointing_experiment(300);
  text.replace(text.find("width = 20"), 10, "width = 4000");
  write_text(dir / "e.toml", text);
  // bash's ulimit -f counts 1024-byte blocks (dash's, 512: hence bash).
  const auto r = run_command("bash -c 'ulimit -f 170 && exec " + relulab_exe() + " run " + (dir / "e.toml").string() +
                             " --quiet --out " + (dir / "run").string() + "'");
  CHECK(r.exit_code == 2);  // an error exit, not 128 + SIGXFSZ (153)
  CHECK_THAT(r.err, Contains("writing results failed") && Contains("File too large"));
  CHECK(fs::exists(dir / "run" / "W_init.npy"));
  fs::remove_all(dir);
}

TEST_CASE("a truncated newest checkpoint falls back to the previous one and two bad ones are refused",
          "[faults][resume]") {
  const fs::path dir = temp_dir("trunc");
  const auto ex = experiment_from_text(checkpointing_experiment(3000));
  REQUIRE(run_into(ex, dir / "straight").outcome == host::Outcome::Completed);
  // Two checkpoints: stop at the second report.
  std::atomic<int> stop{2};
  REQUIRE(run_into(ex, dir / "split", &stop).outcome == host::Outcome::Interrupted);
  stop = 2;
  REQUIRE(run_into(ex, dir / "split", &stop).outcome == host::Outcome::Interrupted);
  REQUIRE(fs::exists(dir / "split" / "checkpoint.prev.bin"));
  const std::string newest = slurp(dir / "split" / "checkpoint.bin");
  write_text(dir / "split" / "checkpoint.bin", newest.substr(0, newest.size() / 3));  // a write cut short
  std::ostringstream log;
  REQUIRE(run_into(ex, dir / "split", nullptr, &log).outcome == host::Outcome::Completed);
  CHECK_THAT(log.str(), Contains("is damaged") && Contains("resumed from the previous checkpoint"));
  CHECK(slurp(dir / "straight" / "W_final.npy") == slurp(dir / "split" / "W_final.npy"));

  // Both damaged: refused, with the way out.
  std::atomic<int> stop_again{2};
  REQUIRE(run_into(ex, dir / "both", &stop_again).outcome == host::Outcome::Interrupted);
  stop_again = 2;
  REQUIRE(run_into(ex, dir / "both", &stop_again).outcome == host::Outcome::Interrupted);
  for (const char* f : {"checkpoint.bin", "checkpoint.prev.bin"}) {
    std::string bytes = slurp(dir / "both" / f);
    bytes[bytes.size() / 2] ^= 0x01;
    write_text(dir / "both" / f, bytes);
  }
  CHECK_THROWS_WITH(run_into(ex, dir / "both"), Contains("refusing to resume") && Contains("--fresh"));
  fs::remove_all(dir);
}

TEST_CASE("two processes on one sweep folder: the second is refused while the first runs", "[faults][sweep]") {
  const fs::path dir = temp_dir("lock");
  std::string text = small_experiment(3'000'000);
  text += "[sweep]\n\"experiment.seed\" = [1, 2]\n";
  write_text(dir / "e.toml", text);
  const std::string cmd =
      relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out " + (dir / "sweep").string();
  const pid_t first = fork();
  REQUIRE(first >= 0);
  if (first == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + cmd + " > /dev/null 2>&1").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the first process holds the sweep's lock (it writes its pid there).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!(fs::exists(dir / "sweep" / ".lock") && !slurp(dir / "sweep" / ".lock").empty()) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto second = run_command(cmd);
  kill(first, SIGINT);
  int status = 0;
  waitpid(first, &status, 0);
  CHECK(second.exit_code == 2);
  CHECK_THAT(second.err, Contains("another relulab process (pid " + std::to_string(first) + ") is running this sweep"));
  // The first was interrupted cleanly (130) and nothing of it was damaged: it resumes.
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  const auto table = run_command(relulab_exe() + " table " + (dir / "sweep").string());
  CHECK(table.exit_code == 0);
  fs::remove_all(dir);
}

TEST_CASE("numeric and shape edge cases: each a located error or a documented behaviour", "[faults][edge]") {
  // Refused at validation, at the key (the rows of docs/reliability.md).
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"data.n=0", "[data] n: value 0 is out of range [1, 1e+12]"},
      {"model.width=0", "[model] width: value 0 is out of range [1, 1e+08]"},
      {"data.d=0", "[data] d: value 0 is out of range [1, 1048576]"},
      {"data.beta_star=[1.0, 2.0]", "[data] beta_star: beta_star has 2 entries but d = 5"},
      {"optimizer.lr=-1", "[optimizer] lr: value -1 is out of range (0, inf)"},
      {"optimizer.lr=nan", "[optimizer] lr: must be a finite number"},
      {"data.noise_std=nan", "[data] noise_std: must be a finite number"},
      {"model.init_scale=inf", "[model] init_scale: must be a finite number"},
      {"model.init_scale=-0.1", "[model] init_scale: value -0.1 is out of range [0, inf)"},
      {"optimizer.batch_size=-3", "[optimizer] batch_size: value -3 is out of range [0, inf)"},
  };
  for (const auto& [set, message] : refused) {
    INFO(set);
    CHECK_THROWS_WITH(experiment_from_text(small_experiment(), {set}), Contains("(--set " + set + "): " + message));
  }

  const fs::path dir = temp_dir("edge");
  // n smaller than the batch: every step uses the whole training set, i.e.
  // exactly full-batch gradient descent.
  const auto small_n = experiment_from_text(small_experiment(200), {"data.n=10", "optimizer.batch_size=32"});
  const auto full = experiment_from_text(small_experiment(200), {"data.n=10", "optimizer.batch_size=0"});
  REQUIRE(run_into(small_n, dir / "small_n").outcome == host::Outcome::Completed);
  REQUIRE(run_into(full, dir / "full").outcome == host::Outcome::Completed);
  CHECK(slurp(dir / "small_n" / "W_final.npy") == slurp(dir / "full" / "W_final.npy"));

  // init_scale = 0: W = 0, a = 0 is stationary; the run says so and the weights stay zero.
  const auto zero = experiment_from_text(small_experiment(200), {"model.init_scale=0"});
  const auto r = run_into(zero, dir / "zero");
  REQUIRE(r.warnings.size() == 1);
  CHECK_THAT(r.warnings[0], Contains("gradient is exactly zero at the starting point"));
  CHECK_THAT(slurp(dir / "zero" / "summary.json"), Contains("\"warnings\""));
  CHECK(slurp(dir / "zero" / "W_init.npy") == slurp(dir / "zero" / "W_final.npy"));
  fs::remove_all(dir);
}

TEST_CASE("an output folder without write permission: a message naming the file", "[faults]") {
  const fs::path dir = temp_dir("readonly");
  write_text(dir / "e.toml", small_experiment(100));
  fs::create_directories(dir / "locked");
  fs::permissions(dir / "locked", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(dir, fs::perms::all);  // the test folder itself must be reachable by the user below
  // Root ignores permissions, so as root the command runs as 'nobody'. The
  // checkout may sit where 'nobody' cannot enter (under /root, say), so it
  // runs a copy laid out as an install, bin/relulab beside lib/relulab/plugins,
  // which finds its plugins from its own location.
  const bool as_root = ::geteuid() == 0;
  const std::string as_user = as_root ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  fs::path exe = relulab_exe();
  if (as_root) {
    const fs::path stage = dir / "stage";
    fs::create_directories(stage / "bin");
    fs::create_directories(stage / "lib" / "relulab" / "plugins");
    fs::copy_file(exe, stage / "bin" / "relulab");
    for (const auto& f : fs::directory_iterator(RELULAB_TEST_PLUGIN_DIR))
      if (f.path().extension() == ".so")
        fs::copy_file(f.path(), stage / "lib" / "relulab" / "plugins" / f.path().filename());
    exe = stage / "bin" / "relulab";
  }
  const auto r = run_command(as_user + exe.string() + " run " + (dir / "e.toml").string() + " --quiet --out " +
                             (dir / "locked" / "run").string());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("cannot create the output folder") && Contains("Permission denied"));
  fs::permissions(dir / "locked", fs::perms::all);
  fs::remove_all(dir);
}

TEST_CASE("metrics.csv that cannot grow: the run stops with a message, no row silently lost", "[faults]") {
  const fs::path dir = temp_dir("csvfull");
  // Width 2 and a row at every iteration: the CSV (~100 bytes a row) is the
  // only file that grows; 64 KiB holds the start-up files but not 3000 rows.
  std::string text = small_experiment(3000);
  text.replace(text.find("width = 20"), 10, "width = 2");
  text.replace(text.find("{ every = 100 }"), 15, "{ every = 1 }");
  write_text(dir / "e.toml", text);
  const auto r = run_command("bash -c 'ulimit -f 64 && exec " + relulab_exe() + " run " + (dir / "e.toml").string() +
                             " --quiet --out " + (dir / "run").string() + "'");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("writing results failed") && Contains("cannot append to") && Contains("metrics.csv"));
  // Every row in the file is complete (the last line ends with a newline).
  const std::string csv = slurp(dir / "run" / "metrics.csv");
  REQUIRE(!csv.empty());
  CHECK(csv.back() == '\n');
  fs::remove_all(dir);
}

TEST_CASE("a second process on a run folder in use is refused", "[faults]") {
  const fs::path dir = temp_dir("runlock");
  write_text(dir / "e.toml", small_experiment(100));
  fs::create_directories(dir / "run");
  {
    // This process holds the run folder, as a running relulab would.
    const host::DirectoryLock held(dir / "run", ".lock", "this run");
    const auto r =
        run_command(relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out " + (dir / "run").string());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("another relulab process (pid " + std::to_string(::getpid()) + ") is running this run"));
    CHECK(!fs::exists(dir / "run" / "metrics.csv"));  // it wrote nothing
  }
  // Released (as when the holder exits, however it exits): the run goes ahead.
  const auto ok =
      run_command(relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out " + (dir / "run").string());
  CHECK(ok.exit_code == 0);
  fs::remove_all(dir);
}

TEST_CASE("a metrics.csv shorter than its checkpoint counts is refused on resume, never padded", "[faults][resume]") {
  const fs::path dir = temp_dir("shortcsv");
  const auto ex = experiment_from_text(checkpointing_experiment(3000));
  std::atomic<int> stop{3};
  REQUIRE(run_into(ex, dir / "run", &stop).outcome == host::Outcome::Interrupted);
  const std::string csv = slurp(dir / "run" / "metrics.csv");
  REQUIRE(csv.size() > 40);
  const std::string cut = csv.substr(0, csv.size() - 30);  // as a crash before the rows reached the disk leaves it
  write_text(dir / "run" / "metrics.csv", cut);
  CHECK_THROWS_WITH(run_into(ex, dir / "run"), Contains("metrics.csv holds " + std::to_string(cut.size()) + " bytes") &&
                                                   Contains("rows recorded before the checkpoint are missing") &&
                                                   Contains("--fresh"));
  const std::string after = slurp(dir / "run" / "metrics.csv");
  CHECK(after == cut);  // unchanged: no NUL bytes appended
  CHECK(after.find('\0') == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a checkpoint claiming an iteration past the run's end is refused, not marked completed",
          "[faults][resume]") {
  const fs::path dir = temp_dir("beyond");
  const auto ex = experiment_from_text(checkpointing_experiment(3000));
  std::atomic<int> stop{2};
  REQUIRE(run_into(ex, dir / "run", &stop).outcome == host::Outcome::Interrupted);
  State state;
  std::string note;
  REQUIRE(host::read_checkpoint(dir / "run", state, note));
  state.put_u64("optimizer.iteration", std::uint64_t{1} << 63);  // CRC recomputed: only the claim is wrong
  host::write_checkpoint(dir / "run", state);
  CHECK_THROWS_WITH(run_into(ex, dir / "run"), Contains("claims iteration 9223372036854775808") &&
                                                   Contains("beyond the run's end at 3000"));
  CHECK_FALSE(fs::exists(dir / "run" / "summary.json"));
  fs::remove_all(dir);
}

TEST_CASE("output folders keep their kind and their owner: sweeps, runs and a user's files are not mixed",
          "[faults][folders]") {
  const fs::path dir = temp_dir("kinds");
  write_text(dir / "sweep_a.toml", small_experiment(100) + "[sweep]\n\"optimizer.lr\" = [0.01, 0.02]\n");
  write_text(dir / "sweep_b.toml", small_experiment(100) + "[sweep]\n\"optimizer.lr\" = [0.03, 0.04]\n");
  write_text(dir / "run.toml", small_experiment(100));
  const auto relulab = [&](const std::string& args) {
    return run_command(relulab_exe() + " run " + args + " --quiet --jobs 1");
  };
  const std::string sweep_out = " --out " + (dir / "sweep").string(), run_out = " --out " + (dir / "run").string();
  REQUIRE(relulab((dir / "sweep_a.toml").string() + sweep_out).exit_code == 0);
  const std::string manifest = slurp(dir / "sweep" / "sweep.json");

  // Another sweep into a finished sweep's folder: refused, nothing replaced; --fresh starts over.
  auto r = relulab((dir / "sweep_b.toml").string() + sweep_out);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Contains("holds the results of a different sweep") && Contains("--fresh"));
  CHECK(slurp(dir / "sweep" / "sweep.json") == manifest);
  REQUIRE(relulab((dir / "sweep_b.toml").string() + sweep_out + " --fresh").exit_code == 0);
  std::size_t cells = 0;
  for ([[maybe_unused]] const auto& c : fs::directory_iterator(dir / "sweep" / "cells")) ++cells;
  CHECK(cells == 2);  // sweep_b's two cells, none of sweep_a's

  // A run into a sweep's folder, and a sweep into a run's: refused, summary.json untouched.
  const std::string sweep_summary = slurp(dir / "sweep" / "summary.json");
  r = relulab((dir / "run.toml").string() + sweep_out);
  CHECK_THAT(r.err, Contains("holds a sweep (its sweep.json), and this is a run"));
  CHECK(slurp(dir / "sweep" / "summary.json") == sweep_summary);
  REQUIRE(relulab((dir / "run.toml").string() + run_out).exit_code == 0);
  r = relulab((dir / "sweep_a.toml").string() + run_out);
  CHECK_THAT(r.err, Contains("holds a run (its config.toml), and this is a sweep"));

  // --out into a user's own folder holding a metrics.csv: refused, the file kept; --fresh overwrites.
  fs::create_directories(dir / "mine");
  write_text(dir / "mine" / "metrics.csv", "my,own\n1,2\n");
  r = relulab((dir / "run.toml").string() + " --out " + (dir / "mine").string());
  CHECK_THAT(r.err, Contains("holds a metrics.csv that no relulab run wrote") && Contains("--fresh"));
  CHECK(slurp(dir / "mine" / "metrics.csv") == "my,own\n1,2\n");
  CHECK(relulab((dir / "run.toml").string() + " --out " + (dir / "mine").string() + " --fresh").exit_code == 0);
  fs::remove_all(dir);
}

TEST_CASE("a stop inside a metric record saves the run as before it, and resume makes that record first, byte for byte",
          "[faults][resume]") {
  const fs::path dir = temp_dir("pending");
  const auto ex = experiment_from_text(small_experiment(600));
  REQUIRE(run_into(ex, dir / "straight").outcome == host::Outcome::Completed);
  // The flag raised before the start, and no grace period: the exact test loss of
  // the first record polls it and gives up at once (at a large width, after 0.5 s).
  std::atomic<int> stop{SIGTERM};
  host::RunOptions opt;
  opt.run_dir = dir / "split";
  opt.progress = false;
  opt.stop_signal = &stop;
  opt.stop_grace_seconds = 0;
  const auto stopped = host::run_experiment(ex, opt);
  REQUIRE(stopped.outcome == host::Outcome::Interrupted);
  CHECK_THAT(stopped.reason, Contains("during its metric record"));
  State state;
  std::string note;
  REQUIRE(host::read_checkpoint(dir / "split", state, note));
  const auto pending = host::pending_record(state);
  REQUIRE(pending);
  CHECK(pending->iteration == 0);
  CHECK(slurp(dir / "split" / "metrics.csv").find('\n') == slurp(dir / "split" / "metrics.csv").size() - 1);
  REQUIRE(run_into(ex, dir / "split").outcome == host::Outcome::Completed);
  check_same_results(dir / "straight", dir / "split");
  fs::remove_all(dir);
}

TEST_CASE("disk full on the final files: the message says what was kept, and the same command then finishes them",
          "[faults]") {
  const fs::path dir = temp_dir("fullend");
  const auto ex = experiment_from_text(small_experiment(300));
  REQUIRE(run_into(ex, dir / "straight").outcome == host::Outcome::Completed);
  fs::create_directories(dir / "split");
  fs::create_symlink("/dev/full", dir / "split" / "W_final.npy.tmp");  // every write to it fails with ENOSPC
  CHECK_THROWS_WITH(run_into(ex, dir / "split"), Contains("No space left on device") &&
                                                     Contains("a checkpoint at the run's end") &&
                                                     Contains("without training again"));
  CHECK_FALSE(fs::exists(dir / "split" / "summary.json"));
  fs::remove(dir / "split" / "W_final.npy.tmp");
  std::ostringstream log;
  REQUIRE(run_into(ex, dir / "split", nullptr, &log).outcome == host::Outcome::Completed);
  CHECK_THAT(log.str(), Contains("resuming") && Contains("at iteration 300"));
  check_same_results(dir / "straight", dir / "split");
  fs::remove_all(dir);
}

TEST_CASE("a full disk under a snapshot metric is reported as the write that failed, not as the plugin's fault",
          "[faults]") {
  const fs::path dir = temp_dir("fullsnap");
  write_text(dir / "e.toml", small_experiment(300) + "[[metrics]]\nplugin = \"neuron_snapshots\"\nschedule = { every = 100 }\n");
  fs::create_directories(dir / "run" / "snapshots");
  fs::create_symlink("/dev/full", dir / "run" / "snapshots" / "W_100.npy.tmp");  // the second snapshot's file
  const auto r = run_command(relulab_exe() + " run " + (dir / "e.toml").string() + " --quiet --out " +
                             (dir / "run").string());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("writing results failed") && Contains("No space left on device"));
  CHECK_THAT(r.err, !Contains("metric plugin 'neuron_snapshots'"));
  fs::remove_all(dir);
}
