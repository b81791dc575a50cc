// Tests of the label_noise policy: what the objective is evaluated against.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>

using namespace relulab;
using namespace relulab::test;

namespace {

// An objective with labels that records the labels each step was evaluated against.
class LabelSpy final : public Objective, public TrainingLabels {
 public:
  explicit LabelSpy(Vector clean) : clean_(std::move(clean)), theta_(Vector::Zero(1)) {}
  Index num_samples() const override { return clean_.size(); }
  Index num_parameters() const override { return 1; }
  Eigen::Map<Vector> parameters() override { return {theta_.data(), 1}; }
  double loss_and_gradient(Rows, double* g) override {
    if (g) g[0] = 0;
    return 0;
  }
  void* find_capability(std::string_view name) override { return offer<TrainingLabels>(this, name); }
  const Vector& labels() const override { return clean_; }
  double loss_and_gradient_for(const Vector& labels, Rows rows, double* g) override {
    Vector at(rows.empty() ? labels.size() : static_cast<Index>(rows.size()));
    for (Index k = 0; k < at.size(); ++k) at[k] = labels[rows.empty() ? k : rows[static_cast<std::size_t>(k)]];
    seen.push_back(at);
    batches.emplace_back(rows.begin(), rows.end());
    return loss_and_gradient(rows, g);
  }
  const Vector& clean() const { return clean_; }
  std::vector<Vector> seen;
  std::vector<std::vector<Index>> batches;

 private:
  Vector clean_, theta_;
};

}  // namespace

TEST_CASE("label noise trains each step on y + sigma_t eps, sigma_t = scale (1 + t)^-decay, labels kept clean",
          "[label_noise]") {
  const Index n = 5000;
  Rng draw(2);
  Vector clean(n);
  for (auto& y : clean) y = draw.normal();
  const Vector before = clean;
  LabelSpy spy(clean);
  const double scale = 0.2, decay = 1.0;
  run_full_batch("sgd", spy, 3, {}, {{"label_noise", {{"scale", scale}, {"decay", decay}}}});
  REQUIRE(spy.seen.size() == 3);
  for (std::size_t t = 0; t < 3; ++t) {
    const double sigma = scale / (1.0 + static_cast<double>(t));
    const Vector noise = spy.seen[t] - before;
    const double mean = noise.mean(), variance = (noise.array() - mean).square().sum() / (n - 1);
    INFO("step " << t);
    // Five standard errors (Gaussian draws): sigma / sqrt(n) for the mean,
    // sqrt(2 / (n - 1)) = 0.02 relative for the variance.
    CHECK(std::abs(mean) < 5 * sigma / std::sqrt(double(n)));
    CHECK(std::abs(variance / (sigma * sigma) - 1) < 5 * std::sqrt(2.0 / (n - 1)));
  }
  CHECK(spy.clean() == before);  // the training labels are never written
}

TEST_CASE("label noise perturbs only the batch's rows, with a fresh draw every step", "[label_noise]") {
  Vector clean = Vector::LinSpaced(40, 0.0, 3.9);
  LabelSpy spy(clean);
  auto opt = make_wrapped("sgd", 40, {{"batch_size", std::int64_t(8)}, {"iterations", std::int64_t(10)}},
                          {{"label_noise", {{"scale", 0.5}}}});
  RunToEnd monitor(10);
  Rng rng(1);
  opt->run(spy, monitor, rng);
  REQUIRE(spy.seen.size() == 10);
  for (std::size_t t = 0; t < 10; ++t) {
    REQUIRE(spy.seen[t].size() == 8);
    for (std::size_t k = 0; k < 8; ++k) CHECK(spy.seen[t][k] != clean[spy.batches[t][k]]);  // a draw is never exactly 0
  }
  CHECK(spy.seen[0] != spy.seen[5]);
}

TEST_CASE("label noise of scale 0 trains a network bit for bit as plain SGD", "[label_noise]") {
  // y + 0 * eps == y exactly, so this checks that the labelled path through the
  // model computes the same bytes as the ordinary one.
  const Index n = 50, d = 3;
  const Dataset ds = random_dataset(n, d, 4);
  auto train = [&](const std::vector<PolicySpec>& policies) {
    auto model = make_model(d, 6, true, "gaussian", 0.5);
    Rng init(2);
    model->initialize(init);
    auto opt = make_wrapped("sgd", n, {{"batch_size", std::int64_t(7)}, {"iterations", std::int64_t(30)}}, policies,
                            model.get());
    ModelObjective objective(*model, ds);
    RunToEnd monitor(30);
    Rng rng(5);
    opt->run(objective, monitor, rng);
    return Vector(model->parameters());
  };
  CHECK(train({}) == train({{"label_noise", {{"scale", 0.0}}}}));
  CHECK(train({}) != train({{"label_noise", {{"scale", 0.1}}}}));
}

TEST_CASE("label noise refuses a loss that needs labels of +-1", "[label_noise]") {
  auto logistic = make_loss("logistic");
  BuildContext ctx;
  ctx.loss = logistic.get();
  CHECK_THROWS_WITH(make_policy({"label_noise", {}}, ctx), Catch::Contains("needs labels of +-1"));
}
