// Extremal vectors: the search against the exact d = 2 enumeration, and the population limit.
#include <catch2/catch.hpp>
#include <relulab/math/extremal.hpp>
#include <relulab/io/npy.hpp>


#include "support.hpp"


#include <nlohmann/json.hpp>

#include <numbers>

using namespace relulab;
using namespace relulab::test;

namespace {

Dataset planar(Index n, std::uint64_t seed, bool linear_labels) {
  Rng rng(seed);
  Dataset ds{RowMatrix(n, 2), Vector(n)};
  const double b0 = rng.normal(), b1 = rng.normal();
  for (Index k = 0; k < n; ++k) {
    ds.X(k, 0) = rng.normal();
    ds.X(k, 1) = rng.normal();
    ds.y[k] = linear_labels ? b0 * ds.X(k, 0) + b1 * ds.X(k, 1) + 0.3 * rng.normal() : rng.normal();
  }
  return ds;
}

}  // namespace

TEST_CASE("d = 2: the search finds exactly the extremal vectors the enumeration finds", "[extremal]") {
  int kink_vectors = 0, smooth_vectors = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    for (bool linear : {true, false}) {
      DYNAMIC_SECTION("seed " << seed << (linear ? " linear labels" : " random labels")) {
        const Dataset ds = planar(12, seed, linear);
        const auto exact = math::extremal::enumerate_2d(ds.X, ds.y);
        Rng rng(seed);
        math::extremal::SearchOptions opt;
        // The smallest basins seen on these data cover ~2.5% of the circle: 500 starts of each
        // sign miss one with probability 0.975^500 ~ 3e-6.
        opt.starts = 1000;
        const auto found = math::extremal::search(ds.X, ds.y, rng, opt);
        REQUIRE(!exact.empty());
        // Every enumerated vector is found, with its sign; 1e-6 rad: fixed points are exact, and
        // kink vectors are projected onto their line exactly.
        for (const auto& e : exact) {
          bool hit = false;
          for (const auto& f : found) hit = hit || (f.sign == e.sign && math::extremal::angle(f.direction, e.direction) < 1e-6);
          INFO("enumerated sign " << e.sign << " at " << std::atan2(e.direction[1], e.direction[0]) << " kink " << e.kink);
          CHECK(hit);
          (e.kink ? kink_vectors : smooth_vectors)++;
        }
        // ...and nothing else.
        CHECK(found.size() == exact.size());
        for (const auto& f : found) CHECK(f.sign * f.G > 0);
      }
    }
  }
}

