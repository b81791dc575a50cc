#include "runner.hpp"

#include "build_info.hpp"
#include "output.hpp"

#include <nlohmann/json.hpp>
#include <glob.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace relulab::host {

namespace {

using Clock_ = std::chrono::steady_clock;

double seconds_since(Clock_::time_point t0) {
  return std::chrono::duration<double>(Clock_::now() - t0).count();
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

// Prints progress: a bar redrawn in place on a terminal, plain lines otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& out, bool enabled, std::string label)
      : out_(out), enabled_(enabled), tty_(isatty(STDERR_FILENO) && &out == &std::cerr), label_(std::move(label)) {}

  void update(double fraction, std::uint64_t iteration, double time, double loss, bool continuous, double elapsed,
              bool force = false) {
    if (!enabled_) return;
    const double interval = tty_ ? 0.2 : 10.0;
    if (!force && elapsed - last_ < interval) return;
    last_ = elapsed;
    const double eta = fraction > 0 ? elapsed / fraction - elapsed : NAN;
    char buf[256];
    const int width = 24, filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width);
    std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    if (continuous)
      std::snprintf(buf, sizeof buf, "%s [%s] %5.1f%%  t %.4g  loss %.6g  elapsed %s  left %s", label_.c_str(),
                    bar.c_str(), 100 * fraction, time, loss, format_duration(elapsed).c_str(),
                    format_duration(eta).c_str());
    else
      std::snprintf(buf, sizeof buf, "%s [%s] %5.1f%%  it %llu  loss %.6g  elapsed %s  left %s", label_.c_str(),
                    bar.c_str(), 100 * fraction, static_cast<unsigned long long>(iteration), loss,
                    format_duration(elapsed).c_str(), format_duration(eta).c_str());
    if (tty_) out_ << '\r' << buf << "\x1b[K" << std::flush;
    else out_ << buf << '\n' << std::flush;
    drawn_ = true;
  }
  void finish() {
    if (enabled_ && tty_ && drawn_) out_ << '\n' << std::flush;
  }

 private:
  std::ostream& out_;
  bool enabled_, tty_;
  std::string label_;
  double last_ = -1e9;
  bool drawn_ = false;
};

// Decides when the optimizer reports, and acts on each report: records the
// due metrics, checkpoints, watches for divergence and stop signals.
class RunMonitor final : public Monitor {
 public:
  struct Hooks {
    std::function<void(double clock_value, std::uint64_t iteration, double time, const std::vector<bool>& due)> record;
    std::function<void()> checkpoint;
  };

  RunMonitor(const Experiment& ex, const Optimizer& opt, const Model& model, ProgressPrinter& progress,
             const RunOptions& options, Hooks hooks, double start_clock, double wall_before)
      : ex_(ex),
        opt_(opt),
        model_(model),
        progress_(progress),
        options_(options),
        hooks_(std::move(hooks)),
        continuous_(opt.clock() == Clock::ContinuousTime),
        horizon_(opt.horizon()),
        wall_before_(wall_before) {
    next_metric_.resize(ex.metrics.size());
    for (std::size_t i = 0; i < ex.metrics.size(); ++i)
      next_metric_[i] = ex.metrics[i].schedule.next_after(start_clock, !continuous_);
    if (continuous_) tick_ = horizon_ / 1000;
    next_tick_ = start_clock + tick_;
    started_ = last_tick_wall_ = last_checkpoint_ = Clock_::now();
  }

  std::uint64_t next_iteration() const override {
    double next = std::min(horizon_, next_tick_);
    for (double t : next_metric_) next = std::min(next, t);
    return static_cast<std::uint64_t>(std::ceil(next));
  }
  double next_time() const override {
    double next = std::min(horizon_, next_tick_);
    for (double t : next_metric_) next = std::min(next, t);
    return next;
  }

