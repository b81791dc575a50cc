// Experiment files, the meaning: every section read and validated, moved keys
// folded into the policies they moved to, the resolved configuration (every
// default spelled out) and the hash that names the run.
#include "config/section_reader.hpp"
#include "config/sections.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

namespace relulab::host {

namespace fs = std::filesystem;

const Schema& empty_schema() {
  static const Schema s;
  return s;
}

namespace {

// The host's own keys of each section, declared like plugin parameters.
const Schema& experiment_schema() {
  static const Schema s = [] {
    Schema x;
    x.text("name", "experiment name (default: the file's stem); names the run directory").optional();
    x.text("description", "free text, copied to the run directory").def("");
    x.integer("seed", "root seed; the data, init, batch and test streams derive from it").def(0).at_least(0);
    for (const auto& [key, stream] : kStreamSeedKeys)
      x.integer(key, std::string("root of the ") + stream +
                         " stream alone (default: seed; the same value as seed "
                         "gives the same stream)")
          .optional()
          .at_least(0);
    x.text("output", "folder that receives run directories (relative to the working directory)").def("runs");
    x.texts("plugin_paths", "extra plugin folders, relative to this file").def(ParamValue(std::vector<std::string>{}));
    x.real("checkpoint_seconds", "wall-clock seconds between checkpoints (0: only at the end)").def(60).at_least(0);
    return x;  // and `stop`, a list of conditions (read_stop_conditions)
  }();
  return s;
}
const Schema& data_host_schema() {
  static const Schema s = [] {
    Schema x;
    x.integer("n", "number of training samples; or \"online\" (a fresh batch at every step) or \"infinite\" (the "
                   "exact population loss)")
        .at_least(1)
        .at_most(1e12);
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
}  // namespace

std::string StopCondition::text() const {
  auto number = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  std::string t = metric;
  if (below) t += " below " + number(*below);
  if (above) t += std::string(below ? " and" : "") + " above " + number(*above);
  if (records > 1) t += " for " + std::to_string(records) + " consecutive records";
  return t;
}

Location Experiment::locate(const Section& s, const std::string& key) const {
  if (auto it = s.where.find(key); it != s.where.end()) return it->second;
  return s.location;
}

namespace {

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

// "[experiment], [data], ..., [[metrics]], [sweep], [search]": the sections a file may write.
std::string sections_text() {
  std::string text = "[experiment]";
  for (const auto& s : plugin_sections())
    if (s.key.find('.') == std::string::npos) text += ", " + (s.list ? "[[" + s.key + "]]" : "[" + s.key + "]");
  return text + ", [sweep], [search], [slurm]";
}

void refuse_unknown_sections(const RawExperiment& raw) {
  const auto& known = top_level_sections();
  for (auto&& [k, node] : raw.doc) {
    const std::string key(k.str());
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string msg = "unknown top-level key";
    if (auto guess = did_you_mean(key, known); !guess.empty()) msg += " (did you mean '" + guess + "'?)";
    throw ConfigError(located(location_of(raw, key, k.source()), "", key, msg + "; sections are " + sections_text()));
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

// One condition of [experiment] stop: its keys checked here (the column once the metrics are built).
StopCondition read_stop_condition(const RawExperiment& raw, const toml::node& node, const Location& where) {
  const auto* t = node.as_table();
  if (!t) throw ConfigError(located(where, "experiment", "stop", "expected a table such as { metric = \"train_mse\", below = 1e-6 }"));
  StopCondition c;
  c.where = location_of(raw, "experiment.stop", node.source());
  for (auto&& [k, v] : *t) {
    const std::string key(k.str());
    const auto number = v.value<double>();
    if (key == "metric" && v.is_string()) c.metric = *v.value<std::string>();
    else if ((key == "below" || key == "above") && number && !v.is_boolean()) (key == "below" ? c.below : c.above) = *number;
    else if (key == "records" && v.is_integer() && *v.value<std::int64_t>() >= 1) c.records = *v.value<std::int64_t>();
    else {
      const std::vector<std::string> keys{"metric", "below", "above", "records"};
      const bool known = std::find(keys.begin(), keys.end(), key) != keys.end();
      std::string msg = known ? "stop." + key + ": expected " +
                                    (key == "metric" ? "a metric column name" : key == "records" ? "an integer of at least 1" : "a number")
                              : "stop: unknown key '" + key + "'";
      if (!known)
        if (auto guess = did_you_mean(key, keys); !guess.empty()) msg += " (did you mean '" + guess + "'?)";
      throw ConfigError(located(c.where, "experiment", "", msg + "; a condition is { metric = \"train_mse\", below = 1e-6 } "
                                                           "with below, above or both, and optionally records = N"));
    }
  }
  if (c.metric.empty() || (!c.below && !c.above))
    throw ConfigError(located(c.where, "experiment", "",
                              std::string("stop: ") + (c.metric.empty() ? "a condition needs metric = \"<column>\"" : "a condition needs below = x, above = x or both") +
                                  ", e.g. { metric = \"train_mse\", below = 1e-6 }"));
  return c;
}

std::vector<StopCondition> read_stop_conditions(const RawExperiment& raw, const toml::table& experiment) {
  std::vector<StopCondition> out;
  const toml::node* node = experiment.get("stop");
  if (!node) return out;
  const Location where = location_of(raw, "experiment.stop", experiment.find("stop")->first.source());
  const auto* list = node->as_array();
  if (!list) {
    out.push_back(read_stop_condition(raw, *node, where));  // one condition may be written without the brackets
    return out;
  }
  for (const auto& item : *list) out.push_back(read_stop_condition(raw, item, where));
  return out;
}

toml::array stop_table(const std::vector<StopCondition>& conditions) {
  toml::array a;
  for (const auto& c : conditions) {
    toml::table t;
    t.insert("metric", c.metric);
    if (c.below) t.insert("below", *c.below);
    if (c.above) t.insert("above", *c.above);
    t.insert("records", c.records);
    t.is_inline(true);
    a.push_back(std::move(t));
  }
  return a;
}

// [experiment] first: its plugin_paths must be scanned before plugins are named.
Params read_experiment_section(Experiment& ex, SectionReader& reader, const RawExperiment& raw, Registry& registry) {
  Params exp;
  const toml::table& table = section_table(raw, "experiment");
  const Section section = reader.read(table, "experiment", "experiment", experiment_schema(), nullptr, exp, {"stop"});
  ex.stop = read_stop_conditions(raw, table);
  ex.name = exp.has("name") ? exp.text("name") : raw.file.stem().string();
  // A folder name: no '/', and no control characters (a newline in a folder
  // name breaks every line-oriented tool that lists it). Spaces and quotes are fine.
  const bool control = std::any_of(ex.name.begin(), ex.name.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  if (ex.name.empty() || ex.name.find('/') != std::string::npos || control)
    throw ConfigError(located(section.location, "experiment", "name",
                              "must be a non-empty name without '/' or control characters (newlines, tabs)"));
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

// A list section (PluginSection::list): the array of tables at its key, each
// read as a section of its own ("metrics[0]", "optimizer.policies[1]"). The
// caller reads `extra_keys` from each table itself.
struct Listed {
  Section section;
  const toml::table* table;
  std::string dotted;
};
std::vector<Listed> read_list(SectionReader& reader, const RawExperiment& raw, PluginKind kind,
                              const std::vector<std::string>& extra_keys = {}) {
  const PluginSection& layout = section_of(kind);
  std::vector<Listed> listed;
  const toml::node* node = raw.doc.at_path(layout.key).node();
  if (!node) return listed;
  auto arr = node->as_array();
  if (!arr || (!arr->empty() && !arr->is_array_of_tables())) {  // [] lists none: it clears a base file's list
    const auto dot = layout.key.rfind('.');
    const std::string table = dot == std::string::npos ? "" : layout.key.substr(0, dot);
    throw ConfigError(located(location_of(raw, layout.key, node->source()), table, layout.key.substr(dot + 1),
                              "expected an array of tables: write " + where_written(kind, "...")));
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::table& t = *arr->get(i)->as_table();
    const std::string name = layout.key + "[" + std::to_string(i) + "]", dotted = layout.key + "." + std::to_string(i);
    Params none;
    listed.push_back({reader.read(t, name, dotted, empty_schema(), &kind, none, extra_keys), &t, dotted});
  }
  return listed;
}

// [[metrics]], each with its schedule.
void read_metrics(Experiment& ex, SectionReader& reader, const RawExperiment& raw) {
  for (auto& [section, table, dotted] : read_list(reader, raw, PluginKind::Metric, {"schedule"})) {
    MetricSection ms;
    static_cast<Section&>(ms) = std::move(section);
    if (const toml::node* sn = table->get("schedule")) {
      const Location sl = location_of(raw, dotted + ".schedule", sn->source());
      ms.where["schedule"] = sl;
      ms.schedule = reader.read_schedule(*sn, ms.table, sl);
    }
    ex.metrics.push_back(std::move(ms));
  }
}

// [optimizer] policies = [{ plugin = "weight_decay", rate = 1e-3 }, ...], in the order written.
std::vector<Section> read_policies(SectionReader& reader, const RawExperiment& raw) {
  std::vector<Section> policies;
  for (auto& listed : read_list(reader, raw, PluginKind::Policy)) policies.push_back(std::move(listed.section));
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
    shorthand.insert("plugin", section_of(PluginKind::Loss).default_plugin);
  } else if (node->is_string()) {
    shorthand.insert(toml::key("plugin", toml::source_region{node->source()}), *node->as_string());
    const std::string name = node->as_string()->get();
    warn_once("loss shorthand", located(location_of(raw, "loss", raw.doc.find("loss")->first.source()), "", "loss",
                                        "loss = \"" + name + "\" is an old spelling; write [loss] plugin = \"" + name +
                                            "\" (and loss.plugin in --set and sweep axes)"));
  } else {
    throw ConfigError(
        located(location_of(raw, "loss", node->source()), "", "loss",
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
    bool changes = false;  // some key differs from its old default
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
    warn_once("moved " + f.old_keys, located(first, optimizer.table, "",
                                             f.old_keys + ": an old spelling; write policies = [{ plugin = \"" + name +
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
      if (spec.moved() && ex.policies[0].plugin->descriptor.name == spec.moved_policy)
        alone = policies->get(0)->as_table();
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
  if (!ex.stop.empty()) r["experiment"].as_table()->insert("stop", stop_table(ex.stop));  // absent: old hashes kept
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

namespace {

// [data] with its n: a number of samples, or the words "online" and
// "infinite" (docs/science.md §8), which the schema's integer cannot hold.
void read_data_section(Experiment& ex, SectionReader& reader, const RawExperiment& raw, Params& data_host) {
  const toml::table& table = section_table(raw, "data");
  const toml::node* n = table.get("n");
  const PluginKind kind = PluginKind::DataGenerator;
  if (!n || !n->is_string()) {
    ex.data = reader.read(table, "data", "data", data_host_schema(), &kind, data_host);
    ex.n = static_cast<Index>(data_host.integer("n"));
    return;
  }
  ex.data = reader.read(table, "data", "data", empty_schema(), &kind, data_host, {"n"});  // n is the data's only host key
  const Location where = location_of(raw, "data.n", table.find("n")->first.source());
  ex.data.where["n"] = where;
  const std::string word = n->as_string()->get();
  if (word == "online") ex.training_set = TrainingSet::Online;
  else if (word == "infinite") ex.training_set = TrainingSet::Infinite;
  else {
    std::string msg = "expected a number of samples, \"online\" or \"infinite\", found string \"" + word + "\"";
    if (auto guess = did_you_mean(word, {"online", "infinite"}); !guess.empty()) msg += " (did you mean '" + guess + "'?)";
    throw ConfigError(located(where, "data", "n", msg));
  }
  data_host.set("n", ParamValue(word));
  ex.n = 0;
}

}  // namespace

Experiment validate_experiment(const RawExperiment& raw, Registry& registry) {
  Experiment ex;
  ex.file = raw.file;
  SectionReader reader{raw, registry};
  refuse_unknown_sections(raw);
  const Params exp = read_experiment_section(ex, reader, raw, registry);
  Params data_host, model_host, none;
  const PluginKind k_model = PluginKind::Model, k_opt = PluginKind::Optimizer;
  read_data_section(ex, reader, raw, data_host);
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
