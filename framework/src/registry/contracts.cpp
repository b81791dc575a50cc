#include "registry/contracts.hpp"

#include "config/sections.hpp"

#include "registry/allocations.hpp"
#include "run/build.hpp"
#include "run/checkpoint.hpp"
#include "io/output.hpp"

#include <relulab/relulab.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <sstream>

namespace relulab::host {

namespace {

using Verdict = ContractCheck::Verdict;

ContractCheck passed(std::string name, std::string detail = {}) {
  return {std::move(name), Verdict::Passed, std::move(detail)};
}
ContractCheck failed(std::string name, std::string detail) {
  return {std::move(name), Verdict::Failed, std::move(detail)};
}
ContractCheck skipped(std::string name, std::string detail) {
  return {std::move(name), Verdict::Skipped, std::move(detail)};
}

bool same_bytes(const double* a, const double* b, Index n) {
  return std::memcmp(a, b, static_cast<std::size_t>(n) * sizeof(double)) == 0;
}

// ---------------------------------------------------------------------------
// The rig: a small experiment of bundled plugins with the checked one in its
// place, as lines, so that a key can be written at a known line.

struct Rig {
  std::vector<std::string> lines;
  std::size_t plugin_line = 0;  // index of the checked plugin's `plugin = ...` line
  bool inline_table = false;  // a policy: its keys go inside the { ... } of its line
  std::string table;  // its section as messages name it: "data", "optimizer.policies[0]", ...
  std::string dotted;  // its section as --set addresses it: "data", "optimizer.policies.0", ...
  std::vector<std::string> sets;  // overrides: the plugin's own keys and the rig's (section.key)

