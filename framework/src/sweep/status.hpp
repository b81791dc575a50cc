// `relulab status DIR`: what a run, sweep or search folder holds, read from the
// folder alone (so it works on a shared filesystem while the jobs run
// elsewhere): cells completed, stopped, diverged, failed, running (with their
// last iteration and rate), interrupted and not started, which worker ran
// each, and an estimate of the time left from the measured rates.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace relulab::host {

struct CellStatus {
  std::size_t index = 0;
  std::filesystem::path dir;
  std::string state;  // completed, stopped, diverged, failed, running, interrupted, not started
  std::string reason;  // failed, diverged, stopped: why
  std::string worker;  // "shard 1/3 on node7 (Slurm 4242_1)", from worker.json; empty if never started
  double wall_seconds = 0;  // finished: the run's; running or interrupted: at the last checkpoint
  std::optional<std::uint64_t> iteration, horizon;  // the last checkpoint's iteration; the optimizer's iterations
  double rate = 0;  // iterations per second at the last checkpoint
};

struct FolderStatus {
  std::string kind;  // run, sweep or search
  std::vector<CellStatus> cells;
  std::optional<double> eta_seconds;  // from the measured rates; none before any cell has a rate
};

// Throws std::runtime_error for a folder that is none of the three kinds.
// `heartbeat` is how long a cell may go without writing a checkpoint before
// it counts as interrupted rather than running (default: three checkpoint intervals).
FolderStatus folder_status(const std::filesystem::path& dir, double heartbeat_seconds = 0);
// One screen: the counts, then one line per cell that is not finished.
std::string format_status(const std::filesystem::path& dir, const FolderStatus& status);

// The worker description a sweep cell records before it starts (worker.json): the shard or MPI rank,
// the host, the pid and Slurm's job and task ids when it runs under Slurm.
std::string worker_json(const std::string& role);

}  // namespace relulab::host
