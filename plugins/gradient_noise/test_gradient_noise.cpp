// Tests of the gradient_noise policy: the noise's law, its schedule, its own stream.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>

using namespace relulab;
using namespace relulab::test;

TEST_CASE("gradient noise adds independent N(0, sigma_t^2) draws, sigma_t = scale (1 + t)^-decay", "[gradient_noise]") {
  // With a zero gradient, T SGD steps move each coordinate by -lr sum_t sigma_t xi_t:
  // mean 0, variance lr^2 scale^2 sum_t (1 + t)^(-2 decay). With decay 0.5 and
  // T = 4 the sum is 1 + 1/2 + 1/3 + 1/4 = 25/12.
  const Index p = 4000;
  const double lr = 0.1, scale = 2.0;
  SeparableObjective zero(Vector::Zero(p), Vector::Zero(p), Vector::Zero(p));
  const Vector moved =
      run_full_batch("sgd", zero, 4, {{"lr", lr}}, {{"gradient_noise", {{"scale", scale}, {"decay", 0.5}}}});
  const double variance = lr * lr * scale * scale * 25.0 / 12.0;
  const double mean = moved.mean();
  const double sample_variance = (moved.array() - mean).square().sum() / (p - 1);
  // Five standard errors: the mean's is sqrt(variance / p); the sample variance's
  // relative one is sqrt(2 / (p - 1)) = 0.022 for Gaussian draws. A false alarm
  // has probability below 1e-6 for each check.
  CHECK(std::abs(mean) < 5 * std::sqrt(variance / p));
  CHECK(std::abs(sample_variance / variance - 1) < 5 * std::sqrt(2.0 / (p - 1)));
  // Without decay the variance would be 4 lr^2 scale^2, 1.9 times larger: far outside that band.
}

TEST_CASE("gradient noise draws from its own stream: reproducible, and seeded apart from the batches",
          "[gradient_noise]") {
  auto run = [](std::uint64_t noise_seed) {
    SeparableObjective f(Vector::Zero(50), Vector::Ones(50), Vector::Zero(50));
    auto opt = make_wrapped("sgd", 1, {{"batch_size", std::int64_t(0)}, {"iterations", std::int64_t(5)}},
                            {{"gradient_noise", {{"scale", 1.0}}}}, nullptr, nullptr, noise_seed);
    RunToEnd monitor(5);
    Rng rng(1);  // the batch stream, the same in every run
    opt->run(f, monitor, rng);
    return Vector(f.theta());
  };
  CHECK(run(3) == run(3));  // bit for bit
  CHECK(run(3) != run(4));
}

TEST_CASE("gradient noise of scale 0 leaves the step bit for bit as the bare rule's", "[gradient_noise]") {
  const Vector c = Vector::LinSpaced(6, -1.0, 1.0);
  SeparableObjective a(Vector::Ones(6), c, Vector::Ones(6)), b(Vector::Ones(6), c, Vector::Ones(6));
  const Vector bare = run_full_batch("momentum", a, 10, {});
  const Vector noisy = run_full_batch("momentum", b, 10, {}, {{"gradient_noise", {{"scale", 0.0}}}});
  CHECK(bare == noisy);  // g + 0 * xi == g exactly
}