  Directive report(const Progress& p) override {
    const double now = continuous_ ? p.time : static_cast<double>(p.iteration);
    last_loss_ = p.loss;
    if (!std::isfinite(p.loss)) {
      status_ = RunStatus::Diverged;
      reason_ = "the training loss became " + format_number(p.loss) + " at iteration " +
                std::to_string(p.iteration) + " (time " + format_number(p.time) + ")";
      return Directive::Stop;
    }
    const bool at_end = p.last || now >= horizon_ - (continuous_ ? 1e-12 * std::max(1.0, horizon_) : 0.0);
    std::vector<bool> due(next_metric_.size(), false);
    bool any = false;
    for (std::size_t i = 0; i < next_metric_.size(); ++i) {
      const double tol = continuous_ ? 1e-12 * std::max(1.0, next_metric_[i]) : 0.0;
      if (at_end || now >= next_metric_[i] - tol) {
        due[i] = any = true;
        next_metric_[i] = ex_.metrics[i].schedule.next_after(now, !continuous_);
      }
    }
    if (any) {
      const auto theta = model_.parameters();
      if (!theta.allFinite()) {
        status_ = RunStatus::Diverged;
        reason_ = "the weights became non-finite by iteration " + std::to_string(p.iteration);
        return Directive::Stop;
      }
      hooks_.record(now, p.iteration, p.time, due);
    }
    if (at_end) return Directive::Continue;  // the optimizer returns by itself
    if (now >= next_tick_) {
      // Aim at a tick every ~0.1 s of work: often enough for the progress bar,
      // checkpoints and Ctrl-C, rarely enough to cost nothing measurable.
      const double dt = seconds_since(last_tick_wall_);
      last_tick_wall_ = Clock_::now();
      if (dt < 0.05) tick_ = std::min(tick_ * 2, continuous_ ? horizon_ : 1e9);
      else if (dt > 0.2) tick_ = continuous_ ? tick_ / 2 : std::max(1.0, std::floor(tick_ / 2));
      next_tick_ = now + tick_;
    }
    const double elapsed = wall_before_ + seconds_since(started_);
    progress_.update(horizon_ > 0 ? now / horizon_ : 1.0, p.iteration, p.time, display_loss(), continuous_, elapsed);
    if (options_.stop_signal && options_.stop_signal->load() != 0) {
      status_ = RunStatus::Interrupted;
      reason_ = "stopped by a signal at iteration " + std::to_string(p.iteration);
      hooks_.checkpoint();
      return Directive::Stop;
    }
    if (ex_.checkpoint_seconds > 0 &&
        std::chrono::duration<double>(Clock_::now() - last_checkpoint_).count() >= ex_.checkpoint_seconds) {
      hooks_.checkpoint();
      last_checkpoint_ = Clock_::now();
    }
    return Directive::Continue;
  }

  void set_display_loss(double v) { shown_loss_ = v; }
  double display_loss() const { return std::isnan(shown_loss_) ? last_loss_ : shown_loss_; }
  RunStatus status() const { return status_; }
  const std::string& reason() const { return reason_; }
  double elapsed() const { return wall_before_ + seconds_since(started_); }

 private:
  const Experiment& ex_;
  const Optimizer& opt_;
  const Model& model_;
  ProgressPrinter& progress_;
  const RunOptions& options_;
  Hooks hooks_;
  bool continuous_;
  double horizon_;
  std::vector<double> next_metric_;
  double tick_ = 64, next_tick_ = 0;
  Clock_::time_point started_, last_tick_wall_, last_checkpoint_;
  double wall_before_;
  double last_loss_ = NAN, shown_loss_ = NAN;
  RunStatus status_ = RunStatus::Completed;
  std::string reason_;
};

