#include "sweep.hpp"

#include "output.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace relulab::host {

namespace {

using Json = nlohmann::json;

// One axis of the grid: one or more keys (a zip group) and their values, all
// lists of the same length.
struct Axis {
  std::vector<std::string> keys;
  std::vector<toml::array> values;
  std::vector<Location> where;
};

std::string render_value(const toml::node& n) {
  if (auto t = n.as_table()) {
    if (auto p = t->get("plugin"); p && p->is_string()) return p->as_string()->get();
    return "{...}";
  }
  if (auto s = n.as_string()) return s->get();
  std::ostringstream out;
  n.visit([&](const auto& v) {
    if constexpr (!toml::is_table<decltype(v)>) out << toml::toml_formatter(v);
  });
  return out.str();
}

Location node_location(const RawExperiment& raw, const toml::source_region& src) {
  return Location{raw.file.string(), src.begin.line, src.begin.column, ""};
}


// Expands a swept value: an array, or a helper table.
toml::array expand_values(const RawExperiment& raw, const std::string& key, const toml::node& node,
                          const toml::source_region& key_src) {
  const Location loc = node_location(raw, key_src);
  auto fail = [&](const std::string& why) { throw ConfigError(located(loc, "sweep", key, why)); };
  if (auto arr = node.as_array()) {
    if (arr->empty()) fail("an empty list of values");
    return *arr;
  }
  auto tbl = node.as_table();
  if (!tbl || tbl->size() != 1)
    fail("expected a list of values or one of { logspace = [a, b, count] }, { linspace = [a, b, count] }, "
         "{ range = [start, stop] } or { range = [start, stop, step] }");
  const auto entry = tbl->begin();  // a proxy holding references into the table
  const std::string helper(entry->first.str());
  const toml::node& hv = entry->second;
  auto args = hv.as_array();
  if (!args || args->size() < 2 || args->size() > 3) fail("'" + helper + "' takes a list of 2 or 3 numbers");
  std::vector<double> a;
  bool all_integers = true;
  for (auto&& e : *args) {
    // An integer beyond 2^53 has no exact double, and toml++ declines the
    // conversion; 'range' reads integers exactly below, so take the nearest.
    std::optional<double> v =
        e.is_integer() ? std::optional<double>(static_cast<double>(e.as_integer()->get())) : e.value<double>();
    if (!v || !std::isfinite(*v)) fail("'" + helper + "' takes numbers");
    a.push_back(*v);
    all_integers = all_integers && e.is_integer();
  }
  toml::array out;
  const std::string too_many = "more than " + std::to_string(kMaxCells) + " values; a sweep that large is surely a mistake";
  if (helper == "logspace" || helper == "linspace") {
    if (args->size() != 3 || a[2] < 1 || a[2] != std::floor(a[2])) fail("'" + helper + "' = [first, last, count]");
    if (a[2] > static_cast<double>(kMaxCells)) fail("'" + helper + "' asks for " + too_many);
    if (helper == "logspace" && (a[0] <= 0 || a[1] <= 0)) fail("logspace needs positive ends");
    const int count = static_cast<int>(a[2]);
    std::int64_t previous = std::numeric_limits<std::int64_t>::min();
    for (int i = 0; i < count; ++i) {
      const double f = count == 1 ? 0.0 : static_cast<double>(i) / (count - 1);
      double v = helper == "logspace" ? std::exp(std::log(a[0]) + f * (std::log(a[1]) - std::log(a[0])))
                                      : a[0] + f * (a[1] - a[0]);
      if (i == count - 1) v = a[1];  // the end exactly, whatever the rounding
      if (all_integers) {
        // Integer ends give integers (sample sizes, iterations); rounding may merge neighbours.
        const auto r = static_cast<std::int64_t>(std::llround(v));
        if (r != previous) out.push_back(r);
        previous = r;
      } else {
        out.push_back(v);
      }
    }
    return out;
  }
  if (helper == "range") {
    if (!all_integers) fail("'range' takes integers");
    // Read as integers (through double, 2^63 - 1 would round out of range).
    const std::int64_t start = *args->get(0)->value<std::int64_t>(), stop = *args->get(1)->value<std::int64_t>();
    const std::int64_t step = args->size() == 3 ? *args->get(2)->value<std::int64_t>() : 1;
    if (step <= 0 || stop <= start) fail("'range' = [start, stop] or [start, stop, step], with start < stop, step > 0");
    // stop - start can exceed int64 (start = -2^63): unsigned arithmetic is exact here.
    const std::uint64_t span = static_cast<std::uint64_t>(stop) - static_cast<std::uint64_t>(start);
    const std::uint64_t count = (span - 1) / static_cast<std::uint64_t>(step) + 1;
    if (count > kMaxCells) fail("'range' gives " + too_many);
    for (std::uint64_t i = 0; i < count; ++i)
      out.push_back(static_cast<std::int64_t>(static_cast<std::uint64_t>(start) + i * static_cast<std::uint64_t>(step)));
    return out;
  }
  fail("unknown helper '" + helper + "' (logspace, linspace, range)");
  return out;
}

std::vector<Axis> read_axes(const RawExperiment& raw) {
  std::vector<Axis> axes;
  const toml::table& sweep = *raw.doc.get("sweep")->as_table();
  for (auto&& [k, node] : sweep) {
    const std::string key(k.str());
    if (key == "zip") {
      auto groups = node.as_array();
      if (!groups || !groups->is_array_of_tables())
        throw ConfigError(located(node_location(raw, k.source()), "sweep", "zip",
                                  "expected [[sweep.zip]] tables of keys that vary together"));
      for (auto&& g : *groups) {
        Axis axis;
        for (auto&& [gk, gv] : *g.as_table()) {
          axis.keys.emplace_back(gk.str());
          axis.values.push_back(expand_values(raw, std::string(gk.str()), gv, gk.source()));
          axis.where.push_back(node_location(raw, gk.source()));
          if (axis.values.back().size() != axis.values.front().size())
            throw ConfigError(located(axis.where.back(), "sweep.zip", axis.keys.back(),
                                      std::to_string(axis.values.back().size()) + " values, but '" + axis.keys.front() +
                                          "' in the same zip group has " +
                                          std::to_string(axis.values.front().size())));
        }
        if (!axis.keys.empty()) axes.push_back(std::move(axis));
      }
      continue;
    }
    Axis axis;
    axis.keys = {key};
    axis.values = {expand_values(raw, key, node, k.source())};
    axis.where = {node_location(raw, k.source())};
    axes.push_back(std::move(axis));
  }
  return axes;
}

void assign(RawExperiment& raw, const std::string& key, const toml::node& value, const std::string& origin) {
  if (key.find('.') == std::string::npos) {
    // A whole section (a plugin choice with its own parameters).
    auto t = value.as_table();
    if (!t) throw ConfigError(origin + ": sweeping the section [" + key + "] takes tables such as { plugin = \"sgd\", lr = 0.01 }");
    raw.doc.insert_or_assign(key, *t);
    return;
  }
  set_dotted(raw, key, value, origin);
}

std::string pad(std::size_t i, std::size_t total) {
  std::string s = std::to_string(i);
  const std::size_t width = std::to_string(total > 0 ? total - 1 : 0).size();
  return std::string(width > s.size() ? width - s.size() : 0, '0') + s;
}

}  // namespace

