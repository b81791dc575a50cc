#include "config.hpp"

#include "output.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
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
  l.file = raw.file.string();
  if (auto it = raw.override_origin.find(dotted); it != raw.override_origin.end()) {
    l.origin = it->second;
    return l;
  }
  l.line = src.begin.line;
  l.column = src.begin.column;
  return l;
}

bool integral_double(double v) { return std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.2e18; }

// Converts a TOML value to the spec's type; on failure returns nothing and sets `error`.
std::optional<ParamValue> convert(const toml::node& node, const ParamSpec& spec, std::string& error) {
  auto found = [&] { return std::string("expected ") + type_name(spec.type) + ", found " + node_kind(node) + " " + render(node); };
  auto number = [&](const toml::node& n, bool want_int) -> std::optional<double> {
    if (auto i = n.as_integer()) return static_cast<double>(i->get());
    if (auto f = n.as_floating_point()) {
      if (want_int && !integral_double(f->get())) return std::nullopt;
      return f->get();
    }
    return std::nullopt;
  };
  switch (spec.type) {
    case ParamType::Bool:
      if (auto b = node.as_boolean()) return ParamValue(b->get());
      error = found();
      return std::nullopt;
    case ParamType::Int: {
      std::int64_t v;
      if (auto i = node.as_integer()) v = i->get();
      else if (auto f = number(node, true)) v = static_cast<std::int64_t>(*f);
      else {
        error = found();
        return std::nullopt;
      }
      error = spec.check_number(static_cast<double>(v));
      if (!error.empty()) return std::nullopt;
      return ParamValue(v);
    }
    case ParamType::Float: {
      auto v = number(node, false);
      if (!v) {
        error = found();
        return std::nullopt;
      }
      error = spec.check_number(*v);
      if (!error.empty()) return std::nullopt;
      return ParamValue(*v);
    }
    case ParamType::String: {
      auto s = node.as_string();
      if (!s) {
        error = found();
        return std::nullopt;
      }
      error = spec.check_choice(s->get());
      if (!error.empty()) return std::nullopt;
      return ParamValue(s->get());
    }
    case ParamType::FloatList: {
      auto arr = node.as_array();
      if (!arr) {
        error = found();
        return std::nullopt;
      }
      std::vector<double> out;
      for (std::size_t i = 0; i < arr->size(); ++i) {
        auto v = number(*arr->get(i), false);
        if (!v) {
          error = "element " + std::to_string(i) + ": expected a number, found " + node_kind(*arr->get(i));
          return std::nullopt;
        }
        if (auto why = spec.check_number(*v); !why.empty()) {
          error = "element " + std::to_string(i) + ": " + why;
          return std::nullopt;
        }
        out.push_back(*v);
      }
      return ParamValue(std::move(out));
    }
    case ParamType::StringList: {
      auto arr = node.as_array();
      if (!arr) {
        error = found();
        return std::nullopt;
      }
      std::vector<std::string> out;
      for (std::size_t i = 0; i < arr->size(); ++i) {
        auto s = arr->get(i)->as_string();
        if (!s) {
          error = "element " + std::to_string(i) + ": expected a string, found " + node_kind(*arr->get(i));
          return std::nullopt;
        }
        if (auto why = spec.check_choice(s->get()); !why.empty()) {
          error = "element " + std::to_string(i) + ": " + why;
          return std::nullopt;
        }
        out.push_back(s->get());
      }
      return ParamValue(std::move(out));
    }
  }
  return std::nullopt;
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

  // Validates `tbl` against the host schema plus, if `kind` is given, the
  // schema of the plugin it names. Host values go to `host`.
  Section read(const toml::table& tbl, const std::string& table_name, const std::string& dotted_prefix,
               const Schema& host_schema, const PluginKind* kind, Params& host,
               const std::vector<std::string>& special_keys = {}) {
    Section s;
    s.table = table_name;
    s.location = location_of(raw, dotted_prefix, tbl.source());
    const Schema* plugin_schema = &empty_schema();
    if (kind) {
      const toml::node* pn = tbl.get("plugin");
      if (!pn)
        throw ConfigError(located(s.location, table_name, "",
                                  "missing required key 'plugin' (one of: " + join(registry.names(*kind)) + ")"));
      const Location ploc = location_of(raw, dotted_prefix + ".plugin", tbl.find("plugin")->first.source());
      auto name = pn->as_string();
      if (!name)
        throw ConfigError(located(ploc, table_name, "plugin", std::string("expected string, found ") + node_kind(*pn)));
      s.plugin = registry.find(*kind, name->get());
      if (!s.plugin) {
        std::string msg = "unknown " + std::string(kind_name(*kind)) + " plugin '" + name->get() + "'";
        if (auto other = registry.find_any(name->get()))
          msg = "'" + name->get() + "' is a " + kind_name(other->descriptor.kind) + " plugin, not a " +
                kind_name(*kind) + " plugin";
        else if (auto guess = did_you_mean(name->get(), registry.names(*kind)); !guess.empty())
          msg += " (did you mean '" + guess + "'?)";
        msg += "; known " + std::string(kind_name(*kind)) + " plugins: " + join(registry.names(*kind));
        if (auto hint = registry.refusal_hint(name->get()); !hint.empty()) msg += "; " + hint;
        throw ConfigError(located(ploc, table_name, "plugin", msg));
      }
      plugin_schema = &s.plugin->descriptor.schema;
      s.where["plugin"] = ploc;
    }
    for (auto&& [k, node] : tbl) {
      const std::string key(k.str());
      if (key == "plugin" && kind) continue;
      if (std::find(special_keys.begin(), special_keys.end(), key) != special_keys.end()) continue;
      const Location loc = location_of(raw, dotted_prefix + "." + key, k.source());
      s.where[key] = loc;
      const ParamSpec* spec = host_schema.find(key);
      Params* target = &host;
      if (!spec) {
        spec = plugin_schema->find(key);
        target = &s.params;
      }
      if (!spec) {
        std::vector<std::string> known = special_keys;
        for (const auto& p : host_schema.specs()) known.push_back(p.name);
        for (const auto& p : plugin_schema->specs()) known.push_back(p.name);
        if (kind) known.push_back("plugin");
        std::string msg = "unknown key";
        if (s.plugin) msg += " for plugin '" + s.plugin->descriptor.name + "'";
        if (auto guess = did_you_mean(key, known); !guess.empty()) msg += " (did you mean '" + guess + "'?)";
        std::sort(known.begin(), known.end());
        msg += "; valid keys: " + join(known);
        throw ConfigError(located(loc, table_name, key, msg));
      }
      std::string error;
      auto value = convert(node, *spec, error);
      if (!value) throw ConfigError(located(loc, table_name, key, error));
      target->set(key, *value);
    }
    fill_defaults(host_schema, host, s, table_name);
    fill_defaults(*plugin_schema, s.params, s, table_name);
    return s;
  }

  void fill_defaults(const Schema& schema, Params& params, const Section& s, const std::string& table_name) {
    for (const auto& spec : schema.specs()) {
      if (params.has(spec.name)) continue;
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
  if (parts.size() < 2 || std::any_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); }))
    throw ConfigError(origin + ": '" + dotted + "' is not a dotted key such as optimizer.lr or metrics.0.plugin");
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
  raw.override_origin[dotted] = origin;
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
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"value", text}};  // a bare word: a string
  }
  set_dotted(raw, key, *parsed.get("value"), origin);
}

