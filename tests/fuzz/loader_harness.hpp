// One fuzz input through the experiment loader, as `relulab validate` and
// `relulab run --dry-run` take it: TOML parsing, --set overrides, schema
// validation of every plugin section, and sweep expansion.
//
// Input format: the TOML text; each line of the form `#set KEY=VALUE` (a TOML
// comment, so the file stays valid TOML) is also applied as a --set override.
//
// Sweeps are capped at kFuzzMaxCells cells rather than relulab's kMaxCells:
// a legitimate 10^5-cell sweep takes ~10 s to validate (a minute under the
// sanitizers), which libFuzzer would report as a hang; a lower cap exercises
// the same refusal path at a cost the fuzzer can afford.
// The loader may refuse an input only with a ConfigError (a located message
// for the user); any other exception escaping is a bug, like a crash.
#pragma once

#include "config/config.hpp"
#include "registry/registry.hpp"
#include "sweep/sweep.hpp"

#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>

namespace relulab::fuzz {

inline constexpr std::size_t kFuzzMaxCells = 1000;

// What the loader did with an input: accepted it, or refused it with a message.
enum class Outcome { Accepted, Refused };

// `file` names the text in messages and anchors a `base` key's relative path.
inline Outcome load_experiment_text(std::string_view text, host::Registry& registry,
                                    const std::filesystem::path& file = "fuzz.toml") {
  try {
    host::RawExperiment raw = host::parse_experiment_text(text, file);
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("#set ", 0) == 0) host::apply_override(raw, line.substr(5));
    if (host::has_sweep(raw)) host::expand_sweep(raw, registry, kFuzzMaxCells);
    else host::validate_experiment(raw, registry);
    return Outcome::Accepted;
  } catch (const host::ConfigError&) {
    return Outcome::Refused;
  }
}

}  // namespace relulab::fuzz
