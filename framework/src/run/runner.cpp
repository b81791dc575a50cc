#include "run/runner.hpp"

#include "build_info.hpp"
#include "run/checkpoint.hpp"
#include "run/monitor.hpp"
#include "io/output.hpp"
#include "run/recorder.hpp"
#include "run/run_directory.hpp"
#include "run/summary.hpp"
#include "run/training_set.hpp"
#include "run/warm_start.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <map>

namespace relulab::host {

namespace {

using StreamSeeds = std::map<std::string, std::uint64_t>;

StreamSeeds stream_seeds(const Experiment& ex) {
  StreamSeeds seeds;
  // Each stream from its root: experiment.seed, or the stream's own *_seed key.
  for (const auto& [key, stream] : kStreamSeedKeys) {
    const auto root = ex.stream_roots.find(stream);
    seeds[stream] = derive_seed(root != ex.stream_roots.end() ? root->second : ex.seed, stream);
  }
  return seeds;
}

toml::table plugin_entry(const Section& s) {
  toml::table t;
  t.insert("version", s.plugin->descriptor.version);
  t.insert("path", s.plugin->path.string());
  char crc[9];
  std::snprintf(crc, sizeof crc, "%08x", static_cast<unsigned>(s.plugin->library_crc32));
  t.insert("library_crc32", std::string(crc));
  t.insert("build", build_description(s.plugin->descriptor));
  if (!s.plugin->descriptor.details.empty()) t.insert("details", s.plugin->descriptor.details);
  return t;
}

toml::table provenance(const Experiment& ex, const StreamSeeds& seeds) {
  toml::table p;
  p.insert("relulab_version", std::string(kVersion));
  p.insert("git_commit", std::string(git_commit()));
  p.insert("plugin_abi", kAbiVersion);
  p.insert("toolchain", std::string(kToolchainTag));
  p.insert("config_hash", ex.hash);
  toml::table s;
  for (const auto& [k, v] : seeds) s.insert(k, static_cast<std::int64_t>(v & 0x7fffffffffffffffULL));
  p.insert("stream_seeds", std::move(s));
  toml::table plugins;
  for (const Section* sec : {&ex.data, &ex.model, &ex.loss, &ex.optimizer})
    plugins.insert_or_assign(sec->plugin->descriptor.name, plugin_entry(*sec));
  for (const auto& pol : ex.policies) plugins.insert_or_assign(pol.plugin->descriptor.name, plugin_entry(pol));
  for (const auto& m : ex.metrics) plugins.insert_or_assign(m.plugin->descriptor.name, plugin_entry(m));
  p.insert("plugins", std::move(plugins));
  return p;
}

class FileArraySink final : public ArraySink {
 public:
  explicit FileArraySink(fs::path dir) : dir_(std::move(dir)) {}
  void write(const std::string& name, const double* data, const std::vector<std::size_t>& shape) override {
    const fs::path p = dir_ / (name + ".npy");
    fs::create_directories(p.parent_path());
    write_npy(p, data, shape);
  }

