#include "run/checkpoint.hpp"

#include "io/output.hpp"
#include "run/training_set.hpp"

#include <iterator>
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

// A checkpoint past the run's own end (a crafted or foreign file) would mark
// the run completed without training: refused.
void refuse_beyond_horizon(const Optimizer& optimizer, const std::string& where) {
  const bool iterations = optimizer.clock() == Clock::Iterations;
  const double reached = iterations ? static_cast<double>(optimizer.iteration()) : optimizer.time();
  if (!(reached <= optimizer.horizon()))
    throw std::runtime_error("checkpoint in " + where + " claims " + (iterations ? "iteration " : "time ") +
                             (iterations ? std::to_string(optimizer.iteration()) : format_number(reached)) +
                             ", beyond the run's end at " + format_number(optimizer.horizon()) +
                             "; it does not belong to this run");
}

}  // namespace

State compose_checkpoint(const Experiment& ex, const RunParts& parts, const RunProgressMark& mark) {
  State s;
  s.put_text("config_hash", ex.hash);
  const auto theta = parts.model.parameters();
  s.put_doubles("model.theta", theta.data(), static_cast<std::size_t>(theta.size()));
  s.put_text("rng.batches", parts.batch_rng.save());
  if (parts.online) parts.online->save(s);
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
  // Read by `relulab status` only (the optimizer's own state holds it for resuming): its rate and progress.
  s.put_u64("progress.iteration", parts.optimizer.iteration());
  if (!mark.stop_counts.empty()) s.put_u64s("stop.counts", mark.stop_counts.data(), mark.stop_counts.size());
  return s;
}

State compose_pending_checkpoint(const Experiment& ex, const RunParts& parts, const RunProgressMark& mark,
                                 const std::vector<State>& states_before, const PendingRecord& pending) {
  State s = compose_checkpoint(ex, parts, mark);
  std::string due;
  for (std::size_t i = 0; i < parts.metrics.size(); ++i) {
    due += pending.due[i] ? '1' : '0';
    if (!pending.due[i]) continue;
    const std::string prefix = metric_prefix(i);
    for (auto it = s.entries().begin(); it != s.entries().end();)
      it = it->first.rfind(prefix, 0) == 0 ? s.entries().erase(it) : std::next(it);
    nest(s, prefix, states_before[i]);
  }
  s.put_u64("pending.iteration", pending.iteration);
  s.put_f64("pending.time", pending.time);
  s.put_text("pending.due", due);
  return s;
}

std::optional<PendingRecord> pending_record(const State& checkpoint) {
  if (!checkpoint.has("pending.due")) return std::nullopt;
  PendingRecord p{checkpoint.u64("pending.iteration"), checkpoint.f64("pending.time"), {}};
  for (char c : checkpoint.text("pending.due")) p.due.push_back(c == '1');
  return p;
}

RunProgressMark restore_checkpoint(const State& checkpoint, RunParts& parts, const std::string& where) {
  const auto size = static_cast<std::size_t>(parts.model.num_parameters());
  if (checkpoint.count_doubles("model.theta") != size)
    throw std::runtime_error("checkpoint in " + where + " does not match the model's size");
  checkpoint.doubles("model.theta", parts.model.parameters().data(), size);
  parts.batch_rng.restore(checkpoint.text("rng.batches"));
  if (parts.online) parts.online->restore(checkpoint, where);
  parts.optimizer.load_state(extract(checkpoint, "optimizer."));
  for (std::size_t i = 0; i < parts.metrics.size(); ++i)
    parts.metrics[i]->load_state(extract(checkpoint, metric_prefix(i)));
  refuse_beyond_horizon(parts.optimizer, where);
  RunProgressMark mark{checkpoint.u64("csv.bytes"), checkpoint.f64("wall_seconds"), {}};
  if (checkpoint.has("stop.counts")) {
    mark.stop_counts.resize(checkpoint.count_u64s("stop.counts"));
    checkpoint.u64s("stop.counts", mark.stop_counts.data(), mark.stop_counts.size());
  }
  if (!(mark.wall_seconds >= 0 && mark.wall_seconds < 1e12))
    throw std::runtime_error("checkpoint in " + where + " records a wall time of " +
                             format_number(mark.wall_seconds) + " s, which no run takes");
  return mark;
}

}  // namespace relulab::host
