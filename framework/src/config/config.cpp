#include "config/config.hpp"

#include "config/compose.hpp"

#include "io/output.hpp"
#include "config/warnings.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

namespace relulab::host {

namespace fs = std::filesystem;

std::string Location::text() const {
  if (!origin.empty()) return "command line (" + origin + ")";
  std::string s = file;
  if (line) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  return s;
}

std::string located(const Location& where, const std::string& table, const std::string& key,
                    const std::string& message) {
  std::string s = where.text() + ": ";
  if (!table.empty()) s += "[" + table + "] ";
  if (!key.empty()) s += key + ": ";
  return s + message;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

const char* node_kind(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    default: return "date/time";
  }
}

std::string render(const toml::node& n) {
  std::ostringstream out;
  n.visit([&](const auto& v) {
    if constexpr (toml::is_table<decltype(v)>) out << "{...}";
    else out << toml::toml_formatter(v);
  });
  std::string s = out.str();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

// The host's own keys of each section, declared like plugin parameters.
const Schema& experiment_schema() {
  static const Schema s = [] {
    Schema x;
    x.text("name", "experiment name (default: the file's stem); names the run directory").optional();
    x.text("description", "free text, copied to the run directory").def("");
    x.integer("seed", "root seed; the data, init, batch and test streams derive from it").def(0).at_least(0);
    for (const auto& [key, stream] : kStreamSeedKeys)
      x.integer(key, std::string("root of the ") + stream + " stream alone (default: seed; the same value as seed "
                     "gives the same stream)").optional().at_least(0);
    x.text("output", "folder that receives run directories (relative to the working directory)").def("runs");
    x.texts("plugin_paths", "extra plugin folders, relative to this file").def(ParamValue(std::vector<std::string>{}));
    x.real("checkpoint_seconds", "wall-clock seconds between checkpoints (0: only at the end)").def(60).at_least(0);
    return x;
  }();
  return s;
}
const Schema& data_host_schema() {
  static const Schema s = [] {
    Schema x;
    x.integer("n", "number of training samples").at_least(1).at_most(1e12);
    return x;
  }();
  return s;
}
const Schema& model_host_schema() {
  static const Schema s = [] {
    Schema x;
    x.text("warm_start",
           "start from the weights of an earlier run: its run directory (final weights, else its checkpoint) or a "
           "checkpoint file, relative to the working directory; a pattern (runs/fig1-*/cells/7-*) must match one run")
        .optional();
    x.flag("warm_start_check_data", "refuse a warm start from a run whose training data differ").def(true);
    return x;
  }();
  return s;
}
const Schema& empty_schema() {
  static const Schema s;
  return s;
}

Location location_of(const RawExperiment& raw, const std::string& dotted, const toml::source_region& src) {
  Location l;
  l.file = src.path ? *src.path : raw.file.string();  // a key from a base file names that file
  if (auto it = raw.override_origin.find(dotted); it != raw.override_origin.end()) {
    l.origin = it->second;
    return l;
  }
  l.line = src.begin.line;
  l.column = src.begin.column;
  return l;
}

bool integral_double(double v) { return std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.2e18; }

// Converting one TOML value to a parameter's type: each converter returns
// nothing and sets `error` when the value does not fit.
struct Converter {
  const toml::node& node;
  const ParamSpec& spec;
  std::string& error;

  std::optional<ParamValue> wrong_type() const {
    error = std::string("expected ") + type_name(spec.type) + ", found " + node_kind(node) + " " + render(node);
    return std::nullopt;
  }

  static std::optional<double> number(const toml::node& n, bool want_int) {
    if (auto i = n.as_integer()) return static_cast<double>(i->get());
    if (auto f = n.as_floating_point()) {
      if (want_int && !integral_double(f->get())) return std::nullopt;
      return f->get();
    }
    return std::nullopt;
  }

  std::optional<ParamValue> checked(double v, ParamValue value) const {
    error = spec.check_number(v);
    return error.empty() ? std::optional<ParamValue>(std::move(value)) : std::nullopt;
  }

  std::optional<ParamValue> to_integer() const {
    if (auto i = node.as_integer()) return checked(static_cast<double>(i->get()), ParamValue(i->get()));
    if (auto f = number(node, true)) return checked(*f, ParamValue(static_cast<std::int64_t>(*f)));
    return wrong_type();
  }

  std::optional<ParamValue> to_real() const {
    if (auto v = number(node, false)) return checked(*v, ParamValue(*v));
    return wrong_type();
  }

  std::optional<ParamValue> to_text() const {
    auto s = node.as_string();
    if (!s) return wrong_type();
    error = spec.check_choice(s->get());
    if (!error.empty())
      if (auto guess = did_you_mean(s->get(), spec.choices); !guess.empty()) error += " (did you mean '" + guess + "'?)";
    return error.empty() ? std::optional<ParamValue>(ParamValue(s->get())) : std::nullopt;
  }

  // Each element through `element`, which returns its value or sets `why`.
  template <class T, class Element>
  std::optional<ParamValue> to_list(Element element) const {
    auto arr = node.as_array();
    if (!arr) return wrong_type();
    std::vector<T> out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      std::string why;
      auto v = element(*arr->get(i), why);
      if (!v) {
        error = "element " + std::to_string(i) + ": " + why;
        return std::nullopt;
      }
      out.push_back(std::move(*v));
    }
    return ParamValue(std::move(out));
  }

  std::optional<ParamValue> to_reals() const {
    return to_list<double>([&](const toml::node& e, std::string& why) -> std::optional<double> {
      auto v = number(e, false);
      if (!v) why = std::string("expected a number, found ") + node_kind(e);
      else why = spec.check_number(*v);
      return why.empty() ? v : std::nullopt;
    });
  }

  std::optional<ParamValue> to_texts() const {
    return to_list<std::string>([&](const toml::node& e, std::string& why) -> std::optional<std::string> {
      auto s = e.as_string();
      if (!s) why = std::string("expected a string, found ") + node_kind(e);
      else why = spec.check_choice(s->get());
      return why.empty() ? std::optional<std::string>(s->get()) : std::nullopt;
    });
  }

  std::optional<ParamValue> convert() const {
    switch (spec.type) {
      case ParamType::Bool:
        if (auto b = node.as_boolean()) return ParamValue(b->get());
        return wrong_type();
      case ParamType::Int: return to_integer();
      case ParamType::Float: return to_real();
      case ParamType::String: return to_text();
      case ParamType::FloatList: return to_reals();
      case ParamType::StringList: return to_texts();
    }
    return std::nullopt;
  }
};

// Converts a TOML value to the spec's type; on failure returns nothing and sets `error`.
std::optional<ParamValue> convert(const toml::node& node, const ParamSpec& spec, std::string& error) {
  return Converter{node, spec, error}.convert();
}

void insert_value(toml::table& t, const std::string& key, const ParamValue& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<std::string>>) {
          toml::array arr;
          for (const auto& e : x) arr.push_back(e);
          t.insert_or_assign(key, std::move(arr));
        } else {
          t.insert_or_assign(key, x);
        }
      },
      v);
}