 private:
  fs::path dir_;
};

// Neuron-major copies for numpy: W as m x d, row j = neuron j.
void write_weights(const fs::path& dir, const std::string& suffix, const Model& model) {
  const TwoLayerView v = model.view();
  const std::size_t m = static_cast<std::size_t>(v.width()), d = static_cast<std::size_t>(v.dim());
  const RowMatrix W = v.W;
  write_npy(dir / ("W_" + suffix + ".npy"), W.data(), {m, d});
  write_npy(dir / ("a_" + suffix + ".npy"), v.a.data(), {m});
  if (v.has_bias()) write_npy(dir / ("b_" + suffix + ".npy"), v.b.data(), {m});
}

void write_training_set(const fs::path& dir, const Dataset& train) {
  const auto n = static_cast<std::size_t>(train.size()), d = static_cast<std::size_t>(train.dim());
  write_npy(dir / "X_train.npy", train.X.data(), {n, d});
  write_npy(dir / "y_train.npy", train.y.data(), {n});
}

// A classification loss needs labels in {-1, +1}: refused before training,
// at the [loss] plugin key, naming the data plugin and the first bad label.
void require_sign_labels(const Experiment& ex, const Loss& loss, const Dataset& train) {
  if (!loss.needs_sign_labels()) return;
  Index bad = 0, first = -1;
  for (Index k = 0; k < train.size(); ++k)
    if (train.y[k] != 1.0 && train.y[k] != -1.0) {
      if (first < 0) first = k;
      ++bad;
    }
  if (bad == 0) return;
  std::ostringstream msg;
  msg << "the " << loss.name() << " loss takes labels -1 and +1, but data plugin '" << ex.data.plugin->descriptor.name
      << "' gave " << bad << " of " << train.size() << " labels outside them (row " << first
      << ": y = " << train.y[first] << "); use a classification data plugin or loss = \"mse\"";
  throw ConfigError(located(ex.locate(ex.loss, "plugin"), "loss", "plugin", msg.str()));
}

RunResult finished_result(const fs::path& dir, const std::vector<std::string>& columns) {
  const RunSummary s = read_summary(dir, columns);
  RunResult r;
  r.outcome = s.outcome;
  r.already_done = true;
  r.dir = dir;
  r.columns = columns;
  r.final_values = s.final_values;
  r.report = s.report;
  r.reason = s.reason;
  return r;
}

// One run from its folder to its summary. Each stage is a member function,
// called in order by execute().
// Thrown by Run::record() once it has saved a run whose record a stop request abandoned.
struct StoppedDuringRecord {
  std::uint64_t iteration;
};

class Run {
 public:
  Run(const Experiment& ex, const RunOptions& options)
      : ex_(ex),
        options_(options),
        log_(options.log ? *options.log : std::cerr),
        built_(build(ex, StopToken(options.stop_signal, options.stop_grace_seconds))),
        recorder_(ex, built_.metrics),
        folder_(options.run_dir.empty() ? default_run_dir(ex) : options.run_dir, ex, options.fresh),
        dir_(folder_.path()),
        seeds_(stream_seeds(ex)),
        batch_rng_(seeds_.at("batches")),
        data_rng_(seeds_.at("data")),
        parts_{*built_.model, *built_.optimizer, built_.metrics, batch_rng_},
        sink_(dir_) {}

  RunResult execute() {
    if (folder_.found() == RunDirectory::Found::Finished) return finished_result(dir_, recorder_.columns());
    resuming_ = folder_.found() == RunDirectory::Found::Resumable;
    prepare_data_and_model();  // first: data or a metric refusing the experiment leaves no config.toml
    write_config();
    const RunProgressMark mark = resuming_ ? resume() : RunProgressMark{};
    recorder_.start(dir_ / "metrics.csv", mark.csv_bytes, resuming_);
    if (!resuming_) warn_if_stationary();
    train(mark);
    return finish();
  }

 private:
  void write_config() {
    toml::table config = ex_.resolved;
    config.insert("provenance", provenance(ex_, seeds_));
    write_file_atomic(dir_ / "config.toml",
                      "# Written by relulab: the experiment as run, every default filled in.\n"
                      "# `relulab run` accepts this file as it is ([provenance] is ignored).\n" +
                          format_toml(config) + "\n");
  }

  void prepare_data_and_model() {
    Rng init_rng(seeds_.at("init"));
    const Index d = built_.data->dim();
    train_ = ex_.training_set == TrainingSet::Finite ? built_.data->sample(ex_.n, data_rng_) : Dataset{RowMatrix(0, d), Vector(0)};
    require_sign_labels(ex_, *built_.loss, train_);
    built_.model->initialize(init_rng);
    if (!ex_.warm_start.empty()) apply_warm_start(ex_, *built_.model, train_);
    if (ex_.training_set == TrainingSet::Online) start_online_data(d);
    if (ex_.training_set == TrainingSet::Infinite) start_population();
    prepare_metrics();  // before any file is written: a metric that refuses the data leaves nothing behind
    if (!resuming_) {
      if (ex_.training_set == TrainingSet::Finite) write_training_set(dir_, train_);
      write_weights(dir_, "init", *built_.model);
    }
  }

