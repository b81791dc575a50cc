// Metric recording: the CSV's columns (made unique when two metrics share a
// name), one row per scheduled point, and the last value of every column.
#pragma once

#include "config/config.hpp"

#include <relulab/metric.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace relulab::host {

class MetricRecorder {
 public:
  MetricRecorder(const Experiment& ex, std::vector<std::unique_ptr<Metric>>& metrics);

  const std::vector<std::string>& columns() const { return columns_; }
  // The latest value of each column (NaN before its metric first ran).
  const std::vector<double>& last() const { return last_; }
  std::span<const double> last_of(std::size_t metric) const;

  // A new run writes the header; a resumed one cuts the rows written after its checkpoint.
  void start(const std::filesystem::path& csv_path, std::uintmax_t resume_bytes, bool resume);
  // Evaluates the metrics flagged in `due` on `snapshot` and appends one row.
  void record(const Snapshot& snapshot, const std::vector<bool>& due);
  // Flushes, syncs to disk and returns the CSV's size: the checkpoint records it.
  std::uintmax_t flush();

 private:
  void refuse_short_file(std::uintmax_t resume_bytes) const;
  void evaluate(std::size_t metric, const Snapshot& snapshot);
  void append(const std::string& line);

  const Experiment& ex_;
  std::vector<std::unique_ptr<Metric>>& metrics_;
  std::vector<std::string> columns_;
  std::vector<std::size_t> first_column_;  // metric i owns columns [first_column_[i], first_column_[i + 1])
  std::vector<double> last_, row_;
  std::filesystem::path path_;
  std::ofstream csv_;
  std::uintmax_t complete_bytes_ = 0;  // the file's size up to its last whole row
};

}  // namespace relulab::host
