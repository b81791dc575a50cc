#include "config/compose.hpp"

#include "config/config.hpp"

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
