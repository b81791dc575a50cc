#include "registry/registry.hpp"

#include <iostream>

#include "build_info.hpp"

#include <boost/crc.hpp>
#include <boost/dll/library_info.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>

namespace relulab::host {

namespace {

// The CRC-32 of a file's bytes (0 if it cannot be read: provenance only, never a reason to refuse).
std::uint32_t file_crc32(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  boost::crc_32_type crc;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) crc.process_bytes(buffer, static_cast<std::size_t>(in.gcount()));
  return in.bad() ? 0 : crc.checksum();
}

bool is_shared_library(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 3 && (p.extension() == ".so" || p.extension() == ".dylib" || p.extension() == ".dll");
}

// "libsgd.so" -> "sgd"
std::string plugin_stem(const fs::path& p) {
  std::string stem = p.stem().string();
  if (stem.rfind("lib", 0) == 0) stem = stem.substr(3);
  return stem;
}

std::string canonical_or_self(const fs::path& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(p, ec);
  return (ec ? p : c).string();
}

}  // namespace

std::string world_writable_problem(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  if (st.st_mode & S_IWOTH) {
    const bool dir = S_ISDIR(st.st_mode);
    return std::string(dir ? "folder " : "file ") + path.string() +
           " is world-writable, so anyone on this machine could replace the code relulab would run; "
           "fix with: chmod o-w " +
           path.string();
  }
  return "";
}

void Registry::add_search_dir(const fs::path& dir, const std::string& origin) {
  const std::string key = canonical_or_self(dir);
  for (const auto& [d, o] : dirs_)
    if (canonical_or_self(d) == key) return;
  dirs_.emplace_back(dir, origin);
}

void Registry::add_default_search_dirs() {
  if (const char* env = std::getenv("RELULAB_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string part;
    while (std::getline(ss, part, ':'))
      if (!part.empty()) add_search_dir(part, "RELULAB_PLUGIN_PATH");
  }
  // An installed relulab (bin/relulab beside lib/relulab/plugins, found from
  // the executable so the tree can be moved) loads the installed plugins only,
  // never those of the build tree it came from; a relulab run from its build
  // tree loads that tree's plugins.
  std::error_code ec;
  const fs::path exe = boost::dll::program_location(ec);
  const fs::path installed = ec ? fs::path() : exe.parent_path().parent_path() / kInstallPluginSubdir;
  // The error_code overloads: a folder this user may not even look into (a
  // build tree under another user's home) is simply not a candidate.
  if (!installed.empty() && fs::is_directory(installed, ec)) {
    add_search_dir(installed, "install prefix");
    return;
  }
  if (fs::is_directory(kBuildPluginDir, ec)) add_search_dir(kBuildPluginDir, "build tree");
  if (fs::is_directory(kInstallPluginDir, ec)) add_search_dir(kInstallPluginDir, "install prefix");
}

void Registry::scan() {
  for (; scanned_ < dirs_.size(); ++scanned_) {
    auto [dir, origin] = dirs_[scanned_];
    scan_dir(dir, origin);
  }
}

void Registry::scan_dir(const fs::path& dir, const std::string& origin) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    refused_.push_back({dir, "plugin folder does not exist (from " + origin + ")"});
    return;
  }
  if (auto why = world_writable_problem(dir); !why.empty()) {
    refused_.push_back({dir, why});
    return;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!is_shared_library(entry.path())) continue;
    std::error_code type_ec;  // a symlink loop or a dangling link: ignored with its reason, never thrown
    const bool regular = entry.is_regular_file(type_ec);
    if (type_ec) ignored_.push_back({entry.path(), "cannot be read: " + type_ec.message()});
    else if (regular) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // the same order on every machine
  for (const auto& f : files) inspect_and_load(f, origin);
}

// The ABI-tagged entry a library exports, read from its symbol table.
struct PluginEntry {
  std::string symbol;
  int abi = 0;
  std::string toolchain;
};

// Reads the symbol table without loading: nothing from the file runs unless it passes.
std::optional<PluginEntry> Registry::read_entry(const fs::path& file) {
  std::vector<std::string> symbols;
  try {
    boost::dll::library_info info(file);
    const auto sections = info.sections();
    if (std::find(sections.begin(), sections.end(), kSectionName) == sections.end()) {
      ignored_.push_back({file, std::string("not a relulab plugin (no '") + kSectionName + "' section)"});
      return std::nullopt;
    }
    symbols = info.symbols(kSectionName);
  } catch (const std::exception& e) {
    ignored_.push_back({file, std::string("not a readable shared library: ") + e.what()});
    return std::nullopt;
  }
  static const std::regex entry_re("^relulab_plugin_abi([0-9]+)_(.+)$");
  std::smatch m;
  for (const auto& s : symbols)
    if (std::regex_match(s, m, entry_re)) return PluginEntry{s, std::stoi(m[1].str()), m[2].str()};
  ignored_.push_back({file, "has a relulab section but no relulab_plugin_abi<N>_<toolchain> entry"});
  return std::nullopt;
}

