// Internal to the config stage: TOML values and where they stand, shared by
// convert.cpp (values), override.cpp (--set) and resolve.cpp (sections).
#pragma once

#include "config/config.hpp"

#include <optional>
#include <string>
#include <toml++/toml.h>
#include <vector>

namespace relulab::host {

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ");
// "table", "integer", ...: what a TOML node is, for messages.
const char* node_kind(const toml::node& n);
// A short rendering of a value for messages.
std::string render(const toml::node& n);
// Where the key `dotted` (its node at `src`) was written: a file and line, or the --set that set it.
Location location_of(const RawExperiment& raw, const std::string& dotted, const toml::source_region& src);
// Converts a TOML value to the spec's type; on failure returns nothing and sets `error`.
std::optional<ParamValue> convert(const toml::node& node, const ParamSpec& spec, std::string& error);
void insert_value(toml::table& t, const std::string& key, const ParamValue& v);

}  // namespace relulab::host