struct SectionReader {
  const RawExperiment& raw;
  Registry& registry;

  // The plugin a section names with `plugin = "..."`, or a ConfigError that
  // lists the known ones (with a did-you-mean).
  const LoadedPlugin* named_plugin(const toml::table& tbl, const std::string& table_name,
                                   const std::string& dotted_prefix, PluginKind kind, Section& s) {
    const toml::node* pn = tbl.get("plugin");
    if (!pn)
      throw ConfigError(located(s.location, table_name, "",
                                "missing required key 'plugin' (one of: " + join(registry.names(kind)) + ")"));
    const Location ploc = location_of(raw, dotted_prefix + ".plugin", tbl.find("plugin")->first.source());
    s.where["plugin"] = ploc;
    auto name = pn->as_string();
    if (!name)
      throw ConfigError(located(ploc, table_name, "plugin", std::string("expected string, found ") + node_kind(*pn)));
    if (const LoadedPlugin* found = registry.find(kind, name->get())) {
      registry.note_use(*found);
      if (found->descriptor.name != name->get())
        warn_once("alias " + name->get(),
                  located(ploc, table_name, "plugin",
                          "'" + name->get() + "' is an old name of the " + kind_name(kind) + " plugin '" +
                              found->descriptor.name + "'; write plugin = \"" + found->descriptor.name + "\""));
      return found;
    }
    std::string msg = "unknown " + std::string(kind_name(kind)) + " plugin '" + name->get() + "'";
    if (auto other = registry.find_any(name->get()))
      msg = "'" + name->get() + "' is a " + kind_name(other->descriptor.kind) + " plugin, not a " + kind_name(kind) +
            " plugin";
    else if (auto guess = did_you_mean(name->get(), registry.names(kind)); !guess.empty())
      msg += " (did you mean '" + guess + "'?)";
    msg += "; known " + std::string(kind_name(kind)) + " plugins: " + join(registry.names(kind));
    if (auto hint = registry.refusal_hint(name->get()); !hint.empty()) msg += "; " + hint;
    throw ConfigError(located(ploc, table_name, "plugin", msg));
  }

