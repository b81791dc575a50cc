// Tests of the neuron_snapshots plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("neuron snapshots: the arrays are the weights at their iteration, the columns their norm mass",
          "[neuron_snapshots]") {
  const fs::path dir = temp_dir("snapshots");
  std::string text = small_experiment(300);
  text += "[[metrics]]\nplugin = \"neuron_snapshots\"\nschedule = { points = [0, 100, 300] }\n";
  const auto ex = experiment_from_text(text);
  REQUIRE(run_into(ex, dir).outcome == host::Outcome::Completed);
  for (const char* it : {"0", "100", "300"}) CHECK(fs::exists(dir / "snapshots" / ("W_" + std::string(it) + ".npy")));
  // The snapshot at the first and last points are the run's initial and final weights, bit for bit.
  CHECK(slurp(dir / "snapshots" / "W_0.npy") == slurp(dir / "W_init.npy"));
  CHECK(slurp(dir / "snapshots" / "W_300.npy") == slurp(dir / "W_final.npy"));
  CHECK(slurp(dir / "snapshots" / "a_300.npy") == slurp(dir / "a_final.npy"));
  // norm_mass is sum_j |a_j| |w_j|, recomputed here from the final arrays (same
  // operations in another order: 1e-12 relative).
  const auto W = io::npy::decode(slurp(dir / "W_final.npy")), a = io::npy::decode(slurp(dir / "a_final.npy"));
  double mass = 0;
  for (std::size_t j = 0; j < 20; ++j) {
    double norm = 0;
    for (std::size_t i = 0; i < 5; ++i) norm += W.data[j * 5 + i] * W.data[j * 5 + i];
    mass += std::abs(a.data[j]) * std::sqrt(norm);
  }
  const auto summary = nlohmann::json::parse(slurp(dir / "summary.json"));
  CHECK(summary["final"]["norm_mass"].get<double>() == Approx(mass).epsilon(1e-12));
  const double alive = summary["final"]["neurons_alive"].get<double>();
  CHECK(alive >= 1);
  CHECK(alive <= 20);
  fs::remove_all(dir);
}
