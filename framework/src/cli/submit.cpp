#include "cli/submit.hpp"

#include "io/output.hpp"
#include "sweep/search.hpp"
#include "sweep/sweep.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>

namespace relulab::host {

namespace {

using Json = nlohmann::json;

struct SlurmSettings {
  unsigned tasks = 0, cpus = 1, jobs = 0, signal_seconds = 120;
  int max_requeues = 3;
  std::string time = "01:00:00", partition, mem;
  std::vector<std::string> sbatch;  // extra #SBATCH lines, written as given
};

std::string slurm_at(const RawExperiment& raw, const std::string& key) {
  const toml::node* n = raw.doc.at_path("slurm." + key).node();
  const toml::source_region src = n ? n->source() : raw.doc.get("slurm")->source();
  return Location{src.path ? *src.path : raw.file.string(), src.begin.line, src.begin.column, ""}.text() +
         ": [slurm] " + key + ": ";
}

unsigned slurm_count(const RawExperiment& raw, const toml::table& t, const std::string& key, unsigned lo, unsigned def) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  const auto v = n->value<std::int64_t>();
  if (!v || *v < lo || *v > 100000) throw ConfigError(slurm_at(raw, key) + "expected an integer from " + std::to_string(lo));
  return static_cast<unsigned>(*v);
}

std::string slurm_text(const RawExperiment& raw, const toml::table& t, const std::string& key, const std::string& def) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  const auto v = n->value<std::string>();
  if (!v || v->empty() || v->find_first_of("\n\r") != std::string::npos)
    throw ConfigError(slurm_at(raw, key) + "expected a non-empty string on one line");
  return *v;
}

