// The extremal vectors of the training data's drift field (docs/science.md
// section 3): where early alignment sends the neurons. With residual =
// "labels" the network is taken as zero (the early-alignment field); with
// "current" the drift uses the residual y - h(x) of the network as it is.
// Columns: the number of distinct vectors of each sign, the largest G of the
// + ones, and the largest angle from a vector to the population extremal
// vector of its sign (when the data generator knows them; NaN otherwise).
// Arrays: extremal/directions_<iteration>.npy (K x d) and
// extremal/info_<iteration>.npy (K x 5: sign, G, share of starts, on a kink,
// angle in degrees to the nearest population extremal vector of its sign or NaN).
#include <relulab/math/extremal.hpp>
#include <relulab/paper_setting.hpp>
#include <relulab/relulab.hpp>

#include <cstdio>
#include <numbers>

namespace {

using namespace relulab;

class ExtremalVectorsMetric final : public Metric {
 public:
  ExtremalVectorsMetric(const Params& p, const BuildContext& ctx) : use_residual_(p.text("residual") == "current") {
    require_relu_and_squared_error(ctx, "extremal_vectors");
    require_finite_training_set(ctx, "extremal_vectors", "the extremal vectors of the drift D_n");
    options_.starts = static_cast<int>(p.integer("starts"));
    options_.merge_angle = p.real("merge_angle_deg") * std::numbers::pi / 180;
    options_.subgradient_iterations = static_cast<int>(p.integer("ascent_iterations"));
  }

  std::vector<std::string> columns() const override {
    return {"extremal_plus", "extremal_minus", "extremal_G_max", "extremal_angle_plus_deg", "extremal_angle_minus_deg"};
  }

  void prepare(const Dataset&, const DataGenerator& data, Rng& rng) override {
    seed_ = rng.engine()();  // each evaluation derives its own stream from this and its iteration
    if (const auto* drift = capability<PopulationDrift>(data)) population_ = drift->extremal_vectors();
  }

  void evaluate(const Snapshot& s, std::span<double> out) override {
    Vector r = s.train.y;
    if (use_residual_) {
      Vector h;
      s.model.predict(s.train.X, h);
      r -= h;
    }
    Rng rng(derive_seed(seed_, "iteration" + std::to_string(s.iteration)));
    last_ = math::extremal::search(s.train.X, r, rng, options_);
    double g_max = NAN, angle[2] = {NAN, NAN};
    int count[2] = {0, 0};
    std::vector<double> to_population(last_.size(), NAN);
    for (std::size_t i = 0; i < last_.size(); ++i) {
      const auto& e = last_[i];
      const int side = e.sign > 0 ? 0 : 1;
      ++count[side];
      if (e.sign > 0) g_max = std::isnan(g_max) ? e.G : std::max(g_max, e.G);
      for (const auto& [u, sign] : population_)
        if (sign == e.sign) {
          const double a = math::extremal::angle(e.direction, u) * 180 / std::numbers::pi;
          to_population[i] = std::isnan(to_population[i]) ? a : std::min(to_population[i], a);
        }
      if (!std::isnan(to_population[i]))
        angle[side] = std::isnan(angle[side]) ? to_population[i] : std::max(angle[side], to_population[i]);
    }
    out[0] = count[0];
    out[1] = count[1];
    out[2] = g_max;
    out[3] = angle[0];
    out[4] = angle[1];
    const std::size_t K = last_.size(), d = static_cast<std::size_t>(s.train.dim());
    std::vector<double> directions(K * d), info(K * 5);
    for (std::size_t i = 0; i < K; ++i) {
      for (std::size_t c = 0; c < d; ++c) directions[i * d + c] = last_[i].direction[static_cast<Index>(c)];
      info[i * 5 + 0] = last_[i].sign;
      info[i * 5 + 1] = last_[i].G;
      info[i * 5 + 2] = last_[i].share;
      info[i * 5 + 3] = last_[i].kink ? 1.0 : 0.0;
      info[i * 5 + 4] = to_population[i];
    }
    const std::string tag = std::to_string(s.iteration);
    s.arrays.write("extremal/directions_" + tag, directions.data(), {K, d});
    s.arrays.write("extremal/info_" + tag, info.data(), {K, 5});
  }

  std::string final_report(std::span<const double> v, const DataGenerator&) const override {
    char buf[200];
    std::snprintf(buf, sizeof buf, "  extremal vectors: %.0f with sign +, %.0f with sign -", v[0], v[1]);
    std::string r = buf;
    if (!std::isnan(v[3]) || !std::isnan(v[4])) {
      std::snprintf(buf, sizeof buf, "; largest angle to the population ones: %.3g deg (+), %.3g deg (-)", v[3], v[4]);
      r += buf;
    }
    return r;
  }

 private:
  bool use_residual_;
  math::extremal::SearchOptions options_;
  std::uint64_t seed_ = 0;
  std::vector<std::pair<Vector, int>> population_;
  std::vector<math::extremal::ExtremalVector> last_;
};

PluginDescriptor describe() {
  Schema s;
  s.integer("starts", "random starting directions of the search, half of each sign").def(200).at_least(2);
  s.text("residual", "labels: the early-alignment field (network taken as 0); current: the network's residual")
      .def("labels")
      .one_of({"labels", "current"});
  s.real("merge_angle_deg", "vectors closer than this (degrees) are one").def(1.0).above(0).below(90);
  s.integer("ascent_iterations", "subgradient steps where the fixed-point iteration cycles (kinks)")
      .def(2000)
      .at_least(10);
  PluginDescriptor d = make_plugin<ExtremalVectorsMetric>(
      "extremal_vectors", "1.0.0", "extremal vectors of the drift field D_n: count, G, angle to the population ones",
      s);
  d.column_labels = {{"extremal_plus", "extremal vectors (+)"},
                     {"extremal_minus", "extremal vectors (-)"},
                     {"extremal_G_max", "largest G at an extremal vector"},
                     {"extremal_angle_plus_deg", "angle to the population extremal vector + (deg)"},
                     {"extremal_angle_minus_deg", "angle to the population extremal vector - (deg)"}};
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