bool has_sweep(const RawExperiment& raw) { return raw.doc.get("sweep") != nullptr; }

Sweep expand_sweep(const RawExperiment& raw, Registry& registry, std::size_t max_cells) {
  Sweep sweep;
  RawExperiment base = raw;
  const toml::node* sweep_node = raw.doc.get("sweep");
  std::vector<Axis> axes;
  if (sweep_node) {
    if (!sweep_node->is_table())
      throw ConfigError(located(node_location(raw, sweep_node->source()), "", "sweep", "expected a table [sweep]"));
    axes = read_axes(raw);
    base.doc.erase("sweep");
  }
  for (const auto& a : axes) sweep.keys.insert(sweep.keys.end(), a.keys.begin(), a.keys.end());
  std::size_t total = 1;
  std::string sizes;
  for (const auto& a : axes) {
    const std::size_t size = a.values.front().size();
    sizes += (sizes.empty() ? "" : " x ") + std::to_string(size);
    // Checked before multiplying, so many axes cannot overflow the count.
    if (total > max_cells / size)
      throw ConfigError(raw.file.string() + ": [sweep] expands to more than " + std::to_string(max_cells) +
                        " cells (" + sizes + " ...); a sweep that large is surely a mistake: split it");
    total *= size;
  }

  std::string hashes;
  for (std::size_t index = 0; index < total; ++index) {
    RawExperiment cell_raw = base;
    Cell cell;
    cell.index = index;
    // Mixed radix: the first axis varies slowest.
    std::size_t rest = index, stride = total;
    for (const auto& axis : axes) {
      stride /= axis.values.front().size();
      const std::size_t pick = rest / stride;
      rest %= stride;
      for (std::size_t k = 0; k < axis.keys.size(); ++k) {
        const toml::node& value = *axis.values[k].get(pick);
        const std::string shown = render_value(value);
        cell.labels.emplace_back(axis.keys[k], shown);
        assign(cell_raw, axis.keys[k], value, "[sweep] " + axis.keys[k] + " = " + shown + " (" + axis.where[k].text() + ")");
      }
    }
    try {
      cell.experiment = validate_experiment(cell_raw, registry);
      (void)build(cell.experiment);
    } catch (const ConfigError& e) {
      std::string label;
      for (const auto& [k, v] : cell.labels) label += (label.empty() ? "" : ", ") + k + " = " + v;
      throw ConfigError(std::string(e.what()) + (axes.empty() ? "" : "\n  in sweep cell " + std::to_string(index) + " (" + label + ")"));
    }
    hashes += cell.experiment.hash;
    sweep.cells.push_back(std::move(cell));
  }
  const Experiment& first = sweep.cells.front().experiment;
  sweep.name = first.name;
  sweep.hash = short_hash(hashes);
  sweep.dir = first.output / (first.name + "-" + sweep.hash);
  for (auto& c : sweep.cells) c.dir = sweep.dir / "cells" / (pad(c.index, total) + "-" + c.experiment.hash);
  return sweep;
}

