// Reading one section of an experiment file: its plugin, each key against the
// host's and the plugin's schemas (with did-you-mean), defaults filled in,
// keys in their old place (ParamSpec::moved_to), metric schedules.
#pragma once

#include "config/toml_values.hpp"
#include "config/warnings.hpp"

#include <algorithm>

namespace relulab::host {

const Schema& empty_schema();

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
      throw ConfigError(located(
          loc, table_name, key,
          "moved to key '" + spec.moved_key + "' of the policy '" + spec.moved_policy + "', which is not installed"));
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
        throw ConfigError(
            located(s.location, table_name, "",
                    "missing required key '" + spec.name + "' (" + type_name(spec.type) + ": " + spec.doc + ")"));
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

}  // namespace relulab::host
