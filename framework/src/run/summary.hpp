// summary.json: written once a run ends (completed or diverged); its presence
// marks the run finished, and a later `relulab run` of the same experiment
// reads its result back instead of running again.
#pragma once

#include "run/outcome.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace relulab::host {

struct RunSummary {
  std::string name;
  Outcome outcome = Outcome::Completed;
  std::string reason;  // why it diverged
  std::string config_hash;
  std::uint64_t iteration = 0;
  double time = 0;
  std::vector<std::string> columns;
  std::vector<double> final_values;  // NaN where a column has no value
  std::map<std::string, double> statistics;
  std::optional<double> noise_variance;  // the teacher's, when there is one
  std::map<std::string, std::string> labels;  // column -> what a figure calls it (the metrics' column_labels)
  std::string report;
  double wall_seconds = 0;
  std::vector<std::string> warnings;
};

void write_summary(const std::filesystem::path& dir, const RunSummary& summary);
// The summary of a finished run, read back with its values in `columns`' order.
RunSummary read_summary(const std::filesystem::path& dir, const std::vector<std::string>& columns);

}  // namespace relulab::host
