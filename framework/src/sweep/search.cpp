#include "sweep/search.hpp"

#include <nlohmann/json.hpp>

#include "io/output.hpp"
#include "cli/plot.hpp"
#include "run/build.hpp"
#include "run/recorder.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace relulab::host {

namespace {

std::string at(const RawExperiment& raw, const std::string& key) {
  const toml::node* n = raw.doc.at_path("search." + key).node();
  const toml::source_region src = n ? n->source() : raw.doc.get("search")->source();
  return Location{src.path ? *src.path : raw.file.string(), src.begin.line, src.begin.column, ""}.text() +
         ": [search]" + (key.empty() ? "" : " " + key) + ": ";
}

double number_at(const RawExperiment& raw, const toml::table& t, const std::string& key, std::optional<double> def) {
  const toml::node* n = t.get(key);
  if (!n) {
    if (def) return *def;
    throw ConfigError(at(raw, key) + "missing (see `relulab run --help` and docs/user-guide.md)");
  }
  const auto v = n->value<double>();
  if (!v || !std::isfinite(*v)) throw ConfigError(at(raw, key) + "expected a number");
  return *v;
}

std::string text_at(const RawExperiment& raw, const toml::table& t, const std::string& key) {
  const auto v = t.get(key) ? t.get(key)->value<std::string>() : std::nullopt;
  if (!v || v->empty()) throw ConfigError(at(raw, key) + "expected a non-empty string");
  return *v;
}

// The k interior points splitting (lo, hi) into k + 1 equal parts (on the search's scale).
std::vector<double> interior(const SearchSpec& s, double lo, double hi, unsigned k) {
  std::vector<double> out;
  for (unsigned i = 1; i <= k; ++i) {
    const double f = static_cast<double>(i) / (k + 1);
    double v = s.log ? std::exp(std::log(lo) + f * (std::log(hi) - std::log(lo))) : lo + f * (hi - lo);
    if (s.integer) v = std::round(v);
    if (v > lo && v < hi && (out.empty() || v > out.back())) out.push_back(v);
  }
  return out;
}

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : ", ") + w;
  return s;
}

bool narrow(const SearchSpec& s, double lo, double hi) {
  if (s.integer && hi - lo <= 1) return true;
  return s.log ? hi / lo <= s.tolerance : hi - lo <= s.tolerance;
}

}  // namespace

double late_median(const fs::path& metrics_csv, const std::string& metric) {
  std::ifstream in(metrics_csv);
  std::string line;
  if (!in || !std::getline(in, line)) throw std::runtime_error(metrics_csv.string() + ": cannot read the metrics");
  const auto header = split_csv_line(line);
  const auto column = static_cast<std::size_t>(std::find(header.begin(), header.end(), metric) - header.begin());
  if (column == header.size()) throw std::runtime_error(metrics_csv.string() + ": no column '" + metric + "'");
  std::vector<std::pair<double, double>> records;  // (iteration, value); iteration is the first column
  while (std::getline(in, line)) {
    const auto f = split_csv_line(line);
    if (f.size() > column && !f[column].empty()) records.emplace_back(std::stod(f[0]), std::stod(f[column]));
  }
  if (records.empty()) throw std::runtime_error(metrics_csv.string() + ": no record of '" + metric + "'");
  std::vector<double> late;
  for (const auto& [iteration, value] : records)
    if (iteration >= records.back().first / 2) late.push_back(value);
  std::sort(late.begin(), late.end());
  const std::size_t k = late.size();
  return k % 2 ? late[k / 2] : (late[k / 2 - 1] + late[k / 2]) / 2;
}

bool has_search(const RawExperiment& raw) { return raw.doc.get("search") != nullptr; }