// The [slurm] table of the experiment file (not part of the configuration: it does not change the sweep's
// hash), checked key by key.
SlurmSettings read_slurm_table(const RawExperiment& raw) {
  SlurmSettings s;
  const toml::node* node = raw.doc.get("slurm");
  if (!node) return s;
  const toml::table* t = node->as_table();
  if (!t) throw ConfigError(slurm_at(raw, "") + "expected a table [slurm]");
  static const std::vector<std::string> known = {"tasks", "time", "partition", "cpus", "mem",
                                                 "jobs",  "max_requeues", "signal_seconds", "sbatch"};
  for (auto&& [k, v] : *t)
    if (std::find(known.begin(), known.end(), std::string(k.str())) == known.end()) {
      const std::string guess = did_you_mean(std::string(k.str()), known);
      throw ConfigError(slurm_at(raw, std::string(k.str())) + "unknown key" +
                        (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
    }
  s.tasks = slurm_count(raw, *t, "tasks", 1, 0);
  s.cpus = slurm_count(raw, *t, "cpus", 1, 1);
  s.jobs = slurm_count(raw, *t, "jobs", 1, 0);
  s.max_requeues = static_cast<int>(slurm_count(raw, *t, "max_requeues", 0, 3));
  s.signal_seconds = slurm_count(raw, *t, "signal_seconds", 10, 120);
  s.time = slurm_text(raw, *t, "time", s.time);
  s.partition = slurm_text(raw, *t, "partition", "");
  s.mem = slurm_text(raw, *t, "mem", "");
  if (const toml::node* extra = t->get("sbatch")) {
    const toml::array* a = extra->as_array();
    if (!a) throw ConfigError(slurm_at(raw, "sbatch") + "expected a list of sbatch options, e.g. [\"--qos=long\"]");
    for (const auto& item : *a) {
      const auto v = item.value<std::string>();
      if (!v || v->rfind("--", 0) != 0 || v->find('\n') != std::string::npos)
        throw ConfigError(slurm_at(raw, "sbatch") + "each entry is one sbatch option starting with --");
      s.sbatch.push_back(*v);
    }
  }
  return s;
}

SlurmSettings slurm_settings(const RawExperiment& raw, const SubmitOptions& o, std::size_t cells) {
  SlurmSettings s = read_slurm_table(raw);
  if (o.tasks) s.tasks = o.tasks;
  if (!o.time.empty()) s.time = o.time;
  if (!o.partition.empty()) s.partition = o.partition;
  if (!o.mem.empty()) s.mem = o.mem;
  if (o.cpus) s.cpus = o.cpus;
  if (o.jobs) s.jobs = o.jobs;
  if (o.max_requeues >= 0) s.max_requeues = o.max_requeues;
  if (o.signal_seconds) s.signal_seconds = o.signal_seconds;
  if (!s.tasks) s.tasks = static_cast<unsigned>(std::min<std::size_t>(cells, 16));
  s.tasks = static_cast<unsigned>(std::min<std::size_t>(s.tasks, cells));  // a task with no cell would idle
  if (!s.jobs) s.jobs = s.cpus;
  return s;
}

// Single quotes for the shell: 'it'\''s'.
std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string job_script(const SlurmSettings& s, const std::string& name, const fs::path& folder,
                       const std::string& command) {
  std::ostringstream o;
  o << "#!/bin/bash\n"
    << "#SBATCH --job-name=relulab-" << name << "\n"
    << "#SBATCH --array=0-" << s.tasks - 1 << "\n"
    << "#SBATCH --time=" << s.time << "\n"
    << "#SBATCH --cpus-per-task=" << s.cpus << "\n";
  if (!s.mem.empty()) o << "#SBATCH --mem=" << s.mem << "\n";
  if (!s.partition.empty()) o << "#SBATCH --partition=" << s.partition << "\n";
  o << "#SBATCH --signal=B:USR1@" << s.signal_seconds << "\n"
    << "#SBATCH --requeue\n#SBATCH --open-mode=append\n"
    << "#SBATCH --output=" << (folder / "slurm" / "task-%a.log").string() << "\n";
  for (const auto& extra : s.sbatch) o << "#SBATCH " << extra << "\n";
  o << R"SH(# Written by `relulab submit` (docs/cluster.md). Each array task runs its shard of the sweep. Slurm
# sends USR1 to this script )SH" << s.signal_seconds << R"SH( s before the time limit: relulab checkpoints and exits,
# and unless the shard is done the task requeues itself, up to the limit below; the requeued task
# resumes from the checkpoints. A node that dies mid-cell is requeued by Slurm and resumes the same way.
max_requeues=)SH" << s.max_requeues << R"SH(
echo "relulab: task ${SLURM_ARRAY_TASK_ID} of job ${SLURM_ARRAY_JOB_ID} on $(hostname), attempt $((${SLURM_RESTART_COUNT:-0} + 1)), started $(date -u +%FT%T.%3NZ)"
)SH" << command << R"SH( &
pid=$!
signalled=0
on_signal() { signalled=1; kill -TERM "$pid" 2> /dev/null; }
trap on_signal USR1 TERM
wait "$pid"; status=$?
while kill -0 "$pid" 2> /dev/null; do wait "$pid"; status=$?; done  # a signal interrupts wait, not the run
echo "relulab: attempt ended $(date -u +%FT%T.%3NZ), exit status $status"
if [ "$signalled" = 1 ] && [ "$status" -ne 0 ]; then
  if [ "${SLURM_RESTART_COUNT:-0}" -lt "$max_requeues" ]; then
    echo "relulab: checkpointed before the time limit; requeueing (requeue $((${SLURM_RESTART_COUNT:-0} + 1)) of $max_requeues)"
    scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
  else
    echo "relulab: checkpointed; the requeue limit ($max_requeues) is reached: relulab submit again to continue"
  fi
fi
exit "$status"
)SH";
  return o.str();
}

// Runs a command through the shell; its standard output and error together, and its exit status.
std::pair<int, std::string> run_shell(const std::string& command) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return {127, "cannot start a shell"};
  std::string out;
  char buf[4096];
  while (std::size_t got = std::fread(buf, 1, sizeof buf, p)) out.append(buf, got);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, out};
}

bool on_path(const std::string& program) { return run_shell("command -v " + program + " > /dev/null").first == 0; }

