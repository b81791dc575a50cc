// The second paper's claims (Lyu, Li, Wang, Arora, NeurIPS 2021; docs/science.md
// section 7) as acceptance tests: the quick variants of experiments/lyu2021/,
// run through the CLI, checked on their metrics.csv. Tagged [lyu2021]: CTest
// runs them as their own entry (a few seconds in all).
#include <catch2/catch.hpp>

#include "support.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <sstream>

using namespace relulab;
using namespace relulab::test;

namespace {

// metrics.csv as columns of numbers (empty cells are NaN).
using Columns = std::map<std::string, std::vector<double>>;

Columns read_csv(const fs::path& file) {
  std::istringstream in(slurp(file));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names;
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) names.push_back(name);
  Columns columns;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string cell;
    for (std::size_t k = 0; k < names.size() && std::getline(row, cell, ','); ++k)
      columns[names[k]].push_back(cell.empty() ? std::nan("") : std::stod(cell));
  }
  return columns;
}

// Runs a quick variant; returns each cell's metrics, keyed by the value of `key` in its config.toml.
std::map<std::string, Columns> run_quick(const std::string& name, const std::string& key) {
  const fs::path dir = temp_dir(name);
  const std::string file = std::string(RELULAB_TEST_SOURCE_DIR) + "/experiments/lyu2021/" + name + ".toml";
  const auto r = run_command(relulab_exe() + " run " + file + " --jobs 2 --quiet --out " + dir.string());
  REQUIRE(r.exit_code == 0);
  std::vector<fs::path> runs;  // a sweep's cells, or the one run
  if (fs::exists(dir / "cells"))
    for (const auto& cell : fs::directory_iterator(dir / "cells")) runs.push_back(cell.path());
  else runs.push_back(dir);
  std::map<std::string, Columns> cells;
  for (const auto& run : runs) {
    const std::string config = slurp(run / "config.toml");
    const auto at = config.find("\n" + key + " = ");
    REQUIRE(at != std::string::npos);
    const auto begin = at + key.size() + 4;
    cells[config.substr(begin, config.find('\n', begin) - begin)] = read_csv(run / "metrics.csv");
  }
  fs::remove_all(dir);
  return cells;
}

double last(const std::vector<double>& v) { return v.back(); }

}  // namespace

TEST_CASE(
    "Lyu et al. claim 1: on symmetric data the normalised margin reaches (1 + alpha)/4 gamma_SVM at every width that "
    "can",
    "[lyu2021]") {
  const auto cells = run_quick("a_width_quick", "width");
  REQUIRE(cells.size() == 3);
  for (const auto& [width, m] : cells) {
    INFO("width " << width);
    // The bound holds for every network on symmetric data (docs/science.md §7), at
    // every recorded time; the SVM margin is certified to a 1e-9 relative gap, so
    // 1e-6 is only rounding room.
    for (double ratio : m.at("margin_ratio")) CHECK(ratio <= 1 + 1e-6);
    if (width == "2") continue;  // two neurons of one sign cannot reach it (documented; seed 0 happens to)
    // Gradient descent with lr = 0.005 / loss tracks the flow to within about 1e-3
    // of the limit (measured 5e-4 at every width); 0.99 leaves a factor 10, far above
    // any other KKT direction (a one-sign network sits near 0.2).
    CHECK(last(m.at("margin_ratio")) > 0.99);
    CHECK(last(m.at("cos_svm")) > 0.999);  // classifies as the hard-margin SVM (measured 1 - 1e-6)
    CHECK(last(m.at("even_odd")) < 1e-3);  // linear in effect (measured below 1e-9)
    CHECK(last(m.at("train_error")) == 0.0);
  }
}

TEST_CASE("Lyu et al. claim 2: early in training the network's direction is the class mean mu, later w_SVM",
          "[lyu2021]") {
  const auto cells = run_quick("b_early_phase_quick", "n");
  REQUIRE(cells.size() == 1);
  const Columns& m = cells.begin()->second;
  const auto& cos_mean = m.at("cos_mean");
  const auto& cos_svm = m.at("cos_svm");
  // The data make mu and w_SVM about 36 degrees apart (cos 0.81: the final row's
  // cos_mean, once v is along w_SVM). Early, v is along mu: some point has
  // cos(v, mu) above 0.99 while cos(v, w_SVM) is still below 0.9.
  bool early_along_mean = false;
  for (std::size_t k = 0; k < cos_mean.size(); ++k)
    early_along_mean = early_along_mean || (cos_mean[k] > 0.99 && cos_svm[k] < 0.9);
  CHECK(early_along_mean);
  // Late, v is along w_SVM and so at the angle between mu and w_SVM from mu.
  CHECK(last(cos_svm) > 0.999);
  CHECK(last(cos_mean) < 0.9);
}

TEST_CASE(
    "Lyu et al. claim 3: padding non-symmetric data with far points makes the flow settle on the linear classifier",
    "[lyu2021]") {
  const auto cells = run_quick("c_fragile_quick", "n");
  REQUIRE(cells.size() == 2);
  const Columns& base = cells.at("4");
  const Columns& padded = cells.at("24");
  // Without the padding the flow finds a network no linear classifier matches:
  // a ratio above 1 is out of reach of every linear function (two opposite neurons
  // are the cheapest way to write one). Measured 1.14; the best network found by
  // direct ascent on the margin is 0.313 / 0.275 = 1.14.
  CHECK(last(base.at("margin_ratio")) > 1.1);
  CHECK(last(base.at("even_odd")) > 0.1);
  // With it the flow converges to the linear classifier: the ratio settles at 1,
  // 12 % below what the four points allow, and f is odd. The bounds are a tenth
  // of the distance to the non-linear network above (ratio 1.14, even/odd 0.44),
  // not the last digits of one trajectory: at lr = 0.005 / loss a large step near
  // step 2 000 can knock the network off the linear classifier, and whether it
  // does depends on rounding (ratio 0.99995 and even/odd 2e-5 with one kernel,
  // 0.9955 and 4e-3 with another, the same machine; 1.0000018 with SSE2 at
  // lr = 0.002). The full-scale experiment (lr = 0.002, 60 000 steps) ends at
  // 0.99999 and 1.4e-5 (docs/reproduction.md).
  CHECK(last(padded.at("margin_ratio")) > 0.99);
  CHECK(last(padded.at("margin_ratio")) < 1.01);
  CHECK(last(padded.at("even_odd")) < 0.04);
}
