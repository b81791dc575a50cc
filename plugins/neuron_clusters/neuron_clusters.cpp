// The directions the neurons gather on (docs/science.md §3): the neurons are
// clustered by direction (relulab/math/clusters.hpp: heaviest first, each
// joins the first cluster of its sign within cluster_angle_deg of its centre),
// and the clusters that carry all but `mass_cut` of the norm mass
// sum_j |a_j||w_j| are counted: light neurons that carry little of the output
// do not count as directions.
// Columns:
//   clusters                 the number of clusters counted
//   heaviest_cluster_share   the share of the norm mass on the heaviest cluster
// Array clusters/<iteration>.npy, one row per counted cluster, heaviest first:
//   sign, size (neurons), mass share, angle (degrees) from its centre to the
//   nearest extremal vector of its sign (NaN when they are not computed),
//   then the centre's d coordinates.
// With extremal = true the extremal vectors are those of the training data's
// drift (or of the population drift with n = "online" or "infinite"), as the
// alignment metric finds them; that assumes a ReLU network on the squared error.
#include <relulab/math/clusters.hpp>
#include <relulab/math/extremal.hpp>
#include <relulab/paper_setting.hpp>
#include <relulab/relulab.hpp>

#include <cstdio>
#include <numbers>

namespace {

using namespace relulab;

class NeuronClusters final : public Metric {
 public:
  NeuronClusters(const Params& p, const BuildContext& ctx)
      : angle_(p.real("cluster_angle_deg") * std::numbers::pi / 180),
        cut_(p.real("mass_cut")),
        extremal_(p.flag("extremal")),
        finite_(ctx.training_set == TrainingSet::Finite) {
    options_.starts = static_cast<int>(p.integer("starts"));
    if (!extremal_) return;
    require_relu_and_squared_error(ctx, "neuron_clusters with extremal = true");
    if (!finite_ && ctx.data && !capability<PopulationDrift>(*ctx.data))
      throw ParameterError("extremal",
                           "with n = \"online\" or \"infinite\" the extremal vectors are the population drift's, which "
                           "the data plugin does not know in closed form; set extremal = false");
  }

  std::vector<std::string> columns() const override { return {"clusters", "heaviest_cluster_share"}; }

  void prepare(const Dataset& train, const DataGenerator& data, Rng& rng) override {
    targets_.clear();
    if (!extremal_) return;
    if (finite_) {
      targets_ = math::extremal::search(train.X, train.y, rng, options_);
      return;
    }
    for (const auto& [direction, sign] : require_capability<PopulationDrift>(data, "neuron_clusters").extremal_vectors())
      targets_.push_back({direction, sign});
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    const TwoLayerView v = s.model.view();
    const math::clusters::Clustering c = math::clusters::cluster_directions(v, angle_);
    const Index counted = c.carrying(cut_);
    const Index d = v.dim(), columns = 4 + d;
    table_.assign(static_cast<std::size_t>(counted * columns), NAN);
    for (Index k = 0; k < counted; ++k) {
      const auto& cluster = c.clusters[static_cast<std::size_t>(k)];
      double* row = table_.data() + k * columns;
      row[0] = cluster.sign;
      row[1] = static_cast<double>(cluster.size);
      row[2] = cluster.mass / c.total_mass;
      row[3] = nearest_extremal_deg(cluster);
      for (Index i = 0; i < d; ++i) row[4 + i] = cluster.center[i];
    }
    out[0] = static_cast<double>(counted);
    out[1] = counted > 0 ? c.clusters.front().mass / c.total_mass : NAN;
    s.arrays.write("clusters/" + std::to_string(s.iteration), table_.data(),
                   {static_cast<std::size_t>(counted), static_cast<std::size_t>(columns)});
  }

  std::string final_report(std::span<const double> v, const DataGenerator&) const override {
    char buf[160];
    std::snprintf(buf, sizeof buf, "  neuron clusters: %.0f directions carry %.0f%% of the norm mass (heaviest %.1f%%)",
                  v[0], 100 * (1 - cut_), 100 * v[1]);
    return buf;
  }

 private:
  double nearest_extremal_deg(const math::clusters::Cluster& cluster) const {
    double nearest = NAN;
    for (const auto& t : targets_)
      if (t.sign == cluster.sign) {
        const double a = math::clusters::angle_between(cluster.center, t.direction) * 180 / std::numbers::pi;
        nearest = std::isnan(nearest) ? a : std::min(nearest, a);
      }
    return nearest;
  }

  double angle_, cut_;
  bool extremal_, finite_;
  math::extremal::SearchOptions options_;
  std::vector<math::extremal::ExtremalVector> targets_;
  std::vector<double> table_;  // the array's rows; reused between records
};

PluginDescriptor describe() {
  Schema s;
  s.real("cluster_angle_deg", "a neuron joins a cluster whose centre is within this angle (degrees)")
      .def(5.0)
      .above(0)
      .at_most(180);
  s.real("mass_cut", "count the fewest clusters carrying all but this share of the norm mass sum |a_j||w_j|")
      .def(0.01)
      .at_least(0)
      .below(1);
  s.flag("extremal", "report each cluster's angle to the nearest extremal vector (ReLU and squared error)").def(true);
  s.integer("starts", "starts of the extremal-vector search").def(200).at_least(2);
  PluginDescriptor d = make_plugin<NeuronClusters>(
      "neuron_clusters", "1.0.0", "the directions the neurons gather on: count, sizes, masses, angles", s);
  d.column_labels = {{"clusters", "direction clusters"}, {"heaviest_cluster_share", "norm mass on the heaviest cluster"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
