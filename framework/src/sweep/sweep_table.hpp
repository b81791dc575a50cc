// The sweep's table: one row per cell, swept keys then final metrics, read
// from the cells' summaries (so it also merges shards run elsewhere).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace relulab::host {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
Table sweep_table(const std::filesystem::path& sweep_dir);
// Mean and standard deviation over the rows that differ only in `over` (e.g. experiment.seed).
Table aggregate_table(const Table& t, const std::string& over);
std::string format_csv(const Table& t);
std::string format_aligned(const Table& t);

}  // namespace relulab::host
