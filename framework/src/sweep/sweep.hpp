// Sweeps: the [sweep] table expands an experiment into cells, each validated
// before any runs; cells run in parallel, resume, and are summarised in a table.
//
//   [sweep]
//   "data.n" = { logspace = [10, 100_000, 13] }   # integers when both ends are
//   "experiment.seed" = { range = [0, 3] }        # 0, 1, 2
//   "model.init" = ["gaussian", "balanced"]
//   optimizer = [{ plugin = "sgd", lr = 0.01 }, { plugin = "gradient_flow", end_time = 10.0 }]
//   [[sweep.zip]]                                  # keys that vary together: one axis
//   "data.n" = [100, 1000]
//   "optimizer.iterations" = [10_000, 100_000]
//
// The cells are the cartesian product of the axes, the first axis varying slowest.
#pragma once

#include "config/config.hpp"
#include "run/outcome.hpp"
#include "run/runner.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace relulab::host {

struct Cell {
  std::size_t index = 0;
  std::vector<std::pair<std::string, std::string>> labels;  // swept key -> value as written
  Experiment experiment;
  std::filesystem::path dir;
};

struct Sweep {
  std::string name;
  std::string hash;
  std::filesystem::path dir;
  std::vector<std::string> keys;  // the swept keys, in axis order
  std::vector<std::string> log_keys;  // those written as { logspace = [...] }
  std::vector<Cell> cells;
};

bool has_sweep(const RawExperiment& raw);

// The most cells one sweep may have, and the most values one sweep helper
// may produce. Every cell is expanded and validated up front (~0.1 ms and a
// few KiB each, measured: 999 000 cells took 2 min and gigabytes), so 10^5 is
// ~10 s before anything runs; the paper's sweeps have ten to thirty cells.
inline constexpr std::size_t kMaxCells = 100'000;

// Expands and validates every cell (throws ConfigError naming the cell, or
// when there would be more than max_cells).
Sweep expand_sweep(const RawExperiment& raw, Registry& registry, std::size_t max_cells = kMaxCells);

// Hands out cell slots to workers: an atomic counter on one machine; an MPI
// one-sided fetch-and-add on rank 0 across ranks (mpi_queue.cpp).
class WorkQueue {
 public:
  virtual ~WorkQueue() = default;
  virtual std::size_t take() = 0;  // the next slot, 0, 1, 2, ... across every worker
  virtual void barrier() {}
  virtual int rank() const { return 0; }
  virtual int ranks() const { return 1; }
};

// The MPI queue when relulab runs under mpirun and was built with MPI, else null.
std::unique_ptr<WorkQueue> make_mpi_queue();

struct SweepOptions {
  unsigned jobs = 1;
  std::size_t shard_index = 0, shard_count = 1;  // run cells with index % count == index
  bool fresh = false;
  bool progress = true;
  std::filesystem::path dir;  // default: <output>/<name>-<hash>
  const std::atomic<int>* stop_signal = nullptr;
  WorkQueue* queue = nullptr;  // null: a local counter
  bool retry_failed_only = false;  // --retry failed: only the cells a summary lists as failed
};

struct CellOutcome {
  Outcome outcome = Outcome::NotRun;
  std::string reason;  // why it diverged or failed
  std::vector<std::string> columns;
  std::vector<double> final_values;
};

struct SweepResult {
  std::vector<CellOutcome> outcomes;  // one per cell
  bool interrupted = false;
  double wall_seconds = 0;
};

SweepResult run_sweep(Sweep& sweep, const SweepOptions& options);

}  // namespace relulab::host
