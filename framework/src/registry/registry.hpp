// Finds, inspects, loads and indexes plugins.
#pragma once

#include <relulab/plugin.hpp>

#include <boost/dll/shared_library.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <set>
#include <vector>

namespace relulab::host {

namespace fs = std::filesystem;

struct LoadedPlugin {
  // Declared first so it is destroyed last: the descriptor's factories are code in the library.
  std::shared_ptr<boost::dll::shared_library> library;
  PluginDescriptor descriptor;
  fs::path path;
  std::string origin;  // which search-path entry found it
  // CRC-32 of the library file as loaded: names the exact build in a run's provenance, which the
  // source commit alone cannot when a plugin was rebuilt without the host (or built elsewhere).
  std::uint32_t library_crc32 = 0;
};

struct RefusedLibrary {
  fs::path path;
  std::string reason;
};

// A library file that is skipped because it is not a relulab plugin at all.
struct IgnoredLibrary {
  fs::path path;
  std::string reason;
};

// The ABI-tagged entry a plugin library exports (registry.cpp).
struct PluginEntry;

class Registry {
 public:
  // Directories in priority order: earlier ones shadow later ones on a name clash.
  void add_search_dir(const fs::path& dir, const std::string& origin);
  // The default search path: RELULAB_PLUGIN_PATH, the build tree, the install prefix.
  void add_default_search_dirs();
  // Inspects and loads every plugin in directories not scanned yet.
  void scan();

  const LoadedPlugin* find(PluginKind kind, const std::string& name) const;
  const LoadedPlugin* find_any(const std::string& name) const;
  std::vector<std::string> names(PluginKind kind) const;
  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const std::vector<RefusedLibrary>& refused() const { return refused_; }
  const std::vector<IgnoredLibrary>& ignored() const { return ignored_; }
  const std::vector<std::pair<fs::path, std::string>>& search_dirs() const { return dirs_; }
  // Plugins that lost a name clash to an earlier directory: "name: path (shadowed by path)".
  const std::vector<std::string>& shadowed() const { return shadowed_; }

  // Why a plugin called `name` is not available, if a refused library looks like it.
  std::string refusal_hint(const std::string& name) const;

  // Called for each plugin an experiment uses: the first use of a plugin
  // compiled without optimisation prints one warning to stderr.
  void note_use(const LoadedPlugin& plugin) const;

 private:
  void scan_dir(const fs::path& dir, const std::string& origin);
  void inspect_and_load(const fs::path& file, const std::string& origin);
  std::optional<PluginEntry> read_entry(const fs::path& file);
  static std::string entry_problem(const PluginEntry& entry);
  std::optional<LoadedPlugin> load(const fs::path& file, const PluginEntry& entry);
  bool name_taken(const LoadedPlugin& plugin);

  std::vector<std::pair<fs::path, std::string>> dirs_;
  std::size_t scanned_ = 0;
  std::vector<LoadedPlugin> plugins_;
  std::vector<RefusedLibrary> refused_;
  std::vector<IgnoredLibrary> ignored_;
  std::vector<std::string> shadowed_;
  mutable std::set<const LoadedPlugin*> warned_;
};

// How a plugin's code was compiled, for `relulab plugins` and provenance:
// "optimised", "NOT optimised (-O0)" or "unknown", with ", assertions on" when NDEBUG was unset.
std::string build_description(const PluginDescriptor& d);

// Empty if `path` (a file or folder) may be trusted to load code from, else why not.
std::string world_writable_problem(const fs::path& path);

}  // namespace relulab::host