std::string Registry::entry_problem(const PluginEntry& entry) {
  if (entry.abi != kAbiVersion)
    return "built for plugin ABI " + std::to_string(entry.abi) + ", but this relulab speaks ABI " +
           std::to_string(kAbiVersion) + ": rebuild the plugin against this relulab's SDK (" + kSdkIncludeHint + ")";
  if (entry.toolchain != kToolchainTag)
    return "built with toolchain " + entry.toolchain + ", but this relulab was built with " + kToolchainTag +
           " (compiler family, C++ library ABI, Eigen version and alignment must match): "
           "rebuild the plugin with the same compiler, Eigen and -march setting";
  return "";
}

std::optional<LoadedPlugin> Registry::load(const fs::path& file, const PluginEntry& entry) {
  LoadedPlugin loaded;
  try {
    loaded.library = std::make_shared<boost::dll::shared_library>(
        file, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
    // The entry holds the describe function's address: read as a pointer and
    // checked, since a null one would be called through.
    DescribeFunction* describe = loaded.library->get<DescribeFunction*>(entry.symbol);
    if (!describe) {
      refused_.push_back({file, "its entry point " + entry.symbol + " is a null pointer: rebuild it with RELULAB_PLUGIN"});
      return std::nullopt;
    }
    loaded.descriptor = describe();
  } catch (const std::exception& e) {
    refused_.push_back({file, std::string("failed to load: ") + e.what()});
    return std::nullopt;
  } catch (...) {  // a plugin may throw anything; one bad library must not stop every command
    refused_.push_back({file, "failed to load: its describe function threw something that is not a std::exception"});
    return std::nullopt;
  }
  const auto& d = loaded.descriptor;
  if (d.abi_version != kAbiVersion || d.toolchain != kToolchainTag) {
    refused_.push_back({file, "its descriptor disagrees with its entry name (ABI " + std::to_string(d.abi_version) +
                                  ", toolchain " + d.toolchain + "): rebuild it"});
    return std::nullopt;
  }
  if (d.name.empty() || !d.factory) {
    refused_.push_back({file, "its descriptor has no name or no factory"});
    return std::nullopt;
  }
  loaded.path = file;
  loaded.library_crc32 = file_crc32(file);
  return loaded;
}

// A name clash: refused within one folder, shadowed across folders (the earlier folder wins).
bool Registry::name_taken(const LoadedPlugin& plugin) {
  const std::string& name = plugin.descriptor.name;
  for (const auto& other : plugins_) {
    if (other.descriptor.name != name) continue;
    if (other.path.parent_path() == plugin.path.parent_path())
      refused_.push_back({plugin.path, "declares the plugin name '" + name + "', already taken by " +
                                           other.path.string() + " in the same folder: rename one of them"});
    else shadowed_.push_back(name + ": " + plugin.path.string() + " (shadowed by " + other.path.string() + ")");
    return true;
  }
  return false;
}

void Registry::inspect_and_load(const fs::path& file, const std::string& origin) {
  if (auto why = world_writable_problem(file); !why.empty()) {
    refused_.push_back({file, why});
    return;
  }
  const auto entry = read_entry(file);
  if (!entry) return;
  if (auto why = entry_problem(*entry); !why.empty()) {
    refused_.push_back({file, why});
    return;
  }
  auto loaded = load(file, *entry);
  if (!loaded || name_taken(*loaded)) return;
  loaded->origin = origin;
  plugins_.push_back(std::move(*loaded));
}

namespace {
bool has_alias(const PluginDescriptor& d, const std::string& name) {
  return std::find(d.aliases.begin(), d.aliases.end(), name) != d.aliases.end();
}
}  // namespace

// A plugin's own name wins over another plugin's alias (an old name kept for files that still use it).
const LoadedPlugin* Registry::find(PluginKind kind, const std::string& name) const {
  for (const auto& p : plugins_)
    if (p.descriptor.kind == kind && p.descriptor.name == name) return &p;
  for (const auto& p : plugins_)
    if (p.descriptor.kind == kind && has_alias(p.descriptor, name)) return &p;
  return nullptr;
}

const LoadedPlugin* Registry::find_any(const std::string& name) const {
  for (const auto& p : plugins_)
    if (p.descriptor.name == name) return &p;
  for (const auto& p : plugins_)
    if (has_alias(p.descriptor, name)) return &p;
  return nullptr;
}

void Registry::note_use(const LoadedPlugin& plugin) const {
  if (plugin.descriptor.optimization != CodeOptimization::Unoptimized || !warned_.insert(&plugin).second) return;
  std::cerr << "relulab: warning: plugin '" << plugin.descriptor.name << "' (" << plugin.path.string()
            << ") was compiled without optimisation and may run 10-30x slower than a bundled plugin; rebuild it "
               "with -DCMAKE_BUILD_TYPE=Release (docs/plugins.md)\n";
}

std::string build_description(const PluginDescriptor& d) {
  std::string text = d.optimization == CodeOptimization::Optimized     ? "optimised"
                     : d.optimization == CodeOptimization::Unoptimized ? "NOT optimised (-O0)"
                                                                       : "unknown";
  return d.assertions ? text + ", assertions on" : text;
}

std::vector<std::string> Registry::names(PluginKind kind) const {
  std::vector<std::string> out;
  for (const auto& p : plugins_)
    if (p.descriptor.kind == kind) out.push_back(p.descriptor.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Registry::refusal_hint(const std::string& name) const {
  for (const auto& r : refused_)
    if (plugin_stem(r.path) == name)
      return "a library that looks like it was refused: " + r.path.string() + ": " + r.reason;
  return "";
}

}  // namespace relulab::host
