// Composed experiment files: `base = "other.toml"` at the top of a file makes
// it an overlay of that file (Hydra's composition, as data). Tables merge key
// by key, the overlay's values win; arrays (such as [[metrics]]) and inline
// tables (such as schedule = { every = 100 }) are values and replace whole.
// Chains are allowed, cycles refused. Every node keeps the file and line it
// was written at, so errors point there.
#pragma once

#include <filesystem>
#include <toml++/toml.h>

namespace relulab::host {

// Replaces `doc`'s `base` key (if any) by the composition of its chain of
// bases, `file` being where `doc` was read from (bases are relative to it).
// Throws ConfigError at the `base` key for a missing file, a syntax error in
// a base, or a cycle.
void compose_bases(toml::table& doc, const std::filesystem::path& file);

// Merges `overlay` into `base`: tables recursively, anything else replaced.
void merge_into(toml::table& base, const toml::table& overlay);

}  // namespace relulab::host
