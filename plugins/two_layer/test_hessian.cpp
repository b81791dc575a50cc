// Hessian-vector products of the two_layer model (hessian_isa.cpp, docs/science.md §9)
// against central differences of its gradient, for every activation, bias and loss.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

namespace {

Dataset labelled(const std::string& loss, Index n, Index d, std::uint64_t seed) {
  Dataset ds = random_dataset(n, d, seed);
  if (loss != "mse")
    for (Index k = 0; k < n; ++k) ds.y[k] = ds.y[k] > 0 ? 1.0 : -1.0;
  return ds;
}

// The smallest |z_kj| / |dz_kj| over samples and neurons: how far along v the
// nearest kink of a ReLU lies (a central difference must not cross one).
double distance_to_kink(const Model& model, const Dataset& ds, const Vector& v) {
  const TwoLayerView p = model.view();
  const Index m = p.width(), d = p.dim();
  const Eigen::Map<const Eigen::MatrixXd> dW(v.data(), m, d);
  Eigen::MatrixXd Z = ds.X * p.W.transpose(), dZ = ds.X * dW.transpose();
  if (p.has_bias()) {
    Z.rowwise() += p.b.transpose();
    dZ.rowwise() += v.segment((d + 1) * m, m).transpose();
  }
  return (Z.cwiseAbs().array() / dZ.cwiseAbs().array()).minCoeff();
}

}  // namespace

TEST_CASE("Hessian-vector products equal central differences of the gradient", "[hessian]") {
  for (const std::string activation : {"relu", "leaky_relu", "gelu"})
    for (const std::string loss_name : {"mse", "logistic", "exponential"})
      for (const bool bias : {false, true}) {
        DYNAMIC_SECTION(activation << " " << loss_name << (bias ? " bias" : "")) {
          const auto loss = make_loss(loss_name);
          auto model = make_network(3, 7, bias, activation, loss.get(), {{"slope", 0.2}, {"init_scale", 0.7}});
          Rng rng(11);
          model->initialize(rng);
          const Dataset ds = labelled(loss_name, 50, 3, 12);
          const Index P = model->num_parameters();
          Vector v(P);
          for (Index i = 0; i < P; ++i) v[i] = rng.normal();
          const double step = 1e-5;
          // ReLU's gradient is smooth only between kinks: no sample may cross one within the step.
          REQUIRE(distance_to_kink(*model, ds, v) > 10 * step);
          auto& hessian = require_capability<HessianProducts>(*model, "test");
          Vector Hv(P);
          const double value = hessian.hessian_vector_product(ds.X, ds.y, {}, v.data(), Hv.data());
          CHECK(value == Approx(model->loss_and_gradient(ds, {}, nullptr)).epsilon(1e-13));
          const Vector theta = model->parameters();
          Vector plus(P), minus(P);
          model->parameters() = theta + step * v;
          model->loss_and_gradient(ds, {}, plus.data());
          model->parameters() = theta - step * v;
          model->loss_and_gradient(ds, {}, minus.data());
          model->parameters() = theta;
          const Vector difference = (plus - minus) / (2 * step);
          // Truncation: step^2 |d^3 grad / dt^3| / 6 ~ 1e-10 with O(1) weights and |v| ~ sqrt(P) ~ 5;
          // rounding: 1e-16 |grad| / step ~ 1e-11. 1e-6 of |Hv| is four orders above both and far
          // below any missing or wrong term (each is O(|Hv| / number of terms)).
          INFO("|Hv| " << Hv.norm() << "  |Hv - difference| " << (Hv - difference).norm());
          CHECK((Hv - difference).norm() <= 1e-6 * Hv.norm());
        }
      }
}

TEST_CASE("a Hessian-vector product on chosen rows equals it on those rows copied, and allocates nothing",
          "[hessian][alloc]") {
  auto model = make_network(4, 9, true, "relu", nullptr, {{"init_scale", 0.7}});
  Rng rng(3);
  model->initialize(rng);
  const Dataset ds = random_dataset(100, 4, 5);
  const std::vector<Index> rows{3, 17, 17, 42, 99, 0, 64};
  Dataset picked{RowMatrix(rows.size(), 4), Vector(rows.size())};
  for (std::size_t k = 0; k < rows.size(); ++k) {
    picked.X.row(static_cast<Index>(k)) = ds.X.row(rows[k]);
    picked.y[static_cast<Index>(k)] = ds.y[rows[k]];
  }
  auto& hessian = require_capability<HessianProducts>(*model, "test");
  const Vector v = Vector::LinSpaced(model->num_parameters(), -1, 1);
  Vector on_rows(v.size()), on_copy(v.size());
  hessian.hessian_vector_product(ds.X, ds.y, rows, v.data(), on_rows.data());  // sizes the working space
  const long before = allocations_so_far();
  hessian.hessian_vector_product(ds.X, ds.y, rows, v.data(), on_rows.data());
  hessian.hessian_vector_product(ds.X, ds.y, {}, v.data(), on_copy.data());
  CHECK(allocations_so_far() == before);
  hessian.hessian_vector_product(picked.X, picked.y, {}, v.data(), on_copy.data());
  CHECK(on_rows == on_copy);  // the same samples in the same order: the same bytes
}
