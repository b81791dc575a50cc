// Theorem 1's quantity: sup_w |D_n(w) - D(w)| between the training data's
// drift and the population drift, estimated over random unit directions (the
// data generator must know D in closed form). Theorem 1: it decays like
// n^-1/2 up to logarithms. Columns: the largest and the mean error over the
// directions.
#include <relulab/math/extremal.hpp>
#include <relulab/paper_setting.hpp>
#include <relulab/relulab.hpp>

namespace {

using namespace relulab;

class DriftConcentration final : public Metric {
 public:
  DriftConcentration(const Params& p, const BuildContext& ctx) : directions_(p.integer("directions")) {
    require_relu_and_squared_error(ctx, "drift_concentration");
    require_finite_training_set(ctx, "drift_concentration", "the gap between the drift D_n and D");
    if (ctx.data) require_capability<PopulationDrift>(*ctx.data, "drift_concentration", "the data plugin");
  }

  std::vector<std::string> columns() const override { return {"drift_sup_error", "drift_mean_error"}; }

  void prepare(const Dataset& train, const DataGenerator& data, Rng& rng) override {
    // The directions are drawn once, so every evaluation measures the same set.
    W_.resize(directions_, train.dim());
    for (Index i = 0; i < directions_; ++i) {
      for (Index c = 0; c < train.dim(); ++c) W_(i, c) = rng.normal();
      W_.row(i).normalize();
    }
    const auto& population = require_capability<PopulationDrift>(data, "drift_concentration", "the data plugin");
    population_.resize(directions_);
    for (Index i = 0; i < directions_; ++i)
      population_[static_cast<std::size_t>(i)] = population.drift(W_.row(i).transpose());
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    double sup = 0, sum = 0;
    for (Index i = 0; i < directions_; ++i) {
      const double e = (math::extremal::drift(s.train.X, s.train.y, W_.row(i).transpose()) -
                        population_[static_cast<std::size_t>(i)])
                           .norm();
      sup = std::max(sup, e);
      sum += e;
    }
    out[0] = sup;
    out[1] = sum / static_cast<double>(directions_);
  }

 private:
  Index directions_;
  RowMatrix W_;
  std::vector<Vector> population_;
};

PluginDescriptor describe() {
  Schema s;
  s.integer("directions", "random unit directions over which the supremum is estimated").def(1000).at_least(1);
  PluginDescriptor d = make_plugin<DriftConcentration>("drift_concentration", "1.0.0",
                                                       "sup_w |D_n(w) - D(w)| over random directions (Theorem 1)", s);
  d.column_labels = {{"drift_sup_error", "sup_w |D_n(w) - D(w)|"}, {"drift_mean_error", "mean_w |D_n(w) - D(w)|"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