  [[noreturn]] static void unknown_key(const Location& loc, const std::string& table_name, const std::string& key,
                                       const Section& s, std::vector<std::string> known) {
    std::string msg = "unknown key";
    if (s.plugin) msg += " for plugin '" + s.plugin->descriptor.name + "'";
    if (auto guess = did_you_mean(key, known); !guess.empty()) msg += " (did you mean '" + guess + "'?)";
    std::sort(known.begin(), known.end());
    throw ConfigError(located(loc, table_name, key, msg + "; valid keys: " + join(known)));
  }

  // Validates `tbl` against the host schema plus, if `kind` is given, the
  // schema of the plugin it names. Host values go to `host`.
  Section read(const toml::table& tbl, const std::string& table_name, const std::string& dotted_prefix,
               const Schema& host_schema, const PluginKind* kind, Params& host,
               const std::vector<std::string>& special_keys = {}) {
    Section s;
    s.table = table_name;
    s.location = location_of(raw, dotted_prefix, tbl.source());
    if (kind) s.plugin = named_plugin(tbl, table_name, dotted_prefix, *kind, s);
    const Schema& plugin_schema = s.plugin ? s.plugin->descriptor.schema : empty_schema();
    for (auto&& [k, node] : tbl) {
      const std::string key(k.str());
      if (key == "plugin" && kind) continue;
      if (std::find(special_keys.begin(), special_keys.end(), key) != special_keys.end()) continue;
      const Location loc = location_of(raw, dotted_prefix + "." + key, k.source());
      s.where[key] = loc;
      const bool host_key = host_schema.find(key) != nullptr;
      const ParamSpec* spec = host_key ? host_schema.find(key) : plugin_schema.find(key);
      if (!spec) {
        std::vector<std::string> known = special_keys;
        for (const auto& p : host_schema.specs()) known.push_back(p.name);
        for (const auto& p : plugin_schema.specs()) known.push_back(p.name);
        if (kind) known.push_back("plugin");
        unknown_key(loc, table_name, key, s, std::move(known));
      }
      if (spec->moved()) {
        read_moved_key(node, *spec, loc, table_name, key, s);
        continue;
      }
      std::string error;
      auto value = convert(node, *spec, error);
      if (!value) throw ConfigError(located(loc, table_name, key, error));
      (host_key ? host : s.params).set(key, *value);
    }
    fill_defaults(host_schema, host, s, table_name);
    fill_defaults(plugin_schema, s.params, s, table_name);
    return s;
  }