  // n = "online": the data stream draws every step's batch (the first one now); nothing is stored.
  void start_online_data(Index d) {
    online_ = std::make_unique<OnlineObjective>(*built_.model, *capability<FreshSamples>(*built_.data), data_rng_,
                                                online_batch_size(ex_), d);
    parts_.online = online_.get();
    require_sign_labels(ex_, *built_.loss, online_->held());
  }

  // n = "infinite": the model's closed form against the teacher (check_training_set made sure both exist).
  void start_population() {
    auto& population = *capability<PopulationTraining>(*built_.model);
    const Teacher* teacher = teacher_of(*built_.data);
    population.use_teacher(capability<GaussianTeacher>(*built_.data)->expansion(),
                           teacher ? teacher->noise_variance() : 0.0);
    population_ = std::make_unique<PopulationObjective>(*built_.model, population);
  }

  // A metric that refuses the training set (the margin metric and non-separable
  // data) is a mistake in the experiment file: located at that metric's plugin key.
  void prepare_metrics() {
    for (std::size_t i = 0; i < built_.metrics.size(); ++i) {
      Rng test_rng(derive_seed(seeds_.at("test"), "metric" + std::to_string(i)));
      try {
        built_.metrics[i]->prepare(train_, *built_.data, test_rng);
      } catch (const ConfigError&) {
        throw;
      } catch (const std::exception& e) {
        const Section& metric = ex_.metrics[i];
        throw ConfigError(located(ex_.locate(metric, "plugin"), metric.table, "plugin", e.what()));
      }
    }
  }

  RunProgressMark resume() {
    const RunProgressMark mark = restore_checkpoint(folder_.checkpoint(), parts_, dir_.string());
    pending_ = pending_record(folder_.checkpoint());
    if (pending_ && (pending_->due.size() != built_.metrics.size() ||
                     pending_->iteration != built_.optimizer->iteration()))
      throw std::runtime_error("checkpoint in " + dir_.string() +
                               " holds a pending metric record that does not fit this run; --fresh starts over");
    const std::string& note = folder_.checkpoint_note();
    log_ << "resuming " << dir_.string() << " at iteration " << built_.optimizer->iteration()
         << (note.empty() ? "" : " (" + note + ")") << "\n";
    return mark;
  }

  // A start where the gradient vanishes exactly (init_scale = 0: W = 0 and
  // a = 0 is a stationary point of the loss) would "train" for hours without
  // moving; say so rather than let the flat curves be read as a result.
  void warn_if_stationary() {
    if (train_.size() == 0) return;
    Vector gradient(built_.model->num_parameters());
    const double loss = built_.model->loss_and_gradient(train_, {}, gradient.data());
    if (loss > 0 && gradient.cwiseAbs().maxCoeff() == 0.0) {
      warnings_.push_back(
          "the gradient is exactly zero at the starting point (all weights zero? init_scale = 0 makes W = 0, a = 0 "
          "a stationary point): the optimizer will not move the network");
      log_ << "warning: " << warnings_.back() << "\n";
    }
  }

  // One row of metrics. A stop request may abandon it part-way (relulab/stop.hpp): the
  // run is then saved as it was before the row, which resume makes first.
  void record(std::uint64_t iteration, double time, const std::vector<bool>& due) {
    std::vector<State> states_before(built_.metrics.size());
    for (std::size_t i = 0; i < due.size(); ++i)
      if (due[i]) built_.metrics[i]->save_state(states_before[i]);
    try {
      recorder_.record(Snapshot{*built_.model, train_, *built_.data, iteration, time, sink_}, due);
    } catch (const Interrupted&) {
      write_checkpoint(dir_, compose_pending_checkpoint(ex_, parts_, progress_mark(), states_before, {iteration, time, due}));
      throw StoppedDuringRecord{iteration};
    }
  }

  void save_checkpoint() { write_checkpoint(dir_, compose_checkpoint(ex_, parts_, progress_mark())); }

