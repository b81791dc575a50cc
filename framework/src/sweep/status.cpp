#include "sweep/status.hpp"

#include "io/output.hpp"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace relulab::host {

namespace {

using Json = nlohmann::json;

// Seconds since the newest of these files was written; infinity when none exists (yet, or any more).
double seconds_since_written(std::initializer_list<fs::path> files) {
  double newest = INFINITY;
  for (const auto& p : files) {
    std::error_code ec;  // a file being replaced or not yet written is skipped, not an error
    const auto written = fs::last_write_time(p, ec);
    if (!ec) newest = std::min(newest, std::chrono::duration<double>(fs::file_time_type::clock::now() - written).count());
  }
  return newest;
}

Json read_status_json(const fs::path& p) {
  try {
    return Json::parse(read_file(p));
  } catch (const std::exception&) {
    return Json();  // being rewritten (atomically) or damaged: treated as absent
  }
}

// The failed cells (folder names) a sweep's summaries list, one summary per shard, with their reasons.
std::map<std::string, std::string> failed_cells(const fs::path& sweep) {
  std::map<std::string, std::string> failed;
  for (const auto& entry : fs::directory_iterator(sweep)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("summary", 0) != 0 || entry.path().extension() != ".json") continue;
    const Json s = read_status_json(entry.path());
    if (s.is_object() && s.contains("failed"))
      for (const auto& f : s["failed"]) failed[fs::path(f.value("dir", "")).filename().string()] = f.value("reason", "");
  }
  return failed;
}

std::string describe_worker(const Json& w) {
  if (!w.is_object()) return "";
  std::string s = w.value("role", "");
  if (w.contains("host")) s += (s.empty() ? "" : " ") + std::string("on ") + w.value("host", "");
  if (w.contains("slurm_job")) s += " (Slurm " + w.value("slurm_job", "") + ")";
  return s;
}

// The cell's settings that status needs: the horizon and the checkpoint interval.
struct CellConfig {
  std::optional<std::uint64_t> iterations;
  double checkpoint_seconds = 60;
};

CellConfig cell_config(const fs::path& dir) {
  CellConfig c;
  if (!fs::exists(dir / "config.toml")) return c;
  try {
    const toml::table t = toml::parse_file((dir / "config.toml").string());
    if (auto it = t.at_path("optimizer.iterations").value<std::int64_t>()) c.iterations = static_cast<std::uint64_t>(*it);
    if (auto s = t.at_path("experiment.checkpoint_seconds").value<double>()) c.checkpoint_seconds = *s;
  } catch (const std::exception&) {  // being written: the defaults
  }
  return c;
}

// A cell that has started but has no summary: running if it wrote a checkpoint (or its config, before the
// first checkpoint) within the heartbeat, else interrupted; the checkpoint gives its iteration and rate.
void in_progress(CellStatus& s, double heartbeat) {
  const CellConfig config = cell_config(s.dir);
  s.horizon = config.iterations;
  const double beat = heartbeat > 0 ? heartbeat : 3 * std::max(config.checkpoint_seconds, 10.0) + 30;
  // A cell starts by writing worker.json, then config.toml, then a checkpoint every interval.
  const double quiet = seconds_since_written({s.dir / "checkpoint.bin", s.dir / "config.toml", s.dir / "worker.json"});
  s.state = quiet <= beat ? "running" : "interrupted";
  State state;
  std::string note;
  try {
    if (!read_checkpoint(s.dir, state, note)) return;
  } catch (const std::exception&) {
    return;  // damaged: the run itself will say so when resumed
  }
  s.wall_seconds = state.f64("wall_seconds");
  if (state.has("progress.iteration")) s.iteration = state.u64("progress.iteration");
  if (s.iteration && s.wall_seconds > 0) s.rate = static_cast<double>(*s.iteration) / s.wall_seconds;
}

CellStatus cell_status(std::size_t index, const fs::path& dir, const std::map<std::string, std::string>& failed,
                       const std::string& key, double heartbeat) {
  CellStatus s;
  s.index = index;
  s.dir = dir;
  s.worker = describe_worker(fs::exists(dir / "worker.json") ? read_status_json(dir / "worker.json") : Json());
  if (fs::exists(dir / "summary.json")) {
    const Json summary = read_status_json(dir / "summary.json");
    s.state = summary.is_object() ? summary.value("status", "?") : "?";
    s.reason = summary.is_object() ? summary.value("reason", "") : "";
    s.wall_seconds = summary.is_object() ? summary.value("wall_seconds", 0.0) : 0.0;
    return s;
  }
  if (auto f = failed.find(key); f != failed.end()) {
    s.state = "failed";
    s.reason = f->second;
    return s;
  }
  if (!fs::exists(dir / "config.toml") && !fs::exists(dir / "worker.json")) {
    s.state = "not started";
    return s;
  }
  in_progress(s, heartbeat);
  return s;
}

void add_sweep_cells(const fs::path& sweep, FolderStatus& out, double heartbeat) {
  const Json manifest = read_status_json(sweep / "sweep.json");
  if (!manifest.is_object()) throw std::runtime_error((sweep / "sweep.json").string() + ": unreadable");
  const auto failed = failed_cells(sweep);
  for (const auto& c : manifest["cells"]) {
    const std::string rel = c.value("dir", "");
    out.cells.push_back(cell_status(out.cells.size(), sweep / rel, failed, fs::path(rel).filename().string(), heartbeat));
  }
}