  // A key in its old place (ParamSpec::moved_to): checked against the schema
  // of the policy it moved to and kept under its new name (fold_moved_keys).
  void read_moved_key(const toml::node& node, const ParamSpec& spec, const Location& loc, const std::string& table_name,
                      const std::string& key, Section& s) {
    const LoadedPlugin* policy = registry.find(PluginKind::Policy, spec.moved_policy);
    const ParamSpec* target = policy ? policy->descriptor.schema.find(spec.moved_key) : nullptr;
    if (!target)
      throw ConfigError(located(loc, table_name, key, "moved to key '" + spec.moved_key + "' of the policy '" +
                                                          spec.moved_policy + "', which is not installed"));
    std::string error;
    auto value = convert(node, *target, error);
    if (!value) throw ConfigError(located(loc, table_name, key, error));
    s.moved.set(spec.moved_key, *value);
  }

  void fill_defaults(const Schema& schema, Params& params, const Section& s, const std::string& table_name) {
    for (const auto& spec : schema.specs()) {
      if (params.has(spec.name) || spec.moved()) continue;
      if (spec.default_value) params.set(spec.name, *spec.default_value);
      else if (spec.required())
        throw ConfigError(located(s.location, table_name, "",
                                  "missing required key '" + spec.name + "' (" + type_name(spec.type) + ": " +
                                      spec.doc + ")"));
    }
  }

  Schedule read_schedule(const toml::node& node, const std::string& table_name, const Location& loc) {
    auto fail = [&](const std::string& why) {
      throw ConfigError(located(loc, table_name, "schedule",
                                why + "; write { every = N }, { geometric = 1.1 } (optionally with start = t0), "
                                      "or { points = [t1, t2, ...] }"));
    };
    auto tbl = node.as_table();
    if (!tbl) fail(std::string("expected an inline table, found ") + node_kind(node));
    Schedule s;
    int forms = 0;
    for (auto&& [k, v] : *tbl) {
      const std::string key(k.str());
      auto num = v.value<double>();
      if (key == "every") {
        ++forms;
        if (!num || !(*num > 0) || !std::isfinite(*num)) fail("'every' must be a positive number");
        s.kind = Schedule::Kind::Every;
        s.every = *num;
      } else if (key == "geometric") {
        ++forms;
        if (!num || !(*num > 1) || !std::isfinite(*num)) fail("'geometric' must be a ratio greater than 1");
        s.kind = Schedule::Kind::Geometric;
        s.ratio = *num;
      } else if (key == "start") {
        if (!num || !(*num > 0) || !std::isfinite(*num)) fail("'start' must be a positive number");
        s.start = *num;
      } else if (key == "points") {
        ++forms;
        auto arr = v.as_array();
        if (!arr) fail("'points' must be an array of numbers");
        s.kind = Schedule::Kind::Points;
        for (auto&& e : *arr) {
          auto p = e.value<double>();
          if (!p || *p < 0 || !std::isfinite(*p)) fail("'points' must hold non-negative numbers");
          s.points.push_back(*p);
        }
        std::sort(s.points.begin(), s.points.end());
      } else {
        auto guess = did_you_mean(key, {"every", "geometric", "start", "points"});
        fail("unknown schedule key '" + key + "'" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
      }
    }
    if (forms != 1) fail("give exactly one of every, geometric, points");
    return s;
  }
};

toml::table schedule_table(const Schedule& s) {
  toml::table t;
  switch (s.kind) {
    case Schedule::Kind::Every: t.insert("every", s.every); break;
    case Schedule::Kind::Geometric:
      t.insert("geometric", s.ratio);
      t.insert("start", s.start);
      break;
    case Schedule::Kind::Points: {
      toml::array a;
      for (double p : s.points) a.push_back(p);
      t.insert("points", std::move(a));
      break;
    }
  }
  t.is_inline(true);
  return t;
}

}  // namespace