  // The experiment text, with `key = value` added to the checked plugin's keys when key is given.
  std::string text(const std::string& key = {}, const std::string& value = {}) const {
    std::string out;
    bool in_section = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string line = lines[i];
      in_section = i == plugin_line || (in_section && line.front() != '[');
      if (!key.empty() && in_section && i != plugin_line && line.rfind(key + " = ", 0) == 0) continue;  // written below
      if (i == plugin_line && !key.empty() && inline_table) line.insert(line.rfind(" }"), ", " + key + " = " + value);
      out += line + "\n";
      if (i == plugin_line && !key.empty() && !inline_table) out += key + " = " + value + "\n";
    }
    return out;
  }
  // The 1-based line where a key written by text(key, value) stands.
  std::size_t key_line() const { return plugin_line + (inline_table ? 1 : 2); }
};

// `classification` puts the checked plugin among labels +-1 and the logistic loss.
Rig make_rig(const PluginDescriptor& d, bool classification) {
  const PluginKind kind = d.kind;
  auto pick = [&](PluginKind k, const std::string& bundled) {
    return "plugin = \"" + (kind == k ? d.name : bundled) + "\"";
  };
  Rig r;
  r.lines = {"[experiment]",
             "name = \"contract\"",
             "seed = 11",
             "[data]",
             pick(PluginKind::DataGenerator, classification ? "linear_classifier" : "linear_teacher"),
             "n = 48",
             "[model]",
             pick(PluginKind::Model, "two_layer"),
             "width = 6",
             "init_scale = 0.5",
             "[loss]",
             pick(PluginKind::Loss, classification ? "logistic" : "mse"),
             "[optimizer]",
             pick(PluginKind::Optimizer, "sgd")};
  // A table section's plugin line follows its header.
  const auto header = std::find(r.lines.begin(), r.lines.end(), "[" + section_of(kind).key + "]");
  r.plugin_line = static_cast<std::size_t>(header - r.lines.begin()) + 1;
  r.table = section_of(kind).key;
  if (kind == PluginKind::Model && d.name != "two_layer") r.lines.erase(r.lines.begin() + 8, r.lines.begin() + 10);
  if (kind == PluginKind::Policy) {
    r.lines.push_back("policies = [{ plugin = \"" + d.name + "\" }]");
    r.plugin_line = r.lines.size() - 1;
    r.inline_table = true;
    r.table = "optimizer.policies[0]";
  }
  if (kind == PluginKind::Metric) {
    r.lines.insert(r.lines.end(), {"[[metrics]]", "plugin = \"" + d.name + "\""});
    r.plugin_line = r.lines.size() - 1;
    r.table = "metrics[0]";
  }
  r.dotted = kind == PluginKind::Policy ? "optimizer.policies.0" : kind == PluginKind::Metric ? "metrics.0" : r.table;
  return r;
}

struct RigRun {
  const PluginDescriptor* plugin;
  Rig rig;
  Experiment ex;
  std::filesystem::path file;
};

// The rig's text with its overrides, validated; an override of `written_key`
// is left out (the text writes that key itself).
Experiment validate_rig(const Rig& rig, Registry& registry, const std::filesystem::path& file, const std::string& text,
                        const std::string& written_key = {}) {
  RawExperiment raw = parse_experiment_text(text, file);
  for (const auto& set : rig.sets) {
    const bool own_key = set.find('.') > set.find('=');
    if (own_key && !written_key.empty() && set.rfind(written_key + "=", 0) == 0) continue;
    apply_override(raw, own_key ? rig.dotted + "." + set : set);
  }
  return validate_experiment(raw, registry);
}

// The first rig the plugin accepts (regression, then classification), or the
// reason the first one was refused.
std::optional<RigRun> find_rig(Registry& registry, const LoadedPlugin& plugin, const ContractOptions& options,
                               const std::filesystem::path& dir, std::string& why) {
  for (bool classification : {false, true}) {
    RigRun run{&plugin.descriptor, make_rig(plugin.descriptor, classification), {}, dir / "contract.toml"};
    run.rig.sets = options.sets;
    try {
      run.ex = validate_rig(run.rig, registry, run.file, run.rig.text());
      build(run.ex);
      return run;
    } catch (const std::exception& e) {
      if (!classification) why = e.what();
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Every kind: the schema.

ContractCheck check_defaults(const PluginDescriptor& d) {
  const std::string name = "its defaults satisfy its schema";
  for (const auto& s : d.schema.specs()) {
    if (s.doc.empty()) return failed(name, "key '" + s.name + "' has no description");
    if (!s.default_value) continue;
    std::string why;
    if (auto* x = std::get_if<double>(&*s.default_value)) why = s.check_number(*x);
    if (auto* i = std::get_if<std::int64_t>(&*s.default_value)) why = s.check_number(static_cast<double>(*i));
    if (auto* t = std::get_if<std::string>(&*s.default_value)) why = s.check_choice(*t);
    if (!why.empty()) return failed(name, "the default of '" + s.name + "': " + why);
  }
  return passed(name, std::to_string(d.schema.specs().size()) + " keys");
}

ContractCheck check_round_trip(const RigRun& run, Registry& registry, const std::string& name) {
  const std::string resolved = format_toml(run.ex.resolved);
  const Experiment again = validate_experiment(parse_experiment_text(resolved, run.file), registry);
  if (again.hash != run.ex.hash) return failed(name, "hash " + run.ex.hash + " became " + again.hash);
  if (format_toml(again.resolved) != resolved) return failed(name, "the resolved configuration changed on reading");
  return passed(name, "hash " + run.ex.hash);
}

// A value the key must refuse: out of its range, not one of its choices, or of another type.
std::string bad_value(const ParamSpec& s) {
  const bool number = s.type == ParamType::Float || s.type == ParamType::Int;
  if (number && s.lower) return format_double(*s.lower - 1);
  if (number && s.upper) return format_double(*s.upper + 1);
  if (s.type == ParamType::String && !s.choices.empty()) return "\"not-one-of-them\"";
  return s.type == ParamType::String ? "12" : "\"text\"";
}

ContractCheck check_bad_values(const RigRun& run, Registry& registry, const std::string& name) {
  const PluginDescriptor& d = *run.plugin;
  const std::string at = run.file.filename().string() + ":" + std::to_string(run.rig.key_line()) + ":";
  int refused = 0;
  for (const auto& s : d.schema.specs()) {
    if (s.moved()) continue;
    const std::string value = bad_value(s);
    try {
      validate_rig(run.rig, registry, run.file, run.rig.text(s.name, value), s.name);
      return failed(name, s.name + " = " + value + " was accepted");
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      if (message.find(at) == std::string::npos || message.find("] " + s.name + ": ") == std::string::npos)
        return failed(name, s.name + " = " + value + ": the error does not name " + at + " and the key: " + message);
      ++refused;
    }
  }
  return passed(name, std::to_string(refused) + " keys");
}

// ---------------------------------------------------------------------------
// Optimizers and policies: resume and allocations, through the host's own
// build and checkpoint code.

// Stops the run at `at` (an iteration or a time), counting allocations between reports.
class StopAt final : public Monitor {
 public:
  StopAt(Clock clock, double at, double report_every) : clock_(clock), at_(at), every_(report_every) {}
  std::uint64_t next_iteration() const override { return static_cast<std::uint64_t>(std::min(next_, at_)); }
  double next_time() const override { return std::min(next_, at_); }
  Directive report(const Progress& p) override {
    const long now = heap_allocations();
    if (first_ < 0) first_ = now;
    last_ = now;
    ++reports_;
    const double where = clock_ == Clock::Iterations ? static_cast<double>(p.iteration) : p.time;
    next_ = where + every_;
    return where >= at_ || p.last ? Directive::Stop : Directive::Continue;
  }
  long allocations_between_reports() const { return last_ - first_; }
  int reports() const { return reports_; }

 private:
  Clock clock_;
  double at_, every_, next_ = every_;
  long first_ = -1, last_ = -1;
  int reports_ = 0;
};

// A built rig with its model initialised and its training set drawn, as a run has them.
struct Trainable {
  Built built;
  Dataset train;
  Rng batches{0};
  std::unique_ptr<ModelObjective> objective;

  explicit Trainable(const Experiment& ex) : built(build(ex)) {
    Rng data(derive_seed(ex.seed, "data")), init(derive_seed(ex.seed, "init"));
    train = built.data->sample(ex.n, data);
    built.model->initialize(init);
    batches = Rng(derive_seed(ex.seed, "batches"));
    objective = std::make_unique<ModelObjective>(*built.model, train);
  }
  void run_to(double at, double report_every, StopAt* monitor = nullptr) {
    StopAt own(built.optimizer->clock(), at, report_every);
    built.optimizer->run(*objective, monitor ? *monitor : own, batches);
  }
  Vector parameters() const { return built.model->parameters(); }
};

// Two stopping points well inside the horizon: (13, 40) steps, or 35 % and all of min(horizon, 1).
std::pair<double, double> stops(const Optimizer& o) {
  if (o.clock() == Clock::Iterations) return {std::min(13.0, std::floor(o.horizon() / 3)), std::min(40.0, o.horizon())};
  const double end = std::min(o.horizon(), 1.0);
  return {0.35 * end, end};
}

ContractCheck check_resume(const RigRun& run, const std::filesystem::path& dir, const std::string& name) {
  Trainable straight(run.ex), first_half(run.ex), second_half(run.ex);
  const Vector start = straight.parameters();
  const auto [middle, end] = stops(*straight.built.optimizer);
  straight.run_to(end, end);
  first_half.run_to(middle, end);
  RunParts parts{*first_half.built.model, *first_half.built.optimizer, first_half.built.metrics, first_half.batches};
  write_checkpoint(dir, compose_checkpoint(run.ex, parts, {}));
  State saved;
  std::string note;
  read_checkpoint(dir, saved, note);
  RunParts into{*second_half.built.model, *second_half.built.optimizer, second_half.built.metrics, second_half.batches};
  restore_checkpoint(saved, into, "the contract's checkpoint");
  second_half.run_to(end, end);
  const Vector a = straight.parameters(), b = second_half.parameters();
  std::ostringstream detail;
  detail << "stopped at " << middle << " of " << end
         << (straight.built.optimizer->clock() == Clock::Iterations ? " steps" : " time")
         << ", the parameters moved by " << (a - start).norm();
  if (!same_bytes(a.data(), b.data(), a.size()))
    return failed(name, detail.str() + "; the resumed run ends " + format_double((a - b).norm()) + " away");
  if (a == start) return failed(name, detail.str() + ": the run did not move the parameters, so nothing was checked");
  return passed(name, detail.str());
}

ContractCheck check_step_allocations(const RigRun& run, const std::string& name) {
  if (!kCountsAllocations) return skipped(name, "allocations are not counted under AddressSanitizer");
  Trainable t(run.ex);
  const auto [middle, end] = stops(*t.built.optimizer);
  (void)middle;
  const double horizon =
      t.built.optimizer->clock() == Clock::Iterations ? std::min(3 * end, t.built.optimizer->horizon()) : end;
  StopAt monitor(t.built.optimizer->clock(), horizon, horizon / 10);
  t.run_to(horizon, horizon / 10, &monitor);
  if (monitor.reports() < 3) return skipped(name, "the run reported fewer than 3 times");
  const long n = monitor.allocations_between_reports();
  const std::string detail = std::to_string(n) + " allocations between the first and the last of " +
                             std::to_string(monitor.reports()) + " reports";
  return n == 0 ? passed(name, detail) : failed(name, detail);
}

// ---------------------------------------------------------------------------
// Data.

ContractCheck check_samples(const RigRun& run, const std::string& name) {
  const Built b = build(run.ex);
  const Index n = run.ex.n, d = b.data->dim();
  Rng r1(5), r2(5), r3(5);
  const Dataset first = b.data->sample(n, r1), again = b.data->sample(n, r2), shorter = b.data->sample(n / 2, r3);
  if (first.X.rows() != n || first.X.cols() != d || first.y.size() != n)
    return failed(name, "asked for " + std::to_string(n) + " x " + std::to_string(d) + ", got " +
                            std::to_string(first.X.rows()) + " x " + std::to_string(first.X.cols()) + " and " +
                            std::to_string(first.y.size()) + " labels");
  if (!first.X.allFinite() || !first.y.allFinite()) return failed(name, "a sample is not finite");
  if (first.X != again.X || first.y != again.y) return failed(name, "two draws from the same seed differ");
  if (shorter.X != first.X.topRows(n / 2) || shorter.y != first.y.head(n / 2))
    return failed(name, "a draw of " + std::to_string(n / 2) + " is not the start of a draw of " + std::to_string(n));
  if (const Dataset* test = b.data->test_set(); test && test->X.cols() != d)
    return failed(name, "its test set has " + std::to_string(test->X.cols()) + " columns, not " + std::to_string(d));
  return passed(name, std::to_string(n) + " x " + std::to_string(d));
}

// ---------------------------------------------------------------------------
// Models and losses: derivatives against central differences.

// Central differences with step h: truncation h^2 |f'''| / 6 ~ 1e-12, rounding
// eps |f| / h ~ 1e-10 for values of order 1; a relative 1e-5 with an absolute
// 1e-8 is a wide margin that still catches any wrong term.
bool agrees(double analytic, double numeric) { return std::abs(analytic - numeric) <= 1e-5 * std::abs(numeric) + 1e-8; }

ContractCheck check_gradient(const RigRun& run, const std::string& name) {
  Trainable t(run.ex);
  Model& model = *t.built.model;
  auto theta = model.parameters();
  Rng draw(17);
  for (Index i = 0; i < theta.size(); ++i) theta[i] = 0.5 * draw.normal();  // away from a small start's symmetries
  Vector gradient(model.num_parameters());
  model.loss_and_gradient(t.train, {}, gradient.data());
  const double h = 1e-6;
  const Index checked = std::min<Index>(theta.size(), 60);
  for (Index k = 0; k < checked; ++k) {
    const Index i = k * theta.size() / checked;
    const double keep = theta[i];
    theta[i] = keep + h;
    const double up = model.loss_and_gradient(t.train, {}, nullptr);
    theta[i] = keep - h;
    const double down = model.loss_and_gradient(t.train, {}, nullptr);
    theta[i] = keep;
    if (!agrees(gradient[i], (up - down) / (2 * h)))
      return failed(name, "parameter " + std::to_string(i) + ": gradient " + format_double(gradient[i]) +
                              ", differences " + format_double((up - down) / (2 * h)));
  }
  return passed(name, std::to_string(checked) + " of " + std::to_string(theta.size()) + " parameters");
}

ContractCheck check_model_allocations(const RigRun& run, const std::string& name) {
  if (!kCountsAllocations) return skipped(name, "allocations are not counted under AddressSanitizer");
  Trainable t(run.ex);
  Vector gradient(t.built.model->num_parameters());
  const std::vector<Index> batch = {3, 1, 4, 1, 5, 9, 2, 6};
  t.built.model->loss_and_gradient(t.train, {}, gradient.data());  // a first call may size scratch space
  const long before = heap_allocations();
  for (int i = 0; i < 10; ++i) {
    t.built.model->loss_and_gradient(t.train, {}, gradient.data());
    t.built.model->loss_and_gradient(t.train, Rows(batch.data(), batch.size()), gradient.data());
  }
  const long n = heap_allocations() - before;
  return n == 0 ? passed(name, "20 calls") : failed(name, std::to_string(n) + " allocations in 20 calls");
}

ContractCheck check_initialisation(const RigRun& run, const std::string& name) {
  Trainable a(run.ex), b(run.ex);
  const Vector pa = a.parameters(), pb = b.parameters();
  return same_bytes(pa.data(), pb.data(), pa.size()) ? passed(name, std::to_string(pa.size()) + " parameters")
                                                     : failed(name, "two starts from one seed differ");
}

ContractCheck check_loss_derivative(const RigRun& run, const std::string& name) {
  const Built b = build(run.ex);
  const Loss& loss = *b.loss;
  Rng draw(23);
  const double h = 1e-6;
  for (int k = 0; k < 32; ++k) {
    const double y = loss.needs_sign_labels() ? (draw.coin() ? 1.0 : -1.0) : draw.normal();
    const double at = 2 * draw.normal();
    double derivative = 0, value = 0, up = 0, down = 0;
    loss.accumulate(&at, &y, 1, 1.0, value, &derivative);
    const double above = at + h, below = at - h;
    loss.accumulate(&above, &y, 1, 1.0, up, nullptr);
    loss.accumulate(&below, &y, 1, 1.0, down, nullptr);
    if (!std::isfinite(value) || !agrees(derivative, (up - down) / (2 * h)))
      return failed(name, "at h = " + format_double(at) + ", y = " + format_double(y) + ": derivative " +
                              format_double(derivative) + ", differences " + format_double((up - down) / (2 * h)));
  }
  return passed(name, "32 points");
}

// A loss offering its curvature (LossCurvature): d^2l/dh^2 against central differences of its derivative.
ContractCheck check_loss_curvature(const RigRun& run, const std::string& name) {
  const Built b = build(run.ex);
  const Loss& loss = *b.loss;
  const auto* curvature = capability<LossCurvature>(b.loss.get());
  if (!curvature) return skipped(name, "it does not offer its second derivative (capability 'loss_curvature')");
  Rng draw(29);
  const double h = 1e-6;
  for (int k = 0; k < 32; ++k) {
    const double y = loss.needs_sign_labels() ? (draw.coin() ? 1.0 : -1.0) : draw.normal();
    const double at = 2 * draw.normal(), above = at + h, below = at - h;
    double second = 0, sum = 0, up = 0, down = 0;
    curvature->second_derivative(&at, &y, 1, 1.0, &second);
    loss.accumulate(&above, &y, 1, 1.0, sum, &up);
    loss.accumulate(&below, &y, 1, 1.0, sum, &down);
    if (!agrees(second, (up - down) / (2 * h)))
      return failed(name, "at h = " + format_double(at) + ", y = " + format_double(y) + ": second derivative " +
                              format_double(second) + ", differences " + format_double((up - down) / (2 * h)));
  }
  return passed(name, "32 points");
}

// A loss that trains on the log of its mean (LogMeanObjective) must give the logarithm of its own
// per-sample values and derivatives: checked at 32 moderate outputs, where both forms are accurate
// (a few roundings apart: 1e-12 relative).
ContractCheck check_log_mean(const RigRun& run, const std::string& name) {
  const Built b = build(run.ex);
  const Loss& loss = *b.loss;
  const auto* log_mean = capability<LogMeanObjective>(b.loss.get());
  if (!log_mean) return skipped(name, "it does not offer the log of its mean (capability 'log_mean_objective')");
  Rng draw(31);
  for (int k = 0; k < 32; ++k) {
    const double y = loss.needs_sign_labels() ? (draw.coin() ? 1.0 : -1.0) : draw.normal();
    const double at = 2 * draw.normal();
    double sum = 0, derivative = 0;
    loss.accumulate(&at, &y, 1, 1.0, sum, &derivative);
    const double logged = log_mean->log_loss(at, y), scaled = log_mean->scaled_derivative(at, y, 0.0);
    if (std::fabs(logged - std::log(sum)) > 1e-12 * std::max(1.0, std::fabs(logged)) ||
        std::fabs(scaled - derivative) > 1e-12 * std::fabs(derivative))
      return failed(name, "at h = " + format_double(at) + ", y = " + format_double(y) + ": log l " + format_double(logged) +
                              " against " + format_double(std::log(sum)) + ", derivative " + format_double(scaled) +
                              " against " + format_double(derivative));
  }
  return passed(name, "32 points");
}

ContractCheck check_loss_allocations(const RigRun& run, const std::string& name) {
  if (!kCountsAllocations) return skipped(name, "allocations are not counted under AddressSanitizer");
  const Built b = build(run.ex);
  double h[64], y[64], derivative[64], sum = 0;
  for (int k = 0; k < 64; ++k) h[k] = 0.01 * k - 0.3, y[k] = k % 2 ? 1.0 : -1.0;
  const long before = heap_allocations();
  for (int i = 0; i < 100; ++i) b.loss->accumulate(h, y, 64, 1.0 / 64, sum, derivative);
  const long n = heap_allocations() - before;
  return n == 0 ? passed(name, "100 calls") : failed(name, std::to_string(n) + " allocations in 100 calls");
}

// ---------------------------------------------------------------------------
// Metrics: a checkpoint keeps its columns and its values.

struct NoArrays final : ArraySink {
  void write(const std::string&, const double*, const std::vector<std::size_t>&) override {}
};

ContractCheck check_metric_resume(const RigRun& run, const std::string& name) {
  Trainable a(run.ex), b(run.ex);
  Metric& kept = *a.built.metrics.at(0);
  Metric& resumed = *b.built.metrics.at(0);
  Rng ra(derive_seed(run.ex.seed, "test")), rb(derive_seed(run.ex.seed, "test"));
  kept.prepare(a.train, *a.built.data, ra);
  resumed.prepare(b.train, *b.built.data, rb);
  NoArrays arrays;
  std::vector<double> first(kept.columns().size()), later(first.size()), later_resumed(first.size());
  kept.evaluate({*a.built.model, a.train, *a.built.data, 0, 0.0, arrays}, first);
  State state;
  kept.save_state(state);
  resumed.load_state(state);
  if (resumed.columns() != kept.columns()) return failed(name, "the columns changed");
  a.run_to(stops(*a.built.optimizer).first, 1e300);  // both metrics see the same later model
  kept.evaluate({*a.built.model, a.train, *a.built.data, 10, 1.0, arrays}, later);
  resumed.evaluate({*a.built.model, a.train, *a.built.data, 10, 1.0, arrays}, later_resumed);
  if (!same_bytes(later.data(), later_resumed.data(), static_cast<Index>(later.size())))
    return failed(name, "a value differs after the checkpoint");
  return passed(name, std::to_string(later.size()) + " columns");
}

// ---------------------------------------------------------------------------

struct NamedCheck {
  std::string name;
  std::function<ContractCheck(const RigRun&, const std::string&)> run;
};

std::vector<NamedCheck> kind_checks(PluginKind kind, const std::filesystem::path& dir) {
  switch (kind) {
    case PluginKind::Optimizer:
    case PluginKind::Policy:
      return {{"a checkpointed and resumed run ends on the same bytes",
               [dir](const RigRun& r, const std::string& n) { return check_resume(r, dir, n); }},
              {"its steps allocate nothing", check_step_allocations}};
    case PluginKind::DataGenerator:
      return {{"the same seed draws the same samples, of the declared shape", check_samples}};
    case PluginKind::Model:
      return {{"its gradient agrees with central differences", check_gradient},
              {"loss_and_gradient allocates nothing", check_model_allocations},
              {"the same seed gives the same start", check_initialisation}};
    case PluginKind::Loss:
      return {{"its derivative agrees with central differences", check_loss_derivative},
              {"its second derivative, if offered, agrees with central differences", check_loss_curvature},
              {"its log-mean form, if offered, is the log of its values", check_log_mean},
              {"accumulate allocates nothing", check_loss_allocations}};
    case PluginKind::Metric: return {{"its columns and values are the same after a checkpoint", check_metric_resume}};
  }
  return {};
}

// The checks every kind gets, then its own.
std::vector<NamedCheck> checks_for(PluginKind kind, Registry& registry, const std::filesystem::path& dir) {
  std::vector<NamedCheck> all = {
      {"its resolved configuration reads back to the same run",
       [&registry](const RigRun& r, const std::string& n) { return check_round_trip(r, registry, n); }},
      {"a bad value of each key is refused at its line",
       [&registry](const RigRun& r, const std::string& n) { return check_bad_values(r, registry, n); }}};
  for (auto& check : kind_checks(kind, dir)) all.push_back(std::move(check));
  return all;
}

std::filesystem::path scratch_dir(const ContractOptions& options) {
  if (!options.work_dir.empty()) return options.work_dir;
  std::random_device entropy;
  return std::filesystem::temp_directory_path() / ("relulab-check-" + std::to_string(entropy()));
}

}  // namespace

const char* verdict_text(ContractCheck::Verdict v) {
  return v == Verdict::Passed ? "PASS" : v == Verdict::Failed ? "FAIL" : "skip";
}

std::vector<ContractCheck> check_contracts(Registry& registry, const LoadedPlugin& plugin,
                                           const ContractOptions& options) {
  const std::filesystem::path dir = scratch_dir(options);
  std::filesystem::create_directories(dir);
  std::vector<ContractCheck> results{check_defaults(plugin.descriptor)};
  std::string why;
  const auto run = find_rig(registry, plugin, options, dir, why);
  if (!run) {
    results.push_back(failed("it builds in an experiment of bundled plugins", why));
  } else {
    for (const auto& check : checks_for(plugin.descriptor.kind, registry, dir)) {
      try {
        results.push_back(check.run(*run, check.name));
      } catch (const std::exception& e) {
        results.push_back(failed(check.name, std::string("threw: ") + e.what()));
      }
    }
  }
  if (options.work_dir.empty()) std::filesystem::remove_all(dir);
  return results;
}

}  // namespace relulab::host