Location Experiment::locate(const Section& s, const std::string& key) const {
  if (auto it = s.where.find(key); it != s.where.end()) return it->second;
  return s.location;
}

Experiment validate_experiment(const RawExperiment& raw, Registry& registry) {
  Experiment ex;
  ex.file = raw.file;
  const Location file_loc{raw.file.string(), 0, 0, ""};
  SectionReader reader{raw, registry};

  static const std::vector<std::string> sections = {"experiment", "data", "model", "optimizer",
                                                    "metrics",    "sweep", "provenance"};
  for (auto&& [k, node] : raw.doc) {
    const std::string key(k.str());
    if (std::find(sections.begin(), sections.end(), key) != sections.end()) continue;
    const Location loc = location_of(raw, key, k.source());
    std::string msg = "unknown top-level key";
    if (auto guess = did_you_mean(key, sections); !guess.empty()) msg += " (did you mean '" + guess + "'?)";
    throw ConfigError(located(loc, "", key, msg + "; sections are [experiment], [data], [model], [optimizer], "
                                                 "[[metrics]], [sweep]"));
  }
  auto table = [&](const std::string& name) -> const toml::table& {
    static const toml::table empty;
    const toml::node* n = raw.doc.get(name);
    if (!n) {
      if (name == "experiment") return empty;
      throw ConfigError(located(file_loc, "", "", "missing section [" + name + "]"));
    }
    if (!n->is_table())
      throw ConfigError(located(location_of(raw, name, n->source()), "", name, "expected a table [" + name + "]"));
    return *n->as_table();
  };

  // [experiment] first: its plugin_paths must be scanned before plugins are named.
  Params exp;
  Section exp_section = reader.read(table("experiment"), "experiment", "experiment", experiment_schema(), nullptr, exp);
  ex.name = exp.has("name") ? exp.text("name") : raw.file.stem().string();
  if (ex.name.empty() || ex.name.find('/') != std::string::npos)
    throw ConfigError(located(exp_section.location, "experiment", "name", "must be a non-empty name without '/'"));
  exp.set("name", ex.name);
  ex.seed = static_cast<std::uint64_t>(exp.integer("seed"));
  ex.output = exp.text("output");
  ex.checkpoint_seconds = exp.real("checkpoint_seconds");
  for (const auto& p : exp.texts("plugin_paths")) {
    fs::path dir = fs::path(p).is_absolute() ? fs::path(p) : raw.file.parent_path() / p;
    registry.add_search_dir(dir, "plugin_paths of " + raw.file.string());
  }
  registry.scan();

  Params data_host, none;
  const PluginKind k_data = PluginKind::DataGenerator, k_model = PluginKind::Model, k_opt = PluginKind::Optimizer,
                   k_metric = PluginKind::Metric;
  ex.data = reader.read(table("data"), "data", "data", data_host_schema(), &k_data, data_host);
  ex.n = static_cast<Index>(data_host.integer("n"));
  Params model_host;
  ex.model = reader.read(table("model"), "model", "model", model_host_schema(), &k_model, model_host);
  if (model_host.has("warm_start")) ex.warm_start = model_host.text("warm_start");
  ex.warm_start_check_data = model_host.flag("warm_start_check_data");
  ex.optimizer = reader.read(table("optimizer"), "optimizer", "optimizer", empty_schema(), &k_opt, none);

  const toml::node* mnode = raw.doc.get("metrics");
  if (mnode) {
    auto arr = mnode->as_array();
    if (!arr || !arr->is_array_of_tables())
      throw ConfigError(located(location_of(raw, "metrics", mnode->source()), "", "metrics",
                                "expected an array of tables: write each metric as [[metrics]]"));
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table& mt = *arr->get(i)->as_table();
      const std::string name = "metrics[" + std::to_string(i) + "]", dotted = "metrics." + std::to_string(i);
      Params mh;
      MetricSection ms;
      static_cast<Section&>(ms) = reader.read(mt, name, dotted, empty_schema(), &k_metric, mh, {"schedule"});
      if (const toml::node* sn = mt.get("schedule")) {
        const Location sl = location_of(raw, dotted + ".schedule", sn->source());
        ms.where["schedule"] = sl;
        ms.schedule = reader.read_schedule(*sn, name, sl);
      }
      ex.metrics.push_back(std::move(ms));
    }
  }
  if (const toml::node* sw = raw.doc.get("sweep"); sw && !sw->is_table())
    throw ConfigError(located(location_of(raw, "sweep", sw->source()), "", "sweep", "expected a table [sweep]"));

  // The canonical configuration: what was run, with every default spelled out.
  toml::table r;
  r.insert("experiment", to_toml(exp));
  auto with_plugin = [](const Section& s, toml::table t) {
    t.insert_or_assign("plugin", s.plugin->descriptor.name);
    return t;
  };
  toml::table data_t = to_toml(ex.data.params);
  for (const auto& [k, v] : data_host.values()) insert_value(data_t, k, v);
  r.insert("data", with_plugin(ex.data, std::move(data_t)));
  toml::table model_t = to_toml(ex.model.params);
  for (const auto& [k, v] : model_host.values()) insert_value(model_t, k, v);
  r.insert("model", with_plugin(ex.model, std::move(model_t)));
  r.insert("optimizer", with_plugin(ex.optimizer, to_toml(ex.optimizer.params)));
  if (!ex.metrics.empty()) {
    toml::array metrics;
    for (const auto& m : ex.metrics) {
      toml::table t = with_plugin(m, to_toml(m.params));
      t.insert("schedule", schedule_table(m.schedule));
      metrics.push_back(std::move(t));
    }
    r.insert("metrics", std::move(metrics));
  }
  ex.resolved = std::move(r);
  // The hash names the computation: keys that cannot change a result stay out of it,
  // so a run may be resumed with another checkpoint interval or output folder.
  toml::table semantic = ex.resolved;
  for (const char* k : {"output", "description", "checkpoint_seconds", "plugin_paths"})
    semantic["experiment"].as_table()->erase(k);
  ex.hash = short_hash(format_toml(semantic));
  return ex;
}

}  // namespace relulab::host
