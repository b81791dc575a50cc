// Tests of the neuron_clusters metric on planted networks whose clusters are known.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <numbers>

using namespace relulab;
using namespace relulab::test;

namespace {

struct Result {
  std::vector<double> values;  // clusters, heaviest_cluster_share
  std::vector<double> table;  // the array's rows
  std::size_t columns = 0;
};

// The metric on a network given by hand; with `extremal`, prepared on linear-teacher data
// (beta* = e_1, d = 3, 10^5 samples: extremal vectors near +e_1 and -e_1).
Result clusters_of(const Eigen::MatrixXd& W, const Vector& a, std::map<std::string, ParamValue> set) {
  BuildContext ctx;
  const Index d = W.cols();
  const auto& tdesc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  const auto data = tdesc.make<DataGenerator>(defaults(tdesc.schema, {{"d", std::int64_t(d)}}), ctx);
  Rng sample_rng(3);
  const Dataset train = data->sample(100'000, sample_rng);
  ctx.input_dim = d;
  const auto& mdesc = descriptor(PluginKind::Metric, "neuron_clusters");
  set.emplace("starts", std::int64_t(8));
  auto metric = mdesc.make<Metric>(defaults(mdesc.schema, set), ctx);
  Rng rng(4);
  metric->prepare(train, *data, rng);
  const auto& model_desc = descriptor(PluginKind::Model, "two_layer");
  auto model = model_desc.make<Model>(defaults(model_desc.schema, {{"width", std::int64_t(W.rows())}}), ctx);
  model->assign(W, a, Vector(0));
  struct KeepSink : ArraySink {
    Result* r;
    void write(const std::string& name, const double* p, const std::vector<std::size_t>& shape) override {
      REQUIRE(name == "clusters/9");
      r->table.assign(p, p + shape[0] * shape[1]);
      r->columns = shape[1];
    }
  } sink;
  Result r;
  sink.r = &r;
  r.values.resize(2);
  metric->evaluate(Snapshot{*model, train, *data, 9, 0.1, sink}, r.values);
  return r;
}

// Planted: `count` neurons of norm `norm` and output weight sign * norm around `center`, each tilted by
// `jitter_deg` towards a coordinate axis other than the centre's (so that they sit within jitter of it).
void plant(std::vector<Vector>& rows, std::vector<double>& a, Vector center, int sign, int count, double norm,
           double jitter_deg) {
  center.normalize();
  for (int k = 0; k < count; ++k) {
    Index axis = 0;  // the coordinate axis farthest from the centre, to tilt towards
    center.cwiseAbs().minCoeff(&axis);
    Vector off = Vector::Unit(center.size(), axis);
    off -= off.dot(center) * center;
    off.normalize();
    const double t = jitter_deg * std::numbers::pi / 180 * (k + 1) / count;
    rows.push_back(norm * (std::cos(t) * center + std::sin(t) * off));
    a.push_back(sign * norm);
  }
}

struct Planted {
  Eigen::MatrixXd W;
  Vector a;
};

Planted assemble(const std::vector<Vector>& rows, const std::vector<double>& a) {
  Planted p{Eigen::MatrixXd(static_cast<Index>(rows.size()), rows[0].size()), Vector(static_cast<Index>(a.size()))};
  for (std::size_t j = 0; j < rows.size(); ++j) {
    p.W.row(static_cast<Index>(j)) = rows[j].transpose();
    p.a[static_cast<Index>(j)] = a[j];
  }
  return p;
}

// Three planted directions in d = 3 and 20 light neurons in scattered directions.
Planted three_clusters() {
  std::vector<Vector> rows;
  std::vector<double> a;
  plant(rows, a, Vector::Unit(3, 0), +1, 5, 1.0, 1.0);  // mass 5
  plant(rows, a, (Vector(3) << 1, 0, 1).finished(), +1, 4, 1.0, 1.0);  // mass 4
  plant(rows, a, Vector::Unit(3, 1), -1, 3, 1.0, 1.0);  // mass 3
  for (int k = 0; k < 20; ++k) {  // mass 1e-4 each: 2e-3 of 12.002, under the 1 % cut
    const double t = 2 * std::numbers::pi * k / 20;
    rows.push_back(0.01 * (Vector(3) << std::cos(t), std::sin(t), 0.3).finished().normalized());
    a.push_back(0.01);
  }
  return assemble(rows, a);
}

}  // namespace

TEST_CASE("neuron_clusters finds planted clusters, their sizes, masses and centres", "[clusters]") {
  const Planted p = three_clusters();
  const Result r = clusters_of(p.W, p.a, {{"extremal", false}});
  REQUIRE(r.values[0] == 3);  // the 20 light neurons carry 0.017 % of the mass: cut
  const double total = 12 + 20 * 1e-4;
  CHECK(r.values[1] == Approx(5 / total).epsilon(1e-12));  // mass sums of exact norms: rounding only
  REQUIRE(r.columns == 7);
  const double sizes[] = {5, 4, 3}, signs[] = {1, 1, -1};
  const Vector centres[] = {Vector::Unit(3, 0), (Vector(3) << 1, 0, 1).finished().normalized(), Vector::Unit(3, 1)};
  for (int k = 0; k < 3; ++k) {
    const double* row = r.table.data() + k * r.columns;
    CHECK(row[0] == signs[k]);
    CHECK(row[1] == sizes[k]);
    CHECK(row[2] == Approx(sizes[k] / total).epsilon(1e-12));
    CHECK(std::isnan(row[3]));  // extremal = false
    const Vector centre = Eigen::Map<const Vector>(row + 4, 3);
    // The centre is the heaviest member's direction; all members lie within the planted 1 degree.
    CHECK(std::acos(std::min(1.0, centre.dot(centres[k]))) <= 1.0 * std::numbers::pi / 180 + 1e-12);
  }
}

TEST_CASE("neuron_clusters: the angle threshold and the mass cut decide what counts", "[clusters]") {
  std::vector<Vector> rows;
  std::vector<double> a;
  plant(rows, a, Vector::Unit(3, 0), +1, 3, 1.0, 0.0);
  const double eight = 8 * std::numbers::pi / 180;  // a second group 8 degrees away
  plant(rows, a, (Vector(3) << std::cos(eight), 0, std::sin(eight)).finished(), +1, 2, 1.0, 0.0);
  const Planted p = assemble(rows, a);
  CHECK(clusters_of(p.W, p.a, {{"extremal", false}, {"cluster_angle_deg", 5.0}}).values[0] == 2);
  CHECK(clusters_of(p.W, p.a, {{"extremal", false}, {"cluster_angle_deg", 10.0}}).values[0] == 1);
  // Opposite signs never share a cluster, whatever the angle.
  Vector flipped = p.a;
  flipped.tail(2) *= -1;
  CHECK(clusters_of(p.W, flipped, {{"extremal", false}, {"cluster_angle_deg", 10.0}}).values[0] == 2);
  // The 20 light neurons of three_clusters() count once the cut is 0: each is over 5 degrees from the others.
  const Planted q = three_clusters();
  CHECK(clusters_of(q.W, q.a, {{"extremal", false}, {"mass_cut", 0.0}}).values[0] == 23);
}

TEST_CASE("neuron_clusters measures each cluster's angle to the nearest extremal vector of its sign",
          "[clusters][extremal]") {
  const Planted p = three_clusters();
  const Result r = clusters_of(p.W, p.a, {});
  REQUIRE(r.values[0] == 3);
  // The data's extremal vectors sit where its drift D_n points, off +-e_1 by sampling: D_n = beta*/2 + noise
  // whose two coordinates across e_1 have standard error sqrt(E[y^2 x_i^2 1{..}] / n) = sqrt((1 + 0.09)/2 / 10^5)
  // = 0.0023 each (noise_std 0.3 by default), so the angle is about 0.0023 sqrt 2 / 0.5 = 0.0066 rad = 0.38
  // degree; 1.5 degrees is four of those. Each planted centre is within 1 degree of its axis besides.
  const double tolerance = 1.0 + 1.5;
  CHECK(r.table[3] <= tolerance);  // the +e_1 cluster
  CHECK(r.table[r.columns + 3] == Approx(45).margin(tolerance));  // (e_1 + e_3)/sqrt 2: 45 degrees from e_1
  CHECK(r.table[2 * r.columns + 3] == Approx(90).margin(tolerance));  // e_2 with a < 0: 90 degrees from -e_1
}
