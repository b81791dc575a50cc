// Tests of the extremal_vectors plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("the extremal_vectors metric in a run: columns and arrays", "[extremal][run]") {
  const fs::path dir = temp_dir("exrun");
  const auto ex = experiment_from_text(
      "[data]\nplugin = \"linear_teacher\"\nn = 5000\nd = 3\n[model]\nplugin = \"two_layer\"\nwidth = 1\n"
      "[optimizer]\nplugin = \"sgd\"\niterations = 0\n[[metrics]]\nplugin = \"extremal_vectors\"\nstarts = 6\n");
  REQUIRE(run_into(ex, dir).outcome == host::Outcome::Completed);
  const auto summary = nlohmann::json::parse(slurp(dir / "summary.json"))["final"];
  CHECK(summary["extremal_plus"] == 1.0);
  CHECK(summary["extremal_minus"] == 1.0);
  // n = 5000: sup_w |D_n - D| ~ n^-1/2 ~ 0.014 against |D| = 0.5, a degree or two at most.
  CHECK(summary["extremal_angle_plus_deg"].get<double>() < 5.0);
  CHECK(summary["extremal_angle_minus_deg"].get<double>() < 5.0);
  const auto info = io::npy::decode(slurp(dir / "extremal" / "info_0.npy"));
  REQUIRE(info.shape == std::vector<std::size_t>{2, 5});
  // Row 0's angle is the column of its sign (one vector per sign, so the maximum is that one).
  const std::string column = info.data[0] > 0 ? "extremal_angle_plus_deg" : "extremal_angle_minus_deg";
  CHECK(info.data[4] == Approx(summary[column].get<double>()).epsilon(1e-12));
  CHECK(io::npy::decode(slurp(dir / "extremal" / "directions_0.npy")).shape == std::vector<std::size_t>{2, 3});
  fs::remove_all(dir);
}
