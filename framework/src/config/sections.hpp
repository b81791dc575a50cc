// Where experiment files write each plugin kind: the host's one table of
// plugin sections. With RELULAB_PLUGIN_KINDS (plugin.hpp) it is all the host
// knows of the kinds as such; a new kind is a line in each, its interface,
// and the code that calls its objects.
#pragma once

#include <relulab/plugin.hpp>

#include <string>
#include <vector>

namespace relulab::host {

struct PluginSection {
  PluginKind kind;
  std::string key;  // where it is written: "data", "metrics", "optimizer.policies"
  bool list = false;  // an array of tables, one plugin each ([[metrics]], policies = [{ ... }])
  bool required = false;  // the file must write it
  std::string default_plugin;  // the plugin of a section left out ("mse" for the loss), if any
  std::string host_keys;  // keys the host reads there besides the plugin's, for `plugins describe`
};

// Every plugin kind's section, in the order a file is read.
const std::vector<PluginSection>& plugin_sections();
const PluginSection& section_of(PluginKind kind);

// How a file sets the parameters of `plugin`: "[data] with plugin = \"x\"",
// "[optimizer] policies = [{ plugin = \"x\", ... }]".
std::string where_written(PluginKind kind, const std::string& plugin);

// The top-level keys an experiment file may have: [experiment], the plugin
// sections, [sweep], [search] and [provenance] (which relulab writes).
const std::vector<std::string>& top_level_sections();

}  // namespace relulab::host