TEST_CASE("linear teacher, Gaussian inputs, large n: two extremal vectors near +-beta*", "[extremal]") {
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  BuildContext ctx;
  auto teacher = desc.make<DataGenerator>(
      defaults(desc.schema, {{"d", std::int64_t(4)}, {"beta_star", std::vector<double>{1.0, -1.0, 0.5, 0.0}}}), ctx);
  Rng data_rng(5);
  const Dataset ds = teacher->sample(20'000, data_rng);
  Rng rng(6);
  math::extremal::SearchOptions opt;
  opt.starts = 20;
  const auto found = math::extremal::search(ds.X, ds.y, rng, opt);
  REQUIRE(found.size() == 2);
  const Vector beta = Vector((Vector(4) << 1.0, -1.0, 0.5, 0.0).finished()).normalized();
  for (const auto& f : found) {
    // Theorem 1: sup_w |D_n - D| ~ n^-1/2 = 0.007 here; a few degrees is a wide margin.
    const double deg = math::extremal::angle(f.direction, f.sign * beta) * 180 / std::numbers::pi;
    INFO("sign " << f.sign << ": " << deg << " degrees from sign * beta*/|beta*|");
    CHECK(deg < 3.0);
    CHECK(f.sign * f.G > 0);
    CHECK(f.share == Approx(0.5));  // every start of its sign ends there
  }
  CHECK(found[0].sign != found[1].sign);
}

namespace {

// The alignment metric prepared on d = 2 data from the linear teacher beta* = e_1 (extremal
// vectors within a degree of +e_1 and -e_1), evaluated on a network given by hand.
std::vector<double> alignment_of(const Eigen::MatrixXd& W, const Vector& a) {
  BuildContext ctx;
  const auto& tdesc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  static const auto data = tdesc.make<DataGenerator>(defaults(tdesc.schema, {{"d", std::int64_t(2)}}), ctx);
  static const Dataset train = [] {
    Rng rng(3);
    return data->sample(20'000, rng);
  }();
  Rng rng(4);
  ctx.input_dim = 2;
  const auto& mdesc = descriptor(PluginKind::Metric, "alignment");
  auto metric = mdesc.make<Metric>(defaults(mdesc.schema, {{"starts", std::int64_t(4)}}), ctx);
  metric->prepare(train, *data, rng);
  const auto& model_desc = descriptor(PluginKind::Model, "two_layer_relu");
  auto model = model_desc.make<Model>(defaults(model_desc.schema, {{"width", std::int64_t(W.rows())}}), ctx);
  model->assign(W, a, Vector(0));
  // Keeps the per-neuron angles, appended to the returned values.
  struct KeepSink : ArraySink {
    std::vector<double> angles;
    void write(const std::string& name, const double* p, const std::vector<std::size_t>& shape) override {
      if (name == "alignment/angles_7") angles.assign(p, p + shape[0]);
    }
  } sink;
  std::vector<double> v(4);
  metric->evaluate(Snapshot{*model, train, *data, 7, 0.5, sink}, v);
  v.insert(v.end(), sink.angles.begin(), sink.angles.end());
  return v;
}

Eigen::MatrixXd directions_deg(const std::vector<double>& degrees, double norm = 1.0) {
  Eigen::MatrixXd W(static_cast<Index>(degrees.size()), 2);
  for (std::size_t j = 0; j < degrees.size(); ++j) {
    const double t = degrees[j] * std::numbers::pi / 180;
    W.row(static_cast<Index>(j)) << norm * std::cos(t), norm * std::sin(t);
  }
  return W;
}

}  // namespace

TEST_CASE("alignment metrics on hand-built networks", "[extremal][alignment]") {
  SECTION("every neuron on +e_1 with a > 0: all aligned, one cluster, aligned from this point on") {
    const auto v = alignment_of(directions_deg({0, 0, 0, 0}), Vector::Ones(4));
    CHECK(v[0] == 1.0);
    CHECK(v[1] == 1.0);
    CHECK(v[2] == 1.0);
    CHECK(v[3] == 0.5);  // the snapshot's time
  }
  SECTION("two clusters: +e_1 with a > 0 and -e_1 with a < 0") {
    Vector a(4);
    a << 1, 1, -1, -1;
    const auto v = alignment_of(directions_deg({0, 1, 180, 179}), a);
    CHECK(v[0] == 1.0);
    CHECK(v[2] == 2.0);
  }
  SECTION("the wrong sign: -e_1 with a > 0 is not aligned (positive neurons go to + vectors)") {
    const auto v = alignment_of(directions_deg({180, 180}), Vector::Ones(2));
    CHECK(v[0] == 0.0);
    CHECK(v[1] == 0.0);
    CHECK(std::isnan(v[3]));
  }
  SECTION("six directions 60 degrees apart with equal mass: width 6, one sixth aligned") {
    // Each carries 1/6 of the mass; 99% of it needs all six clusters; only the one at 0 degrees
    // (a > 0) is within 5 degrees of the + vector.
    const auto v = alignment_of(directions_deg({0, 60, 120, 180, 240, 300}), Vector::Ones(6));
    // Per-neuron angles to the + vector (within ~1 degree of e_1): 0, 60, 120, 180, 120, 60.
    const double expected[6] = {0, 60, 120, 180, 120, 60};
    for (int j = 0; j < 6; ++j) CHECK(v[4 + j] == Approx(expected[j]).margin(2.0));
    CHECK(v[0] == Approx(1.0 / 6).epsilon(1e-12));
    CHECK(v[1] == Approx(1.0 / 6).epsilon(1e-12));
    CHECK(v[2] == 6.0);
  }
  SECTION("a dead neuron carries no mass and no cluster") {
    Vector a(3);
    a << 1, 1, 0;
    const auto v = alignment_of(directions_deg({0, 2, 90}), a);
    CHECK(std::isnan(v[4 + 2]));  // no sign, no angle
    CHECK(v[2] == 1.0);
    CHECK(v[1] == Approx(2.0 / 3).epsilon(1e-12));
  }
}

TEST_CASE("the extremal_vectors metric in a run: columns and arrays", "[extremal][run]") {
  const fs::path dir = temp_dir("exrun");
  const auto ex = experiment_from_text(
      "[data]\nplugin = \"linear_teacher\"\nn = 5000\nd = 3\n[model]\nplugin = \"two_layer_relu\"\nwidth = 1\n"
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