std::string short_hash(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string(buf, 10);
}

toml::table to_toml(const Params& params) {
  toml::table t;
  for (const auto& [k, v] : params.values()) insert_value(t, k, v);
  return t;
}

std::string format_toml(const toml::table& t) {
  std::ostringstream out;
  out << toml::toml_formatter(t, toml::toml_formatter::default_flags & ~toml::format_flags::indentation);
  return out.str();
}

RawExperiment parse_experiment_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw ConfigError(file.string() + ": no such experiment file");
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
  static const std::set<std::string> kWholeSections = {"experiment", "data", "model", "optimizer", "metrics", "sweep", "search"};
  if (parts.size() == 1 && kWholeSections.count(parts[0])) {
    value.visit([&](const auto& v) { raw.doc.insert_or_assign(parts[0], v); });
    raw.override_origin[dotted] = origin;
    return;
  }
  if (parts.size() < 2 || std::any_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); }))
    throw ConfigError(origin + ": '" + dotted + "' is not a dotted key such as optimizer.lr or metrics.0.plugin, "
                      "nor a whole section (sweep, metrics, ...)");
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
  set_dotted(raw, key, *parsed.get("value"), origin);
}

Location Experiment::locate(const Section& s, const std::string& key) const {
  if (auto it = s.where.find(key); it != s.where.end()) return it->second;
  return s.location;
}

namespace {

const std::vector<std::string> kSections = {"experiment", "data",  "model",  "loss",      "optimizer",
                                            "metrics",    "sweep", "search", "provenance"};

void refuse_unknown_sections(const RawExperiment& raw) {
  for (auto&& [k, node] : raw.doc) {
    const std::string key(k.str());
    if (std::find(kSections.begin(), kSections.end(), key) != kSections.end()) continue;
    std::string msg = "unknown top-level key";
    if (auto guess = did_you_mean(key, kSections); !guess.empty()) msg += " (did you mean '" + guess + "'?)";
    throw ConfigError(located(location_of(raw, key, k.source()), "", key,
                              msg + "; sections are [experiment], [data], [model], [loss], [optimizer], [[metrics]], [sweep], [search]"));
  }
  if (const toml::node* sw = raw.doc.get("sweep"); sw && !sw->is_table())
    throw ConfigError(located(location_of(raw, "sweep", sw->source()), "", "sweep", "expected a table [sweep]"));
}

// A section that must be a table; [experiment] may be left out.
const toml::table& section_table(const RawExperiment& raw, const std::string& name) {
  static const toml::table empty;
  const toml::node* n = raw.doc.get(name);
  if (!n) {
    if (name == "experiment") return empty;
    throw ConfigError(located(Location{raw.file.string(), 0, 0, ""}, "", "", "missing section [" + name + "]"));
  }
  if (!n->is_table())
    throw ConfigError(located(location_of(raw, name, n->source()), "", name, "expected a table [" + name + "]"));
  return *n->as_table();
}

// [experiment] first: its plugin_paths must be scanned before plugins are named.
Params read_experiment_section(Experiment& ex, SectionReader& reader, const RawExperiment& raw, Registry& registry) {
  Params exp;
  const Section section =
      reader.read(section_table(raw, "experiment"), "experiment", "experiment", experiment_schema(), nullptr, exp);
  ex.name = exp.has("name") ? exp.text("name") : raw.file.stem().string();
  if (ex.name.empty() || ex.name.find('/') != std::string::npos)
    throw ConfigError(located(section.location, "experiment", "name", "must be a non-empty name without '/'"));
  exp.set("name", ex.name);
  ex.seed = static_cast<std::uint64_t>(exp.integer("seed"));
  for (const auto& [key, stream] : kStreamSeedKeys)
    ex.stream_roots[stream] = exp.has(key) ? static_cast<std::uint64_t>(exp.integer(key)) : ex.seed;
  ex.output = exp.text("output");
  ex.checkpoint_seconds = exp.real("checkpoint_seconds");
  for (const auto& p : exp.texts("plugin_paths")) {
    fs::path dir = fs::path(p).is_absolute() ? fs::path(p) : raw.file.parent_path() / p;
    registry.add_search_dir(dir, "plugin_paths of " + raw.file.string());
  }
  registry.scan();
  return exp;
}

void read_metrics(Experiment& ex, SectionReader& reader, const RawExperiment& raw) {
  const toml::node* mnode = raw.doc.get("metrics");
  if (!mnode) return;
  auto arr = mnode->as_array();
  if (!arr || !arr->is_array_of_tables())
    throw ConfigError(located(location_of(raw, "metrics", mnode->source()), "", "metrics",
                              "expected an array of tables: write each metric as [[metrics]]"));
  const PluginKind kind = PluginKind::Metric;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::table& mt = *arr->get(i)->as_table();
    const std::string name = "metrics[" + std::to_string(i) + "]", dotted = "metrics." + std::to_string(i);
    Params none;
    MetricSection ms;
    static_cast<Section&>(ms) = reader.read(mt, name, dotted, empty_schema(), &kind, none, {"schedule"});
    if (const toml::node* sn = mt.get("schedule")) {
      const Location sl = location_of(raw, dotted + ".schedule", sn->source());
      ms.where["schedule"] = sl;
      ms.schedule = reader.read_schedule(*sn, name, sl);
    }
    ex.metrics.push_back(std::move(ms));
  }
}

