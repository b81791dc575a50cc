#include "run/training_set.hpp"

#include <stdexcept>

namespace relulab::host {

namespace {

[[noreturn]] void refuse(const Experiment& ex, const Section& s, const std::string& key, const std::string& why) {
  const bool written = key.empty() || s.where.count(key);
  throw ConfigError(located(written ? ex.locate(s, key) : s.location, s.table, written ? key : "", why));
}

// The data plugin must offer what the mode draws on.
void check_data(const Experiment& ex, const Built& b) {
  const std::string name = ex.data.plugin->descriptor.name;
  if (ex.training_set == TrainingSet::Online && !capability<FreshSamples>(*b.data))
    refuse(ex, ex.data, "n",
           "n = \"online\" draws fresh samples at every step, but data plugin '" + name +
               "' holds a fixed data set (nothing to draw from); give n a number, or use a teacher");
  if (ex.training_set == TrainingSet::Infinite && !capability<GaussianTeacher>(*b.data))
    refuse(ex, ex.data, "n",
           "n = \"infinite\" trains on the population loss in closed form, which needs " +
               std::string(GaussianTeacher::kDescription) + "; data plugin '" + name +
               "' has none (a data set from files, or an input law without the closed form); give n a number, or "
               "n = \"online\" for fresh samples from a teacher");
}

// The optimizer's batch_size, when it has one (the first-order rules).
std::optional<std::int64_t> batch_size_of(const Experiment& ex) {
  if (!ex.optimizer.params.has("batch_size")) return std::nullopt;
  return ex.optimizer.params.integer("batch_size");
}

void check_optimizer(const Experiment& ex) {
  const auto batch = batch_size_of(ex);
  const std::string name = ex.optimizer.plugin->descriptor.name;
  if (ex.training_set == TrainingSet::Online && (!batch || *batch == 0))
    refuse(ex, ex.optimizer, batch ? "batch_size" : "plugin",
           "n = \"online\" draws a fresh batch at every step, so it needs mini-batches: " +
               (batch ? std::string("set batch_size to 1 or more") : "optimizer '" + name + "' has none") +
               " (for full-batch training on infinite data use n = \"infinite\")");
  if (ex.training_set == TrainingSet::Infinite && batch && *batch != 0)
    refuse(ex, ex.optimizer, "batch_size",
           "n = \"infinite\" trains on the exact population loss: there are no samples to batch; set batch_size = 0 "
           "(gradient descent), use gradient_flow, or n = \"online\" for mini-batches of fresh samples");
}

void check_population_model(const Experiment& ex, const Built& b) {
  if (ex.training_set != TrainingSet::Infinite) return;
  if (b.loss->name() != "mse")
    refuse(ex, ex.loss, "plugin",
           "n = \"infinite\" has a closed form for the squared error only; the loss is " + b.loss->name() +
               "; use loss \"mse\", or give n a number");
  const auto* population = capability<PopulationTraining>(*b.model);
  if (!population)
    refuse(ex, ex.model, "plugin",
           "n = \"infinite\" needs " + std::string(PopulationTraining::kDescription) + ", which model plugin '" +
               ex.model.plugin->descriptor.name + "' does not offer; give n a number");
  const PopulationTraining::Refusal refusal = population->population_refusal();
  if (!refusal.reason.empty()) refuse(ex, ex.model, refusal.key, "with n = \"infinite\": " + refusal.reason);
}

// Label policies perturb a training set's labels; the population loss has none.
void check_policies(const Experiment& ex, const Built& b) {
  if (ex.training_set != TrainingSet::Infinite) return;
  for (std::size_t i = 0; i < b.policies.size(); ++i)
    if (b.policies[i]->hooks() & Policy::Labels)
      refuse(ex, ex.policies[i], "plugin",
             "policy '" + ex.policies[i].plugin->descriptor.name +
                 "' perturbs the labels of samples; n = \"infinite\" trains on the population loss, which has "
                 "none; use n = \"online\" (fresh samples, each with its label) or a number");
}

}  // namespace

void check_training_set(const Experiment& ex, const Built& built) {
  if (ex.training_set == TrainingSet::Finite) return;
  check_data(ex, built);
  check_optimizer(ex);
  check_population_model(ex, built);
  check_policies(ex, built);
}

Index online_batch_size(const Experiment& ex) { return static_cast<Index>(batch_size_of(ex).value_or(0)); }

void OnlineObjective::save(State& s) const {
  s.put_doubles("online.X", held_.X.data(), static_cast<std::size_t>(held_.X.size()));
  s.put_doubles("online.y", held_.y.data(), static_cast<std::size_t>(held_.y.size()));
  s.put_text("rng.data", stream_.save());
}

void OnlineObjective::restore(const State& s, const std::string& where) {
  const auto xs = static_cast<std::size_t>(held_.X.size()), ys = static_cast<std::size_t>(held_.y.size());
  if (!s.has("online.X") || s.count_doubles("online.X") != xs || s.count_doubles("online.y") != ys)
    throw std::runtime_error("checkpoint in " + where + " holds no online batch of " + std::to_string(ys) +
                             " samples; it does not belong to this run");
  s.doubles("online.X", held_.X.data(), xs);
  s.doubles("online.y", held_.y.data(), ys);
  stream_.restore(s.text("rng.data"));
}

double PopulationObjective::loss_and_gradient(Rows rows, double* gradient) {
  if (!rows.empty())
    throw std::logic_error("n = \"infinite\" has no samples: an optimizer asked for a batch of " +
                           std::to_string(rows.size()));
  return population_.population_loss_and_gradient(gradient);
}

}  // namespace relulab::host