SearchSpec read_search(const RawExperiment& raw) {
  const toml::table* t = raw.doc.get("search") ? raw.doc.get("search")->as_table() : nullptr;
  if (!t) throw ConfigError(at(raw, "") + "expected a table [search]");
  if (has_sweep(raw))
    throw ConfigError(at(raw, "") +
                      "a [search] cannot be combined with a [sweep] (an overlay drops its base's "
                      "with sweep = {})");
  SearchSpec s;
  s.key = text_at(raw, *t, "key");
  s.metric = text_at(raw, *t, "metric");
  const toml::array* range = t->get("range") ? t->get("range")->as_array() : nullptr;
  if (!range || range->size() != 2 || !range->get(0)->value<double>() || !range->get(1)->value<double>())
    throw ConfigError(at(raw, "range") + "expected [low, high]");
  s.lo = *range->get(0)->value<double>();
  s.hi = *range->get(1)->value<double>();
  s.integer = range->get(0)->is_integer() && range->get(1)->is_integer();
  const std::string scale = t->get("scale") ? t->get("scale")->value_or(std::string("?")) : "log";
  if (scale != "log" && scale != "linear") throw ConfigError(at(raw, "scale") + "expected \"log\" or \"linear\"");
  s.log = scale == "log";
  if (!(s.lo < s.hi) || (s.log && s.lo <= 0))
    throw ConfigError(at(raw, "range") + "expected 0 < low < high on a log scale, low < high otherwise");
  if (t->get("below") && t->get("above")) throw ConfigError(at(raw, "above") + "give one of below and above");
  s.below = !t->get("above");
  s.threshold = number_at(raw, *t, s.below ? "below" : "above", std::nullopt);
  s.replicates = static_cast<int>(number_at(raw, *t, "replicates", 1));
  if (s.replicates < 1 || s.replicates > 1000) throw ConfigError(at(raw, "replicates") + "expected 1 to 1000");
  s.tolerance = number_at(raw, *t, "tolerance", s.log ? 1.2 : (s.hi - s.lo) / 100);
  if (s.log ? s.tolerance <= 1 : s.tolerance <= 0)
    throw ConfigError(at(raw, "tolerance") + "expected a ratio above 1 (log) or a positive width (linear)");
  s.max_rounds = static_cast<int>(number_at(raw, *t, "max_rounds", 20));
  s.points_per_round = static_cast<int>(number_at(raw, *t, "points_per_round", 2));
  if (s.points_per_round < 1 || s.points_per_round > 64)
    throw ConfigError(at(raw, "points_per_round") + "expected 1 to 64");
  if (t->get("statistic")) {
    const std::string statistic = text_at(raw, *t, "statistic");
    if (statistic != "final" && statistic != "late_median")
      throw ConfigError(at(raw, "statistic") + "expected \"final\" or \"late_median\"");
    s.late_median = statistic == "late_median";
  }
  for (auto&& [k, v] : *t) {
    const std::string key(k.str());
    static const std::vector<std::string> known = {"key",        "metric",    "range",      "scale",
                                                   "below",      "above",     "replicates", "tolerance",
                                                   "max_rounds", "statistic", "points_per_round"};
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      const std::string guess = did_you_mean(key, known);
      throw ConfigError(at(raw, key) + "unknown key" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
    }
  }
  return s;
}

