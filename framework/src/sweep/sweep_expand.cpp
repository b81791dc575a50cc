// Sweep expansion: the [sweep] table's axes, their helpers (logspace,
// linspace, range), and one validated experiment per cell.
#include "sweep/sweep.hpp"

#include "run/build.hpp"
#include "io/output.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>

namespace relulab::host {

namespace {

// One axis of the grid: one or more keys (a zip group) and their values, all
// lists of the same length.
struct Axis {
  std::vector<std::string> keys;
  std::vector<toml::array> values;
  std::vector<Location> where;
  std::vector<bool> log;  // per key: written as { logspace = [...] }
};

std::string render_value(const toml::node& n) {
  if (auto t = n.as_table()) {
    auto p = t->get("plugin");
    if (!p || !p->is_string()) return "{...}";
    // An optimizer's policies join its name: "sgd + label_noise + warmup".
    std::string shown = p->as_string()->get();
    if (auto policies = t->get_as<toml::array>("policies"))
      for (const auto& policy : *policies)
        if (auto pt = policy.as_table(); pt && pt->get("plugin") && pt->get("plugin")->is_string())
          shown += " + " + pt->get("plugin")->as_string()->get();
    return shown;
  }
  if (auto s = n.as_string()) return s->get();
  std::ostringstream out;
  n.visit([&](const auto& v) {
    if constexpr (!toml::is_table<decltype(v)>) out << toml::toml_formatter(v);
  });
  return out.str();
}

Location node_location(const RawExperiment& raw, const toml::source_region& src) {
  return Location{raw.file.string(), src.begin.line, src.begin.column, ""};
}

// A helper's arguments: 2 or 3 finite numbers, and whether all are integers.
struct HelperArgs {
  std::vector<double> values;
  bool all_integers = true;
};

const std::string kTooMany =
    "more than " + std::to_string(kMaxCells) + " values; a sweep that large is surely a mistake";

HelperArgs read_helper_args(const toml::array* args, const std::string& helper,
                            const std::function<void(const std::string&)>& fail) {
  if (!args || args->size() < 2 || args->size() > 3) fail("'" + helper + "' takes a list of 2 or 3 numbers");
  HelperArgs out;
  for (auto&& e : *args) {
    // An integer beyond 2^53 has no exact double, and toml++ declines the
    // conversion; 'range' reads integers exactly, so take the nearest.
    std::optional<double> v =
        e.is_integer() ? std::optional<double>(static_cast<double>(e.as_integer()->get())) : e.value<double>();
    if (!v || !std::isfinite(*v)) fail("'" + helper + "' takes numbers");
    out.values.push_back(*v);
    out.all_integers = out.all_integers && e.is_integer();
  }
  return out;
}

// logspace / linspace: `count` points from `first` to `last`, the last one exact.
toml::array spaced_values(const std::string& helper, const HelperArgs& args,
                          const std::function<void(const std::string&)>& fail) {
  const auto& a = args.values;
  if (a.size() != 3 || a[2] < 1 || a[2] != std::floor(a[2])) fail("'" + helper + "' = [first, last, count]");
  if (a[2] > static_cast<double>(kMaxCells)) fail("'" + helper + "' asks for " + kTooMany);
  const bool log = helper == "logspace";
  if (log && (a[0] <= 0 || a[1] <= 0)) fail("logspace needs positive ends");
  const int count = static_cast<int>(a[2]);
  toml::array out;
  std::int64_t previous = std::numeric_limits<std::int64_t>::min();
  for (int i = 0; i < count; ++i) {
    const double f = count == 1 ? 0.0 : static_cast<double>(i) / (count - 1);
    double v = log ? std::exp(std::log(a[0]) + f * (std::log(a[1]) - std::log(a[0]))) : a[0] + f * (a[1] - a[0]);
    if (i == count - 1) v = a[1];  // the end exactly, whatever the rounding
    if (!args.all_integers) {
      out.push_back(v);
      continue;
    }
    // Integer ends give integers (sample sizes, iterations); rounding may merge neighbours.
    const auto r = static_cast<std::int64_t>(std::llround(v));
    if (r != previous) out.push_back(r);
    previous = r;
  }
  return out;
}

toml::array range_values(const toml::array& args, bool all_integers,
                         const std::function<void(const std::string&)>& fail) {
  if (!all_integers) fail("'range' takes integers");
  // Read as integers (through double, 2^63 - 1 would round out of range).
  const std::int64_t start = *args.get(0)->value<std::int64_t>(), stop = *args.get(1)->value<std::int64_t>();
  const std::int64_t step = args.size() == 3 ? *args.get(2)->value<std::int64_t>() : 1;
  if (step <= 0 || stop <= start) fail("'range' = [start, stop] or [start, stop, step], with start < stop, step > 0");
  // stop - start can exceed int64 (start = -2^63): unsigned arithmetic is exact here.
  const std::uint64_t span = static_cast<std::uint64_t>(stop) - static_cast<std::uint64_t>(start);
  const std::uint64_t count = (span - 1) / static_cast<std::uint64_t>(step) + 1;
  if (count > kMaxCells) fail("'range' gives " + kTooMany);
  toml::array out;
  for (std::uint64_t i = 0; i < count; ++i)
    out.push_back(static_cast<std::int64_t>(static_cast<std::uint64_t>(start) + i * static_cast<std::uint64_t>(step)));
  return out;
}

// Expands a swept value: an array, or a helper table.
toml::array expand_values(const RawExperiment& raw, const std::string& key, const toml::node& node,
                          const toml::source_region& key_src) {
  const Location loc = node_location(raw, key_src);
  const std::function<void(const std::string&)> fail = [&](const std::string& why) {
    throw ConfigError(located(loc, "sweep", key, why));
  };
  if (auto arr = node.as_array()) {
    if (arr->empty()) fail("an empty list of values");
    return *arr;
  }
  auto tbl = node.as_table();
  if (!tbl || tbl->size() != 1)
    fail(
        "expected a list of values or one of { logspace = [a, b, count] }, { linspace = [a, b, count] }, "
        "{ range = [start, stop] } or { range = [start, stop, step] }");
  const auto entry = tbl->begin();  // a proxy holding references into the table
  const std::string helper(entry->first.str());
  const toml::array* args = entry->second.as_array();
  const HelperArgs parsed = read_helper_args(args, helper, fail);
  if (helper == "logspace" || helper == "linspace") return spaced_values(helper, parsed, fail);
  if (helper == "range") return range_values(*args, parsed.all_integers, fail);
  fail("unknown helper '" + helper + "' (logspace, linspace, range)");
  return {};
}

// Written as { logspace = [...] }: a figure puts this key on a log scale.
bool is_logspace(const toml::node& node) { return node.is_table() && node.as_table()->contains("logspace"); }

std::vector<Axis> read_axes(const RawExperiment& raw) {
  std::vector<Axis> axes;
  const toml::table& sweep = *raw.doc.get("sweep")->as_table();
  for (auto&& [k, node] : sweep) {
    const std::string key(k.str());
    if (key == "zip") {
      auto groups = node.as_array();
      if (!groups || !groups->is_array_of_tables())
        throw ConfigError(located(node_location(raw, k.source()), "sweep", "zip",
                                  "expected [[sweep.zip]] tables of keys that vary together"));
      for (auto&& g : *groups) {
        Axis axis;
        for (auto&& [gk, gv] : *g.as_table()) {
          axis.keys.emplace_back(gk.str());
          axis.values.push_back(expand_values(raw, std::string(gk.str()), gv, gk.source()));
          axis.log.push_back(is_logspace(gv));
          axis.where.push_back(node_location(raw, gk.source()));
          if (axis.values.back().size() != axis.values.front().size())
            throw ConfigError(located(axis.where.back(), "sweep.zip", axis.keys.back(),
                                      std::to_string(axis.values.back().size()) + " values, but '" + axis.keys.front() +
                                          "' in the same zip group has " + std::to_string(axis.values.front().size())));
        }
        if (!axis.keys.empty()) axes.push_back(std::move(axis));
      }
      continue;
    }
    Axis axis;
    axis.keys = {key};
    axis.values = {expand_values(raw, key, node, k.source())};
    axis.log = {is_logspace(node)};
    axis.where = {node_location(raw, k.source())};
    axes.push_back(std::move(axis));
  }
  return axes;
}

void assign(RawExperiment& raw, const std::string& key, const toml::node& value, const std::string& origin) {
  if (key.find('.') == std::string::npos) {
    // A whole section (a plugin choice with its own parameters).
    auto t = value.as_table();
    if (!t)
      throw ConfigError(origin + ": sweeping the section [" + key +
                        "] takes tables such as { plugin = \"sgd\", lr = 0.01 }");
    raw.doc.insert_or_assign(key, *t);
    return;
  }
  set_dotted(raw, key, value, origin);
}

std::string pad(std::size_t i, std::size_t total) {
  std::string s = std::to_string(i);
  const std::size_t width = std::to_string(total > 0 ? total - 1 : 0).size();
  return std::string(width > s.size() ? width - s.size() : 0, '0') + s;
}

// The number of cells: the product of the axes' sizes, refused above max_cells.
std::size_t count_cells(const RawExperiment& raw, const std::vector<Axis>& axes, std::size_t max_cells) {
  std::size_t total = 1;
  std::string sizes;
  for (const auto& a : axes) {
    const std::size_t size = a.values.front().size();
    sizes += (sizes.empty() ? "" : " x ") + std::to_string(size);
    // Checked before multiplying, so many axes cannot overflow the count.
    if (total > max_cells / size)
      throw ConfigError(raw.file.string() + ": [sweep] expands to more than " + std::to_string(max_cells) + " cells (" +
                        sizes + " ...); a sweep that large is surely a mistake: split it");
    total *= size;
  }
  return total;
}

// Cell `index` of the grid, validated. Mixed radix: the first axis varies slowest.
Cell make_cell(const RawExperiment& base, const std::vector<Axis>& axes, std::size_t index, std::size_t total,
               Registry& registry) {
  RawExperiment cell_raw = base;
  Cell cell;
  cell.index = index;
  std::size_t rest = index, stride = total;
  for (const auto& axis : axes) {
    stride /= axis.values.front().size();
    const std::size_t pick = rest / stride;
    rest %= stride;
    for (std::size_t k = 0; k < axis.keys.size(); ++k) {
      const toml::node& value = *axis.values[k].get(pick);
      const std::string shown = render_value(value);
      cell.labels.emplace_back(axis.keys[k], shown);
      assign(cell_raw, axis.keys[k], value,
             "[sweep] " + axis.keys[k] + " = " + shown + " (" + axis.where[k].text() + ")");
    }
  }
  try {
    cell.experiment = validate_and_build(cell_raw, registry);
  } catch (const ConfigError& e) {
    std::string label;
    for (const auto& [k, v] : cell.labels) label += (label.empty() ? "" : ", ") + k + " = " + v;
    throw ConfigError(std::string(e.what()) +
                      (axes.empty() ? "" : "\n  in sweep cell " + std::to_string(index) + " (" + label + ")"));
  }
  return cell;
}

}  // namespace

// An empty [sweep] (an overlay's `sweep = {}`, which replaces its base's) is no sweep.
bool has_sweep(const RawExperiment& raw) {
  const toml::node* sweep = raw.doc.get("sweep");
  return sweep && !(sweep->is_table() && sweep->as_table()->empty());
}

Sweep expand_sweep(const RawExperiment& raw, Registry& registry, std::size_t max_cells) {
  Sweep sweep;
  RawExperiment base = raw;
  std::vector<Axis> axes;
  if (const toml::node* sweep_node = raw.doc.get("sweep")) {
    if (!sweep_node->is_table())
      throw ConfigError(located(node_location(raw, sweep_node->source()), "", "sweep", "expected a table [sweep]"));
    axes = read_axes(raw);
    base.doc.erase("sweep");
  }
  for (const auto& a : axes) {
    sweep.keys.insert(sweep.keys.end(), a.keys.begin(), a.keys.end());
    for (std::size_t k = 0; k < a.keys.size(); ++k)
      if (a.log[k]) sweep.log_keys.push_back(a.keys[k]);
  }
  const std::size_t total = count_cells(raw, axes, max_cells);
  std::string hashes;
  for (std::size_t index = 0; index < total; ++index) {
    sweep.cells.push_back(make_cell(base, axes, index, total, registry));
    hashes += sweep.cells.back().experiment.hash;
  }
  const Experiment& first = sweep.cells.front().experiment;
  sweep.name = first.name;
  sweep.hash = short_hash(hashes);
  sweep.dir = first.output / (first.name + "-" + sweep.hash);
  for (auto& c : sweep.cells) c.dir = sweep.dir / "cells" / (pad(c.index, total) + "-" + c.experiment.hash);
  return sweep;
}

}  // namespace relulab::host