SweepResult run_sweep(Sweep& sweep, const SweepOptions& options) {
  if (!options.dir.empty()) {
    sweep.dir = options.dir;
    for (auto& c : sweep.cells) c.dir = sweep.dir / "cells" / c.dir.filename();
  }
  class LocalQueue final : public WorkQueue {
   public:
    std::size_t take() override { return next_.fetch_add(1); }

   private:
    std::atomic<std::size_t> next_{0};
  } local;
  WorkQueue& queue = options.queue ? *options.queue : local;
  const bool leader = queue.rank() == 0;  // writes the sweep's own files
  // One process per sweep (per shard: Slurm array tasks share the folder
  // legitimately, each with its own cells); MPI ranks share the leader's.
  std::optional<DirectoryLock> lock;
  if (leader) {
    create_output_directory(sweep.dir / "cells");
    lock.emplace(sweep.dir,
                 options.shard_count > 1 ? ".lock.shard" + std::to_string(options.shard_index) : std::string(".lock"),
                 options.shard_count > 1 ? "shard " + std::to_string(options.shard_index) + " of this sweep"
                                         : std::string("this sweep"));
    // The manifest: what the sweep is, so `relulab table` can read it (and merge shards) later.
    Json manifest;
    manifest["name"] = sweep.name;
    manifest["hash"] = sweep.hash;
    manifest["keys"] = sweep.keys;
    for (const auto& c : sweep.cells) {
      Json cell;
      cell["index"] = c.index;
      cell["dir"] = fs::relative(c.dir, sweep.dir).string();
      cell["hash"] = c.experiment.hash;
      for (const auto& [k, v] : c.labels) cell["labels"][k] = v;
      manifest["cells"].push_back(cell);
    }
    write_file_atomic(sweep.dir / "sweep.json", manifest.dump(2) + "\n");
  }
  queue.barrier();  // every rank sees the folder before it runs a cell

  std::vector<std::size_t> todo;
  for (const auto& c : sweep.cells)
    if (c.index % options.shard_count == options.shard_index) todo.push_back(c.index);

  SweepResult result;
  result.outcomes.resize(sweep.cells.size(), CellOutcome{"not run", "", {}, {}});
  std::atomic<std::size_t> done{0}, running{0}, finished_workers{0};
  std::mutex queue_mutex;  // MPI ranks call take() from one thread at a time
  std::vector<std::size_t> ran_here;
  std::atomic<bool> stop_requested{false};
  std::mutex mutex;
  double busy_seconds = 0;  // wall time of the cells run here, for the estimate
  std::size_t timed = 0;
  const auto started = std::chrono::steady_clock::now();

  auto work = [&] {
    for (;;) {
      if (stop_requested.load() || (options.stop_signal && options.stop_signal->load() != 0)) return;
      std::size_t slot;
      {
        std::lock_guard<std::mutex> lock(queue_mutex);
        slot = queue.take();
      }
      if (slot >= todo.size()) return;
      Cell& cell = sweep.cells[todo[slot]];
      ++running;
      const auto t0 = std::chrono::steady_clock::now();
      CellOutcome out;
      std::ostringstream cell_log;
      try {
        RunOptions ro;
        ro.run_dir = cell.dir;
        ro.fresh = options.fresh;
        ro.progress = false;
        ro.log = &cell_log;
        ro.stop_signal = options.stop_signal;
        const RunResult r = run_experiment(cell.experiment, ro);
        out.status = r.status == RunStatus::AlreadyDone ? "completed" : status_name(r.status);
        if (r.status == RunStatus::AlreadyDone && r.reason.rfind("diverged", 0) == 0) out.status = "diverged";
        out.reason = r.status == RunStatus::AlreadyDone ? "" : r.reason;
        out.columns = r.columns;
        out.final_values = r.final_values;
        if (r.status == RunStatus::Interrupted) stop_requested = true;
      } catch (const std::exception& e) {
        out.status = "failed";
        out.reason = e.what();
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      {
        std::lock_guard<std::mutex> lock(mutex);
        result.outcomes[cell.index] = std::move(out);
        ran_here.push_back(cell.index);
        busy_seconds += seconds;
        ++timed;
      }
      --running;
      ++done;
    }
  };

  auto worker = [&] {
    work();
    ++finished_workers;
  };
  const unsigned jobs = std::max(1u, std::min<unsigned>(options.jobs, static_cast<unsigned>(std::max<std::size_t>(1, todo.size()))));
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  const bool tty = isatty(STDERR_FILENO);
  double last_print = -1e9;
  // Workers leave when the queue runs dry or a stop is requested; this loop only reports.
  while (finished_workers.load() < jobs) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (options.stop_signal && options.stop_signal->load() != 0) stop_requested = true;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!options.progress || elapsed - last_print < (tty ? 0.5 : 10.0)) continue;
    last_print = elapsed;
    double mean = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      mean = timed ? busy_seconds / timed : NAN;
    }
    const std::size_t d = done.load(), r = running.load();
    char buf[200];
    if (queue.ranks() > 1) {
      std::snprintf(buf, sizeof buf, "%s (rank %d of %d): %zu cells done here, %zu running, elapsed %s", sweep.name.c_str(),
                    queue.rank(), queue.ranks(), d, r, format_duration(elapsed).c_str());
    } else {
      const std::size_t left = todo.size() - d - r;
      const double eta = mean * (static_cast<double>(left) + 0.5 * r) / jobs;
      std::snprintf(buf, sizeof buf, "%s: %zu/%zu cells done, %zu running, %zu left, elapsed %s, left ~%s",
                    sweep.name.c_str(), d, todo.size(), r, left, format_duration(elapsed).c_str(),
                    format_duration(eta).c_str());
    }
    if (tty) std::cerr << '\r' << buf << "\x1b[K" << std::flush;
    else std::cerr << buf << '\n' << std::flush;
  }
  for (auto& t : threads) t.join();
  if (options.progress && tty) std::cerr << '\n';
  result.interrupted = stop_requested.load() || (options.stop_signal && options.stop_signal->load() != 0);
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // Which cells this process ran: with several ranks, proof that none ran twice.
  if (queue.ranks() > 1) {
    std::sort(ran_here.begin(), ran_here.end());
    write_file_atomic(sweep.dir / ("rank" + std::to_string(queue.rank()) + ".json"), Json(ran_here).dump() + "\n");
  }
  queue.barrier();
  if (!leader) return result;

  // The sweep's own summary, from every cell's summary on disk (so cells run by
  // other ranks or shards count), plus this process's failures, which have none.
  const Table table = sweep_table(sweep.dir);
  write_file_atomic(sweep.dir / "table.csv", format_csv(table));
  Json summary;
  summary["name"] = sweep.name;
  summary["cells"] = sweep.cells.size();
  std::map<std::string, int> counts;
  for (const auto& c : sweep.cells) {
    std::string status, reason;
    if (fs::exists(c.dir / "summary.json")) {
      const Json s = Json::parse(read_file(c.dir / "summary.json"));
      status = s.value("status", "?");
      reason = s.value("reason", "");
      if (queue.ranks() > 1 && result.outcomes[c.index].status == "not run")  // run by another rank
        result.outcomes[c.index] = CellOutcome{status, reason, {}, {}};
    } else {
      status = result.outcomes[c.index].status == "not run" ? "pending" : result.outcomes[c.index].status;
      reason = result.outcomes[c.index].reason;
    }
    summary["status"][status] = ++counts[status];
    if (status == "diverged" || status == "failed")
      summary[status].push_back({{"cell", c.index}, {"dir", c.dir.string()}, {"reason", reason}});
  }
  write_file_atomic(sweep.dir / (options.shard_count > 1 ? "summary.shard" + std::to_string(options.shard_index) + ".json" : "summary.json"),
                    summary.dump(2) + "\n");
  return result;
}