  // What the host keeps beside the plugins' states: the CSV's length, the wall time, the stop counts.
  RunProgressMark progress_mark() {
    return {recorder_.flush(), monitor_ ? monitor_->elapsed() : wall_seconds_,
            monitor_ ? monitor_->stop_counts() : stop_counts_};
  }

  // For [experiment] stop: the value the record just made of `column`, if its metric was due.
  std::optional<double> recorded(const std::string& column, const std::vector<bool>& due) const {
    std::size_t first = 0;
    for (std::size_t i = 0; i < built_.metrics.size(); ++i) {
      const auto values = recorder_.last_of(i);
      const auto& names = recorder_.columns();
      for (std::size_t c = 0; c < values.size(); ++c)
        if (names[first + c] == column) return due[i] ? std::optional<double>(values[c]) : std::nullopt;
      first += values.size();
    }
    return std::nullopt;
  }

  double shown_loss() const { return recorder_.last().empty() ? NAN : recorder_.last()[0]; }

  void train(const RunProgressMark& mark) {
    const Optimizer& opt = *built_.optimizer;
    const bool continuous = opt.clock() == relulab::Clock::ContinuousTime;
    stop_counts_ = mark.stop_counts;
    const RunMonitor::Clock clock{continuous, opt.horizon(),
                                  continuous ? opt.time() : static_cast<double>(opt.iteration()), mark.stop_counts};
    RunMonitor::Hooks hooks{[this](std::uint64_t it, double t, const std::vector<bool>& due) { record(it, t, due); },
                            [this] { save_checkpoint(); }, [this] { return shown_loss(); },
                            [this](const std::string& column, const std::vector<bool>& due) {
                              return recorded(column, due);
                            }};
    ProgressPrinter progress(log_, options_.progress, 0.2, 10.0);
    RunMonitor monitor(ex_, *built_.model, clock, std::move(hooks), progress, options_.stop_signal, mark.wall_seconds);
    monitor_ = &monitor;
    try {
      if (!resuming_) record(0, 0, std::vector<bool>(built_.metrics.size(), true));  // the initial point
      else if (pending_) record(pending_->iteration, pending_->time, pending_->due);  // stopped part-way before
      run_optimizer(progress);
    } catch (const StoppedDuringRecord& stopped) {
      monitor.stopped_during_record(stopped.iteration);
    }
    // The last line shows where the run stopped: its end, or the iteration a signal or a divergence stopped it at.
    monitor.show_progress(opt.iteration(), opt.time(), true);
    progress.finish();
    outcome_ = monitor.outcome();
    reason_ = monitor.reason();
    wall_seconds_ = monitor.elapsed();
    stop_counts_ = monitor.stop_counts();
    monitor_ = nullptr;
  }

  void run_optimizer(ProgressPrinter& progress) {
    ModelObjective finite(*built_.model, train_);
    Objective& objective = online_       ? static_cast<Objective&>(*online_)
                           : population_ ? static_cast<Objective&>(*population_)
                                         : static_cast<Objective&>(finite);
    try {
      built_.optimizer->run(objective, *monitor_, batch_rng_);
    } catch (const StoppedDuringRecord&) {
      throw;  // saved by record(); train() reports it
    } catch (const std::exception& e) {
      progress.finish();
      report_failure(e);
    }
  }

  // A plugin threw mid-run. The parameters may be half-updated, so nothing is
  // saved from this state: the CSV keeps every row recorded so far and the
  // last checkpoint (if any) stays the one to resume from.
  [[noreturn]] void report_failure(const std::exception& e) {
    try {
      recorder_.flush();
    } catch (const std::exception&) {  // best effort: the error to report is e
    }
    const std::string near = " near iteration " + std::to_string(built_.optimizer->iteration());
    const bool has_checkpoint = fs::exists(dir_ / "checkpoint.bin") || fs::exists(dir_ / "checkpoint.prev.bin");
    if (dynamic_cast<const OutputError*>(&e))
      throw OutputError("writing results failed" + near + ", so the run stopped: " + e.what() + "\n  kept in " +
                        dir_.string() + ": metrics.csv up to the last row written" +
                        (has_checkpoint ? "; the last complete checkpoint, which the same command resumes from once "
                                          "there is room"
                                        : "; no checkpoint yet, so the same command starts again"));
    const std::string what =
        dynamic_cast<const PluginFailure*>(&e)
            ? e.what()
            : "optimizer plugin '" + ex_.optimizer.plugin->descriptor.name + "' failed" + near + ": " + e.what();
    throw PluginFailure(what + "\n  kept in " + dir_.string() + ": metrics.csv up to the last recorded row" +
                        (has_checkpoint ? "; the last checkpoint, which the same command resumes from"
                                        : "; no checkpoint yet, so the same command starts again"));
  }

