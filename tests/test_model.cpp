// The two-layer ReLU model and SGD: gradients, one step by hand, batching, allocation.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <cmath>
#include <set>

using namespace relulab;
using namespace relulab::test;

namespace {

std::unique_ptr<Model> make_model(Index d, Index width, bool bias, const std::string& init = "gaussian",
                                  double scale = 1.0) {
  const auto& desc = descriptor(PluginKind::Model, "two_layer_relu");
  BuildContext ctx;
  ctx.input_dim = d;
  return desc.make<Model>(defaults(desc.schema, {{"width", std::int64_t(width)},
                                                {"bias", bias},
                                                {"init", init},
                                                {"init_scale", scale}}),
                         ctx);
}

Dataset random_dataset(Index n, Index d, std::uint64_t seed) {
  Rng rng(seed);
  Dataset ds{RowMatrix(n, d), Vector(n)};
  for (Index k = 0; k < n; ++k) {
    for (Index i = 0; i < d; ++i) ds.X(k, i) = rng.normal();
    ds.y[k] = rng.normal();
  }
  return ds;
}

// Records every batch an optimizer asks for, and applies the real model's gradient.
class SpyObjective : public Objective {
 public:
  SpyObjective(Model& m, const Dataset& d) : model_(m), data_(d) {}
  Index num_samples() const override { return data_.size(); }
  Index num_parameters() const override { return model_.num_parameters(); }
  Eigen::Map<Vector> parameters() override { return model_.parameters(); }
  double loss_and_gradient(Rows rows, double* g) override {
    batches.emplace_back(rows.begin(), rows.end());
    return model_.loss_and_gradient(data_, rows, g);
  }
  std::vector<std::vector<Index>> batches;

 private:
  Model& model_;
  const Dataset& data_;
};

class NeverMonitor : public Monitor {
 public:
  explicit NeverMonitor(std::uint64_t end) : end_(end) {}
  std::uint64_t next_iteration() const override { return end_; }
  double next_time() const override { return 1e300; }
  Directive report(const Progress& p) override {
    reports.push_back(p);
    return Directive::Continue;
  }
  std::vector<Progress> reports;

 private:
  std::uint64_t end_;
};

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, Index n,
                                          const std::map<std::string, ParamValue>& set) {
  const auto& desc = descriptor(PluginKind::Optimizer, name);
  BuildContext ctx;
  ctx.num_samples = n;
  return desc.make<Optimizer>(defaults(desc.schema, set), ctx);
}

}  // namespace

TEST_CASE("gradient matches central finite differences", "[model]") {
  for (bool bias : {false, true}) {
    DYNAMIC_SECTION("bias " << bias) {
      const Index d = 4, m = 7, n = 25;
      auto model = make_model(d, m, bias);
      Rng rng(11);
      model->initialize(rng);  // scale 1: pre-activations are O(1), far from kinks at the step below
      const Dataset ds = random_dataset(n, d, 3);
      Vector grad(model->num_parameters());
      const double loss = model->loss_and_gradient(ds, {}, grad.data());
      REQUIRE(loss > 0);
      auto theta = model->parameters();
      // Central differences have error h^2 f'''/6 ~ 1e-12 plus rounding eps f / h ~ 1e-10 for h = 1e-6;
      // 1e-6 relative tolerance leaves a wide margin yet catches any wrong term (those are O(1)).
      const double h = 1e-6;
      for (Index p = 0; p < theta.size(); ++p) {
        const double keep = theta[p];
        theta[p] = keep + h;
        const double up = model->loss_and_gradient(ds, {}, nullptr);
        theta[p] = keep - h;
        const double down = model->loss_and_gradient(ds, {}, nullptr);
        theta[p] = keep;
        const double fd = (up - down) / (2 * h);
        INFO("parameter " << p);
        CHECK(grad[p] == Approx(fd).epsilon(1e-6).margin(1e-9));
      }
      // The batch form agrees with the full form on the same rows.
      std::vector<Index> rows(n);
      for (Index k = 0; k < n; ++k) rows[k] = k;
      Vector grad_rows(model->num_parameters());
      CHECK(model->loss_and_gradient(ds, rows, grad_rows.data()) == Approx(loss).epsilon(1e-14));
      CHECK((grad_rows - grad).cwiseAbs().maxCoeff() < 1e-14);
    }
  }
}