std::string without_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A submission of this folder that Slurm still lists (pending or running) is refused: two arrays over one
// folder would run every shard twice at once.
void refuse_if_still_queued(const fs::path& folder) {
  const fs::path record = folder / "slurm" / "job.json";
  if (!fs::exists(record) || !on_path("squeue")) return;
  const Json job = Json::parse(read_file(record), nullptr, false);
  if (job.is_discarded() || !job.contains("job_id")) return;
  const std::string id = job["job_id"].get<std::string>();
  const auto [status, out] = run_shell("squeue -h -j " + shell_quoted(id) + " -o %i");
  if (status == 0 && !without_newline(out).empty())
    throw std::runtime_error("job " + id + " of an earlier `relulab submit` of " + folder.string() +
                             " is still queued or running (squeue -j " + id + "); two arrays on one folder would "
                             "run each shard twice. Wait for it (relulab status " + folder.string() +
                             "), or cancel it (scancel " + id + ") and submit again: the cells resume");
}

std::string task_command(const SubmitOptions& o, const std::string& exe, const fs::path& folder,
                        const SlurmSettings& s) {
  std::string cmd = shell_quoted(exe) + " run " + shell_quoted(fs::absolute(o.file).string());
  for (const auto& set : o.sets) cmd += " --set " + shell_quoted(set);
  return cmd + " --out " + shell_quoted(folder.string()) + " --shard \"${SLURM_ARRAY_TASK_ID}/" +
         std::to_string(s.tasks) + "\" --jobs " + std::to_string(s.jobs) + " --quiet";
}

}  // namespace

int submit_command(const SubmitOptions& o, Registry& registry, const std::string& exe) {
  RawExperiment raw = parse_experiment_file(o.file);
  for (const auto& s : o.sets) apply_override(raw, s);
  if (has_search(raw))
    throw ConfigError(o.file + ": a [search] chooses its points round by round, so it is not an array of known "
                               "cells: run it in one job (sbatch --wrap 'relulab run " + o.file + " --jobs N')");
  const Sweep sweep = expand_sweep(raw, registry);  // every cell validated before anything is written
  const SlurmSettings s = slurm_settings(raw, o, sweep.cells.size());
  const fs::path folder = fs::absolute(o.out.empty() ? sweep.dir : fs::path(o.out));
  create_output_directory(folder / "slurm");
  refuse_if_still_queued(folder);
  const fs::path script = folder / "slurm" / "job.sh";
  write_file_atomic(script, job_script(s, sweep.name, folder, task_command(o, exe, folder, s)));
  const std::string sbatch = "sbatch --parsable " + shell_quoted(script.string());
  if (o.no_submit) {
    std::cout << "wrote " << script.string() << " (" << s.tasks << " tasks over " << sweep.cells.size()
              << " cells)\n  submit with: " << sbatch << "\n";
    return 0;
  }
  if (!on_path("sbatch"))
    throw std::runtime_error("sbatch is not on PATH: this machine cannot submit to Slurm. The job script is written: " +
                             script.string() + "; submit it from a login node with `" + sbatch +
                             "`, or run the sweep here with relulab run");
  const auto [status, out] = run_shell(sbatch);
  if (status != 0)
    throw std::runtime_error("the cluster refused the job (sbatch exited " + std::to_string(status) + "): " +
                             without_newline(out) + "\n  the script is " + script.string() +
                             "; nothing ran and no result was touched (check the partition, time and memory with "
                             "sinfo, or set them with --partition, --time, --mem)");
  const std::string id = without_newline(out).substr(0, without_newline(out).find(';'));
  Json record = {{"job_id", id}, {"tasks", s.tasks}, {"cells", sweep.cells.size()}, {"time", s.time},
                 {"max_requeues", s.max_requeues}, {"submitted", static_cast<std::int64_t>(std::time(nullptr))}};
  write_file_atomic(folder / "slurm" / "job.json", record.dump(2) + "\n");
  std::cout << "submitted Slurm job " << id << ": " << s.tasks << " tasks over " << sweep.cells.size()
            << " cells, each task limited to --time=" << s.time << " and requeued up to " << s.max_requeues
            << " times\n"
            << "  progress: relulab status " << folder.string() << "\n"
            << "  logs:     " << (folder / "slurm").string() << "/task-<i>.log\n"
            << "  cancel:   scancel " << id << "\n";
  return 0;
}

}  // namespace relulab::host