// Loads the starting weights of a warm start into `model`, after checking that
// the source run trained on the same data.
void apply_warm_start(const Experiment& ex, Model& model, const Dataset& train) {
  auto fail = [&](const std::string& why) {
    throw ConfigError(located(ex.locate(ex.model, "warm_start"), "model", "warm_start", why));
  };
  // A pattern (runs/fig1-*/cells/7-*) names a run whose folder carries a hash
  // the experiment file cannot know in advance; it must match exactly one.
  fs::path source = ex.warm_start;
  if (ex.warm_start.find_first_of("*?[") != std::string::npos) {
    glob_t matches{};
    const int rc = ::glob(ex.warm_start.c_str(), 0, nullptr, &matches);
    std::vector<std::string> found(matches.gl_pathv, matches.gl_pathv + (rc == 0 ? matches.gl_pathc : 0));
    globfree(&matches);
    if (found.empty()) fail("no run matches " + ex.warm_start + " (run the experiment it names first)");
    if (found.size() > 1) {
      std::string list;
      for (const auto& f : found) list += "\n    " + f;
      fail(ex.warm_start + " matches " + std::to_string(found.size()) + " runs; name one:" + list);
    }
    source = found.front();
  }
  const fs::path run_dir = fs::is_directory(source) ? source : source.parent_path();
  if (!fs::exists(source)) fail("no such run directory or checkpoint: " + source.string());
  if (ex.warm_start_check_data) {
    const fs::path x_file = run_dir / "X_train.npy", y_file = run_dir / "y_train.npy";
    if (!fs::exists(x_file) || !fs::exists(y_file))
      fail(run_dir.string() + " has no X_train.npy/y_train.npy to compare the training data with; set "
                              "model.warm_start_check_data = false to start anyway");
    const auto X = npy::decode(read_file(x_file)), y = npy::decode(read_file(y_file));
    const bool same = X.shape == std::vector<std::size_t>{static_cast<std::size_t>(train.size()),
                                                          static_cast<std::size_t>(train.dim())} &&
                      std::equal(X.data.begin(), X.data.end(), train.X.data()) &&
                      y.data.size() == static_cast<std::size_t>(train.size()) &&
                      std::equal(y.data.begin(), y.data.end(), train.y.data());
    if (!same)
      fail("the run in " + run_dir.string() + " was trained on other data (the [data] section and the seed must "
                                                "match); set model.warm_start_check_data = false to start anyway");
  }
  try {
    if (fs::is_directory(source) && fs::exists(source / "W_final.npy")) {
      const auto W = npy::decode(read_file(source / "W_final.npy"));
      const auto a = npy::decode(read_file(source / "a_final.npy"));
      Vector b(0);
      if (fs::exists(source / "b_final.npy")) {
        const auto bb = npy::decode(read_file(source / "b_final.npy"));
        b = Eigen::Map<const Vector>(bb.data.data(), static_cast<Index>(bb.data.size()));
      }
      if (W.shape.size() != 2) fail(source.string() + "/W_final.npy is not a matrix");
      const Eigen::MatrixXd Wm = Eigen::Map<const RowMatrix>(W.data.data(), static_cast<Index>(W.shape[0]),
                                                             static_cast<Index>(W.shape[1]));
      model.assign(Wm, Eigen::Map<const Vector>(a.data.data(), static_cast<Index>(a.data.size())), b);
      return;
    }
    State checkpoint;
    std::string note;
    const bool found = fs::is_directory(source) ? read_checkpoint(source, checkpoint, note)
                                                : read_checkpoint(source.parent_path(), checkpoint, note);
    if (!found) fail(source.string() + " holds neither final weights (W_final.npy) nor a checkpoint");
    if (checkpoint.count_doubles("model.theta") != static_cast<std::size_t>(model.num_parameters()))
      fail("the checkpoint in " + source.string() + " holds " + std::to_string(checkpoint.count_doubles("model.theta")) +
           " parameters; this model has " + std::to_string(model.num_parameters()));
    checkpoint.doubles("model.theta", model.parameters().data(), static_cast<std::size_t>(model.num_parameters()));
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const ConfigError*>(&e)) throw;
    fail(e.what());
  }
}

