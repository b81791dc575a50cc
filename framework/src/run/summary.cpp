#include "run/summary.hpp"

#include "io/output.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace relulab::host {

void write_summary(const fs::path& dir, const RunSummary& s) {
  nlohmann::json j;
  j["name"] = s.name;
  j["status"] = outcome_name(s.outcome);
  if (!s.reason.empty()) j["reason"] = s.reason;
  j["config_hash"] = s.config_hash;
  j["iteration"] = s.iteration;
  j["time"] = s.time;
  j["columns"] = s.columns;  // the CSV's order (JSON objects are unordered)
  for (std::size_t c = 0; c < s.columns.size(); ++c) {
    const double v = s.final_values[c];
    j["final"][s.columns[c]] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
  }
  for (const auto& [k, v] : s.statistics) j["statistics"][k] = v;
  j["noise_variance"] = s.noise_variance ? nlohmann::json(*s.noise_variance) : nlohmann::json();
  for (const auto& [column, label] : s.labels) j["labels"][column] = label;
  j["report"] = s.report;
  j["wall_seconds"] = s.wall_seconds;
  if (!s.warnings.empty()) j["warnings"] = s.warnings;
  write_file_atomic(dir / "summary.json", j.dump(2) + "\n");
}

RunSummary read_summary(const fs::path& dir, const std::vector<std::string>& columns) {
  const auto j = nlohmann::json::parse(read_file(dir / "summary.json"));
  RunSummary s;
  s.name = j.value("name", "");
  s.outcome = parse_outcome(j.value("status", "")).value_or(Outcome::Failed);
  s.reason = j.value("reason", "");
  s.config_hash = j.value("config_hash", "");
  s.columns = columns;
  for (const auto& c : columns) {
    const auto& v = j["final"][c];
    s.final_values.push_back(v.is_number() ? v.get<double>() : NAN);
  }
  const auto& report = j["report"];
  s.report = report.is_string() ? report.get<std::string>() : "";
  s.wall_seconds = j.value("wall_seconds", 0.0);
  return s;
}

}  // namespace relulab::host