TEST_CASE("the fused kernel equals the textbook gradient at widths that keep or recompute activations", "[model]") {
  // Widths on both sides of the kernel's choice to keep pass 1's activations
  // (chunk x m within 256 KiB: m <= 2048) or recompute them (m > 2048), widths
  // that are not a multiple of the vector width (3, 1001: the scalar neuron
  // tail), a d with a compile-time kernel (5) and one without (7), and n not
  // a multiple of the chunk or of the four-sample groups (other loops again).
  for (const Index m : {Index(3), Index(300), Index(1001), Index(2048), Index(2049), Index(5000)})
    for (const Index d : {Index(5), Index(7)})
      for (const bool bias : {false, true}) {
        DYNAMIC_SECTION("m " << m << ", d " << d << ", bias " << bias) {
          auto model = make_model(d, m, bias);
          Rng rng(5);
          model->initialize(rng);
          const Index n = 133;
          const Dataset ds = random_dataset(n, d, 9);
          Vector grad(model->num_parameters());
          const double loss = model->loss_and_gradient(ds, {}, grad.data());
          // The oracle, as the formulas read (SCIENCE.md section 1): Z = X W^T + b, r = relu(Z) a - y,
          // loss = |r|^2 / n, dL/da = relu(Z)^T c, dL/db = (1{Z>0} o c a^T)^T 1, dL/dW = (1{Z>0} o c a^T)^T X,
          // with c = 2 r / n.
          const TwoLayerView v = model->view();
          Eigen::MatrixXd Z = ds.X * v.W.transpose();
          if (bias) Z.rowwise() += v.b.transpose();
          const Eigen::MatrixXd H = Z.cwiseMax(0.0);
          const Vector r = H * v.a - ds.y;
          const Vector c = (2.0 / n) * r;
          const Eigen::MatrixXd S = (Z.array() > 0).cast<double>().matrix().cwiseProduct(c * v.a.transpose());
          Vector expected(model->num_parameters());
          Eigen::Map<Eigen::MatrixXd>(expected.data(), m, d) = S.transpose() * ds.X;
          expected.segment(d * m, m) = H.transpose() * c;
          if (bias) expected.segment((d + 1) * m, m) = S.colwise().sum().transpose();
          // Both compute the same sums in other orders: the difference is rounding, a few eps times the
          // sum of |terms| (n terms of O(1) size / n, times up to m for r): 1e-12 relative to the largest
          // entry leaves a wide margin, and any missing or wrong term is O(1) of it.
          CHECK(loss == Approx(r.squaredNorm() / n).epsilon(1e-12));
          const double scale = expected.cwiseAbs().maxCoeff();
          CHECK((grad - expected).cwiseAbs().maxCoeff() <= 1e-12 * scale);
        }
      }
}

