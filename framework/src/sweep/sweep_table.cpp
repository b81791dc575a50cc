// The sweep's table, read from the cells' summaries on disk (so it merges
// shards run elsewhere), its aggregate over a swept key, and its two formats.
#include "sweep/sweep_table.hpp"

#include "io/output.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace relulab::host {

namespace {
// Cells whose final values are a result: completed, or ended early by an [experiment] stop condition.
bool finished(const std::string& status) { return status == "completed" || status == "stopped"; }
}  // namespace


using Json = nlohmann::json;

Table sweep_table(const fs::path& dir) {
  const fs::path manifest_path = dir / "sweep.json";
  if (!fs::exists(manifest_path))
    throw std::runtime_error(
        dir.string() + " is not a sweep directory (no sweep.json); a single run's results are in its summary.json");
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
      if (std::find(metric_columns.begin(), metric_columns.end(), k) == metric_columns.end())
        metric_columns.push_back(k);
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
  const std::size_t status_idx =
      static_cast<std::size_t>(std::find(t.header.begin(), t.header.end(), "status") - t.header.begin());
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
    for (auto* r : rows) completed += finished((*r)[status_idx]);
    line.push_back(std::to_string(completed));
    for (std::size_t c = status_idx + 1; c < t.header.size(); ++c) {
      double sum = 0, sq = 0;
      std::size_t count = 0;
      for (auto* r : rows) {
        if (!finished((*r)[status_idx]) || (*r)[c].empty()) continue;  // diverged cells stay out of the mean
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
