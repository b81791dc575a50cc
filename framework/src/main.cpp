// The relulab command line: run, validate, plugins.
#include "build_info.hpp"
#include "config.hpp"
#include "plot.hpp"
#include "registry.hpp"
#include "runner.hpp"
#include "sweep.hpp"

#include <CLI/CLI.hpp>
#ifdef RELULAB_WITH_MPI
#include <mpi.h>
#endif

#include <atomic>
#include <csignal>
#include <thread>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace {

using namespace relulab;
using namespace relulab::host;

std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int sig) {
  if (g_stop_signal.exchange(sig) != 0) {  // a second signal: leave at once
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

void print_plugin_list(const Registry& reg) {
  for (PluginKind kind : {PluginKind::DataGenerator, PluginKind::Model, PluginKind::Optimizer, PluginKind::Metric}) {
    std::cout << kind_name(kind) << ":\n";
    for (const auto& p : reg.plugins())
      if (p.descriptor.kind == kind)
        std::printf("  %-18s %-8s %s\n", p.descriptor.name.c_str(), p.descriptor.version.c_str(),
                    p.descriptor.summary.c_str());
  }
  std::cout << "search path:\n";
  for (const auto& [dir, origin] : reg.search_dirs()) std::cout << "  " << dir.string() << "  (" << origin << ")\n";
  if (!reg.refused().empty()) {
    std::cout << "refused:\n";
    for (const auto& r : reg.refused()) std::cout << "  " << r.path.string() << ": " << r.reason << "\n";
  }
  if (!reg.shadowed().empty()) {
    std::cout << "shadowed:\n";
    for (const auto& s : reg.shadowed()) std::cout << "  " << s << "\n";
  }
  if (!reg.ignored().empty()) {
    std::cout << "ignored:\n";
    for (const auto& r : reg.ignored()) std::cout << "  " << r.path.string() << ": " << r.reason << "\n";
  }
}

int describe_plugin(const Registry& reg, const std::string& name) {
  const LoadedPlugin* p = reg.find_any(name);
  if (!p) {
    std::string msg = "relulab: no plugin called '" + name + "'";
    std::vector<std::string> all;
    for (const auto& q : reg.plugins()) all.push_back(q.descriptor.name);
    if (auto g = did_you_mean(name, all); !g.empty()) msg += " (did you mean '" + g + "'?)";
    if (auto h = reg.refusal_hint(name); !h.empty()) msg += "; " + h;
    std::cerr << msg << "; `relulab plugins` lists them\n";
    return 1;
  }
  const auto& d = p->descriptor;
  std::cout << d.name << " " << d.version << " (" << kind_name(d.kind) << " plugin)\n  " << d.summary << "\n  "
            << p->path.string() << "\n\nparameters ([" << (d.kind == PluginKind::DataGenerator ? "data"
                                                          : d.kind == PluginKind::Metric       ? "[metrics]"
                                                                                               : kind_name(d.kind))
            << "] with plugin = \"" << d.name << "\"):\n";
  for (const auto& s : d.schema.specs()) {
    std::string def = s.default_value ? format_value(*s.default_value) : (s.required() ? "required" : "(unset)");
    std::printf("  %-20s %-16s default %-12s %s\n", s.name.c_str(), type_name(s.type), def.c_str(),
                s.range_text().c_str());
    std::printf("  %-20s %s\n", "", s.doc.c_str());
  }
  if (d.kind == PluginKind::DataGenerator)
    std::cout << "\n[data] also takes the host key n (integer >= 1, required): the number of training samples.\n";
  if (d.kind == PluginKind::Metric)
    std::cout << "\n[[metrics]] also takes schedule = { every = N } | { geometric = r, start = t0 } | "
                 "{ points = [...] } (default { geometric = 1.1 }).\n";
  return 0;
}

Experiment load(const std::string& file, const std::vector<std::string>& sets, Registry& reg) {
  RawExperiment raw = parse_experiment_file(file);
  for (const auto& s : sets) apply_override(raw, s);
  Experiment ex = validate_experiment(raw, reg);
  (void)build(ex);  // the factories check what the schemas cannot (lengths, combinations)
  return ex;
}

}  // namespace

// MPI is started only under a launcher (mpirun sets these), so a plain
// `relulab run` never pays for it; it is finalised however main returns.
struct MpiSession {
  bool active = false;
  MpiSession(int& argc, char**& argv) {
#ifdef RELULAB_WITH_MPI
    if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK")) {
      int provided = 0;
      MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
      active = true;
    }
#else
    (void)argc, (void)argv;
#endif
  }
  ~MpiSession() {
#ifdef RELULAB_WITH_MPI
    if (active) MPI_Finalize();
#endif
  }
};

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) must surface as a write error with a
  // message, not as SIGXFSZ killing the process mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  MpiSession mpi(argc, argv);
  CLI::App app{"relulab: training dynamics of two-layer ReLU networks, composed from plugins"};
  app.set_version_flag("--version", std::string("relulab ") + kVersion + " (" + git_commit() + ")");
  app.require_subcommand(1);
  std::vector<std::string> plugin_paths;
  app.add_option("--plugin-path", plugin_paths, "extra plugin folder (searched first; repeatable)");

  std::string file, out;
  std::vector<std::string> sets;
  bool fresh = false, quiet = false;
  auto* run = app.add_subcommand("run", "run an experiment file");
  run->add_option("file", file, "experiment TOML file")->required();
  run->add_option("--set", sets, "override a dotted key, e.g. --set optimizer.lr=0.005 (repeatable)");
  run->add_option("--out", out, "run directory (default: <experiment.output>/<name>-<config hash>)");
  run->add_flag("--fresh", fresh, "discard the results already in the run directory and start over");
  run->add_flag("--quiet", quiet, "no progress output");

  bool dry_run = false;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  std::string shard;
  run->add_flag("--dry-run", dry_run, "validate every cell and list them, run nothing");
  run->add_option("--jobs,-j", jobs, "sweep cells run in parallel (default: the number of cores)")->check(CLI::Range(1u, 4096u));
  run->add_option("--shard", shard, "run only share i of K of the sweep's cells (i/K, 0-based), e.g. for a Slurm job array");

  std::string table_dir, aggregate;
  bool csv_out = false;
  auto* table = app.add_subcommand("table", "one row per cell of a sweep: swept keys and final metrics");
  table->add_option("dir", table_dir, "sweep directory")->required();
  table->add_option("--aggregate", aggregate, "mean and standard deviation over this swept key, e.g. experiment.seed");
  table->add_flag("--csv", csv_out, "CSV even on a terminal");

  PlotOptions plot_opt;
  std::string plot_y;
  auto* plot_cmd = app.add_subcommand("plot", "a figure through gnuplot: a sweep's final metrics, or a run's curves");
  plot_cmd->add_option("dir", plot_opt.dir, "sweep or run directory")->required();
  plot_cmd->add_option("--x", plot_opt.x, "a swept key (sweep), or iteration/time (run; default iteration)");
  plot_cmd->add_option("--y", plot_y, "comma-separated metric columns (default: all)");
  plot_cmd->add_flag("--logx", plot_opt.logx, "logarithmic x axis");
  plot_cmd->add_flag("--logy", plot_opt.logy, "logarithmic y axis");
  plot_cmd->add_option("--out", plot_opt.out, "output .png or .svg (default: <dir>/plot.png)");
  plot_cmd->add_option("--title", plot_opt.title, "figure title");

  auto* validate = app.add_subcommand("validate", "check an experiment file without running it");
  validate->add_option("file", file, "experiment TOML file")->required();
  validate->add_option("--set", sets, "override a dotted key (repeatable)");
  bool print_resolved = false;
  validate->add_flag("--print", print_resolved, "print the resolved configuration");

  auto* plugins = app.add_subcommand("plugins", "list the plugins found, or describe one");
  auto* describe = plugins->add_subcommand("describe", "every parameter of a plugin");
  std::string plugin_name;
  describe->add_option("name", plugin_name, "plugin name")->required();

  CLI11_PARSE(app, argc, argv);

  Registry registry;
  for (const auto& p : plugin_paths) registry.add_search_dir(p, "--plugin-path");
  registry.add_default_search_dirs();
  registry.scan();

  try {
    if (*plugins) {
      if (*describe) return describe_plugin(registry, plugin_name);
      print_plugin_list(registry);
      return 0;
    }
    if (*validate) {
      RawExperiment raw = parse_experiment_file(file);
      for (const auto& s : sets) apply_override(raw, s);
      if (has_sweep(raw)) {  // every cell, as `run --dry-run` checks them
        const Sweep sweep = expand_sweep(raw, registry);
        std::cout << file << ": valid (" << sweep.name << ", " << sweep.cells.size() << " sweep cells, sweep directory "
                  << sweep.dir.string() << ")\n";
        if (print_resolved) std::cout << format_toml(sweep.cells.front().experiment.resolved) << "\n";
        return 0;
      }
      Experiment ex = load(file, sets, registry);
      std::cout << file << ": valid (" << ex.name << ", run directory " << default_run_dir(ex).string() << ")\n";
      if (print_resolved) std::cout << format_toml(ex.resolved) << "\n";
      return 0;
    }
    if (*plot_cmd) {
      std::stringstream ss(plot_y);
      for (std::string c; std::getline(ss, c, ',');)
        if (!c.empty()) plot_opt.y.push_back(c);
      std::cout << "wrote " << plot(plot_opt).string() << "\n";
      return 0;
    }
    if (*table) {
      Table t = sweep_table(table_dir);
      if (!aggregate.empty()) t = aggregate_table(t, aggregate);
      std::cout << (csv_out || !isatty(STDOUT_FILENO) ? format_csv(t) : format_aligned(t));
      return 0;
    }
    RawExperiment raw = parse_experiment_file(file);
    for (const auto& s : sets) apply_override(raw, s);
    std::string resume_cmd = "relulab run " + file;
    for (const auto& s : sets) resume_cmd += " --set '" + s + "'";
    if (!out.empty()) resume_cmd += " --out " + out;
    if (has_sweep(raw) || dry_run) {
      Sweep sweep = expand_sweep(raw, registry);
      if (dry_run) {
        std::cout << sweep.cells.size() << " cell" << (sweep.cells.size() == 1 ? "" : "s") << ", all valid; "
                  << (has_sweep(raw) ? "sweep directory " + sweep.dir.string() : "run directory " + default_run_dir(sweep.cells[0].experiment).string()) << "\n";
        for (const auto& c : sweep.cells) {
          std::cout << "  " << c.index;
          for (const auto& [k, v] : c.labels) std::cout << "  " << k << "=" << v;
          std::cout << "\n";
        }
        return 0;
      }
      const auto mpi_queue = make_mpi_queue();
      const bool leader = !mpi_queue || mpi_queue->rank() == 0;
      SweepOptions so;
      so.queue = mpi_queue.get();
      so.jobs = mpi_queue && !app.get_subcommand("run")->count("--jobs") ? 1 : jobs;  // a rank per core by default
      so.fresh = fresh;
      so.progress = !quiet && leader;
      so.stop_signal = &g_stop_signal;
      if (!out.empty()) so.dir = out;
      if (!shard.empty()) {
        const auto slash = shard.find('/');
        try {
          if (slash == std::string::npos) throw std::invalid_argument("");
          so.shard_index = std::stoul(shard.substr(0, slash));
          so.shard_count = std::stoul(shard.substr(slash + 1));
        } catch (const std::exception&) {
          so.shard_count = 0;
        }
        if (so.shard_count == 0 || so.shard_index >= so.shard_count)
          throw ConfigError("--shard " + shard + ": expected i/K with 0 <= i < K, e.g. --shard 3/16");
      }
      std::signal(SIGINT, on_stop_signal);
      std::signal(SIGTERM, on_stop_signal);
      const SweepResult r = run_sweep(sweep, so);
      if (!leader) return r.interrupted ? 128 + (g_stop_signal.load() ? g_stop_signal.load() : SIGINT) : 0;
      std::size_t completed = 0, diverged = 0, failed = 0, ran = 0;
      for (const auto& o : r.outcomes) {
        if (o.status == "not run") continue;
        ++ran;
        completed += o.status == "completed";
        diverged += o.status == "diverged";
        failed += o.status == "failed";
      }
      std::cout << sweep.name << ": " << completed << " of " << ran << " cells completed";
      if (diverged) std::cout << ", " << diverged << " diverged";
      if (failed) std::cout << ", " << failed << " failed";
      std::cout << " in " << r.wall_seconds << " s\n  sweep directory: " << sweep.dir.string() << "\n";
      for (std::size_t i = 0; i < r.outcomes.size(); ++i)
        if (r.outcomes[i].status == "failed" || r.outcomes[i].status == "diverged")
          std::cout << "  cell " << i << " " << r.outcomes[i].status << ": " << r.outcomes[i].reason << "\n";
      if (r.interrupted) {
        std::cerr << "relulab: sweep interrupted; finished cells are kept and running ones checkpointed\n  resume with: "
                  << resume_cmd << "\n";
        return 128 + (g_stop_signal.load() ? g_stop_signal.load() : SIGINT);
      }
      std::cout << "  table: relulab table " << sweep.dir.string() << "\n";
      return failed ? 2 : 0;
    }
    Experiment ex = validate_experiment(raw, registry);
    (void)build(ex);
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    RunOptions opt;
    opt.run_dir = out;
    opt.fresh = fresh;
    opt.progress = !quiet;
    opt.stop_signal = &g_stop_signal;
    const RunResult r = run_experiment(ex, opt);
    switch (r.status) {
      case RunStatus::Interrupted:
        std::cerr << "relulab: " << r.reason << "; checkpoint saved in " << r.dir.string()
                  << "\n  resume with: " << resume_cmd << "\n";
        return 128 + g_stop_signal.load();
      case RunStatus::Diverged:
        std::cout << ex.name << ": diverged: " << r.reason << "\n  run directory: " << r.dir.string()
                  << " (metrics.csv keeps the last finite values)\n";
        return 3;
      case RunStatus::AlreadyDone:
        std::cout << ex.name << ": already finished in " << r.dir.string() << " (" << r.reason
                  << "; --fresh reruns it)\n"
                  << r.report;
        return 0;
      case RunStatus::Completed:
        std::cout << ex.name << ": completed in " << r.wall_seconds << " s\n  run directory: " << r.dir.string()
                  << "\n"
                  << r.report;
        return 0;
    }
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "relulab: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
