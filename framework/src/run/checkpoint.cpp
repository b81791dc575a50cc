#include "run/checkpoint.hpp"

#include <stdexcept>

namespace relulab::host {

namespace {

void nest(State& into, const std::string& prefix, const State& part) {
  for (const auto& [k, v] : part.entries()) into.put_text(prefix + k, v);
}

State extract(const State& from, const std::string& prefix) {
  State part;
  for (const auto& [k, v] : from.entries())
    if (k.rfind(prefix, 0) == 0) part.put_text(k.substr(prefix.size()), v);
  return part;
}

std::string metric_prefix(std::size_t i) { return "metric" + std::to_string(i) + "."; }

}  // namespace

State compose_checkpoint(const Experiment& ex, const RunParts& parts, const RunProgressMark& mark) {
  State s;
  s.put_text("config_hash", ex.hash);
  const auto theta = parts.model.parameters();
  s.put_doubles("model.theta", theta.data(), static_cast<std::size_t>(theta.size()));
  s.put_text("rng.batches", parts.batch_rng.save());
  State optimizer;
  parts.optimizer.save_state(optimizer);
  nest(s, "optimizer.", optimizer);
  for (std::size_t i = 0; i < parts.metrics.size(); ++i) {
    State metric;
    parts.metrics[i]->save_state(metric);
    nest(s, metric_prefix(i), metric);
  }
  s.put_u64("csv.bytes", mark.csv_bytes);
  s.put_f64("wall_seconds", mark.wall_seconds);
  return s;
}

RunProgressMark restore_checkpoint(const State& checkpoint, RunParts& parts, const std::string& where) {
  const auto size = static_cast<std::size_t>(parts.model.num_parameters());
  if (checkpoint.count_doubles("model.theta") != size)
    throw std::runtime_error("checkpoint in " + where + " does not match the model's size");
  checkpoint.doubles("model.theta", parts.model.parameters().data(), size);
  parts.batch_rng.restore(checkpoint.text("rng.batches"));
  parts.optimizer.load_state(extract(checkpoint, "optimizer."));
  for (std::size_t i = 0; i < parts.metrics.size(); ++i)
    parts.metrics[i]->load_state(extract(checkpoint, metric_prefix(i)));
  return {checkpoint.u64("csv.bytes"), checkpoint.f64("wall_seconds")};
}

}  // namespace relulab::host
