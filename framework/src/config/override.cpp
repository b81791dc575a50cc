// Experiment files, the text: parsing (with `base =` composition) and the
// dotted-key overrides of --set and of sweep cells.
#include "config/compose.hpp"
#include "config/sections.hpp"
#include "config/toml_values.hpp"
#include "config/warnings.hpp"
#include "io/output.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

namespace relulab::host {

namespace fs = std::filesystem;

RawExperiment parse_experiment_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw ConfigError(file.string() + ": no such experiment file");
  if (!fs::is_regular_file(file, ec))
    throw ConfigError(file.string() + ": not a regular file (a directory, a FIFO or a device), not an experiment file");
  std::string text;
  try {
    text = read_file(file);
  } catch (const std::exception& e) {
    throw ConfigError(file.string() + ": cannot read the experiment file: " + e.what());
  }
  return parse_experiment_text(text, file);
}

RawExperiment parse_experiment_text(std::string_view text, const fs::path& file) {
  RawExperiment raw;
  raw.file = file;
  try {
    raw.doc = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    Location l{file.string(), e.source().begin.line, e.source().begin.column, ""};
    throw ConfigError(l.text() + ": TOML syntax error: " + std::string(e.description()));
  }
  compose_bases(raw.doc, file);
  return raw;
}

void set_dotted(RawExperiment& raw, const std::string& dotted, const toml::node& value, const std::string& origin) {
  // Split on dots outside double quotes, so sweep."data.n" addresses the key "data.n" of [sweep].
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (char c : dotted) {
    if (c == '"') quoted = !quoted;
    else if (c == '.' && !quoted) parts.emplace_back();
    else parts.back() += c;
  }
  // `loss` alone names the loss plugin: the shorthand `loss = "logistic"` as an override or a sweep axis.
  if (parts.size() == 1 && parts[0] == "loss") {
    if (const toml::node* old = raw.doc.get("loss"); old && !old->is_table()) raw.doc.erase("loss");
    parts.push_back("plugin");
    warn_once("loss key", origin + ": 'loss' is the old spelling of 'loss.plugin'");
  }
  // A whole section: --set sweep={} runs one cell of a sweep file; --set 'metrics=[{ plugin = "losses" }]'.
  const auto& sections = top_level_sections();
  if (parts.size() == 1 && parts[0] != "provenance" && std::count(sections.begin(), sections.end(), parts[0])) {
    value.visit([&](const auto& v) { raw.doc.insert_or_assign(parts[0], v); });
    raw.override_origin[dotted] = origin;
    return;
  }
  if (parts.size() < 2 || std::any_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); }))
    throw ConfigError(origin + ": '" + dotted +
                      "' is not a dotted key such as optimizer.lr or metrics.0.plugin, "
                      "nor a whole section (sweep, metrics, ...)");
  // A section the file lacks and relulab does not know is the override's own mistake, located at it.
  if (!raw.doc.get(parts[0]) && !std::count(sections.begin(), sections.end(), parts[0])) {
    const std::string guess = did_you_mean(parts[0], sections);
    throw ConfigError(origin + ": '" + dotted + "': no section [" + parts[0] + "]" +
                      (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
  }
  toml::table* t = &raw.doc;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* next = t->get(parts[i]);
    if (!next) {
      t->insert(parts[i], toml::table{});
      next = t->get(parts[i]);
    }
    if (auto arr = next->as_array()) {  // metrics.0.key
      std::size_t idx = 0;
      auto [ptr, ec] = std::from_chars(parts[i + 1].data(), parts[i + 1].data() + parts[i + 1].size(), idx);
      if (ec != std::errc() || i + 2 >= parts.size() || idx >= arr->size() || !arr->get(idx)->is_table())
        throw ConfigError(origin + ": '" + dotted + "': [[" + parts[i] + "]] has " + std::to_string(arr->size()) +
                          " entries; address one as " + parts[i] + ".<index>.<key>");
      t = arr->get(idx)->as_table();
      ++i;
      continue;
    }
    t = next->as_table();
    if (!t) throw ConfigError(origin + ": '" + dotted + "': '" + parts[i] + "' is a value, not a table");
  }
  value.visit([&](const auto& v) { t->insert_or_assign(parts.back(), v); });
  raw.override_origin[dotted == "loss" ? "loss.plugin" : dotted] = origin;
}

void apply_override(RawExperiment& raw, const std::string& assignment) {
  const std::string origin = "--set " + assignment;
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(origin + ": expected KEY=VALUE, e.g. --set optimizer.lr=0.005");
  const std::string key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  toml::table parsed;
  try {
    parsed = toml::parse("value = " + text);
  } catch (const toml::parse_error& e) {
    // A plain word stands for a string (--set data.plugin=relu_teacher); text
    // that opens a TOML value ({, [, a quote) and does not parse is a mistake,
    // never a string.
    if (text.find_first_of("{[\"'") == 0)
      throw ConfigError(origin + ": not a TOML value (" + std::string(e.description()) + ")");
    parsed = toml::table{{"value", text}};
  }
  // "1\nfoo = 2" parses as two keys: the rest of the value would be dropped silently.
  if (parsed.size() != 1)
    throw ConfigError(origin + ": the value holds a line break followed by more TOML; give one value per --set");
  set_dotted(raw, key, *parsed.get("value"), origin);
}

}  // namespace relulab::host