// [optimizer] policies = [{ plugin = "weight_decay", rate = 1e-3 }, ...]: an
// array of tables, each naming a policy plugin with its keys.
std::vector<Section> read_policies(SectionReader& reader, const RawExperiment& raw) {
  std::vector<Section> policies;
  const toml::node* node = raw.doc.at_path("optimizer.policies").node();
  if (!node) return policies;
  auto arr = node->as_array();
  if (!arr || !arr->is_array_of_tables())
    throw ConfigError(located(location_of(raw, "optimizer.policies", node->source()), "optimizer", "policies",
                              "expected an array of tables: write policies = [{ plugin = \"weight_decay\", rate = 1e-3 "
                              "}] or [[optimizer.policies]] tables"));
  const PluginKind kind = PluginKind::Policy;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string name = "optimizer.policies[" + std::to_string(i) + "]";
    Params none;
    policies.push_back(
        reader.read(*arr->get(i)->as_table(), name, "optimizer.policies." + std::to_string(i), empty_schema(), &kind, none));
  }
  return policies;
}

// [loss] names the loss plugin with its keys; `loss = "logistic"` is short for
// a [loss] with only a plugin; with neither the loss is the squared error.
Section read_loss(SectionReader& reader, const RawExperiment& raw) {
  const PluginKind kind = PluginKind::Loss;
  Params none;
  const toml::node* node = raw.doc.get("loss");
  if (node && node->is_table()) return reader.read(*node->as_table(), "loss", "loss", empty_schema(), &kind, none);
  toml::table shorthand;
  if (!node) {
    shorthand.insert("plugin", "mse");
  } else if (node->is_string()) {
    shorthand.insert(toml::key("plugin", toml::source_region{node->source()}), *node->as_string());
    const std::string name = node->as_string()->get();
    warn_once("loss shorthand", located(location_of(raw, "loss", raw.doc.find("loss")->first.source()), "", "loss",
                                        "loss = \"" + name + "\" is an old spelling; write [loss] plugin = \"" +
                                            name + "\" (and loss.plugin in --set and sweep axes)"));
  } else {
    throw ConfigError(located(location_of(raw, "loss", node->source()), "", "loss",
                              std::string("expected a table [loss] or a loss plugin's name, found ") + node_kind(*node)));
  }
  return reader.read(shorthand, "loss", "loss", empty_schema(), &kind, none);
}

