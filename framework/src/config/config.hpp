// Experiment files: parsing (toml++), dotted-key overrides, validation against
// the plugins' schemas, and the resolved configuration with every default.
#pragma once

#include "registry/registry.hpp"
#include "config/schedule.hpp"

#include <relulab/params.hpp>

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <toml++/toml.h>
#include <vector>

namespace relulab::host {

// An error in the experiment, already formatted as "file:line:column: [table] key: what".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Location {
  std::string file;
  std::uint32_t line = 0, column = 0;
  std::string origin;  // set when the value came from the command line, e.g. "--set optimizer.lr=1"
  std::string text() const;
};

// The parsed file plus any overrides, before validation.
struct RawExperiment {
  std::filesystem::path file;
  toml::table doc;
  std::map<std::string, std::string> override_origin;  // dotted key -> "--set ..." text
};

RawExperiment parse_experiment_file(const std::filesystem::path& file);
// The same from text already in memory; `file` names it in messages and
// anchors relative paths (the fuzzer and tests use this).
RawExperiment parse_experiment_text(std::string_view text, const std::filesystem::path& file);
// Applies "dotted.key=value"; the value is read as TOML (1e-3, true, [1, 2], "text"),
// and a bare word that is not TOML is taken as a string.
void apply_override(RawExperiment& raw, const std::string& assignment);
// Sets `dotted` to `value` (sweep cells use this too); `origin` names where it came from.
void set_dotted(RawExperiment& raw, const std::string& dotted, const toml::node& value, const std::string& origin);

struct Section {
  std::string table;  // "data", "model", "loss", "optimizer", "metrics[0]"
  const LoadedPlugin* plugin = nullptr;
  Params params;  // the plugin's parameters, defaults filled in
  Params moved;  // keys the file wrote in their old place (ParamSpec::moved_to), in their new form
  std::map<std::string, Location> where;
  Location location;  // the table's header
};

struct MetricSection : Section {
  Schedule schedule;
};

// The random streams of a run and the [experiment] keys that give one its own root.
inline const std::vector<std::pair<std::string, std::string>> kStreamSeedKeys = {{"data_seed", "data"},
                                                                                 {"init_seed", "init"},
                                                                                 {"batch_seed", "batches"},
                                                                                 {"test_seed", "test"},
                                                                                 {"noise_seed", "noise"}};

// [experiment] stop = [{ metric = "train_mse", below = 1e-6, records = 1 }, ...]: the run ends at
// the first record where a condition has held for `records` consecutive records of its column.
struct StopCondition {
  std::string metric;  // a metric column
  std::optional<double> below, above;  // every bound given must hold (at least one is)
  std::int64_t records = 1;  // consecutive records of the column
  Location where;  // the condition's table, for errors
  bool holds(double value) const {
    return (!below || value < *below) && (!above || value > *above);  // NaN holds no bound
  }
  std::string text() const;  // "train_mse below 1e-06"
};

struct Experiment {
  std::filesystem::path file;
  std::string name;
  std::uint64_t seed = 0;
  std::map<std::string, std::uint64_t> stream_roots;  // stream -> root seed (experiment.seed unless overridden)
  std::filesystem::path output;  // root folder for run directories
  double checkpoint_seconds = 60;
  Index n = 0;  // a finite training set's size (0 for online and infinite data)
  TrainingSet training_set = TrainingSet::Finite;  // [data] n: a number, "online" or "infinite"
  std::string warm_start;  // [model] warm_start: a run directory or checkpoint to start from
  bool warm_start_check_data = true;  // refuse a warm start from a run trained on other data
  Section data, model, loss, optimizer;
  std::vector<Section> policies;  // [optimizer] policies, in the order written
  std::vector<MetricSection> metrics;
  std::vector<StopCondition> stop;  // [experiment] stop: any one ends the run early
  toml::table resolved;  // the canonical configuration, every default filled in
  std::string hash;  // of `resolved`: names the run directory

  // Where a plugin's key is set, for reporting a ParameterError there.
  Location locate(const Section& s, const std::string& key) const;
};

// Adds the experiment's plugin_paths (relative to its file) to the registry,
// scans, and validates every section. Throws ConfigError.
Experiment validate_experiment(const RawExperiment& raw, Registry& registry);

// Formats an error at a location.
std::string located(const Location& where, const std::string& table, const std::string& key,
                    const std::string& message);

// Closest candidate within a small edit distance, or empty.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// Ten hex digits of a 64-bit FNV-1a hash: names run and sweep directories.
std::string short_hash(const std::string& text);

toml::table to_toml(const Params& params);
std::string format_toml(const toml::table& t);

}  // namespace relulab::host
