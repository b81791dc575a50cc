// `relulab diff A B`: the configuration keys two runs set differently, read
// from their config.toml (every default filled in), provenance left out.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <vector>

namespace relulab::host {

struct ConfigDifference {
  std::string key;  // dotted, with [i] for arrays of tables: metrics[1].schedule.every
  std::string left, right;  // the values as TOML, or "(unset)"
};

// Throws std::runtime_error naming a folder without a config.toml.
std::vector<ConfigDifference> config_differences(const std::filesystem::path& a, const std::filesystem::path& b);
// The same for two configurations in memory (a run's config.toml read back, an experiment's resolved table).
std::vector<ConfigDifference> config_differences(const toml::table& a, const toml::table& b);

}  // namespace relulab::host
