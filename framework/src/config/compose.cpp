#include "config/compose.hpp"

#include "config/config.hpp"
#include "config/warnings.hpp"

#include <algorithm>
#include <vector>

namespace relulab::host {

namespace {

namespace fs = std::filesystem;

std::string where(const toml::source_region& src, const fs::path& file) {
  return Location{src.path ? *src.path : file.string(), src.begin.line, src.begin.column, ""}.text();
}

fs::path canonical_or_absolute(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? fs::absolute(p) : c;
}

// The plugins of a list of tables ([[metrics]]), in order.
std::vector<std::string> plugins_of(const toml::array& list) {
  std::vector<std::string> names;
  for (const auto& entry : list)
    if (const auto* t = entry.as_table())
      if (auto name = (*t)["plugin"].value<std::string>()) names.push_back(*name);
  return names;
}

// Names in `names` that are not in `others`, joined by commas.
std::string missing_from(const std::vector<std::string>& names, const std::vector<std::string>& others) {
  std::string out;
  for (const auto& name : names)
    if (std::find(others.begin(), others.end(), name) == others.end()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// A [[metrics]] list in an overlay replaces the base's list, as every array
// does, but written as table headers beside new entries it reads like an
// addition. When it brings a plugin the base did not list and drops one the
// base did, say so once, naming both. (Re-listing fewer of the base's entries
// is a deliberate narrowing and passes silently.)
void warn_dropped_entries(const toml::table& base, const toml::table& overlay, const fs::path& file) {
  for (auto&& [key, value] : overlay) {
    const toml::array* ours = value.as_array();
    const toml::node* theirs = base.get(key.str());
    if (!ours || !ours->is_array_of_tables() || !theirs || !theirs->is_array()) continue;
    const std::vector<std::string> kept = plugins_of(*ours), listed = plugins_of(*theirs->as_array());
    const std::string added = missing_from(kept, listed), dropped = missing_from(listed, kept);
    if (added.empty() || dropped.empty()) continue;
    const std::string at = where(value.source(), file);
    warn_once("dropped " + at, at + ": [[" + std::string(key.str()) + "]] replaces the base's list, it does not add to it: " +
                                   added + " comes in and " + dropped + " goes; list " + dropped +
                                   " again in this file to keep it");
  }
}

// `doc` read from `file`, with its bases merged underneath; `chain` holds the
// files already on the way here (to refuse a cycle).
void compose(toml::table& doc, const fs::path& file, std::vector<fs::path>& chain) {
  const toml::node* node = doc.get("base");
  if (!node) return;
  const std::string at = where(node->source(), file) + ": base: ";
  const auto name = node->value<std::string>();
  if (!name) throw ConfigError(at + "expected the path of a base experiment file, as a string");
  const fs::path base_file =
      canonical_or_absolute(fs::path(*name).is_absolute() ? fs::path(*name) : file.parent_path() / *name);
  if (std::find(chain.begin(), chain.end(), base_file) != chain.end()) {
    std::string cycle;
    for (const auto& f : chain) cycle += f.filename().string() + " -> ";
    throw ConfigError(at + "the bases form a cycle: " + cycle + base_file.filename().string());
  }
  std::error_code ec;
  if (!fs::exists(base_file, ec))
    throw ConfigError(at + "no such file '" + *name + "' (looked for " + base_file.string() + ")");
  if (!fs::is_regular_file(base_file, ec))
    throw ConfigError(at + "'" + *name + "' (" + base_file.string() +
                      ") is not a regular file (a directory, a FIFO or a device)");
  toml::table base;
  try {
    base = toml::parse_file(base_file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(at + "the base has a TOML syntax error: " + where(e.source(), base_file) + ": " +
                      std::string(e.description()));
  }
  chain.push_back(base_file);
  compose(base, base_file, chain);
  doc.erase("base");
  warn_dropped_entries(base, doc, file);
  merge_into(base, doc);
  doc = std::move(base);
}

}  // namespace

void merge_into(toml::table& base, const toml::table& overlay) {
  for (auto&& [key, value] : overlay) {
    toml::node* mine = base.get(key.str());
    const toml::table* theirs = value.as_table();
    if (mine && mine->is_table() && theirs && !theirs->is_inline() && !mine->as_table()->is_inline())
      merge_into(*mine->as_table(), *theirs);
    else base.insert_or_assign(key, value);
  }
}

void compose_bases(toml::table& doc, const fs::path& file) {
  std::vector<fs::path> chain{canonical_or_absolute(file)};
  compose(doc, file, chain);
}

}  // namespace relulab::host