Table sweep_table(const fs::path& dir) {
  const fs::path manifest_path = dir / "sweep.json";
  if (!fs::exists(manifest_path))
    throw std::runtime_error(dir.string() + " is not a sweep directory (no sweep.json); a single run's results are in its summary.json");
  const Json manifest = Json::parse(read_file(manifest_path));
  Table t;
  const std::vector<std::string> keys = manifest["keys"];
  t.header = {"cell"};
  t.header.insert(t.header.end(), keys.begin(), keys.end());
  t.header.push_back("status");
  std::vector<std::string> metric_columns;
  std::vector<Json> summaries;
  for (const auto& c : manifest["cells"]) {
    const fs::path s = dir / c["dir"].get<std::string>() / "summary.json";
    summaries.push_back(fs::exists(s) ? Json::parse(read_file(s)) : Json());
    std::vector<std::string> names;
    if (summaries.back().contains("columns")) names = summaries.back()["columns"].get<std::vector<std::string>>();
    else if (summaries.back().contains("final"))  // summaries written before "columns" existed
      for (auto& [k, v] : summaries.back()["final"].items()) names.push_back(k);
    for (const auto& k : names)
      if (std::find(metric_columns.begin(), metric_columns.end(), k) == metric_columns.end()) metric_columns.push_back(k);
  }
  t.header.insert(t.header.end(), metric_columns.begin(), metric_columns.end());
  // A cell whose plugin threw has no summary of its own; the sweep's summaries
  // (one per shard) list it as failed.
  std::set<std::size_t> failed;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("summary", 0) != 0 || entry.path().extension() != ".json") continue;
    const Json sweep_summary = Json::parse(read_file(entry.path()));
    if (sweep_summary.contains("failed"))
      for (const auto& f : sweep_summary["failed"]) failed.insert(f["cell"].get<std::size_t>());
  }
  std::size_t i = 0;
  for (const auto& c : manifest["cells"]) {
    const Json& s = summaries[i++];
    std::vector<std::string> row = {std::to_string(c["index"].get<std::size_t>())};
    for (const auto& k : keys) row.push_back(c.contains("labels") ? c["labels"].value(k, "") : "");
    const std::size_t index = c["index"].get<std::size_t>();
    row.push_back(!s.is_null() ? s.value("status", "?") : failed.count(index) ? "failed" : "pending");
    for (const auto& m : metric_columns) {
      const Json* v = s.is_object() && s.contains("final") && s["final"].contains(m) ? &s["final"][m] : nullptr;
      row.push_back(v && v->is_number() ? format_number(v->get<double>()) : "");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table aggregate_table(const Table& t, const std::string& over) {
  const auto col = std::find(t.header.begin(), t.header.end(), over);
  if (col == t.header.end()) throw std::runtime_error("'" + over + "' is not a swept key of this sweep");
  const std::size_t over_idx = static_cast<std::size_t>(col - t.header.begin());
  const std::size_t status_idx = static_cast<std::size_t>(std::find(t.header.begin(), t.header.end(), "status") - t.header.begin());
  Table out;
  for (std::size_t c = 1; c < status_idx; ++c)
    if (c != over_idx) out.header.push_back(t.header[c]);
  out.header.push_back("cells");
  for (std::size_t c = status_idx + 1; c < t.header.size(); ++c) {
    out.header.push_back(t.header[c] + "_mean");
    out.header.push_back(t.header[c] + "_std");
  }
  std::map<std::vector<std::string>, std::vector<const std::vector<std::string>*>> groups;
  std::vector<std::vector<std::string>> order;
  for (const auto& row : t.rows) {
    std::vector<std::string> key;
    for (std::size_t c = 1; c < status_idx; ++c)
      if (c != over_idx) key.push_back(row[c]);
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&row);
  }
  for (const auto& key : order) {
    const auto& rows = groups[key];
    std::vector<std::string> line = key;
    std::size_t completed = 0;
    for (auto* r : rows) completed += (*r)[status_idx] == "completed";
    line.push_back(std::to_string(completed));
    for (std::size_t c = status_idx + 1; c < t.header.size(); ++c) {
      double sum = 0, sq = 0;
      std::size_t count = 0;
      for (auto* r : rows) {
        if ((*r)[status_idx] != "completed" || (*r)[c].empty()) continue;  // diverged cells stay out of the mean
        const double v = std::stod((*r)[c]);
        sum += v, sq += v * v, ++count;
      }
      const double mean = count ? sum / count : NAN;
      const double sd = count > 1 ? std::sqrt(std::max(0.0, (sq - count * mean * mean) / (count - 1))) : NAN;
      line.push_back(count ? format_number(mean) : "");
      line.push_back(count > 1 ? format_number(sd) : "");
    }
    out.rows.push_back(std::move(line));
  }
  return out;
}

std::string format_csv(const Table& t) {
  auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  std::string out;
  for (std::size_t c = 0; c < t.header.size(); ++c) out += (c ? "," : "") + quote(t.header[c]);
  out += "\n";
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + quote(row[c]);
    out += "\n";
  }
  return out;
}

std::string format_aligned(const Table& t) {
  std::vector<std::size_t> width(t.header.size());
  auto shown = [](const std::string& s) {
    // Numbers to 6 significant digits on a terminal; the CSV keeps every digit.
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0' && s.find_first_not_of("0123456789") != std::string::npos) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", v);
      return std::string(buf);
    }
    return s;
  };
  for (std::size_t c = 0; c < t.header.size(); ++c) width[c] = t.header[c].size();
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], shown(row[c]).size());
  std::string out;
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    out += t.header[c] + std::string(width[c] - t.header[c].size() + 2, ' ');
  }
  out += "\n";
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string s = shown(row[c]);
      out += s + std::string(width[c] - s.size() + 2, ' ');
    }
    out += "\n";
  }
  return out;
}

}  // namespace relulab::host