// Keys an old file writes on the optimizer that moved to a policy become that
// policy, first in the list, where the optimizer applied them. Keys that only
// restate their old defaults change nothing and are dropped, so the other
// policies keep their places (their noise streams are derived from them).
void fold_moved_keys(Experiment& ex, Registry& registry) {
  struct Folded {
    Section section;
    bool changes = false;          // some key differs from its old default
    std::string old_keys, new_form;  // for the warning
  };
  const Section& optimizer = ex.optimizer;
  std::map<std::string, Folded> folded;  // by policy name
  for (const auto& spec : optimizer.plugin->descriptor.schema.specs()) {
    if (!spec.moved() || !optimizer.moved.has(spec.moved_key)) continue;
    const ParamValue& value = optimizer.moved.values().at(spec.moved_key);
    Folded& f = folded[spec.moved_policy];
    if (!f.section.plugin) {
      f.section.table = optimizer.table;
      f.section.location = optimizer.location;
      f.section.plugin = registry.find(PluginKind::Policy, spec.moved_policy);
      for (const auto& target : f.section.plugin->descriptor.schema.specs())
        if (target.default_value) f.section.params.set(target.name, *target.default_value);
    }
    f.section.params.set(spec.moved_key, value);
    f.section.where[spec.moved_key] = optimizer.where.at(spec.name);
    f.changes = f.changes || format_value(value) != format_value(*spec.default_value);
    f.old_keys += (f.old_keys.empty() ? "" : ", ") + spec.name;
    f.new_form += ", " + spec.moved_key + " = " + format_value(value);
  }
  for (auto& [name, f] : folded) {
    Location first = f.section.where.begin()->second;  // the first line of them, for the warning
    for (const auto& [key, at] : f.section.where)
      if (at.line < first.line) first = at;
    warn_once("moved " + f.old_keys, located(first, optimizer.table, "", f.old_keys + ": an old spelling; write policies = [{ plugin = \"" + name +
                                                 "\"" + f.new_form + " }], first in the list"));
    if (f.changes) ex.policies.insert(ex.policies.begin(), std::move(f.section));
  }
}

// Run folders keep the names they had before keys moved (ParamSpec::moved_to):
// the hash is taken over the layout of that time. A policy that such keys
// moved to, alone in the list, is hashed as those keys; otherwise the keys
// take their old defaults and the policies stay as they are (with others
// beside it, the noise streams differ from the old layout's, so it is
// rightly another computation).
void hash_moved_keys_in_old_place(toml::table& optimizer, const Experiment& ex) {
  const Schema& schema = ex.optimizer.plugin->descriptor.schema;
  const toml::table* alone = nullptr;
  if (const auto* policies = optimizer["policies"].as_array(); policies && policies->size() == 1)
    for (const auto& spec : schema.specs())
      if (spec.moved() && ex.policies[0].plugin->descriptor.name == spec.moved_policy) alone = policies->get(0)->as_table();
  for (const auto& spec : schema.specs()) {
    if (!spec.moved()) continue;
    if (alone) optimizer.insert_or_assign(spec.name, *alone->get(spec.moved_key));
    else insert_value(optimizer, spec.name, *spec.default_value);
  }
  if (alone) optimizer.erase("policies");
}

toml::table section_with_plugin(const Section& s, const Params& host) {
  toml::table t = to_toml(s.params);
  for (const auto& [k, v] : host.values()) insert_value(t, k, v);
  t.insert_or_assign("plugin", s.plugin->descriptor.name);
  return t;
}

// Keys a plugin declares result-neutral (same_results()) stay out of the hash.
void erase_same_results(toml::table& t, const Section& s) {
  for (const auto& spec : s.plugin->descriptor.schema.specs())
    if (!spec.changes_results) t.erase(spec.name);
}

