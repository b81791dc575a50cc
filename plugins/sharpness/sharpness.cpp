// The top eigenvalues of the training loss's Hessian (docs/science.md §9): the
// sharpness of edge-of-stability studies. Lanczos (Spectra's SymEigsSolver)
// on exact Hessian-vector products (the model's HessianProducts capability),
// over the training set or a fixed random subsample of it.
// Columns:
//   sharpness          the largest eigenvalue
//   hessian_eig_2 ...  the next ones, down to the k-th (k > 1)
//   hessian_products   Hessian-vector products this record took
// With vectors = true, sharpness/<iteration>.npy holds the k eigenvectors (k x P,
// unit rows, in the layout of the model's parameters: for two_layer W column by
// column, then a, then b).
// Each record starts Lanczos from the previous record's top eigenvectors
// (their sum), so a dense schedule along a smooth trajectory converges in few
// products; that starting vector is part of the checkpoint, so a resumed run
// records the same bytes.
#include <relulab/relulab.hpp>

#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace {

using namespace relulab;

// The Hessian at the live parameters as an operator y = H x, for Spectra.
struct HessianOperator {
  using Scalar = double;
  const HessianProducts* hessian;
  const RowMatrix* X;
  const Vector* y;
  Rows subset;  // empty: every row
  Index size;
  Index rows() const { return size; }  // the names Spectra calls
  Index cols() const { return size; }
  void perform_op(const double* in, double* out) const { hessian->hessian_vector_product(*X, *y, subset, in, out); }
};

class Sharpness final : public Metric {
 public:
  Sharpness(const Params& p, const BuildContext& ctx)
      : k_(p.integer("k")),
        samples_(p.integer("samples")),
        tolerance_(p.real("tolerance")),
        max_restarts_(p.integer("max_restarts")),
        basis_(p.integer("basis")),
        vectors_(p.flag("vectors")) {
    require_finite_training_set(ctx, "sharpness", "the Hessian of the loss");
    if (!ctx.model || !capability<HessianProducts>(*ctx.model))
      throw ParameterError("plugin", "sharpness needs Hessian-vector products from the model (capability "
                                     "'hessian_products'), which this model does not offer");
    if (ctx.loss) require_capability<LossCurvature>(ctx.loss, "sharpness", "the loss '" + ctx.loss->name() + "'");
    parameters_ = ctx.model->num_parameters();
    if (k_ >= parameters_)
      throw ParameterError("k", "k = " + std::to_string(k_) + " eigenvalues, but the model has " +
                                    std::to_string(parameters_) + " parameters; Lanczos finds at most " +
                                    std::to_string(parameters_ - 1));
    if (samples_ > ctx.num_samples)
      throw ParameterError("samples", "a subsample of " + std::to_string(samples_) + " from a training set of n = " +
                                          std::to_string(ctx.num_samples) + "; give at most n (0: the whole set)");
  }

  std::vector<std::string> columns() const override {
    std::vector<std::string> c{"sharpness"};
    for (Index i = 2; i <= k_; ++i) c.push_back("hessian_eig_" + std::to_string(i));
    c.push_back("hessian_products");
    return c;
  }

  // A subsample is drawn once, without replacement, and kept sorted (the order of the sum).
  void prepare(const Dataset& train, const DataGenerator&, Rng& rng) override {
    rows_.clear();
    if (samples_ == 0 || samples_ == train.size()) return;
    std::vector<Index> all(static_cast<std::size_t>(train.size()));
    std::iota(all.begin(), all.end(), Index{0});
    for (Index i = 0; i < samples_; ++i) {  // a partial Fisher-Yates shuffle
      const Index j = i + static_cast<Index>(rng.below(static_cast<std::uint64_t>(train.size() - i)));
      std::swap(all[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(j)]);
    }
    rows_.assign(all.begin(), all.begin() + samples_);
    std::sort(rows_.begin(), rows_.end());
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    HessianOperator op{&require_capability<HessianProducts>(s.model, "sharpness"), &s.train.X, &s.train.y,
                       Rows(rows_), parameters_};
    const Index ncv = std::min(parameters_, std::max(basis_, k_ + 1));
    Spectra::SymEigsSolver<HessianOperator> lanczos(op, k_, ncv);
    if (warm_.size() == parameters_) lanczos.init(warm_.data());
    else lanczos.init();
    lanczos.compute(Spectra::SortRule::LargestAlge, max_restarts_, tolerance_);
    std::fill(out.begin(), out.end(), NAN);
    if (lanczos.info() == Spectra::CompInfo::Successful) {
      const Vector values = lanczos.eigenvalues();
      for (Index i = 0; i < k_; ++i) out[static_cast<std::size_t>(i)] = values[i];
      warm_ = lanczos.eigenvectors().rowwise().sum();
      if (vectors_) {
        const Eigen::MatrixXd rows = lanczos.eigenvectors().transpose();  // k x P, row-major below
        const RowMatrix out_rows = rows;
        s.arrays.write("sharpness/" + std::to_string(s.iteration), out_rows.data(),
                       {static_cast<std::size_t>(k_), static_cast<std::size_t>(parameters_)});
      }
    }
    out[static_cast<std::size_t>(k_)] = static_cast<double>(lanczos.num_operations());
  }

  void save_state(State& state) const override {
    if (warm_.size()) state.put_doubles("sharpness.warm", warm_.data(), static_cast<std::size_t>(warm_.size()));
  }
  void load_state(const State& state) override {
    if (!state.has("sharpness.warm")) return;
    warm_.resize(static_cast<Index>(state.count_doubles("sharpness.warm")));
    state.doubles("sharpness.warm", warm_.data(), static_cast<std::size_t>(warm_.size()));
  }

 private:
  Index k_, samples_;
  double tolerance_;
  Index max_restarts_, basis_;
  bool vectors_;
  Index parameters_ = 0;
  std::vector<Index> rows_;  // the subsample (empty: every row)
  Vector warm_;  // the last record's top eigenvectors, summed: the next record's start
};

PluginDescriptor describe() {
  Schema s;
  s.integer("k", "how many of the top Hessian eigenvalues to report").def(1).at_least(1);
  s.integer("samples", "a fixed random subsample of the training set (0: all of it)").def(0).at_least(0);
  s.real("tolerance", "Lanczos's relative tolerance on each eigenvalue").def(1e-8).above(0).below(1);
  s.integer("max_restarts", "Lanczos restarts before giving up (the values are then NaN)").def(1000).at_least(1);
  s.integer("basis",
            "Lanczos basis size (at least k + 1): each restart costs this many products; small suits warm starts")
      .def(8)
      .at_least(2);
  s.flag("vectors", "write the eigenvectors to sharpness/<iteration>.npy").def(false);
  PluginDescriptor d = make_plugin<Sharpness>(
      "sharpness", "1.0.0", "top Hessian eigenvalues of the training loss (Lanczos on Hessian-vector products)", s);
  d.column_labels = {{"sharpness", "sharpness (top Hessian eigenvalue)"},
                     {"hessian_products", "Hessian-vector products per record"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