TEST_CASE("one SGD step equals the hand computation", "[model][sgd]") {
  // m = 2, d = 2: w1 = (1, 0), w2 = (0, 1), a = (1, -1); x1 = (1, 2), y1 = 1; x2 = (2, -1), y2 = 0.
  // h(x1) = relu(1) - relu(2) = -1, r1 = -2; h(x2) = relu(2) - relu(-1) = 2, r2 = 2; L = (4 + 4) / 2 = 4.
  // With 2/n = 1: da1 = r1*1 + r2*2 = 2; da2 = r1*2 + r2*0 = -4;
  // dw1 = a1 (r1 x1 + r2 x2) = (2, -6); dw2 = a2 r1 x1 (x2 inactive) = (2, 4).
  // lr = 0.1: a = (0.8, -0.6), w1 = (0.8, 0.6), w2 = (-0.2, 0.6).
  auto model = make_model(2, 2, false);
  auto theta = model->parameters();  // layout: W column by column (d blocks of m), then a
  theta << 1, 0, /* x-coordinates of w1, w2 */ 0, 1, /* y-coordinates */ 1, -1 /* a */;
  Dataset ds{RowMatrix(2, 2), Vector(2)};
  ds.X << 1, 2, 2, -1;
  ds.y << 1, 0;
  auto sgd = make_optimizer("sgd", 2, {{"lr", 0.1}, {"batch_size", std::int64_t(0)}, {"iterations", std::int64_t(1)}});
  SpyObjective objective(*model, ds);
  NeverMonitor monitor(1);
  Rng rng(0);
  sgd->run(objective, monitor, rng);
  REQUIRE(monitor.reports.size() == 1);
  CHECK(monitor.reports[0].loss == Approx(4.0).epsilon(1e-15));
  const auto v = model->view();
  // Every number above is a short sum of exactly representable terms; 1e-15 allows one rounding.
  CHECK(v.W(0, 0) == Approx(0.8).margin(1e-15));
  CHECK(v.W(0, 1) == Approx(0.6).margin(1e-15));
  CHECK(v.W(1, 0) == Approx(-0.2).margin(1e-15));
  CHECK(v.W(1, 1) == Approx(0.6).margin(1e-15));
  CHECK(v.a[0] == Approx(0.8).margin(1e-15));
  CHECK(v.a[1] == Approx(-0.6).margin(1e-15));
}

TEST_CASE("epoch-wise reshuffling visits every sample once per epoch", "[sgd]") {
  const Index n = 50, batch = 8;  // 7 batches per epoch, the last one of 2 samples
  auto model = make_model(3, 4, false, "gaussian", 0.1);
  Rng init(1);
  model->initialize(init);
  const Dataset ds = random_dataset(n, 3, 5);
  auto sgd = make_optimizer("sgd", n, {{"batch_size", std::int64_t(batch)}, {"iterations", std::int64_t(21)}});
  SpyObjective objective(*model, ds);
  NeverMonitor monitor(21);
  Rng rng(2);
  sgd->run(objective, monitor, rng);
  REQUIRE(objective.batches.size() == 21);
  std::vector<Index> first_epoch_order;
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::multiset<Index> seen;
    for (int b = 0; b < 7; ++b) {
      const auto& rows = objective.batches[epoch * 7 + b];
      CHECK(rows.size() == (b < 6 ? 8u : 2u));
      seen.insert(rows.begin(), rows.end());
      if (epoch == 0) first_epoch_order.insert(first_epoch_order.end(), rows.begin(), rows.end());
    }
    CHECK(seen.size() == static_cast<std::size_t>(n));
    CHECK(std::set<Index>(seen.begin(), seen.end()).size() == static_cast<std::size_t>(n));
  }
  // A reshuffle, not the identity order (the chance of drawing the identity is 1/50!).
  std::vector<Index> identity(n);
  for (Index k = 0; k < n; ++k) identity[k] = k;
  CHECK(first_epoch_order != identity);
}

TEST_CASE("first-order optimizers resume bit for bit from their saved state", "[sgd][momentum][adam]") {
  const Index n = 30;
  const Dataset ds = random_dataset(n, 3, 9);
  for (const std::string name : {"sgd", "momentum", "adam"})
  for (const std::string sampling : {"reshuffle", "replacement"}) {
    DYNAMIC_SECTION(name << " " << sampling) {
      auto straight = make_model(3, 5, false, "gaussian", 0.5), split = make_model(3, 5, false, "gaussian", 0.5);
      Rng i1(4), i2(4);
      straight->initialize(i1);
      split->initialize(i2);
      const std::map<std::string, ParamValue> cfg = {
          {"batch_size", std::int64_t(7)}, {"iterations", std::int64_t(40)}, {"sampling", sampling}};
      auto a = make_optimizer(name, n, cfg);
      SpyObjective oa(*straight, ds);
      NeverMonitor ma(40);
      Rng ra(8);
      a->run(oa, ma, ra);

      // The same run stopped at 13 steps, saved, restored into a fresh optimizer, finished.
      auto b = make_optimizer(name, n, cfg);
      SpyObjective ob(*split, ds);
      struct StopAt : NeverMonitor {
        StopAt() : NeverMonitor(13) {}
        Directive report(const Progress&) override { return Directive::Stop; }
      } stop;
      Rng rb(8);
      b->run(ob, stop, rb);
      REQUIRE(b->iteration() == 13);
      State saved;
      b->save_state(saved);
      const std::string rng_state = rb.save();
      auto c = make_optimizer(name, n, cfg);
      c->load_state(saved);
      Rng rc(0);
      rc.restore(rng_state);
      NeverMonitor mc(40);
      c->run(ob, mc, rc);
      CHECK(c->iteration() == 40);
      CHECK(straight->parameters() == split->parameters());  // exact equality, not approximate
    }
  }
}

