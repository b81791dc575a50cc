// Tests of the weight_decay policy: each form against its formula written out
// (PyTorch's conventions: SGD/Adam weight_decay is coupled, AdamW's decoupled).
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>

using namespace relulab;
using namespace relulab::test;

TEST_CASE("coupled weight decay on gradient descent is gradient descent on the L2-penalised quadratic",
          "[weight_decay]") {
  // f = c.theta + 0.5 lambda theta^2 plus rate/2 theta^2 has curvature lambda + rate and minimiser
  // -c / (lambda + rate); GD contracts the distance to it by (1 - lr (lambda + rate)) per step.
  const Vector c = (Vector(3) << 1.0, -2.0, 0.5).finished(), lambda = (Vector(3) << 0.0, 1.0, 3.0).finished();
  const Vector theta0 = (Vector(3) << 0.3, -0.1, 2.0).finished();
  const double lr = 0.05, rate = 0.4;
  const int steps = 60;
  SeparableObjective f(theta0, c, lambda);
  const Vector end = run_full_batch("sgd", f, steps, {{"lr", lr}}, {{"weight_decay", {{"rate", rate}}}});
  for (Index i = 0; i < 3; ++i) {
    const double curvature = lambda[i] + rate, minimiser = -c[i] / curvature;
    const double expected = minimiser + std::pow(1 - lr * curvature, steps) * (theta0[i] - minimiser);
    INFO("coordinate " << i);
    // 60 steps, each a few roundings of numbers of size ~5: 1e-13 leaves a factor > 10 of room.
    CHECK(std::abs(end[i] - expected) < 1e-13);
  }
}

TEST_CASE("decoupled weight decay with adam is PyTorch's AdamW, step by step", "[weight_decay][adam]") {
  // torch.optim.AdamW: theta *= 1 - lr wd; m, v moments of the raw gradient;
  // theta -= lr m_hat / (sqrt(v_hat) + eps). Written out here on the quadratic.
  const Vector c = (Vector(2) << 0.7, -0.2).finished(), lambda = (Vector(2) << 2.0, 0.5).finished();
  const Vector theta0 = (Vector(2) << 1.0, -3.0).finished();
  const double lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const int steps = 25;
  SeparableObjective f(theta0, c, lambda);
  const Vector end =
      run_full_batch("adam", f, steps, {{"lr", lr}}, {{"weight_decay", {{"rate", wd}, {"mode", "decoupled"}}}});
  Vector theta = theta0, m = Vector::Zero(2), v = Vector::Zero(2);
  for (int t = 1; t <= steps; ++t) {
    const Vector g = c + lambda.cwiseProduct(theta);  // the gradient at the parameters before the decay
    theta *= 1 - lr * wd;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g.cwiseAbs2();
    const Vector m_hat = m / (1 - std::pow(b1, t)), v_hat = v / (1 - std::pow(b2, t));
    theta -= (lr * m_hat.array() / (v_hat.array().sqrt() + eps)).matrix();
  }
  // The same operations in a different grouping (the plugin folds 1/(1-b1^t) into lr): a few ulp per step.
  CHECK((end - theta).cwiseAbs().maxCoeff() < 1e-14);
  // And it is not coupled decay: that would feed rate * theta through Adam's normalisation.
  SeparableObjective g(theta0, c, lambda);
  const Vector coupled = run_full_batch("adam", g, steps, {{"lr", lr}}, {{"weight_decay", {{"rate", wd}}}});
  CHECK((coupled - end).cwiseAbs().maxCoeff() > 1e-6);
}

TEST_CASE("coupled weight decay with momentum enters the velocity, as torch.optim.SGD's weight_decay",
          "[weight_decay][momentum]") {
  const Vector c = (Vector(2) << 1.0, 0.0).finished(), lambda = (Vector(2) << 0.5, 2.0).finished();
  const Vector theta0 = (Vector(2) << -1.0, 1.0).finished();
  const double lr = 0.02, wd = 0.3, mu = 0.9;
  const int steps = 30;
  SeparableObjective f(theta0, c, lambda);
  const Vector end = run_full_batch("momentum", f, steps, {{"lr", lr}, {"momentum", mu}, {"nesterov", false}},
                                    {{"weight_decay", {{"rate", wd}}}});
  Vector theta = theta0, velocity = Vector::Zero(2);
  for (int t = 0; t < steps; ++t) {
    const Vector d = c + lambda.cwiseProduct(theta) + wd * theta;  // d_p = grad + wd * p
    velocity = mu * velocity + d;
    theta -= lr * velocity;
  }
  CHECK((end - theta).cwiseAbs().maxCoeff() < 1e-14);  // same operations, same order up to grouping
}

TEST_CASE("weight decay restricted to one layer leaves the other layer's step unchanged", "[weight_decay]") {
  const Index d = 3, width = 4, n = 20;
  const Dataset ds = random_dataset(n, d, 5);
  const double lr = 0.1, wd = 0.5;
  auto step_with = [&](const std::vector<PolicySpec>& policies) {
    auto model = make_model(d, width, true, "gaussian", 0.5);
    Rng init(3);
    model->initialize(init);
    auto opt = make_wrapped("sgd", n, {{"lr", lr}, {"batch_size", std::int64_t(0)}, {"iterations", std::int64_t(1)}},
                            policies, model.get());
    ModelObjective objective(*model, ds);
    RunToEnd monitor(1);
    Rng rng(1);
    opt->run(objective, monitor, rng);
    return Vector(model->parameters());
  };
  auto model = make_model(d, width, true, "gaussian", 0.5);
  Rng init(3);
  model->initialize(init);
  const Vector theta0 = model->parameters();
  const Vector bare = step_with({});
  const Vector decayed = step_with({{"weight_decay", {{"rate", wd}, {"layers", "second"}}}});
  const LayerRanges layers = layer_ranges(*model);
  const Vector difference = decayed - bare;
  for (const auto& [begin, end] : layers.first) CHECK(difference.segment(begin, end - begin).isZero(0));
  for (const auto& [begin, end] : layers.second) {
    // The step on a gains -lr wd a0 and nothing else; one rounding of each ~0.1-sized number.
    const Vector expected = -lr * wd * theta0.segment(begin, end - begin);
    CHECK((difference.segment(begin, end - begin) - expected).cwiseAbs().maxCoeff() < 1e-15);
  }
}
