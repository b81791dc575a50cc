// The whole spectrum of the training loss's Hessian, for a model small enough
// to hold its Hessian (docs/science.md §9): it tells a local minimum from a
// saddle at a stationary point, which the top eigenvalues (`sharpness`) cannot.
// The Hessian is formed column by column from P exact Hessian-vector products
// (the model's HessianProducts capability), symmetrised, and diagonalised by
// Eigen's self-adjoint solver. Each record costs P products and O(P^3)
// arithmetic on P^2 doubles of memory, so schedule it at a few points (the end).
// Columns:
//   hessian_min         the smallest eigenvalue
//   hessian_max         the largest (the sharpness)
//   hessian_negative    how many eigenvalues are below -band
//   hessian_zero        how many lie in [-band, band]
//   hessian_asymmetry   ||H - H^T||_2 estimate (Frobenius, halved): the rounding
//                       noise of the products, against which a small negative
//                       eigenvalue is read
// band = zero_band * max |eigenvalue|. With spectrum = true,
// hessian_spectrum/<iteration>.npy holds every eigenvalue, ascending.
#include <relulab/relulab.hpp>

#include <Eigen/Eigenvalues>

#include <algorithm>

namespace {

using namespace relulab;

class HessianSpectrum final : public Metric {
 public:
  HessianSpectrum(const Params& p, const BuildContext& ctx)
      : zero_band_(p.real("zero_band")), write_spectrum_(p.flag("spectrum")) {
    require_finite_training_set(ctx, "hessian_spectrum", "the Hessian of the loss");
    if (!ctx.model || !capability<HessianProducts>(*ctx.model))
      throw ParameterError("plugin", "hessian_spectrum needs Hessian-vector products from the model (capability "
                                     "'hessian_products'), which this model does not offer");
    if (ctx.loss)
      require_capability<LossCurvature>(ctx.loss, "hessian_spectrum", "the loss '" + ctx.loss->name() + "'");
    const Index most = p.integer("max_parameters");
    if (ctx.model->num_parameters() > most)
      throw ParameterError("max_parameters",
                           "the model has " + std::to_string(ctx.model->num_parameters()) +
                               " parameters, more than max_parameters = " + std::to_string(most) +
                               " (the dense Hessian takes P^2 doubles and O(P^3) time); raise it, or use "
                               "sharpness for the top of the spectrum");
  }

  std::vector<std::string> columns() const override {
    return {"hessian_min", "hessian_max", "hessian_negative", "hessian_zero", "hessian_asymmetry"};
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    const Eigen::MatrixXd H = dense_hessian(s);
    const Eigen::MatrixXd antisymmetric = 0.5 * (H - H.transpose());
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(0.5 * (H + H.transpose()), Eigen::EigenvaluesOnly);
    if (solver.info() != Eigen::Success) {
      std::fill(out.begin(), out.end(), NAN);
      return;
    }
    const Vector& values = solver.eigenvalues();  // ascending
    const double band = zero_band_ * values.cwiseAbs().maxCoeff();
    out[0] = values[0];
    out[1] = values[values.size() - 1];
    out[2] = static_cast<double>((values.array() < -band).count());
    out[3] = static_cast<double>((values.array().abs() <= band).count());
    out[4] = antisymmetric.norm();
    if (write_spectrum_)
      s.arrays.write("hessian_spectrum/" + std::to_string(s.iteration), values.data(),
                     {static_cast<std::size_t>(values.size())});
  }

 private:
  // Column c is H e_c: P products over the whole training set.
  static Eigen::MatrixXd dense_hessian(const Snapshot& s) {
    const auto& products = require_capability<HessianProducts>(s.model, "hessian_spectrum");
    const Index P = s.model.num_parameters();
    Eigen::MatrixXd H(P, P);
    Vector unit = Vector::Zero(P);
    for (Index c = 0; c < P; ++c) {
      unit[c] = 1.0;
      products.hessian_vector_product(s.train.X, s.train.y, {}, unit.data(), H.col(c).data());
      unit[c] = 0.0;
    }
    return H;
  }

  double zero_band_;
  bool write_spectrum_;
};

PluginDescriptor describe() {
  Schema s;
  s.real("zero_band", "eigenvalues within zero_band x max |eigenvalue| of 0 count as zero").def(1e-9).above(0).below(1);
  s.integer("max_parameters", "refuse models with more parameters (memory P^2 doubles, time P^3)")
      .def(8000)
      .at_least(1);
  s.flag("spectrum", "write every eigenvalue to hessian_spectrum/<iteration>.npy").def(false);
  PluginDescriptor d = make_plugin<HessianSpectrum>(
      "hessian_spectrum", "1.0.0",
      "every eigenvalue of the training loss's Hessian (dense; small models): minimum or saddle", s);
  d.column_labels = {{"hessian_min", "smallest Hessian eigenvalue"}, {"hessian_max", "largest Hessian eigenvalue"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
