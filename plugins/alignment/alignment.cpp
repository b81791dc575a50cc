// Early alignment, measured: where the neurons point relative to the extremal
// vectors of the training data's drift (docs/science.md §3), computed once
// from the labels (the network is ~0 while alignment happens).
// Columns:
//   aligned_mass       share of the norm mass sum_j |a_j||w_j| on neurons within
//                      angle_deg of an extremal vector of their sign (sign of a_j)
//   aligned_neurons    the same share counted in neurons
//   effective_width    number of direction clusters (cluster_angle_deg, per sign)
//                      carrying all but `delta` of the norm mass (relulab/math/clusters.hpp;
//                      the neuron_clusters metric reports the clusters themselves)
//   alignment_time     the first recorded time at which aligned_neurons reached
//                      aligned_fraction: the end of early alignment (NaN before)
// With n = "online" or "infinite" the targets are the population drift's
// extremal vectors (a teacher that knows them in closed form, +-beta*/|beta*|
// for the linear teacher); without such a teacher the metric is refused.
// Array alignment/angles_<iteration>.npy: each neuron's angle (degrees) to the
// nearest extremal vector of its sign (NaN for a neuron with a_j = 0 or w_j = 0).
#include <relulab/math/clusters.hpp>
#include <relulab/math/extremal.hpp>
#include <relulab/paper_setting.hpp>
#include <relulab/relulab.hpp>

#include <cstdio>
#include <numbers>

namespace {

using namespace relulab;

class Alignment final : public Metric {
 public:
  Alignment(const Params& p, const BuildContext& ctx)
      : angle_(p.real("angle_deg") * std::numbers::pi / 180),
        cluster_angle_(p.real("cluster_angle_deg") * std::numbers::pi / 180),
        delta_(p.real("delta")),
        fraction_(p.real("aligned_fraction")) {
    require_relu_and_squared_error(ctx, "alignment");
    finite_ = ctx.training_set == TrainingSet::Finite;
    if (!finite_ && ctx.data && !capability<PopulationDrift>(*ctx.data))
      throw ParameterError("plugin",
                           "alignment with n = \"online\" or \"infinite\" measures against the population "
                           "drift's extremal vectors, which the data plugin does not know in closed form (capability "
                           "'population_drift'); give n a number");
    options_.starts = static_cast<int>(p.integer("starts"));
  }

  std::vector<std::string> columns() const override {
    return {"aligned_mass", "aligned_neurons", "effective_width", "alignment_time"};
  }

  void prepare(const Dataset& train, const DataGenerator& data, Rng& rng) override {
    if (finite_) {
      targets_ = math::extremal::search(train.X, train.y, rng, options_);
      return;
    }
    targets_.clear();
    for (const auto& [direction, sign] : require_capability<PopulationDrift>(data, "alignment").extremal_vectors())
      targets_.push_back({direction, sign});
  }

  // Exposed for tests: the measures of a network against given extremal vectors.
  struct Measures {
    double aligned_mass, aligned_neurons, effective_width;
    std::vector<double> angles_deg;  // per neuron
  };
  static Measures measure(const TwoLayerView& v, const std::vector<math::extremal::ExtremalVector>& targets,
                          double angle, double cluster_angle, double delta) {
    const Index m = v.width();
    double mass_aligned = 0;
    Index neurons_aligned = 0;
    std::vector<double> angles(static_cast<std::size_t>(m), NAN);
    for (Index j = 0; j < m; ++j) {
      const double norm = v.W.row(j).norm();
      if (norm == 0 || v.a[j] == 0) continue;
      const Vector u = v.W.row(j).transpose() / norm;
      const int sign = v.a[j] > 0 ? 1 : -1;
      double nearest = INFINITY;
      for (const auto& t : targets)
        if (t.sign == sign) nearest = std::min(nearest, math::extremal::angle(u, t.direction));
      angles[static_cast<std::size_t>(j)] = nearest * 180 / std::numbers::pi;
      if (nearest <= angle) mass_aligned += std::abs(v.a[j]) * norm, ++neurons_aligned;
    }
    const math::clusters::Clustering c = math::clusters::cluster_directions(v, cluster_angle);
    return {c.total_mass > 0 ? mass_aligned / c.total_mass : 0.0, m > 0 ? double(neurons_aligned) / m : 0.0,
            static_cast<double>(c.carrying(delta)), std::move(angles)};
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    const Measures r = measure(s.model.view(), targets_, angle_, cluster_angle_, delta_);
    if (std::isnan(alignment_time_) && r.aligned_neurons >= fraction_) alignment_time_ = s.time;
    out[0] = r.aligned_mass;
    out[1] = r.aligned_neurons;
    out[2] = r.effective_width;
    out[3] = alignment_time_;
    s.arrays.write("alignment/angles_" + std::to_string(s.iteration), r.angles_deg.data(), {r.angles_deg.size()});
  }

  void save_state(State& state) const override { state.put_f64("alignment_time", alignment_time_); }
  void load_state(const State& state) override {
    if (state.has("alignment_time")) alignment_time_ = state.f64("alignment_time");
  }

  std::string final_report(std::span<const double> v, const DataGenerator&) const override {
    char buf[200];
    std::snprintf(
        buf, sizeof buf,
        "  alignment: %.1f%% of the norm mass aligned, effective width %.0f, early alignment ended at t = %.4g",
        100 * v[0], v[2], v[3]);
    return buf;
  }

 private:
  double angle_, cluster_angle_, delta_, fraction_;
  math::extremal::SearchOptions options_;
  std::vector<math::extremal::ExtremalVector> targets_;
  bool finite_ = true;  // a finite training set (else the population drift's extremal vectors)
  double alignment_time_ = NAN;
};

PluginDescriptor describe() {
  Schema s;
  s.real("angle_deg", "a neuron is aligned within this angle (degrees) of an extremal vector of its sign")
      .def(5.0)
      .above(0)
      .at_most(180);
  s.real("cluster_angle_deg", "neurons within this angle (degrees) form one direction cluster")
      .def(5.0)
      .above(0)
      .at_most(180);
  s.real("delta", "effective width: clusters needed to carry all but this share of the norm mass")
      .def(0.01)
      .at_least(0)
      .below(1);
  s.real("aligned_fraction", "alignment_time: when this share of the neurons is aligned").def(0.9).above(0).at_most(1);
  s.integer("starts", "starts of the extremal-vector search").def(200).at_least(2);
  PluginDescriptor d = make_plugin<Alignment>(
      "alignment", "1.0.0", "neuron alignment to the extremal vectors, effective width, end of early alignment", s);
  d.column_labels = {{"aligned_mass", "norm mass aligned with an extremal vector"},
                     {"aligned_neurons", "share of neurons aligned"},
                     {"effective_width", "effective width (clusters)"},
                     {"alignment_time", "end of early alignment (iteration)"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