bool finished_state(const std::string& state) { return state == "completed" || state == "stopped" || state == "diverged"; }

// Time left: each running cell's remaining iterations at its rate, and the median finished cell's wall
// time (before any has finished, the median running cell's whole run at its rate) for every cell not yet
// run, shared among the cells running now (at least one worker).
std::optional<double> time_left(const std::vector<CellStatus>& cells) {
  std::vector<double> walls, projected;
  double running_left = 0;
  std::size_t running = 0, waiting = 0;
  for (const auto& c : cells) {
    if (finished_state(c.state) && c.wall_seconds > 0) walls.push_back(c.wall_seconds);
    if (c.state == "running") {
      ++running;
      if (c.rate > 0 && c.iteration && c.horizon && *c.horizon >= *c.iteration) {
        running_left += static_cast<double>(*c.horizon - *c.iteration) / c.rate;
        projected.push_back(static_cast<double>(*c.horizon) / c.rate);  // the whole cell at this rate
      }
    }
    if (c.state == "not started" || c.state == "interrupted" || c.state == "failed") ++waiting;
  }
  if (running == 0 && waiting == 0) return std::nullopt;  // nothing left to run
  if (walls.empty()) walls = projected;  // no cell finished yet: the running ones' projected durations
  if (walls.empty() && running_left == 0) return std::nullopt;
  std::sort(walls.begin(), walls.end());
  const double median = walls.empty() ? 0 : walls[walls.size() / 2];
  if (waiting > 0 && walls.empty()) return std::nullopt;
  return (running_left + median * static_cast<double>(waiting)) / static_cast<double>(std::max<std::size_t>(1, running));
}

}  // namespace

FolderStatus folder_status(const fs::path& dir, double heartbeat) {
  FolderStatus out;
  if (fs::exists(dir / "sweep.json")) {
    out.kind = "sweep";
    add_sweep_cells(dir, out, heartbeat);
  } else if (fs::exists(dir / "search.csv") || fs::exists(dir / "round-0")) {
    out.kind = "search";
    for (int r = 0; fs::exists(dir / ("round-" + std::to_string(r)) / "sweep.json"); ++r)
      add_sweep_cells(dir / ("round-" + std::to_string(r)), out, heartbeat);
  } else if (fs::exists(dir / "config.toml")) {
    out.kind = "run";
    out.cells.push_back(cell_status(0, dir, {}, "", heartbeat));
  } else {
    throw std::runtime_error(dir.string() +
                             ": not a run (config.toml), sweep (sweep.json) or search (search.csv) folder");
  }
  out.eta_seconds = time_left(out.cells);
  return out;
}

std::string format_status(const fs::path& dir, const FolderStatus& status) {
  std::map<std::string, int> counts;
  for (const auto& c : status.cells) ++counts[c.state];
  std::ostringstream out;
  out << status.kind << " " << dir.string() << ": " << status.cells.size() << " cell"
      << (status.cells.size() == 1 ? "" : "s");
  for (const char* s : {"completed", "stopped", "diverged", "failed", "running", "interrupted", "not started"})
    if (counts[s]) out << ", " << counts[s] << " " << s;
  if (status.eta_seconds) out << "; about " << format_duration(*status.eta_seconds) << " left at this pace";
  out << "\n";
  std::vector<std::size_t> waiting;
  for (const auto& c : status.cells) {
    if (c.state == "not started") {
      waiting.push_back(c.index);
      continue;
    }
    if (finished_state(c.state) && c.state != "diverged") continue;
    out << "  cell " << c.index << "  " << c.state;
    if (c.iteration) {
      out << "  iteration " << *c.iteration;
      if (c.horizon) out << " of " << *c.horizon;
      if (c.rate > 0) out << ", " << format_number(std::round(c.rate)) << " it/s";
    }
    if (!c.reason.empty()) out << "  " << c.reason;
    if (c.state == "interrupted") out << "  (the same command resumes it)";
    if (!c.worker.empty()) out << "  [" << c.worker << "]";
    out << "  " << c.dir.filename().string() << "\n";
  }
  if (!waiting.empty()) {
    out << "  not started: cell" << (waiting.size() == 1 ? " " : "s ");
    for (std::size_t i = 0; i < waiting.size() && i < 20; ++i) out << (i ? ", " : "") << waiting[i];
    if (waiting.size() > 20) out << ", ... (" << waiting.size() << " in all)";
    out << "\n";
  }
  std::map<std::string, int> by_worker;
  for (const auto& c : status.cells)
    if (!c.worker.empty()) ++by_worker[c.worker];
  if (!by_worker.empty()) {
    out << "  workers:";
    for (const auto& [w, n] : by_worker) out << "  " << w << ": " << n;
    out << "\n";
  }
  return out.str();
}

std::string worker_json(const std::string& role) {
  Json w;
  w["role"] = role;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) w["host"] = host;
  w["pid"] = ::getpid();
  if (const char* job = std::getenv("SLURM_ARRAY_JOB_ID")) {
    const char* task = std::getenv("SLURM_ARRAY_TASK_ID");
    w["slurm_job"] = std::string(job) + "_" + (task ? task : "?");
  } else if (const char* job = std::getenv("SLURM_JOB_ID")) {
    w["slurm_job"] = job;
  }
  if (const char* restarts = std::getenv("SLURM_RESTART_COUNT")) w["slurm_restarts"] = restarts;
  return w.dump() + "\n";
}

}  // namespace relulab::host
