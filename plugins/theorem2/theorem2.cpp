// Theorem 2's prediction: with a linear teacher and inputs in two opposite
// cones around +-beta*, gradient flow from a small initialisation ends where
//   sum_{a_j > 0} a_j w_j = beta_+   and   sum_{a_j < 0} a_j w_j = beta_-,
// beta_+- being OLS fitted on S+- = {k : <x_k, beta*> >< 0}: the network is the
// difference of two ReLUs, each the OLS fit of its half of the data.
// Columns: the relative gaps |sum - beta_+-| / |beta_+-|. (A hidden bias is ignored.)
#include <relulab/math/linalg.hpp>
#include <relulab/paper_setting.hpp>
#include <relulab/relulab.hpp>

#include <cstdio>

namespace {

using namespace relulab;

class Theorem2 final : public Metric {
 public:
  Theorem2(const Params& p, const BuildContext& ctx) : d_(ctx.input_dim) {
    require_relu_and_squared_error(ctx, "theorem2");
    require_finite_training_set(ctx, "theorem2", "the minimal-norm interpolators on each side");
    if (p.has("axis")) {
      const auto& v = p.reals("axis");
      if (static_cast<Index>(v.size()) != d_)
        throw ParameterError("axis", "axis has " + std::to_string(v.size()) + " entries but d = " + std::to_string(d_));
      axis_ = Eigen::Map<const Vector>(v.data(), d_);
    } else if (ctx.data && !capability<LinearTarget>(*ctx.data)) {
      throw ParameterError("plugin",
                           "theorem2 splits the data by the sign of <beta*, x>, and this experiment's data "
                           "has no linear target beta*: give the split direction as axis = [...]");
    }
  }

  std::vector<std::string> columns() const override { return {"gap_plus", "gap_minus"}; }

  void prepare(const Dataset& train, const DataGenerator& data, Rng&) override {
    if (axis_.size() == 0) {
      axis_ = require_capability<LinearTarget>(data, "theorem2 (without axis = [...])", "the data plugin").beta_star();
    }
    for (int side = 0; side < 2; ++side) {
      std::vector<Index> rows;
      for (Index k = 0; k < train.size(); ++k)
        if ((train.X.row(k).dot(axis_.transpose()) > 0) == (side == 0)) rows.push_back(k);
      RowMatrix X(static_cast<Index>(rows.size()), d_);
      Vector y(static_cast<Index>(rows.size()));
      for (std::size_t r = 0; r < rows.size(); ++r) {
        X.row(static_cast<Index>(r)) = train.X.row(rows[r]);
        y[static_cast<Index>(r)] = train.y[rows[r]];
      }
      ols_[side] = math::ordinary_least_squares(X, y);
      count_[side] = rows.size();
    }
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    const TwoLayerView v = s.model.view();
    for (int side = 0; side < 2; ++side) sum_[side] = Vector::Zero(d_);
    for (Index j = 0; j < v.width(); ++j) {
      if (v.a[j] > 0) sum_[0] += v.a[j] * v.W.row(j).transpose();
      else if (v.a[j] < 0) sum_[1] += v.a[j] * v.W.row(j).transpose();
    }
    for (int side = 0; side < 2; ++side) out[side] = (sum_[side] - ols_[side]).norm() / ols_[side].norm();
    if (!written_) {
      s.arrays.write("theorem2_beta_plus", ols_[0].data(), {static_cast<std::size_t>(d_)});
      s.arrays.write("theorem2_beta_minus", ols_[1].data(), {static_cast<std::size_t>(d_)});
      written_ = true;
    }
  }

  std::string final_report(std::span<const double> v, const DataGenerator&) const override {
    auto fmt = [](const Vector& x) {
      std::string s = "[";
      char buf[32];
      for (Index i = 0; i < x.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%s%.4f", i ? ", " : "", x[i]);
        s += buf;
      }
      return s + "]";
    };
    std::string r;
    r += "  Theorem 2: OLS on S+ (" + std::to_string(count_[0]) + " samples) " + fmt(ols_[0]) +
         "\n             sum_{a>0} a_j w_j           " + fmt(sum_[0]) + "\n";
    r += "             OLS on S- (" + std::to_string(count_[1]) + " samples) " + fmt(ols_[1]) +
         "\n             sum_{a<0} a_j w_j           " + fmt(sum_[1]) + "\n";
    char buf[128];
    std::snprintf(buf, sizeof buf, "             relative gaps: + %.3g, - %.3g", v[0], v[1]);
    return r + buf;
  }

 private:
  Index d_;
  Vector axis_;
  Vector ols_[2], sum_[2];
  std::size_t count_[2] = {0, 0};
  bool written_ = false;
};

PluginDescriptor describe() {
  Schema s;
  s.reals("axis", "direction splitting the data into S+ and S- (default: the linear teacher's beta*)").optional();
  PluginDescriptor d = make_plugin<Theorem2>("theorem2", "1.0.0",
                                             "Theorem 2: gaps between the network's +/- parts and OLS on each half", s);
  d.column_labels = {{"gap_plus", "Theorem 2 gap, + part"}, {"gap_minus", "Theorem 2 gap, - part"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
