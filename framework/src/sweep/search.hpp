// The threshold finder: a [search] table bisects one numeric key (data.n, on
// a log scale) until a criterion on a final metric changes side, the way the
// optimisation threshold is defined (the n where training stops interpolating):
//
//   [search]
//   key = "data.n"
//   range = [100, 30_000]
//   scale = "log"              # or "linear"
//   metric = "train_mse"
//   below = 0.045              # the criterion: mean over replicates < 0.045 (or above = ...)
//   replicates = 2             # experiment.seed, seed + 1, ...
//   tolerance = 1.2            # stop when hi / lo <= 1.2 (log) or hi - lo <= 1.2 (linear)
//   statistic = "final"        # or "late_median": the median over the second half of the records
//   points_per_round = 2       # each round splits the bracket into points_per_round + 1 parts
//
// Every evaluated point is an ordinary sweep cell (round-<r>/cells/...), so a
// killed search resumes where it stopped. The points a round evaluates are the
// file's, never the machine's: --jobs only says how many run at once, so the
// same file gives the same points and bracket whatever --jobs, and a search
// started with one --jobs resumes with another.
#pragma once

#include "config/config.hpp"
#include "sweep/sweep.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace relulab::host {

struct SearchSpec {
  std::string key, metric;
  bool late_median = false;  // statistic = "late_median": steadier than the final point against a late SGD spike
  double lo = 0, hi = 0, threshold = 0, tolerance = 1.2;
  bool log = true, below = true, integer = false;
  int replicates = 1, max_rounds = 20, points_per_round = 2;
};

bool has_search(const RawExperiment& raw);
// Reads [search]; throws ConfigError at the offending key.
SearchSpec read_search(const RawExperiment& raw);

struct SearchPoint {
  double value = 0;
  int round = 0;
  std::vector<double> replicates;  // the metric's final value (or late median) per replicate
  double mean = 0;
  bool satisfied = false;  // the criterion holds at this point
};

struct SearchResult {
  std::vector<SearchPoint> points;  // every evaluated point, in order of value
  std::optional<std::pair<double, double>> bracket;  // last point on the first side, first on the other
  std::string message;  // why there is no bracket, or how the search stopped
  bool interrupted = false;
  std::filesystem::path dir;
};

// The median of a metric over the records of a cell's metrics.csv whose iteration is at least half
// the last one. Throws std::runtime_error naming the file when it or the column is missing.
double late_median(const std::filesystem::path& metrics_csv, const std::string& metric);

// What `run --dry-run` says of a search file: the key, range and seeds, and the folder it writes.
std::string describe_search(const RawExperiment& raw, Registry& registry);

// Runs the search (resuming finished cells) and writes search.csv and search.png into its folder.
SearchResult run_search(const RawExperiment& raw, Registry& registry, SweepOptions options);

}  // namespace relulab::host
