// Shared helpers of the test suite.
#pragma once

#include "registry/allocations.hpp"
#include "config/config.hpp"
#include "registry/registry.hpp"
#include "run/runner.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace relulab::test {

namespace fs = std::filesystem;

// Every operator new of the process so far (allocations.hpp); not counted
// under ASan, which owns the allocation functions there.
inline long allocations_so_far() { return host::heap_allocations(); }
using host::kCountsAllocations;

// The registry over the build tree's plugins, loaded once per test process.
inline host::Registry& registry() {
  static host::Registry* r = [] {
    auto* reg = new host::Registry;  // never destroyed: plugin objects may outlive static destruction
    reg->add_search_dir(RELULAB_TEST_PLUGIN_DIR, "build tree");
    reg->scan();
    return reg;
  }();
  return *r;
}

inline const PluginDescriptor& descriptor(PluginKind kind, const std::string& name) {
  const auto* p = registry().find(kind, name);
  if (!p) throw std::runtime_error("test needs plugin " + name);
  return p->descriptor;
}

// Params from a schema's defaults plus the given overrides.
inline Params defaults(const Schema& schema, const std::map<std::string, ParamValue>& set = {}) {
  Params p;
  for (const auto& s : schema.specs())
    if (s.default_value) p.set(s.name, *s.default_value);
  for (const auto& [k, v] : set) p.set(k, v);
  return p;
}

// A fresh empty folder under the system temp dir.
inline fs::path temp_dir(const std::string& tag) {
  static std::mt19937_64 gen(std::random_device{}());
  fs::path p = fs::temp_directory_path() / ("relulab-test-" + tag + "-" + std::to_string(gen() % 1000000000));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

inline void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  int exit_code;
  std::string out, err;
};

// Runs a shell command, capturing stdout and stderr.
inline CommandResult run_command(const std::string& cmd) {
  const fs::path dir = temp_dir("cmd");
  const int status = std::system((cmd + " >" + (dir / "out").string() + " 2>" + (dir / "err").string()).c_str());
  CommandResult r{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(dir / "out"),
                  slurp(dir / "err")};
  fs::remove_all(dir);
  return r;
}

// Starts `cmd` in the background and sends it `signal` as soon as `ready()`
// holds (polled every 10 ms), then waits for it. Tied to the run's own
// progress, not to a wall-clock delay: a fixed "signal after 1 s" lets a fast
// machine finish the run first. If the process ends before `ready()` holds,
// nothing is sent and `signalled` is false, so the test can say so.
struct SignalledResult {
  CommandResult result;
  bool signalled = false;
};

template <class Ready>
SignalledResult run_and_signal_when(const std::string& cmd, int signal, Ready ready) {
  const fs::path dir = temp_dir("sig");
  const std::string shell = "exec " + cmd + " >" + (dir / "out").string() + " 2>" + (dir / "err").string();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", shell.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  SignalledResult r;
  int status = 0;
  for (;;) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;  // ended on its own
    if (ready()) {
      kill(pid, signal);
      r.signalled = true;
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  r.result = {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(dir / "out"), slurp(dir / "err")};
  fs::remove_all(dir);
  return r;
}

// `text` with its first `from` replaced by `to` (a test's text must contain `from`).
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  if (pos == std::string::npos) throw std::logic_error("test text lacks: " + from);
  return text.replace(pos, from.size(), to);
}

inline std::string relulab_exe() { return RELULAB_TEST_EXE; }

// Validates an experiment given as TOML text (written to `file_name` in a temp folder).
inline host::Experiment experiment_from_text(const std::string& toml, const std::vector<std::string>& sets = {},
                                             fs::path* file_out = nullptr) {
  const fs::path dir = temp_dir("exp");
  const fs::path file = dir / "exp.toml";
  write_text(file, toml);
  if (file_out) *file_out = file;
  auto raw = host::parse_experiment_file(file);
  for (const auto& s : sets) host::apply_override(raw, s);
  auto ex = host::validate_experiment(raw, registry());
  (void)host::build(ex);
  return ex;
}

// A bias-free student with N(0, 1) weights of both signs, so every term of an exact double sum matters.
struct RandomStudent {
  Eigen::MatrixXd W;
  Vector a;
  RandomStudent(Index m, Index d, std::uint64_t seed) : W(m, d), a(m) {
    Rng rng(seed);
    for (Index j = 0; j < m; ++j) {
      for (Index i = 0; i < d; ++i) W(j, i) = rng.normal();
      a[j] = rng.normal();
    }
  }
  TwoLayerView view() const {
    return {Eigen::Map<const Eigen::MatrixXd>(W.data(), W.rows(), W.cols()),
            Eigen::Map<const Vector>(a.data(), a.size()), Eigen::Map<const Vector>(a.data(), 0), "relu"};
  }
  double operator()(const Vector& x) const { return a.dot((W * x).cwiseMax(0.0)); }
};

// Monte Carlo estimate of E[(f(x) - y)^2] over a sample, with its standard error.
struct MonteCarlo {
  double mean, standard_error;
};
template <class F>
MonteCarlo monte_carlo_mse(const Dataset& sample, F&& f) {
  double sum = 0, sum_sq = 0;
  const Index N = sample.size();
  for (Index k = 0; k < N; ++k) {
    const double e = std::pow(f(Vector(sample.X.row(k).transpose())) - sample.y[k], 2);
    sum += e;
    sum_sq += e * e;
  }
  const double mean = sum / N;
  return {mean, std::sqrt((sum_sq / N - mean * mean) / N)};
}

// Runs an experiment into `dir`, quietly.
inline host::RunResult run_into(const host::Experiment& ex, const fs::path& dir, const std::atomic<int>* stop = nullptr,
                                std::ostream* log = nullptr) {
  host::RunOptions opt;
  opt.run_dir = dir;
  opt.progress = false;
  opt.stop_signal = stop;
  if (log) opt.log = log;
  return host::run_experiment(ex, opt);
}

// A small, fast experiment (d = 5, n = 200, m = 20) for runner tests.
// The ConfigError an experiment (TOML text, overrides) is refused with, or "" when it is valid.
inline std::string error_of(const std::string& toml, const std::vector<std::string>& sets = {}) {
  try {
    experiment_from_text(toml, sets);
  } catch (const host::ConfigError& e) {
    return e.what();
  }
  return "";
}

inline std::string small_experiment(int iterations = 2000, const std::string& extra_optimizer = "") {
  return "[experiment]\nname = \"small\"\nseed = 7\n"
         "[data]\nplugin = \"linear_teacher\"\nn = 200\nd = 5\nnoise_std = 0.3\n"
         "[model]\nplugin = \"two_layer\"\nwidth = 20\ninit_scale = 0.01\n"
         "[optimizer]\nplugin = \"sgd\"\nlr = 0.05\nbatch_size = 16\niterations = " +
         std::to_string(iterations) + "\n" + extra_optimizer +
         "[[metrics]]\nplugin = \"losses\"\nschedule = { every = 100 }\ntest_samples = 500\n";
}

}  // namespace relulab::test
