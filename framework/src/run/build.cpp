#include "run/build.hpp"

#include "config/toml_values.hpp"
#include "run/training_set.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace relulab::host {

namespace {

template <class Interface>
std::unique_ptr<Interface> make_section(const Experiment& ex, const Section& s, const BuildContext& ctx) {
  try {
    return s.plugin->descriptor.make<Interface>(s.params, ctx);
  } catch (const ParameterError& e) {
    throw ConfigError(located(ex.locate(s, e.key()), s.table, e.key(), e.what()));
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError(
        located(s.location, s.table, "", "plugin '" + s.plugin->descriptor.name + "' could not be built: " + e.what()));
  }
}

// Parameter-sized buffers an optimizer keeps beyond the parameters and the
// gradient: Adam's two moments for an iteration clock; the Dormand-Prince
// stages and dense-output state (about nine) for continuous time.
double optimizer_buffers(const Optimizer& optimizer) {
  return optimizer.clock() == relulab::Clock::ContinuousTime ? 9 : 2;
}

// Each policy draws its noise from a stream of its own, derived from the
// noise stream and its place in the list.
std::vector<std::unique_ptr<Policy>> build_policies(const Experiment& ex, Optimizer& optimizer, BuildContext ctx) {
  std::vector<std::unique_ptr<Policy>> policies;
  if (ex.policies.empty()) return policies;
  const std::string refusal = optimizer.policy_refusal();
  const std::uint64_t noise = derive_seed(ex.stream_roots.at("noise"), "noise");
  std::vector<Policy*> chain;
  for (std::size_t i = 0; i < ex.policies.size(); ++i) {
    const Section& s = ex.policies[i];
    if (!refusal.empty())
      throw ConfigError(located(ex.locate(s, "plugin"), s.table, "plugin",
                                "policy '" + s.plugin->descriptor.name + "' cannot wrap optimizer '" +
                                    ex.optimizer.plugin->descriptor.name + "': " + refusal));
    ctx.noise_seed = derive_seed(noise, "policy" + std::to_string(i));
    policies.push_back(make_section<Policy>(ex, s, ctx));
    chain.push_back(policies.back().get());
  }
  optimizer.use_policies(std::move(chain));
  return policies;
}

// Each [experiment] stop condition names a column some metric records.
void check_stop_conditions(const Experiment& ex, const Built& b) {
  if (ex.stop.empty()) return;
  std::vector<std::string> columns;
  for (const auto& m : b.metrics)
    for (const auto& c : m->columns()) columns.push_back(c);
  for (const auto& c : ex.stop) {
    if (std::find(columns.begin(), columns.end(), c.metric) != columns.end()) continue;
    std::string msg = "stop: no metric column '" + c.metric + "'";
    if (auto guess = did_you_mean(c.metric, columns); !guess.empty()) msg += " (did you mean '" + guess + "'?)";
    throw ConfigError(located(c.where, "experiment", "",
                              msg + "; the metrics record: " + (columns.empty() ? "nothing (add a [[metrics]] entry)" : join(columns))));
  }
}

// A loss that trains on the logarithm of its mean needs a model that computes
// it (two passes over the samples); any other model would train on the plain
// mean without a word.
void check_loss_objective(const Experiment& ex, const Built& b) {
  if (!capability<LogMeanObjective>(*b.loss) || capability<LogMeanTraining>(*b.model)) return;
  throw ConfigError(located(ex.locate(ex.loss, "plugin"), "loss", "plugin",
                            "the loss '" + b.loss->name() + "' trains on the log of its mean, and model '" +
                                ex.model.plugin->descriptor.name + "' cannot (capability '" +
                                LogMeanTraining::kCapability + "'); use its plain form"));
}

}  // namespace

Built build(const Experiment& ex, StopToken stop) {
  Built b;
  BuildContext ctx;
  ctx.stop = stop;
  ctx.experiment_dir = ex.file.parent_path();
  ctx.num_samples = ex.n;
  ctx.training_set = ex.training_set;
  b.data = make_section<DataGenerator>(ex, ex.data, ctx);
  ctx.input_dim = b.data->dim();
  ctx.data = b.data.get();
  b.loss = make_section<Loss>(ex, ex.loss, ctx);
  ctx.loss = b.loss.get();
  b.model = make_section<Model>(ex, ex.model, ctx);
  ctx.model = b.model.get();
  check_loss_objective(ex, b);
  b.optimizer = make_section<Optimizer>(ex, ex.optimizer, ctx);
  ctx.optimizer = b.optimizer.get();
  b.policies = build_policies(ex, *b.optimizer, ctx);
  for (const auto& m : ex.metrics) b.metrics.push_back(make_section<Metric>(ex, m, ctx));
  check_training_set(ex, b);
  check_stop_conditions(ex, b);
  return b;
}

ResourceEstimate estimate_resources(const Experiment& ex, const Built& built) {
  const double n = static_cast<double>(ex.n), d = static_cast<double>(built.data->dim());
  const double parameters = static_cast<double>(built.model->num_parameters());
  const double buffers = optimizer_buffers(*built.optimizer);
  ResourceEstimate e;
  e.training_set = 8 * n * (d + 1);
  e.network = 8 * parameters * (2 + buffers);
  e.checkpoint = 8 * parameters * (1 + buffers);
  return e;
}

void refuse_if_too_large(const Experiment& ex, const ResourceEstimate& e, double memory_bytes) {
  if (e.peak() <= memory_bytes) return;
  const bool data_dominates = e.training_set >= e.network + 2 * e.checkpoint;
  const Section& section = data_dominates ? ex.data : ex.model;
  const std::string key = data_dominates ? "n" : (section.where.count("width") ? "width" : "");
  throw ConfigError(located(key.empty() ? section.location : ex.locate(section, key), section.table, key,
                            "the run would need about " + format_bytes(e.peak()) + " of memory (training set " +
                                format_bytes(e.training_set) + ", network and optimizer " + format_bytes(e.network) +
                                ", checkpoint " + format_bytes(e.checkpoint) +
                                " twice while written); this machine "
                                "has " +
                                format_bytes(memory_bytes)));
}

std::optional<std::string> disk_warning(const ResourceEstimate& e, double free_bytes, const std::string& where) {
  if (e.checkpoint <= free_bytes) return std::nullopt;
  return "each checkpoint takes about " + format_bytes(e.checkpoint) + ", but " + where + " has " +
         format_bytes(free_bytes) + " free: checkpoints will fail (the run keeps going from the last good one)";
}

double physical_memory_bytes() {
  return static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
}

double free_disk_bytes(const fs::path& path) {
  fs::path p = fs::absolute(path);
  while (!fs::exists(p) && p.has_parent_path() && p != p.parent_path()) p = p.parent_path();
  struct statvfs st {};
  if (::statvfs(p.c_str(), &st) != 0) return INFINITY;
  return static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize);
}

Experiment validate_and_build(const RawExperiment& raw, Registry& registry, ResourceEstimate* estimate) {
  Experiment ex = validate_experiment(raw, registry);
  const ResourceEstimate e = estimate_resources(ex, build(ex));
  refuse_if_too_large(ex, e, physical_memory_bytes());
  if (estimate) *estimate = e;
  return ex;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) bytes /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

}  // namespace relulab::host