toml::table provenance(const Experiment& ex, const std::map<std::string, std::uint64_t>& seeds) {
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
  auto add = [&](const Section& sec) {
    toml::table t;
    t.insert("version", sec.plugin->descriptor.version);
    t.insert("path", sec.plugin->path.string());
    plugins.insert_or_assign(sec.plugin->descriptor.name, std::move(t));
  };
  add(ex.data);
  add(ex.model);
  add(ex.optimizer);
  for (const auto& m : ex.metrics) add(m);
  p.insert("plugins", std::move(plugins));
  return p;
}

}  // namespace

const char* status_name(RunStatus s) {
  switch (s) {
    case RunStatus::Completed: return "completed";
    case RunStatus::Diverged: return "diverged";
    case RunStatus::Interrupted: return "interrupted";
    case RunStatus::AlreadyDone: return "already done";
  }
  return "?";
}

Built build(const Experiment& ex) {
  Built b;
  BuildContext ctx;
  ctx.experiment_dir = ex.file.parent_path();
  ctx.num_samples = ex.n;
  auto guarded = [&](const Section& s, auto&& make) {
    try {
      return make();
    } catch (const ParameterError& e) {
      throw ConfigError(located(ex.locate(s, e.key()), s.table, e.key(), e.what()));
    } catch (const ConfigError&) {
      throw;
    } catch (const std::exception& e) {
      throw ConfigError(located(s.location, s.table, "",
                                "plugin '" + s.plugin->descriptor.name + "' could not be built: " + e.what()));
    }
  };
  b.data = guarded(ex.data, [&] { return ex.data.plugin->descriptor.make_data_generator(ex.data.params, ctx); });
  ctx.input_dim = b.data->dim();
  b.model = guarded(ex.model, [&] { return ex.model.plugin->descriptor.make_model(ex.model.params, ctx); });
  b.optimizer =
      guarded(ex.optimizer, [&] { return ex.optimizer.plugin->descriptor.make_optimizer(ex.optimizer.params, ctx); });
  for (const auto& m : ex.metrics)
    b.metrics.push_back(guarded(m, [&] { return m.plugin->descriptor.make_metric(m.params, ctx); }));
  return b;
}

fs::path default_run_dir(const Experiment& ex) { return ex.output / (ex.name + "-" + ex.hash); }

