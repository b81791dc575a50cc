// Running a sweep: the folder and its manifest, worker threads that take
// cells from a queue (shared across MPI ranks), one progress line, and the
// sweep's own summary once every worker has left.
#include "sweep/sweep.hpp"

#include "io/output.hpp"
#include "cli/progress.hpp"
#include "run/summary.hpp"
#include "cli/diff.hpp"
#include "sweep/status.hpp"
#include "sweep/sweep_table.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace relulab::host {

namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

class LocalQueue final : public WorkQueue {
 public:
  std::size_t take() override { return next_.fetch_add(1); }

 private:
  std::atomic<std::size_t> next_{0};
};

// The manifest: what the sweep is, so `relulab table` can read it (and merge shards) later.
void write_manifest(const Sweep& sweep) {
  Json manifest;
  manifest["name"] = sweep.name;
  manifest["hash"] = sweep.hash;
  manifest["keys"] = sweep.keys;
  manifest["log_keys"] = sweep.log_keys;
  for (const auto& c : sweep.cells) {
    Json cell;
    cell["index"] = c.index;
    cell["dir"] = fs::relative(c.dir, sweep.dir).string();
    cell["hash"] = c.experiment.hash;
    for (const auto& [k, v] : c.labels) cell["labels"][k] = v;
    manifest["cells"].push_back(cell);
  }
  write_file_atomic(sweep.dir / "sweep.json", manifest.dump(2) + "\n", shared_tmp_suffix());  // shards write it at once
}

CellOutcome run_cell(const Cell& cell, const SweepOptions& options, const std::string& worker) {
  CellOutcome out;
  std::ostringstream cell_log;
  try {
    // Who runs the cell, for `relulab status` (not a result: no output file depends on it).
    if (!fs::exists(cell.dir / "summary.json")) {
      create_output_directory(cell.dir);
      write_file_atomic(cell.dir / "worker.json", worker_json(worker));
    }
    RunOptions ro;
    ro.run_dir = cell.dir;
    ro.fresh = options.fresh;
    ro.progress = false;
    ro.log = &cell_log;
    ro.stop_signal = options.stop_signal;
    const RunResult r = run_experiment(cell.experiment, ro);
    out.outcome = r.outcome;
    out.reason = r.already_done ? "" : r.reason;
    out.columns = r.columns;
    out.final_values = r.final_values;
  } catch (const std::exception& e) {
    out.outcome = Outcome::Failed;
    out.reason = e.what();
  }
  return out;
}

double seconds_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

class SweepRun {
 public:
  SweepRun(Sweep& sweep, const SweepOptions& options)
      : sweep_(sweep),
        options_(options),
        queue_(options.queue ? *options.queue : local_),
        leader_(queue_.rank() == 0),  // writes the sweep's own files
        progress_(std::cerr, options.progress, 0.5, 10.0) {}

  SweepResult execute() {
    open_folder();
    queue_.barrier();  // every rank sees the folder before it runs a cell
    const auto failed = options_.retry_failed_only ? listed_failed() : std::set<std::string>{};
    for (const auto& c : sweep_.cells)
      if (c.index % options_.shard_count == options_.shard_index &&
          (!options_.retry_failed_only ||
           (failed.count(c.dir.filename().string()) && !fs::exists(c.dir / "summary.json"))))
        todo_.push_back(c.index);
    result_.outcomes.resize(sweep_.cells.size());
    run_workers();
    if (queue_.ranks() > 1) write_rank_record();
    queue_.barrier();
    if (leader_) write_sweep_summary();
    return result_;
  }

 private:
  // One process per sweep (per shard: Slurm array tasks share the folder
  // legitimately, each with its own cells); MPI ranks share the leader's.
  void open_folder() {
    if (!leader_) return;
    create_output_directory(sweep_.dir);
    refuse_other_kind(sweep_.dir, FolderKind::Sweep, options_.fresh);
    refuse_other_sweep();
    create_output_directory(sweep_.dir / "cells");
    const bool sharded = options_.shard_count > 1;
    const std::string shard = std::to_string(options_.shard_index);
    lock_.emplace(sweep_.dir, sharded ? ".lock.shard" + shard : std::string(".lock"),
                  sharded ? "shard " + shard + " of this sweep" : std::string("this sweep"));
    write_manifest(sweep_);
  }

