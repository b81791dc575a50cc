// Tests of the alignment plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <numbers>

using namespace relulab;
using namespace relulab::test;

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
  const auto& model_desc = descriptor(PluginKind::Model, "two_layer");
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