  std::string final_report() const {
    std::string report;
    for (std::size_t i = 0; i < built_.metrics.size(); ++i) {
      const std::string r = built_.metrics[i]->final_report(recorder_.last_of(i), *built_.data);
      if (!r.empty()) report += r + "\n";
    }
    return report;
  }

  RunResult finish() {
    RunResult r;
    r.outcome = outcome_;
    r.dir = dir_;
    r.columns = recorder_.columns();
    r.final_values = recorder_.last();
    r.reason = reason_;
    r.warnings = warnings_;
    r.wall_seconds = wall_seconds_;
    if (outcome_ == Outcome::Interrupted) return r;  // checkpointed by the monitor
    r.report = final_report();
    // The checkpoint at the end first (it is kept for warm starts): should a final file fail
    // to write (a full disk), the same command then writes them without training again.
    save_checkpoint();
    try {
      if (ended_as_planned(outcome_)) write_weights(dir_, "final", *built_.model);
      write_summary(dir_, summary_of(r));  // marks the run finished
    } catch (const OutputError& e) {
      throw OutputError(std::string(e.what()) + "\n  kept in " + dir_.string() +
                        ": metrics.csv and a checkpoint at the run's end; once the disk has room, the same "
                        "command writes the final files without training again");
    }
    return r;
  }

  RunSummary summary_of(const RunResult& r) const {
    RunSummary s;
    s.name = ex_.name;
    s.outcome = r.outcome;
    s.reason = r.reason;
    s.config_hash = ex_.hash;
    s.iteration = built_.optimizer->iteration();
    s.time = built_.optimizer->time();
    s.columns = r.columns;
    s.final_values = r.final_values;
    s.statistics = built_.optimizer->statistics();
    if (const Teacher* teacher = teacher_of(*built_.data)) s.noise_variance = teacher->noise_variance();
    for (const auto& m : ex_.metrics)
      for (const auto& [column, label] : m.plugin->descriptor.column_labels)
        if (std::find(s.columns.begin(), s.columns.end(), column) != s.columns.end()) s.labels[column] = label;
    s.report = r.report;
    s.wall_seconds = r.wall_seconds;
    s.warnings = r.warnings;
    return s;
  }

  const Experiment& ex_;
  const RunOptions& options_;
  std::ostream& log_;
  Built built_;
  MetricRecorder recorder_;
  RunDirectory folder_;
  fs::path dir_;
  StreamSeeds seeds_;
  Rng batch_rng_;
  Rng data_rng_;  // the training set's stream, or online data's
  RunParts parts_;
  FileArraySink sink_;
  Dataset train_;  // empty for online and infinite data
  std::unique_ptr<OnlineObjective> online_;  // n = "online"
  std::unique_ptr<PopulationObjective> population_;  // n = "infinite"
  bool resuming_ = false;
  std::optional<PendingRecord> pending_;  // a record a stop abandoned, made first on resume
  RunMonitor* monitor_ = nullptr;
  std::vector<std::string> warnings_;
  Outcome outcome_ = Outcome::Completed;
  std::string reason_;
  double wall_seconds_ = 0;
  std::vector<std::uint64_t> stop_counts_;  // the stop conditions' counts outside train()
};

}  // namespace

fs::path default_run_dir(const Experiment& ex) { return ex.output / (ex.name + "-" + ex.hash); }

RunResult run_experiment(const Experiment& ex, const RunOptions& options) { return Run(ex, options).execute(); }

}  // namespace relulab::host
