// The relulab command line: run, validate, plugins.
#include "build_info.hpp"
#include "config/config.hpp"
#include "config/sections.hpp"
#include "cli/plot.hpp"
#include "registry/registry.hpp"
#include "io/output.hpp"
#include "sweep/search.hpp"
#include "run/runner.hpp"
#include "sweep/sweep.hpp"
#include "sweep/sweep_table.hpp"
#include "run/build.hpp"
#include "registry/contracts.hpp"
#include "cli/diff.hpp"
#include "cli/submit.hpp"
#include "sweep/status.hpp"

#include <CLI/CLI.hpp>
#ifdef RELULAB_WITH_MPI
#include <mpi.h>
#endif

#include <atomic>
#include <map>
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
  for (PluginKind kind : kAllKinds) {
    std::cout << kind_name(kind) << ":\n";
    for (const auto& p : reg.plugins())
      if (p.descriptor.kind == kind) {
        const bool slow = p.descriptor.optimization == CodeOptimization::Unoptimized;
        std::printf("  %-18s %-8s %s%s\n", p.descriptor.name.c_str(), p.descriptor.version.c_str(),
                    p.descriptor.summary.c_str(), slow ? "  [NOT optimised: -O0 build]" : "");
        for (const auto& alias : p.descriptor.aliases)
          std::printf("  %-18s (old name of %s)\n", alias.c_str(), p.descriptor.name.c_str());
      }
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
            << p->path.string() << "\n  build: " << build_description(d)
            << (d.details.empty() ? "" : "\n  " + d.details) << "\n\nparameters (" << where_written(d.kind, d.name)
            << "):\n";
  for (const auto& s : d.schema.specs()) {
    if (s.moved()) continue;  // an old spelling, read with a warning but no longer offered
    std::string def = s.default_value ? format_value(*s.default_value) : (s.required() ? "required" : "(unset)");
    std::printf("  %-20s %-16s default %-12s %s\n", s.name.c_str(), type_name(s.type), def.c_str(),
                s.range_text().c_str());
    std::printf("  %-20s %s\n", "", s.doc.c_str());
  }
  if (const PluginSection& section = section_of(d.kind); !section.host_keys.empty())
    std::cout << "\n"
              << (section.list ? "[[" + section.key + "]]" : "[" + section.key + "]") << " also takes "
              << section.host_keys << ".\n";
  return 0;
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

namespace {

// What the command line asked for, filled in by CLI11.
struct Options {
  std::vector<std::string> plugin_paths;
  std::string file, out, shard, plugin_name, table_dir, aggregate, plot_y, folder_file, retry, status_dir;
  std::vector<std::string> diff_dirs;
  bool logx = false, linx = false, logy = false, liny = false;
  std::vector<std::string> sets;
  bool fresh = false, quiet = false, dry_run = false, csv_out = false, print_resolved = false;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  bool jobs_given = false;
  PlotOptions plot;
  SubmitOptions submit;
  bool slurm = false;
};

struct Subcommands {
  CLI::App *run, *table, *plot, *validate, *plugins, *describe, *diff, *check, *status, *submit;
};

Subcommands declare_run(CLI::App& app, Options& o, Subcommands s) {
  s.run = app.add_subcommand("run", "run an experiment file");
  s.run->add_option("file", o.file, "experiment TOML file")->required();
  s.run->add_option("--set", o.sets, "override a dotted key, e.g. --set optimizer.lr=0.005 (repeatable)");
  s.run->add_option("--out", o.out, "run directory (default: <experiment.output>/<name>-<config hash>)");
  s.run->add_flag("--fresh", o.fresh, "discard the results already in the run directory and start over");
  s.run->add_flag("--quiet", o.quiet, "no progress output");
  s.run->add_flag("--dry-run", o.dry_run, "validate every cell and list them, run nothing");
  s.run->add_option("--jobs,-j", o.jobs, "sweep cells run in parallel (default: the number of cores)")
      ->check(CLI::Range(1u, 4096u));
  s.run->add_option("--folder-file", o.folder_file,
                    "write the run's, sweep's or search's folder to this file, byte for byte (for scripts: "
                    "names may hold spaces and quotes)");
  s.run->add_option("--shard", o.shard,
                    "run only share i of K of the sweep's cells (i/K, 0-based), e.g. for a Slurm job array");
  s.run->add_option("--retry", o.retry,
                    "failed: run only the cells the sweep lists as failed (completed, diverged and unstarted "
                    "cells are left alone)")
      ->check(CLI::IsMember({"failed"}));
  return s;
}

Subcommands declare_submit(CLI::App& app, Options& o, Subcommands s) {
  SubmitOptions& so = o.submit;
  s.submit = app.add_subcommand("submit", "a sweep as a Slurm job array that checkpoints and requeues itself");
  s.submit->add_option("file", so.file, "experiment TOML file")->required();
  s.submit->add_flag("--slurm", o.slurm, "submit to Slurm with sbatch (the only scheduler so far)")->required();
  s.submit->add_option("--set", so.sets, "override a dotted key (repeatable)");
  s.submit->add_option("--out", so.out, "the sweep folder, on a filesystem every node sees (default: the sweep's own)");
  s.submit->add_option("--tasks", so.tasks, "array tasks, each a shard of the cells (default: the cells, at most 16)")
      ->check(CLI::Range(1u, 100000u));
  s.submit->add_option("--time", so.time, "each task's time limit, as sbatch reads it (default 01:00:00)");
  s.submit->add_option("--partition", so.partition, "the partition");
  s.submit->add_option("--cpus", so.cpus, "cpus per task (default 1)")->check(CLI::Range(1u, 4096u));
  s.submit->add_option("--mem", so.mem, "memory per task, as sbatch reads it, e.g. 4G");
  s.submit->add_option("--jobs", so.jobs, "cells each task runs at once (default: its cpus)")->check(CLI::Range(1u, 4096u));
  s.submit->add_option("--max-requeues", so.max_requeues, "times a task requeues itself at its limit (default 3)")
      ->check(CLI::Range(0, 1000));
  s.submit->add_option("--signal-seconds", so.signal_seconds,
                       "seconds before the limit that Slurm warns the task (default 120)")
      ->check(CLI::Range(10u, 86400u));
  s.submit->add_flag("--no-submit", so.no_submit, "write the job script and print the sbatch command only");
  return s;
}

Subcommands declare_others(CLI::App& app, Options& o, Subcommands s) {
  s.table = app.add_subcommand("table", "one row per cell of a sweep: swept keys and final metrics");
  s.table->add_option("dir", o.table_dir, "sweep directory")->required();
  s.table->add_option("--aggregate", o.aggregate,
                      "mean and standard deviation over this swept key, e.g. experiment.seed");
  s.table->add_flag("--csv", o.csv_out, "CSV even on a terminal");
  s.plot = app.add_subcommand("plot", "a figure through gnuplot: a run's curves, a sweep's final losses, a search");
  s.plot->add_option("dir", o.plot.dir, "run, sweep or search directory")->required();
  s.plot->add_option("--x", o.plot.x,
                     "a swept key (sweep; default the numeric one with most values), or "
                     "iteration/time (run; default iteration)");
  s.plot->add_option("--y", o.plot_y, "comma-separated metric columns (default: the losses, else all)");
  s.plot->add_flag("--logx", o.logx, "logarithmic x axis (default: when x spans over two decades or was logspace)");
  s.plot->add_flag("--linx", o.linx, "linear x axis");
  s.plot->add_flag("--logy", o.logy, "logarithmic y axis (default: when y is positive and spans over a decade)");
  s.plot->add_flag("--liny", o.liny, "linear y axis");
  s.plot->add_option("--out", o.plot.out, "output .png or .svg (default: <dir>/plot.png)");
  s.plot->add_option("--title", o.plot.title, "figure title (default: the experiment's name)");
  s.status = app.add_subcommand("status", "a run's, sweep's or search's progress, read from its folder alone");
  s.status->add_option("dir", o.status_dir, "run, sweep or search directory")->required();
  s = declare_submit(app, o, s);
  s.diff = app.add_subcommand("diff", "the configuration keys two runs set differently");
  s.diff->add_option("runs", o.diff_dirs, "two run directories")->required()->expected(2);
  s.validate = app.add_subcommand("validate", "check an experiment file without running it");
  s.validate->add_option("file", o.file, "experiment TOML file")->required();
  s.validate->add_option("--set", o.sets, "override a dotted key (repeatable)");
  s.validate->add_flag("--print", o.print_resolved, "print the resolved configuration");
  s.plugins = app.add_subcommand("plugins", "list the plugins found, or describe one");
  s.describe = s.plugins->add_subcommand("describe", "every parameter of a plugin");
  s.describe->add_option("name", o.plugin_name, "plugin name")->required();
  s.check = app.add_subcommand("check-plugin",
                               "check a plugin against the contract of its kind (resume, "
                               "allocations, schema, derivatives, ...)");
  s.check->add_option("name", o.plugin_name, "plugin name")->required();
  s.check->add_option("--set", o.sets,
                      "KEY=VALUE for the plugin's own keys, or section.key=VALUE for the small "
                      "experiment it is checked in (repeatable)");
  return s;
}

RawExperiment load_raw(const Options& o) {
  RawExperiment raw = parse_experiment_file(o.file);
  for (const auto& s : o.sets) apply_override(raw, s);
  return raw;
}

int validate_command(const Options& o, Registry& registry) {
  const RawExperiment raw = load_raw(o);
  if (has_search(raw)) {  // the table, round 0's cells and the metric, as `run` checks them before training
    std::cout << o.file << ": valid, " << describe_search(raw, registry) << "\n";
    return 0;
  }
  if (has_sweep(raw)) {  // every cell, as `run --dry-run` checks them
    const Sweep sweep = expand_sweep(raw, registry);
    std::cout << o.file << ": valid (" << sweep.name << ", " << sweep.cells.size() << " sweep cells, sweep directory "
              << sweep.dir.string() << ")\n";
    if (o.print_resolved) std::cout << format_toml(sweep.cells.front().experiment.resolved) << "\n";
    return 0;
  }
  const Experiment ex = validate_and_build(raw, registry);
  std::cout << o.file << ": valid (" << ex.name << ", run directory " << default_run_dir(ex).string() << ")\n";
  if (o.print_resolved) std::cout << format_toml(ex.resolved) << "\n";
  return 0;
}

int plot_command(Options& o) {
  std::stringstream ss(o.plot_y);
  for (std::string c; std::getline(ss, c, ',');)
    if (!c.empty()) o.plot.y.push_back(c);
  if (o.logx || o.linx) o.plot.logx = o.logx;
  if (o.logy || o.liny) o.plot.logy = o.logy;
  const fs::path written = plot(o.plot);  // before printing: a failure prints only its message
  std::cout << "wrote " << written.string() << "\n";
  return 0;
}

int diff_command(const Options& o) {
  const std::vector<ConfigDifference> differences = config_differences(o.diff_dirs[0], o.diff_dirs[1]);
  if (differences.empty()) std::cout << "the two runs are configured alike (provenance aside)\n";
  for (const auto& d : differences) std::cout << d.key << ": " << d.left << "  ->  " << d.right << "\n";
  return 0;
}

int table_command(const Options& o) {
  Table t = sweep_table(o.table_dir);
  if (!o.aggregate.empty()) t = aggregate_table(t, o.aggregate);
  std::cout << (o.csv_out || !isatty(STDOUT_FILENO) ? format_csv(t) : format_aligned(t));
  return 0;
}

std::string resume_command(const Options& o) {
  std::string cmd = "relulab run " + o.file;
  for (const auto& s : o.sets) cmd += " --set '" + s + "'";
  if (!o.out.empty()) cmd += " --out " + o.out;
  if (!o.shard.empty()) cmd += " --shard " + o.shard;
  return cmd;
}

int list_cells(const Sweep& sweep, bool is_sweep) {
  std::cout << sweep.cells.size() << " cell" << (sweep.cells.size() == 1 ? "" : "s") << ", all valid; "
            << (is_sweep ? "sweep directory " + sweep.dir.string()
                         : "run directory " + default_run_dir(sweep.cells[0].experiment).string())
            << "\n";
  for (const auto& c : sweep.cells) {
    std::cout << "  " << c.index;
    for (const auto& [k, v] : c.labels) std::cout << "  " << k << "=" << v;
    std::cout << "\n";
  }
  return 0;
}

void parse_shard(const std::string& shard, SweepOptions& so) {
  if (shard.empty()) return;
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
  // Inside a Slurm array, K must be the array's size, or cells would run twice or never.
  if (const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT"); count && std::to_string(so.shard_count) != count)
    throw ConfigError("--shard " + shard + ": this Slurm array has " + count +
                      " tasks (SLURM_ARRAY_TASK_COUNT), so shards of " + std::to_string(so.shard_count) +
                      " would run some cells twice and others never; use --shard ${SLURM_ARRAY_TASK_ID}/" + count +
                      " with --array=0-" + std::to_string(std::atoi(count) - 1) + " (relulab submit writes both)");
}

void catch_stop_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

// A finished sweep draws its natural figure (as `relulab plot DIR` would) into its folder.
void draw_sweep_figure(const fs::path& dir) {
  try {
    PlotOptions po;
    po.dir = dir;
    const fs::path drawn = plot(po);  // before printing: a sweep with nothing to draw prints its reason alone
    std::cout << "  figure: " << drawn.string() << "\n";
  } catch (const std::exception& e) {
    std::cout << "  figure: none (" << e.what() << ")\n";
  }
}

// The leader's closing lines; the exit code: 2 if a cell failed, 128 + signal if interrupted.
int report_sweep(const Sweep& sweep, const SweepResult& r, const Options& o) {
  std::map<Outcome, std::size_t> count;
  std::size_t ran = 0;
  for (const auto& c : r.outcomes)
    if (c.outcome != Outcome::NotRun) ++ran, ++count[c.outcome];
  std::cout << sweep.name << ": " << count[Outcome::Completed] << " of " << ran << " cells completed";
  if (count[Outcome::Stopped]) std::cout << ", " << count[Outcome::Stopped] << " stopped early by a condition";
  if (count[Outcome::Diverged]) std::cout << ", " << count[Outcome::Diverged] << " diverged";
  if (count[Outcome::Failed]) std::cout << ", " << count[Outcome::Failed] << " failed";
  std::cout << " in " << r.wall_seconds << " s\n  sweep directory: " << sweep.dir.string() << "\n";
  for (std::size_t i = 0; i < r.outcomes.size(); ++i)
    if (r.outcomes[i].outcome == Outcome::Failed || r.outcomes[i].outcome == Outcome::Diverged)
      std::cout << "  cell " << i << " " << outcome_name(r.outcomes[i].outcome) << ": " << r.outcomes[i].reason << "\n";
  if (r.interrupted) {
    std::cerr << "relulab: sweep interrupted; finished cells are kept and running ones checkpointed\n  resume with: "
              << resume_command(o) << "\n";
    return exit_code(Outcome::Interrupted, g_stop_signal.load());
  }
  std::cout << "  table: relulab table " << sweep.dir.string() << "\n";
  draw_sweep_figure(sweep.dir);
  return count[Outcome::Failed] ? exit_code(Outcome::Failed, 0) : 0;
}

// --folder-file: the result's folder for a script, exactly (Python's relulab.run reads it).
void record_folder(const Options& o, const fs::path& folder) {
  if (!o.folder_file.empty()) write_file_atomic(o.folder_file, folder.string());
}

int sweep_command(const RawExperiment& raw, const Options& o, Registry& registry) {
  Sweep sweep = expand_sweep(raw, registry);
  if (o.dry_run) return list_cells(sweep, has_sweep(raw));
  const auto mpi_queue = make_mpi_queue();
  const bool leader = !mpi_queue || mpi_queue->rank() == 0;
  SweepOptions so;
  so.queue = mpi_queue.get();
  so.jobs = mpi_queue && !o.jobs_given ? 1 : o.jobs;  // a rank per core by default
  so.fresh = o.fresh;
  so.progress = !o.quiet && leader;
  so.stop_signal = &g_stop_signal;
  if (!o.out.empty()) so.dir = o.out;
  parse_shard(o.shard, so);
  so.retry_failed_only = o.retry == "failed";
  record_folder(o, so.dir.empty() ? sweep.dir : so.dir);
  catch_stop_signals();
  const SweepResult r = run_sweep(sweep, so);
  if (!leader) return r.interrupted ? exit_code(Outcome::Interrupted, g_stop_signal.load()) : 0;
  return report_sweep(sweep, r, o);
}

int report_run(const Experiment& ex, const RunResult& r, const Options& o) {
  if (r.already_done) {
    std::cout << ex.name << ": already finished in " << r.dir.string() << " (" << outcome_name(r.outcome)
              << (r.reason.empty() ? "" : ": " + r.reason) << "; --fresh reruns it)\n"
              << r.report;
    return 0;
  }
  switch (r.outcome) {
    case Outcome::Interrupted:
      std::cerr << "relulab: " << r.reason << "; checkpoint saved in " << r.dir.string()
                << "\n  resume with: " << resume_command(o) << "\n";
      break;
    case Outcome::Stopped:
      std::cout << ex.name << ": stopped: " << r.reason << ", in " << r.wall_seconds
                << " s (a result: final weights and summary written)\n  run directory: " << r.dir.string() << "\n"
                << r.report;
      break;
    case Outcome::Diverged:
      std::cout << ex.name << ": diverged: " << r.reason << "\n  run directory: " << r.dir.string()
                << " (metrics.csv keeps the last finite values)\n";
      break;
    default:
      std::cout << ex.name << ": completed in " << r.wall_seconds << " s\n  run directory: " << r.dir.string() << "\n"
                << r.report;
  }
  return exit_code(r.outcome, g_stop_signal.load());
}

int search_command(const RawExperiment& raw, const Options& o, Registry& registry) {
  SweepOptions so;
  so.jobs = o.jobs;
  so.fresh = o.fresh;
  so.progress = !o.quiet;
  so.stop_signal = &g_stop_signal;
  if (!o.out.empty()) so.dir = o.out;
  catch_stop_signals();
  const SearchResult r = run_search(raw, registry, so);
  record_folder(o, r.dir);
  std::cout << "search: " << r.message << "\n  points (" << r.points.size() << "):";
  for (const auto& p : r.points) std::cout << " " << format_number(p.value) << (p.satisfied ? "+" : "-");
  std::cout << "  (+: criterion holds)\n  folder: " << r.dir.string() << " (search.csv, search.png, round-*/)\n";
  if (r.interrupted) return exit_code(Outcome::Interrupted, g_stop_signal.load());
  return r.bracket ? 0 : 1;
}

int run_command(const Options& o, Registry& registry) {
  const RawExperiment raw = load_raw(o);
  if (has_search(raw) && o.dry_run) {
    std::cout << o.file << ": valid, " << describe_search(raw, registry) << "\n";
    return 0;
  }
  if (has_search(raw)) return search_command(raw, o, registry);
  if (has_sweep(raw) || o.dry_run) return sweep_command(raw, o, registry);
  ResourceEstimate estimate;
  const Experiment ex = validate_and_build(raw, registry, &estimate);
  RunOptions opt;
  opt.run_dir = o.out;
  opt.fresh = o.fresh;
  opt.progress = !o.quiet;
  opt.stop_signal = &g_stop_signal;
  const fs::path dir = opt.run_dir.empty() ? default_run_dir(ex) : opt.run_dir;
  record_folder(o, dir);
  if (auto warning = disk_warning(estimate, free_disk_bytes(dir), dir.string()))
    std::cerr << "relulab: warning: " << *warning << "\n";
  catch_stop_signals();
  return report_run(ex, run_experiment(ex, opt), o);
}

// Each check on a line; exit 1 when any failed.
int check_plugin_command(const Options& o, Registry& registry) {
  const LoadedPlugin* plugin = registry.find_any(o.plugin_name);
  if (!plugin) {
    std::cerr << "relulab: no plugin called '" << o.plugin_name << "'; `relulab plugins` lists them\n";
    return 1;
  }
  const PluginDescriptor& d = plugin->descriptor;
  std::cout << d.name << " (" << kind_name(d.kind) << " plugin, " << plugin->path.string() << ")\n";
  int failures = 0;
  for (const auto& c : check_contracts(registry, *plugin, {o.sets, {}})) {
    std::cout << "  " << verdict_text(c.verdict) << "  " << c.name << (c.detail.empty() ? "" : ": " + c.detail) << "\n";
    failures += c.verdict == ContractCheck::Verdict::Failed;
  }
  std::cout << (failures ? std::to_string(failures) + " check(s) failed\n" : "every check passed\n");
  return failures ? 1 : 0;
}

int status_command(const Options& o) {
  std::cout << format_status(o.status_dir, folder_status(o.status_dir));
  return 0;
}

// The path of this executable, for the job script (a login node's PATH may not be a compute node's).
std::string this_executable() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("relulab") : self.string();
}

int dispatch(const Subcommands& s, Options& o, Registry& registry) {
  if (*s.status) return status_command(o);
  if (*s.submit) return submit_command(o.submit, registry, this_executable());
  if (*s.check) return check_plugin_command(o, registry);
  if (*s.plugins) return *s.describe ? describe_plugin(registry, o.plugin_name) : (print_plugin_list(registry), 0);
  if (*s.validate) return validate_command(o, registry);
  if (*s.plot) return plot_command(o);
  if (*s.diff) return diff_command(o);
  if (*s.table) return table_command(o);
  return run_command(o, registry);
}

}  // namespace

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) must surface as a write error with a
  // message, not as SIGXFSZ killing the process mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  MpiSession mpi(argc, argv);
  CLI::App app{"relulab: training dynamics of two-layer networks, composed from plugins"};
  app.set_version_flag("--version", std::string("relulab ") + kVersion + " (" + git_commit() + ")");
  app.require_subcommand(1);
  app.fallthrough();  // options of the command itself (--plugin-path) are taken after a subcommand too
  Options o;
  app.add_option("--plugin-path", o.plugin_paths, "extra plugin folder (searched first; repeatable)");
  const Subcommands s = declare_others(app, o, declare_run(app, o, {}));
  CLI11_PARSE(app, argc, argv);
  o.jobs_given = s.run->count("--jobs") > 0;
  try {
    Registry registry;
    for (const auto& p : o.plugin_paths) registry.add_search_dir(p, "--plugin-path");
    registry.add_default_search_dirs();
    registry.scan();
    return dispatch(s, o, registry);
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "relulab: " << e.what() << "\n";
    return 2;
  }
}
