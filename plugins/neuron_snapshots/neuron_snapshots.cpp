// Neuron snapshots: the network's (W, a, b) on the metric's schedule
// (geometric by default), as snapshots/W_<iteration>.npy (m x d, row j =
// neuron j), a_<iteration>.npy and b_<iteration>.npy (with a bias), which
// numpy loads directly, to plot or animate neuron directions.
// Columns: the number of neurons with |a_j| |w_j| above a threshold, and the
// total norm mass sum_j |a_j| |w_j|.
#include <relulab/relulab.hpp>

namespace {

using namespace relulab;

class NeuronSnapshots final : public Metric {
 public:
  NeuronSnapshots(const Params& p, const BuildContext&) : threshold_(p.real("mass_threshold")) {}

  std::vector<std::string> columns() const override { return {"neurons_alive", "norm_mass"}; }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    const TwoLayerView v = s.model.view();
    const std::size_t m = static_cast<std::size_t>(v.width()), d = static_cast<std::size_t>(v.dim());
    const RowMatrix W = v.W;  // neuron-major for numpy
    const std::string tag = std::to_string(s.iteration);
    s.arrays.write("snapshots/W_" + tag, W.data(), {m, d});
    s.arrays.write("snapshots/a_" + tag, v.a.data(), {m});
    if (v.has_bias()) s.arrays.write("snapshots/b_" + tag, v.b.data(), {m});
    const Vector mass = v.a.cwiseAbs().cwiseProduct(v.W.rowwise().norm());
    out[0] = static_cast<double>((mass.array() > threshold_ * std::max(mass.sum(), 1e-300)).count());
    out[1] = mass.sum();
  }

 private:
  double threshold_;
};

PluginDescriptor describe() {
  Schema s;
  s.real("mass_threshold", "a neuron counts as alive above this fraction of the total norm mass")
      .def(1e-3)
      .at_least(0)
      .below(1);
  PluginDescriptor d = make_plugin<NeuronSnapshots>(
      "neuron_snapshots", "1.0.0", "(W, a, b) as .npy files on a schedule, with the count of live neurons", s);
  d.column_labels = {{"neurons_alive", "neurons alive"}, {"norm_mass", "norm mass sum |a_j| |w_j|"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
