// Tests of the theorem2 plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <relulab/math/linalg.hpp>  // ordinary least squares, the oracle here

using namespace relulab;
using namespace relulab::test;

TEST_CASE("the theorem2 metric on hand-built networks", "[dynamics][theorem2]") {
  // Two-cone data, d = 2, beta* = (1, 0.5); a network whose positive part sums to beta_+ exactly and
  // whose negative part is zero has gap_plus = 0 and gap_minus = 1 (|0 - beta_-| / |beta_-|).
  const auto& tdesc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  BuildContext ctx;
  auto data = tdesc.make<DataGenerator>(defaults(tdesc.schema, {{"d", std::int64_t(2)},
                                                                {"input", std::string("two_cones")},
                                                                {"beta_star", std::vector<double>{1.0, 0.5}}}),
                                        ctx);
  Rng rng(1);
  const Dataset train = data->sample(400, rng);
  ctx.input_dim = 2;
  const auto& mdesc = descriptor(PluginKind::Metric, "theorem2");
  auto metric = mdesc.make<Metric>(defaults(mdesc.schema, {}), ctx);
  metric->prepare(train, *data, rng);
  const auto& model_desc = descriptor(PluginKind::Model, "two_layer");
  auto model = model_desc.make<Model>(defaults(model_desc.schema, {{"width", std::int64_t(3)}}), ctx);
  // beta_+ from the metric's own definition, recomputed here: OLS on the rows with <x, beta*> > 0.
  std::vector<Index> plus;
  for (Index k = 0; k < train.size(); ++k)
    if (train.X(k, 0) * 1.0 + train.X(k, 1) * 0.5 > 0) plus.push_back(k);
  RowMatrix Xp(static_cast<Index>(plus.size()), 2);
  Vector yp(static_cast<Index>(plus.size()));
  for (std::size_t r = 0; r < plus.size(); ++r) Xp.row(r) = train.X.row(plus[r]), yp[r] = train.y[plus[r]];
  const Vector beta_plus = math::ordinary_least_squares(Xp, yp);
  // Neurons: 2 * (beta_+/2) with a = 2, the other two with a = 0 (they count in neither sum).
  Eigen::MatrixXd W(3, 2);
  W << beta_plus.transpose() / 2, 1, 1, -1, 1;
  Vector a(3);
  a << 2, 0, 0;
  model->assign(W, a, Vector(0));
  struct NullSink : ArraySink {
    void write(const std::string&, const double*, const std::vector<std::size_t>&) override {}
  } sink;
  std::vector<double> v(2);
  metric->evaluate(Snapshot{*model, train, *data, 0, 0.0, sink}, v);
  CHECK(v[0] == Approx(0.0).margin(1e-12));
  CHECK(v[1] == Approx(1.0).epsilon(1e-12));
}
