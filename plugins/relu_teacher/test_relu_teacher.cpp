// Tests of the relu_teacher plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("the ReLU teacher's exact test MSE agrees with Monte Carlo", "[dynamics][relu_teacher]") {
  const auto& desc = descriptor(PluginKind::DataGenerator, "relu_teacher");
  BuildContext ctx;
  auto teacher =
      desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(4)}, {"teacher_seed", std::int64_t(5)}}), ctx);
  const RandomStudent f(5, 4, 21);
  const double exact = *capability<PopulationRisk>(*teacher)->network_mse(f.view());
  const Vector beta = Vector::LinSpaced(4, -1, 1);
  const double exact_linear = capability<PopulationRisk>(*teacher)->linear_mse(beta);
  Rng draw(8);
  const Dataset test = teacher->sample(400'000, draw);
  const auto student = monte_carlo_mse(test, f);
  const auto linear = monte_carlo_mse(test, [&](const Vector& x) { return beta.dot(x); });
  INFO("student: exact " << exact << " MC " << student.mean << " +- " << student.standard_error << "; linear: exact "
                         << exact_linear << " MC " << linear.mean << " +- " << linear.standard_error);
  // Five standard errors each: a false alarm has probability about 1e-6.
  CHECK(std::abs(exact - student.mean) < 5 * student.standard_error);
  CHECK(std::abs(exact_linear - linear.mean) < 5 * linear.standard_error);
  // The same teacher_seed gives the same teacher whatever the experiment seed: same labels for the same inputs.
  auto again =
      desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(4)}, {"teacher_seed", std::int64_t(5)}}), ctx);
  CHECK(teacher_of(*again)->target(test.X.row(0).data()) == teacher_of(*teacher)->target(test.X.row(0).data()));
}

TEST_CASE("exact population MSE of a leaky ReLU student against a ReLU teacher agrees with Monte Carlo",
          "[math][activation]") {
  const auto& desc = descriptor(PluginKind::DataGenerator, "relu_teacher");
  auto teacher = desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(4)}}), {});
  const RandomStudent f(5, 4, 31);
  check_leaky_mse_against_monte_carlo(*teacher, f, 0.6, 7);
}