TEST_CASE("a first-order step allocates nothing", "[sgd][momentum][adam][alloc]") {
  if (!kCountsAllocations) {
    WARN("skipped under AddressSanitizer, which owns operator new (the normal build runs it)");
    return;
  }
  const std::string name = GENERATE(as<std::string>(), "sgd", "momentum", "adam");
  INFO(name);
  const Index n = 500;
  auto model = make_model(5, 1000, false, "gaussian", 1e-3);
  Rng init(1);
  model->initialize(init);
  const Dataset ds = random_dataset(n, 5, 2);
  auto sgd = make_optimizer(name, n, {{"batch_size", std::int64_t(32)}, {"iterations", std::int64_t(2000)}});
  // A monitor that counts allocations between its first and last report.
  struct Counting : Monitor {
    std::uint64_t next = 100;
    long at_first = -1, at_last = -1;
    std::uint64_t next_iteration() const override { return next; }
    double next_time() const override { return 1e300; }
    Directive report(const Progress& p) override {
      const long now = g_allocations.load();
      if (at_first < 0) at_first = now;
      at_last = now;
      next = p.iteration + 100;
      return Directive::Continue;
    }
  } monitor;
  ModelObjective objective(*model, ds);
  Rng rng(3);
  sgd->run(objective, monitor, rng);
  REQUIRE(monitor.at_first >= 0);
  // 1900 steps (and 30 epoch reshuffles) between the first and the last report.
  CHECK(monitor.at_last - monitor.at_first == 0);
}

TEST_CASE("initialisations follow their laws", "[model]") {
  const Index d = 6, m = 4000;
  const double s = 0.01;
  SECTION("balanced: a_j^2 = |w_j|^2, signs fair") {
    auto model = make_model(d, m, false, "balanced", s);
    Rng rng(5);
    model->initialize(rng);
    const auto v = model->view();
    int positive = 0;
    for (Index j = 0; j < m; ++j) {
      CHECK(v.a[j] * v.a[j] == Approx(v.W.row(j).squaredNorm()).epsilon(1e-12));
      positive += v.a[j] > 0;
    }
    // Fair coin: sd of the count is sqrt(m)/2 = 31.6; 5 sd = 158.
    CHECK(std::abs(positive - m / 2) < 158);
    // E|w|^2 = d s^2; the mean over m neurons has relative sd sqrt(2/(d m)) = 0.9%; allow 5%.
    CHECK(v.W.rowwise().squaredNorm().mean() == Approx(d * s * s).epsilon(0.05));
  }
  SECTION("dominated: |a_j| = s, |w_j| = s * ratio") {
    auto model = make_model(d, m, false, "dominated", s);
    Rng rng(6);
    model->initialize(rng);
    const auto v = model->view();
    for (Index j = 0; j < m; ++j) {
      CHECK(std::abs(v.a[j]) == Approx(s).epsilon(1e-14));
      CHECK(v.W.row(j).norm() == Approx(0.5 * s).epsilon(1e-12));  // default dominance_ratio 0.5
    }
  }
  SECTION("gaussian: every entry N(0, s^2)") {
    auto model = make_model(d, m, false, "gaussian", s);
    Rng rng(7);
    model->initialize(rng);
    const auto theta = model->parameters();
    const double var = theta.squaredNorm() / theta.size();
    // Sample variance of N = 28000 Gaussians: relative sd sqrt(2/N) = 0.85%; allow 5%.
    CHECK(var == Approx(s * s).epsilon(0.05));
  }
}