RunResult run_experiment(const Experiment& ex, const RunOptions& options) {
  std::ostream& log = options.log ? *options.log : std::cerr;
  RunResult result;
  result.dir = options.run_dir.empty() ? default_run_dir(ex) : options.run_dir;
  const fs::path dir = result.dir;

  Built b = build(ex);
  // Metric columns, made unique when two metrics share a name.
  std::vector<std::size_t> first_col;
  for (auto& m : b.metrics) {
    first_col.push_back(result.columns.size());
    for (auto c : m->columns()) {
      if (std::find(result.columns.begin(), result.columns.end(), c) != result.columns.end())
        c += "_" + std::to_string(first_col.size() - 1);
      result.columns.push_back(c);
    }
  }
  first_col.push_back(result.columns.size());

  // One process at a time in a run directory (a second one would interleave
  // its rows and checkpoints with the first's).
  create_output_directory(dir);
  const DirectoryLock lock(dir, ".lock", "this run");

  // An existing directory: finished (report it), resumable (continue), or a different experiment.
  if (options.fresh && fs::exists(dir)) {
    for (const auto& f : {"metrics.csv", "summary.json", "checkpoint.bin", "checkpoint.prev.bin"})
      fs::remove(dir / f);
  }
  State checkpoint;
  std::string checkpoint_note;
  bool resume = false;
  if (fs::exists(dir / "summary.json")) {
    const auto summary = nlohmann::json::parse(read_file(dir / "summary.json"));
    if (summary.value("config_hash", "") != ex.hash)
      throw std::runtime_error(dir.string() + " holds the results of a different experiment; choose another --out, "
                                              "or --fresh to overwrite it");
    result.status = RunStatus::AlreadyDone;
    for (const auto& c : result.columns) {
      const auto& v = summary["final"][c];
      result.final_values.push_back(v.is_number() ? v.get<double>() : NAN);
    }
    const auto& rep = summary["report"];
    result.report = rep.is_string() ? rep.get<std::string>() : "";
    result.reason = summary.value("status", "") + (summary.contains("reason") ? ": " + summary.value("reason", "") : "");
    return result;
  }
  if (read_checkpoint(dir, checkpoint, checkpoint_note)) {
    if (checkpoint.text("config_hash") != ex.hash)
      throw std::runtime_error(dir.string() + " holds a checkpoint of a different experiment; choose another --out, "
                                              "or --fresh to start over");
    resume = true;
  }

  const std::map<std::string, std::uint64_t> seeds = {{"data", derive_seed(ex.seed, "data")},
                                                      {"init", derive_seed(ex.seed, "init")},
                                                      {"batches", derive_seed(ex.seed, "batches")},
                                                      {"test", derive_seed(ex.seed, "test")}};
  toml::table config = ex.resolved;
  config.insert("provenance", provenance(ex, seeds));
  write_file_atomic(dir / "config.toml", "# Written by relulab: the experiment as run, every default filled in.\n"
                                          "# `relulab run` accepts this file as it is ([provenance] is ignored).\n" +
                                              format_toml(config) + "\n");

  Rng data_rng(seeds.at("data")), init_rng(seeds.at("init")), batch_rng(seeds.at("batches"));
  const Dataset train = b.data->sample(ex.n, data_rng);
  b.model->initialize(init_rng);
  if (!ex.warm_start.empty()) apply_warm_start(ex, *b.model, train);
  if (!resume) {
    write_npy(dir / "X_train.npy", train.X.data(), {static_cast<std::size_t>(train.size()), static_cast<std::size_t>(train.dim())});
    write_npy(dir / "y_train.npy", train.y.data(), {static_cast<std::size_t>(train.size())});
    write_weights(dir, "init", *b.model);
  }
  for (std::size_t i = 0; i < b.metrics.size(); ++i) {
    Rng test_rng(derive_seed(seeds.at("test"), "metric" + std::to_string(i)));
    b.metrics[i]->prepare(train, *b.data, test_rng);
  }

  const fs::path csv_path = dir / "metrics.csv";
  double wall_before = 0;
  if (resume) {
    if (checkpoint.count_doubles("model.theta") != static_cast<std::size_t>(b.model->num_parameters()))
      throw std::runtime_error("checkpoint in " + dir.string() + " does not match the model's size");
    checkpoint.doubles("model.theta", b.model->parameters().data(), static_cast<std::size_t>(b.model->num_parameters()));
    batch_rng.restore(checkpoint.text("rng.batches"));
    State opt_state;
    for (const auto& [k, v] : checkpoint.entries())
      if (k.rfind("optimizer.", 0) == 0) opt_state.put_text(k.substr(10), v);
    b.optimizer->load_state(opt_state);
    for (std::size_t i = 0; i < b.metrics.size(); ++i) {
      const std::string prefix = "metric" + std::to_string(i) + ".";
      State ms;
      for (const auto& [k, v] : checkpoint.entries())
        if (k.rfind(prefix, 0) == 0) ms.put_text(k.substr(prefix.size()), v);
      b.metrics[i]->load_state(ms);
    }
    fs::resize_file(csv_path, checkpoint.u64("csv.bytes"));  // drop rows written after the checkpoint
    wall_before = checkpoint.f64("wall_seconds");
    log << "resuming " << dir.string() << " at iteration " << b.optimizer->iteration()
        << (checkpoint_note.empty() ? "" : " (" + checkpoint_note + ")") << "\n";
  } else {
    std::string header = "iteration,time";
    for (const auto& c : result.columns) header += "," + c;
    write_file_atomic(csv_path, header + "\n");
  }
  std::ofstream csv(csv_path, std::ios::app | std::ios::binary);
  if (!csv) throw OutputError("cannot append to " + csv_path.string() + ": " + std::strerror(errno));
  std::uintmax_t csv_complete_bytes = fs::file_size(csv_path);

  // A start where the gradient vanishes exactly (init_scale = 0: W = 0 and
  // a = 0 is a stationary point of the loss) would "train" for hours without
  // moving; say so rather than let the flat curves be read as a result.
  if (!resume && train.size() > 0) {
    Vector gradient(b.model->num_parameters());
    const double loss = b.model->loss_and_gradient(train, {}, gradient.data());
    if (loss > 0 && gradient.cwiseAbs().maxCoeff() == 0.0) {
      result.warnings.push_back(
          "the gradient is exactly zero at the starting point (all weights zero? init_scale = 0 makes W = 0, a = 0 "
          "a stationary point): the optimizer will not move the network");
      log << "warning: " << result.warnings.back() << "\n";
    }
  }

  FileArraySink sink(dir);
  ModelObjective objective(*b.model, train);
  std::vector<double> last(result.columns.size(), NAN), row(result.columns.size(), NAN);
  ProgressPrinter progress(log, options.progress, ex.name);
  RunMonitor* monitor_ptr = nullptr;

  auto record = [&](double, std::uint64_t iteration, double time, const std::vector<bool>& due) {
    std::string line = std::to_string(iteration) + "," + format_number(time);
    for (std::size_t i = 0; i < b.metrics.size(); ++i) {
      const std::size_t lo = first_col[i], hi = first_col[i + 1];
      if (due[i]) {
        Snapshot snap{*b.model, train, *b.data, iteration, time, sink};
        try {
          b.metrics[i]->evaluate(snap, std::span<double>(row.data() + lo, hi - lo));
        } catch (const std::exception& e) {
          throw PluginFailure("metric plugin '" + ex.metrics[i].plugin->descriptor.name + "' (" + ex.metrics[i].table +
                              ") failed at iteration " + std::to_string(iteration) + ": " + e.what());
        }
        std::copy(row.begin() + lo, row.begin() + hi, last.begin() + lo);
      }
      for (std::size_t c = lo; c < hi; ++c) line += "," + (due[i] ? format_number(row[c]) : std::string());
    }
    csv << line << '\n' << std::flush;  // a killed run keeps every recorded row
    if (!csv) {
      // Cut a half-written row off, so the file holds whole rows only.
      const std::string why = std::strerror(errno);
      csv.close();
      std::error_code ec;
      fs::resize_file(csv_path, csv_complete_bytes, ec);
      throw OutputError("cannot append to " + csv_path.string() + ": " + why);
    }
    csv_complete_bytes += line.size() + 1;
    if (!last.empty() && monitor_ptr) monitor_ptr->set_display_loss(last[0]);
  };
  auto save_checkpoint = [&] {
    State s;
    s.put_text("config_hash", ex.hash);
    const auto theta = b.model->parameters();
    s.put_doubles("model.theta", theta.data(), static_cast<std::size_t>(theta.size()));
    s.put_text("rng.batches", batch_rng.save());
    State opt_state;
    b.optimizer->save_state(opt_state);
    for (const auto& [k, v] : opt_state.entries()) s.put_text("optimizer." + k, v);
    for (std::size_t i = 0; i < b.metrics.size(); ++i) {
      State ms;
      b.metrics[i]->save_state(ms);
      for (const auto& [k, v] : ms.entries()) s.put_text("metric" + std::to_string(i) + "." + k, v);
    }
    csv.flush();
    s.put_u64("csv.bytes", static_cast<std::uint64_t>(fs::file_size(csv_path)));
    s.put_f64("wall_seconds", monitor_ptr ? monitor_ptr->elapsed() : wall_before);
    write_checkpoint(dir, s);
  };

  const bool continuous = b.optimizer->clock() == Clock::ContinuousTime;
  const double start_clock = continuous ? b.optimizer->time() : static_cast<double>(b.optimizer->iteration());
  RunMonitor monitor(ex, *b.optimizer, *b.model, progress, options, {record, save_checkpoint}, start_clock,
                     wall_before);
  monitor_ptr = &monitor;
  if (!resume) record(0, 0, 0, std::vector<bool>(b.metrics.size(), true));  // the initial point

  try {
    b.optimizer->run(objective, monitor, batch_rng);
  } catch (const std::exception& e) {
    // A plugin threw mid-run. The parameters may be half-updated, so nothing
    // is saved from this state: the CSV keeps every row recorded so far and
    // the last checkpoint (if any) stays the one to resume from.
    progress.finish();
    csv.flush();
    const bool output = dynamic_cast<const OutputError*>(&e) != nullptr;
    const std::string what =
        dynamic_cast<const PluginFailure*>(&e) ? e.what()
        : output ? "writing results failed near iteration " + std::to_string(b.optimizer->iteration()) + ", so the run "
                   "stopped: " + e.what()
                 : "optimizer plugin '" + ex.optimizer.plugin->descriptor.name + "' failed near iteration " +
                       std::to_string(b.optimizer->iteration()) + ": " + e.what();
    const bool has_checkpoint = fs::exists(dir / "checkpoint.bin") || fs::exists(dir / "checkpoint.prev.bin");
    if (output)
      throw OutputError(what + "\n  kept in " + dir.string() + ": metrics.csv up to the last row written" +
                        (has_checkpoint ? "; the last complete checkpoint, which the same command resumes from once "
                                          "there is room"
                                        : "; no checkpoint yet, so the same command starts again"));
    throw PluginFailure(what + "\n  kept in " + dir.string() + ": metrics.csv up to the last recorded row" +
                        (has_checkpoint ? "; the last checkpoint, which the same command resumes from"
                                        : "; no checkpoint yet, so the same command starts again"));
  }
  progress.update(1.0, b.optimizer->iteration(), b.optimizer->time(), monitor.display_loss(), continuous,
                  monitor.elapsed(), true);
  progress.finish();

  result.status = monitor.status();
  result.reason = monitor.reason();
  result.final_values = last;
  result.wall_seconds = monitor.elapsed();
  if (result.status == RunStatus::Interrupted) return result;  // checkpointed by the monitor

  if (result.status == RunStatus::Completed) write_weights(dir, "final", *b.model);
  std::string report;
  for (std::size_t i = 0; i < b.metrics.size(); ++i) {
    const std::string r = b.metrics[i]->final_report(
        std::span<const double>(last.data() + first_col[i], first_col[i + 1] - first_col[i]), *b.data);
    if (!r.empty()) report += r + "\n";
  }
  result.report = report;
  nlohmann::json summary;
  summary["name"] = ex.name;
  summary["status"] = status_name(result.status);
  if (!result.reason.empty()) summary["reason"] = result.reason;
  summary["config_hash"] = ex.hash;
  summary["iteration"] = b.optimizer->iteration();
  summary["time"] = b.optimizer->time();
  summary["columns"] = result.columns;  // the CSV's order (JSON objects are unordered)
  for (std::size_t c = 0; c < result.columns.size(); ++c)
    summary["final"][result.columns[c]] = std::isfinite(last[c]) ? nlohmann::json(last[c]) : nlohmann::json();
  for (const auto& [k, v] : b.optimizer->statistics()) summary["statistics"][k] = v;
  summary["noise_variance"] = b.data->noise_variance();
  summary["report"] = report;
  summary["wall_seconds"] = result.wall_seconds;
  if (!result.warnings.empty()) summary["warnings"] = result.warnings;
  // The summary marks the run finished; the checkpoint after it is kept for warm starts.
  write_file_atomic(dir / "summary.json", summary.dump(2) + "\n");
  save_checkpoint();
  return result;
}

}  // namespace relulab::host
