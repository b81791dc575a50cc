#include "cli/diff.hpp"

#include "io/output.hpp"

#include <toml++/toml.h>

#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace relulab::host {

namespace {

using Flat = std::map<std::string, std::string>;

std::string as_text(const toml::node& node) {
  if (const auto* real = node.as_floating_point()) return format_number(real->get());  // 0.05, not 0.050000000000000003
  std::ostringstream out;
  node.visit([&](const auto& v) { out << v; });
  return out.str();
}

// {"a": {"b": 1}, "m": [{"p": 2}]} -> a.b = 1, m[0].p = 2; other arrays stay whole values.
void flatten(const toml::node& node, const std::string& prefix, Flat& out) {
  if (const toml::table* t = node.as_table()) {
    for (auto&& [k, v] : *t)
      flatten(v, prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str()), out);
  } else if (const toml::array* a = node.as_array(); a && !a->empty() && a->is_array_of_tables()) {
    for (std::size_t i = 0; i < a->size(); ++i) flatten(*a->get(i), prefix + "[" + std::to_string(i) + "]", out);
  } else {
    out[prefix] = as_text(node);
  }
}

Flat flat_config(toml::table doc) {
  doc.erase("provenance");  // paths, commits and hashes differ between any two runs
  Flat flat;
  flatten(doc, "", flat);
  return flat;
}

toml::table read_config(const std::filesystem::path& run) {
  const std::filesystem::path file = run / "config.toml";
  if (!std::filesystem::exists(file))
    throw std::runtime_error(run.string() + " is not a run directory (no config.toml)");
  return toml::parse_file(file.string());
}

}  // namespace

std::vector<ConfigDifference> config_differences(const std::filesystem::path& a, const std::filesystem::path& b) {
  return config_differences(read_config(a), read_config(b));
}

std::vector<ConfigDifference> config_differences(const toml::table& a, const toml::table& b) {
  const Flat left = flat_config(a), right = flat_config(b);
  std::set<std::string> keys;
  for (const auto& [k, v] : left) keys.insert(k);
  for (const auto& [k, v] : right) keys.insert(k);
  std::vector<ConfigDifference> out;
  for (const auto& k : keys) {
    const auto l = left.find(k), r = right.find(k);
    const std::string lv = l == left.end() ? "(unset)" : l->second, rv = r == right.end() ? "(unset)" : r->second;
    if (lv != rv) out.push_back({k, lv, rv});
  }
  return out;
}

}  // namespace relulab::host
