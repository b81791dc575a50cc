#include "config/sections.hpp"

#include <stdexcept>

namespace relulab::host {

const std::vector<PluginSection>& plugin_sections() {
  static const std::vector<PluginSection> sections = {
      {PluginKind::DataGenerator, "data", false, true, "",
       "n (integer >= 1, required): the number of training samples"},
      {PluginKind::Model, "model", false, true, "", "warm_start, warm_start_check_data: start from an earlier run"},
      {PluginKind::Loss, "loss", false, false, "mse", ""},
      {PluginKind::Optimizer, "optimizer", false, true, "", "policies = [{ plugin = ..., ... }]: its policies"},
      {PluginKind::Policy, "optimizer.policies", true, false, "", ""},
      {PluginKind::Metric, "metrics", true, false, "",
       "schedule = { every = N } | { geometric = r, start = t0 } | { points = [...] } (default { geometric = 1.1 })"},
  };
  return sections;
}

const PluginSection& section_of(PluginKind kind) {
  for (const auto& s : plugin_sections())
    if (s.kind == kind) return s;
  throw std::logic_error(std::string("no section is declared for plugin kind ") + kind_name(kind));
}

std::string where_written(PluginKind kind, const std::string& plugin) {
  const PluginSection& s = section_of(kind);
  const std::string name = "plugin = \"" + plugin + "\"";
  const auto dot = s.key.find('.');
  if (dot != std::string::npos)  // a list inside another section: [optimizer] policies = [...]
    return "[" + s.key.substr(0, dot) + "] " + s.key.substr(dot + 1) + " = [{ " + name + ", ... }]";
  return (s.list ? "[[" + s.key + "]]" : "[" + s.key + "]") + " with " + name;
}

const std::vector<std::string>& top_level_sections() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {"experiment"};
    for (const auto& s : plugin_sections())
      if (s.key.find('.') == std::string::npos) k.push_back(s.key);
    k.insert(k.end(), {"sweep", "search", "slurm", "provenance"});  // [slurm]: relulab submit's settings
    return k;
  }();
  return keys;
}

}  // namespace relulab::host
