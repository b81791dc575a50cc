// Tests of the linear_teacher plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("exact population MSE agrees with Monte Carlo", "[math]") {
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  BuildContext ctx;
  auto teacher = desc.make<DataGenerator>(
      defaults(desc.schema, {{"d", std::int64_t(3)}, {"beta_star", std::vector<double>{0.5, -1.0, 2.0}}}), ctx);
  const RandomStudent f(6, 3, 12);
  const TwoLayerView student = f.view();
  const double exact = *capability<PopulationRisk>(*teacher)->network_mse(student);
  Rng draw(99);
  const auto mc = monte_carlo_mse(teacher->sample(400'000, draw), f);
  INFO("exact " << exact << ", Monte Carlo " << mc.mean << " +- " << mc.standard_error);
  // Five standard errors: a false alarm has probability about 6e-7.
  CHECK(std::abs(exact - mc.mean) < 5 * mc.standard_error);

  // The OLS closed form: sigma^2 + |beta - beta*|^2.
  const Vector beta = Vector::Zero(3);
  CHECK(capability<PopulationRisk>(*teacher)->linear_mse(beta) == Approx(0.09 + 0.25 + 1 + 4).epsilon(1e-15));
  // A bias makes the closed form unavailable.
  const TwoLayerView biased{student.W, student.a, Eigen::Map<const Vector>(f.a.data(), f.a.size()), "relu"};
  CHECK(!capability<PopulationRisk>(*teacher)->network_mse(biased));
}

TEST_CASE("exact population MSE of a leaky ReLU student agrees with Monte Carlo", "[math][activation]") {
  // sigma_alpha(z) = alpha z + (1 - alpha) relu(z) turns the student into a
  // ReLU expansion plus a linear part (docs/science.md §6).
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  auto teacher = desc.make<DataGenerator>(
      defaults(desc.schema, {{"d", std::int64_t(3)}, {"beta_star", std::vector<double>{0.5, -1.0, 2.0}}}), {});
  const RandomStudent f(6, 3, 12);
  check_leaky_mse_against_monte_carlo(*teacher, f, 0.3, 98);
  // GeLU has no closed form here: the metric falls back to a held-out sample.
  TwoLayerView student = f.view();
  student.activation = "gelu";
  CHECK(!capability<PopulationRisk>(*teacher)->network_mse(student));
}