// The canonical configuration: what was run, with every default spelled out;
// and its hash, which names the computation.
void resolve(Experiment& ex, const Params& exp, const Params& data_host, const Params& model_host) {
  toml::table r;
  r.insert("experiment", to_toml(exp));
  r.insert("data", section_with_plugin(ex.data, data_host));
  r.insert("model", section_with_plugin(ex.model, model_host));
  r.insert("loss", section_with_plugin(ex.loss, Params{}));
  toml::table optimizer = section_with_plugin(ex.optimizer, Params{});
  if (!ex.policies.empty()) {  // absent when empty, so experiments without policies keep their hashes
    toml::array policies;
    for (const auto& p : ex.policies) policies.push_back(section_with_plugin(p, Params{}));
    optimizer.insert("policies", std::move(policies));
  }
  r.insert("optimizer", std::move(optimizer));
  if (!ex.metrics.empty()) {
    toml::array metrics;
    for (const auto& m : ex.metrics) {
      toml::table t = section_with_plugin(m, Params{});
      t.insert("schedule", schedule_table(m.schedule));
      metrics.push_back(std::move(t));
    }
    r.insert("metrics", std::move(metrics));
  }
  ex.resolved = std::move(r);
  // Keys that cannot change a result stay out of the hash, so a run may be
  // resumed with another checkpoint interval or output folder.
  toml::table semantic = ex.resolved;
  for (const char* k : {"output", "description", "checkpoint_seconds", "plugin_paths"})
    semantic["experiment"].as_table()->erase(k);
  erase_same_results(*semantic["data"].as_table(), ex.data);
  erase_same_results(*semantic["model"].as_table(), ex.model);
  erase_same_results(*semantic["loss"].as_table(), ex.loss);
  erase_same_results(*semantic["optimizer"].as_table(), ex.optimizer);
  hash_moved_keys_in_old_place(*semantic["optimizer"].as_table(), ex);
  if (auto* policies = semantic["optimizer"]["policies"].as_array())
    for (std::size_t i = 0; i < ex.policies.size(); ++i)
      erase_same_results(*policies->get(i)->as_table(), ex.policies[i]);
  if (auto* metrics = semantic["metrics"].as_array())
    for (std::size_t i = 0; i < ex.metrics.size(); ++i) erase_same_results(*metrics->get(i)->as_table(), ex.metrics[i]);
  ex.hash = short_hash(format_toml(semantic));
}

}  // namespace

Experiment validate_experiment(const RawExperiment& raw, Registry& registry) {
  Experiment ex;
  ex.file = raw.file;
  SectionReader reader{raw, registry};
  refuse_unknown_sections(raw);
  const Params exp = read_experiment_section(ex, reader, raw, registry);
  Params data_host, model_host, none;
  const PluginKind k_data = PluginKind::DataGenerator, k_model = PluginKind::Model, k_opt = PluginKind::Optimizer;
  ex.data = reader.read(section_table(raw, "data"), "data", "data", data_host_schema(), &k_data, data_host);
  ex.n = static_cast<Index>(data_host.integer("n"));
  ex.model = reader.read(section_table(raw, "model"), "model", "model", model_host_schema(), &k_model, model_host);
  if (model_host.has("warm_start")) ex.warm_start = model_host.text("warm_start");
  ex.warm_start_check_data = model_host.flag("warm_start_check_data");
  ex.loss = read_loss(reader, raw);
  ex.optimizer = reader.read(section_table(raw, "optimizer"), "optimizer", "optimizer", empty_schema(), &k_opt, none,
                             {"policies"});
  ex.policies = read_policies(reader, raw);
  fold_moved_keys(ex, registry);
  read_metrics(ex, reader, raw);
  resolve(ex, exp, data_host, model_host);
  return ex;
}

}  // namespace relulab::host