  // A folder holding another sweep (its manifest's hash differs) would get
  // this sweep's manifest, table and summary over the other's cells: refused,
  // or with --fresh emptied of the other sweep's files first.
  void refuse_other_sweep() const {
    const fs::path manifest = sweep_.dir / "sweep.json";
    if (!fs::exists(manifest)) return;
    std::string hash;
    try {
      hash = Json::parse(read_file(manifest)).value("hash", "");
    } catch (const std::exception&) {  // unreadable: treated as another sweep's
    }
    if (hash == sweep_.hash) return;
    if (!options_.fresh)
      throw OutputError(sweep_.dir.string() + " holds the results of a different sweep (sweep.json's hash " +
                        (hash.empty() ? std::string("unreadable") : hash) + ", this sweep's " + sweep_.hash + ")" +
                        what_changed(manifest) +
                        "; choose another --out (the old results stay), or --fresh to discard them and start over");
    for (const char* f : {"sweep.json", "table.csv", "summary.json"}) fs::remove(sweep_.dir / f);
    fs::remove_all(sweep_.dir / "cells");
  }

  // The keys that differ between a cell the folder's sweep started (its config.toml) and the same cell of
  // this sweep: what the user changed in the experiment file since.
  std::string what_changed(const fs::path& manifest) const {
    const Json old = Json::parse(read_file(manifest), nullptr, false);
    if (old.is_discarded() || !old.contains("cells")) return "";
    const auto& cells = old["cells"];
    for (std::size_t i = 0; i < cells.size() && i < sweep_.cells.size(); ++i) {
      const fs::path config = sweep_.dir / cells[i].value("dir", "") / "config.toml";
      if (!fs::exists(config)) continue;
      const auto differences = config_differences(toml::parse_file(config.string()), sweep_.cells[i].experiment.resolved);
      if (differences.empty()) continue;
      std::string keys;
      for (std::size_t k = 0; k < differences.size() && k < 8; ++k)
        keys += (k ? "; " : "") + differences[k].key + ": " + differences[k].left + " -> " + differences[k].right;
      if (differences.size() > 8) keys += "; ... (" + std::to_string(differences.size()) + " keys)";
      return ". Since it started, the experiment changed (cell " + std::to_string(i) + "): " + keys;
    }
    return ". No cell of it has started, so --fresh loses nothing";
  }

