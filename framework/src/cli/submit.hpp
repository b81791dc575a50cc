// `relulab submit FILE --slurm`: a sweep as a Slurm job array. It writes the
// array's batch script into the sweep folder (<folder>/slurm/job.sh) and
// submits it with sbatch. Each array task runs its shard of the cells
// (--shard i/K) and, on the signal Slurm sends before the time limit,
// checkpoints and requeues itself until its shard is done or the requeue
// limit is reached. docs/cluster.md is the user's page.
#pragma once

#include "config/config.hpp"
#include "registry/registry.hpp"

#include <string>
#include <vector>

namespace relulab::host {

struct SubmitOptions {
  std::string file;
  std::vector<std::string> sets;
  std::string out;  // the sweep folder (default: the sweep's own, made absolute)
  // Flags; each overrides the [slurm] table's key of the same name, which overrides the default.
  unsigned tasks = 0;  // array size (default: the cells, at most 16)
  std::string time, partition, mem;
  unsigned cpus = 0, jobs = 0;  // cpus per task; cells each task runs at once (default: its cpus)
  int max_requeues = -1;
  unsigned signal_seconds = 0;  // how long before the limit Slurm warns the task
  bool no_submit = false;  // write the script, print the sbatch command, submit nothing
};

// Returns the exit status. Throws ConfigError (located) for bad [slurm] keys,
// std::runtime_error for a missing sbatch or a refusal by the cluster.
int submit_command(const SubmitOptions& options, Registry& registry, const std::string& relulab_exe);

}  // namespace relulab::host