namespace {

// The experiment without its [search] (and its empty [sweep]): what every point runs.
RawExperiment search_base(const RawExperiment& raw) {
  RawExperiment base = raw;
  base.doc.erase("search");
  base.doc.erase("sweep");
  return base;
}

// The sweep of one round: the search's key over `values`, times the replicates' seeds.
Sweep round_sweep(const RawExperiment& base, const SearchSpec& spec, const std::vector<double>& values,
                  std::int64_t seed, Registry& registry) {
  RawExperiment raw = base;
  toml::array axis, seeds;
  for (double v : values) spec.integer ? axis.push_back(static_cast<std::int64_t>(v)) : axis.push_back(v);
  for (int r = 0; r < spec.replicates; ++r) seeds.push_back(seed + r);
  toml::table sweep;
  sweep.insert(spec.key, std::move(axis));
  if (spec.replicates > 1) sweep.insert("experiment.seed", std::move(seeds));
  raw.doc.insert_or_assign("sweep", std::move(sweep));
  return expand_sweep(raw, registry);
}

// What a search checks before round 0 trains: the [search] table, every cell
// of round 0 (the key at both ends of the range), and the metric among the
// columns those cells will record, with a did-you-mean.
SearchSpec check_search_before_training(const RawExperiment& raw, Registry& registry) {
  const SearchSpec spec = read_search(raw);
  const RawExperiment base = search_base(raw);
  const Sweep cells = round_sweep(base, spec, {spec.lo, spec.hi},
                                   static_cast<std::int64_t>(validate_experiment(base, registry).seed), registry);
  const Experiment& first = cells.cells.front().experiment;
  Built built = build(first);
  const MetricRecorder recorder(first, built.metrics);
  const std::vector<std::string>& columns = recorder.columns();
  if (std::find(columns.begin(), columns.end(), spec.metric) == columns.end()) {
    const std::string guess = did_you_mean(spec.metric, columns);
    throw ConfigError(at(raw, "metric") + "no metric column '" + spec.metric + "'" +
                      (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                      "; the metrics give: " + joined(columns));
  }
  return spec;
}

fs::path default_search_dir(const RawExperiment& raw, const Experiment& base) {
  return base.output / (base.name + "-search-" + short_hash(base.hash + format_toml(*raw.doc["search"].as_table())));
}

// One search: rounds of sweeps into <dir>/round-<r>, then the report files.
class SearchRun {
 public:
  SearchRun(const RawExperiment& raw, Registry& registry, SweepOptions options)
      : raw_(raw),
        registry_(registry),
        options_(std::move(options)),
        spec_(check_search_before_training(raw, registry)),
        base_(search_base(raw)) {
    const Experiment ex = validate_experiment(base_, registry_);
    seed_ = ex.seed;
    result_.dir = options_.dir.empty() ? default_search_dir(raw, ex) : options_.dir;
  }

  SearchResult run() {
    create_output_directory(result_.dir);
    refuse_other_kind(result_.dir, FolderKind::Search, options_.fresh);
    if (!evaluate({spec_.lo, spec_.hi}, 0)) return finish();
    double lo = spec_.lo, hi = spec_.hi;
    const bool start = side(lo);
    if (start == side(hi)) {
      result_.message = "the criterion (" + criterion() + ") " + (start ? "holds" : "fails") +
                        " at both ends of the range: no threshold between " + format_number(lo) + " and " +
                        format_number(hi) + "; widen the range";
      return finish();
    }
    int round = 1;
    for (; !narrow(spec_, lo, hi) && round <= spec_.max_rounds; ++round) {
      const auto points = interior(spec_, lo, hi, static_cast<unsigned>(spec_.points_per_round));
      if (points.empty()) break;
      if (!evaluate(points, round)) return finish();
      double last = lo, first_other = hi;  // the bracket's new ends: the change of side lies between them
      for (double v : points) {
        if (side(v) != start) {
          first_other = v;
          break;
        }
        last = v;
      }
      lo = last, hi = first_other;
    }
    result_.bracket = {lo, hi};
    result_.message = "the criterion (" + criterion() + ") changes side between " + format_number(lo) + " and " +
                      format_number(hi) + (round > spec_.max_rounds ? " (max_rounds reached)" : "");
    return finish();
  }

 private:
  std::string measured() const { return spec_.metric + (spec_.late_median ? "_late_median" : ""); }
  std::string criterion() const {
    return measured() + (spec_.below ? " below " : " above ") + format_number(spec_.threshold) +
           (spec_.replicates > 1 ? ", mean of " + std::to_string(spec_.replicates) + " seeds" : "");
  }
  bool side(double v) const { return points_.at(v).satisfied; }

  // Runs the points (times the replicates) as one sweep; false when interrupted or a cell did not complete.
  bool evaluate(const std::vector<double>& values, int round) {
    Sweep cells = round_sweep(base_, spec_, values, static_cast<std::int64_t>(seed_), registry_);
    SweepOptions so = options_;
    so.dir = result_.dir / ("round-" + std::to_string(round));
    const SweepResult r = run_sweep(cells, so);
    if (r.interrupted) return result_.interrupted = true, result_.message = "interrupted; run again to resume", false;
    for (std::size_t i = 0; i < cells.cells.size(); ++i) {
      if (!record(cells.cells[i], r.outcomes[i], round)) return false;
    }
    return true;
  }

  bool record(const Cell& cell, const CellOutcome& outcome, int round) {
    if (!ended_as_planned(outcome.outcome)) {
      result_.message = "cell " + cell.dir.string() + " " + outcome_name(outcome.outcome) + ": " + outcome.reason;
      return false;
    }
    const auto column = std::find(outcome.columns.begin(), outcome.columns.end(), spec_.metric);
    if (column == outcome.columns.end())
      throw ConfigError(at(raw_, "metric") + "no metric column '" + spec_.metric +
                        "'; the metrics give: " + joined(outcome.columns));
    double value = 0;
    for (const auto& [k, v] : cell.labels)
      if (k == spec_.key) value = std::stod(v);
    SearchPoint& p = points_[value];
    p.value = value, p.round = round;
    p.replicates.push_back(spec_.late_median
                               ? late_median(cell.dir / "metrics.csv", spec_.metric)
                               : outcome.final_values[static_cast<std::size_t>(column - outcome.columns.begin())]);
    p.mean = std::accumulate(p.replicates.begin(), p.replicates.end(), 0.0) / static_cast<double>(p.replicates.size());
    p.satisfied = spec_.below ? p.mean < spec_.threshold : p.mean > spec_.threshold;
    return true;
  }

  SearchResult finish() {
    for (const auto& [v, p] : points_) result_.points.push_back(p);
    fs::create_directories(result_.dir);
    std::string csv = spec_.key + ",round," + measured() + "_mean,criterion_holds";
    for (int r = 0; r < spec_.replicates; ++r) csv += ",seed_" + std::to_string(seed_ + r);
    for (const auto& p : result_.points) {
      csv += "\n" + format_number(p.value) + "," + std::to_string(p.round) + "," + format_number(p.mean) + "," +
             (p.satisfied ? "true" : "false");
      for (double x : p.replicates) csv += "," + format_number(x);
    }
    write_file_atomic(result_.dir / "search.csv", csv + "\n");
    write_file_atomic(result_.dir / "search.txt", result_.message + "\n");
    write_file_atomic(result_.dir / "search.json", summary_json().dump(2) + "\n");
    if (!result_.points.empty()) draw_points();
    return result_;
  }

  // What relulab.load(...) and `relulab plot` read back: the criterion and the bracket.
  nlohmann::json summary_json() const {
    nlohmann::json j;
    j["key"] = spec_.key;
    j["measured"] = measured();
    j["criterion"] = criterion();
    j["threshold"] = spec_.threshold;
    j["below"] = spec_.below;
    j["log"] = spec_.log;
    j["range"] = {spec_.lo, spec_.hi};
    j["bracket"] = result_.bracket ? nlohmann::json{result_.bracket->first, result_.bracket->second} : nlohmann::json();
    j["message"] = result_.message;
    j["interrupted"] = result_.interrupted;
    return j;
  }

  // The figure is drawn from the files just written, as `relulab plot <folder>` draws it.
  void draw_points() const {
    PlotOptions o;
    o.dir = result_.dir;
    o.out = result_.dir / "search.png";
    try {
      plot(o);
    } catch (const std::exception&) {
      // No gnuplot: search.csv holds every number; the figure is a convenience.
    }
  }

  const RawExperiment& raw_;
  Registry& registry_;
  SweepOptions options_;
  SearchSpec spec_;
  RawExperiment base_;
  std::uint64_t seed_ = 0;
  std::map<double, SearchPoint> points_;
  SearchResult result_;
};

}  // namespace

std::string describe_search(const RawExperiment& raw, Registry& registry) {
  const SearchSpec spec = check_search_before_training(raw, registry);
  const Experiment base = validate_experiment(search_base(raw), registry);
  return "a threshold search on " + spec.key + " in [" + format_number(spec.lo) + ", " + format_number(spec.hi) +
         "] (" + (spec.log ? "log" : "linear") + " scale), " + std::to_string(spec.replicates) +
         " seed(s) per point, " + std::to_string(spec.points_per_round) + " point(s) per round, at most " +
         std::to_string(spec.max_rounds) + " rounds; search folder " +
         default_search_dir(raw, base).string() + " (search.csv, search.png, round-*/)";
}

SearchResult run_search(const RawExperiment& raw, Registry& registry, SweepOptions options) {
  return SearchRun(raw, registry, std::move(options)).run();
}

}  // namespace relulab::host