  // --retry failed: the cells (folder names) the sweep's summaries, one per shard, list as failed; those
  // that have not finished since are run, and completed, stopped, diverged and never-started cells are not.
  std::set<std::string> listed_failed() const {
    std::set<std::string> failed;
    for (const auto& entry : fs::directory_iterator(sweep_.dir)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("summary", 0) != 0 || entry.path().extension() != ".json") continue;
      const Json s = Json::parse(read_file(entry.path()), nullptr, false);
      if (!s.is_discarded() && s.contains("failed"))
        for (const auto& f : s["failed"]) failed.insert(fs::path(f.value("dir", "")).filename().string());
    }
    return failed;
  }

  std::string worker_role() const {
    if (queue_.ranks() > 1) return "rank " + std::to_string(queue_.rank()) + " of " + std::to_string(queue_.ranks());
    if (options_.shard_count > 1)
      return "shard " + std::to_string(options_.shard_index) + "/" + std::to_string(options_.shard_count);
    return "local";
  }

  bool stopping() const {
    return stop_requested_.load() || (options_.stop_signal && options_.stop_signal->load() != 0);
  }

  std::optional<std::size_t> take() {
    std::lock_guard<std::mutex> lock(queue_mutex_);  // MPI ranks call take() from one thread at a time
    const std::size_t slot = queue_.take();
    return slot < todo_.size() ? std::optional<std::size_t>(todo_[slot]) : std::nullopt;
  }

  void work() {
    while (!stopping()) {
      const auto index = take();
      if (!index) return;
      ++running_;
      const auto t0 = SteadyClock::now();
      CellOutcome out = run_cell(sweep_.cells[*index], options_, worker_role());
      if (out.outcome == Outcome::Interrupted) stop_requested_ = true;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        result_.outcomes[*index] = std::move(out);
        ran_here_.push_back(*index);
        busy_seconds_ += seconds_since(t0);
      }
      --running_;
      ++done_;
    }
  }

  void run_workers() {
    const auto started = SteadyClock::now();
    const std::size_t cells = std::max<std::size_t>(1, todo_.size());
    jobs_ = std::max(1u, std::min<unsigned>(options_.jobs, static_cast<unsigned>(cells)));
    std::vector<std::thread> threads;
    for (unsigned j = 0; j < jobs_; ++j)
      threads.emplace_back([this] {
        work();
        ++finished_workers_;
      });
    // Workers leave when the queue runs dry or a stop is requested; this loop only reports.
    while (finished_workers_.load() < jobs_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (options_.stop_signal && options_.stop_signal->load() != 0) stop_requested_ = true;
      progress_.show(seconds_since(started), progress_line(seconds_since(started)));
    }
    for (auto& t : threads) t.join();
    progress_.finish();
    result_.interrupted = stopping();
    result_.wall_seconds = seconds_since(started);
  }

  std::string progress_line(double elapsed) {
    const std::size_t d = done_.load(), r = running_.load();
    char buf[200];
    if (queue_.ranks() > 1) {
      std::snprintf(buf, sizeof buf, "%s (rank %d of %d): %zu cells done here, %zu running, elapsed %s",
                    sweep_.name.c_str(), queue_.rank(), queue_.ranks(), d, r, format_duration(elapsed).c_str());
      return buf;
    }
    double mean = NAN;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!ran_here_.empty()) mean = busy_seconds_ / static_cast<double>(ran_here_.size());
    }
    const std::size_t left = todo_.size() - d - r;
    const double eta = mean * (static_cast<double>(left) + 0.5 * static_cast<double>(r)) / jobs_;
    std::snprintf(buf, sizeof buf, "%s: %zu/%zu cells done, %zu running, %zu left, elapsed %s, left ~%s",
                  sweep_.name.c_str(), d, todo_.size(), r, left, format_duration(elapsed).c_str(),
                  format_duration(eta).c_str());
    return buf;
  }

  // Which cells this process ran: with several ranks, proof that none ran twice.
  void write_rank_record() {
    std::sort(ran_here_.begin(), ran_here_.end());
    write_file_atomic(sweep_.dir / ("rank" + std::to_string(queue_.rank()) + ".json"), Json(ran_here_).dump() + "\n");
  }

  // A cell's status for the sweep's summary: from its summary on disk (so cells
  // run by other ranks or shards count), else from this process's outcome.
  std::pair<std::string, std::string> cell_status(const Cell& c) {
    CellOutcome& mine = result_.outcomes[c.index];
    if (!fs::exists(c.dir / "summary.json"))
      return {mine.outcome == Outcome::NotRun ? "pending" : outcome_name(mine.outcome), mine.reason};
    const RunSummary s = read_summary(c.dir, {});
    if (queue_.ranks() > 1 && mine.outcome == Outcome::NotRun) mine = CellOutcome{s.outcome, s.reason, {}, {}};
    return {outcome_name(s.outcome), s.reason};
  }

  void write_sweep_summary() {
    write_file_atomic(sweep_.dir / "table.csv", format_csv(sweep_table(sweep_.dir)), shared_tmp_suffix());
    Json summary;
    summary["name"] = sweep_.name;
    summary["cells"] = sweep_.cells.size();
    std::map<std::string, int> counts;
    for (const auto& c : sweep_.cells) {
      const auto [status, reason] = cell_status(c);
      summary["status"][status] = ++counts[status];
      if (status == "diverged" || status == "failed")
        summary[status].push_back({{"cell", c.index}, {"dir", c.dir.string()}, {"reason", reason}});
    }
    const bool sharded = options_.shard_count > 1;
    write_file_atomic(sweep_.dir / (sharded ? "summary.shard" + std::to_string(options_.shard_index) + ".json"
                                            : std::string("summary.json")),
                      summary.dump(2) + "\n");
  }

  Sweep& sweep_;
  const SweepOptions& options_;
  LocalQueue local_;
  WorkQueue& queue_;
  bool leader_;
  ProgressPrinter progress_;
  std::optional<DirectoryLock> lock_;
  std::vector<std::size_t> todo_;
  SweepResult result_;
  unsigned jobs_ = 1;
  std::atomic<std::size_t> done_{0}, running_{0};
  std::atomic<unsigned> finished_workers_{0};
  std::atomic<bool> stop_requested_{false};
  std::mutex queue_mutex_, mutex_;
  std::vector<std::size_t> ran_here_;
  double busy_seconds_ = 0;  // wall time of the cells run here, for the estimate
};

}  // namespace

SweepResult run_sweep(Sweep& sweep, const SweepOptions& options) {
  if (!options.dir.empty()) {
    sweep.dir = options.dir;
    for (auto& c : sweep.cells) c.dir = sweep.dir / "cells" / c.dir.filename();
  }
  return SweepRun(sweep, options).execute();
}

}  // namespace relulab::host
