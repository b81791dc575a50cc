// Helpers for the per-plugin test files (plugins/<name>/test_<name>.cpp):
// building one plugin by name, small objectives and monitors to drive an
// optimizer by hand.
#pragma once

#include "io/output.hpp"
#include "support.hpp"

#include <cstdlib>
#include <relulab/io/npy.hpp>
#include <relulab/lr_schedule.hpp>
#include <relulab/math/gaussian.hpp>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace relulab::test {

// A sink for metrics evaluated by hand, when their arrays are not the point.
struct NoArrays final : ArraySink {
  void write(const std::string&, const double*, const std::vector<std::size_t>&) override {}
};

// Sets an environment variable for the models built in its lifetime (RELULAB_ISA,
// RELULAB_KERNEL_PATH: the two_layer kernel's instruction set and path), or leaves
// it unset for an empty value.
struct ScopedEnv {
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (!value.empty()) setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

inline std::unique_ptr<Model> make_model(Index d, Index width, bool bias, const std::string& init = "gaussian",
                                         double scale = 1.0) {
  const auto& desc = descriptor(PluginKind::Model, "two_layer");
  BuildContext ctx;
  ctx.input_dim = d;
  return desc.make<Model>(
      defaults(desc.schema, {{"width", std::int64_t(width)}, {"bias", bias}, {"init", init}, {"init_scale", scale}}),
      ctx);
}

// The gradient the model returns against central finite differences of its loss, parameter by
// parameter. Step 1e-6: truncation step^2 |L'''| / 6 ~ 1e-12, rounding eps |L| / step ~ 1e-10; so
// 1e-6 relative (1e-9 absolute) is a wide margin that still catches any wrong term. The model's
// pre-activations must stay away from kinks (scale ~1 weights do, for the seeds used).
inline void check_gradient_by_finite_differences(Model& model, const Dataset& ds) {
  Vector grad(model.num_parameters());
  model.loss_and_gradient(ds, {}, grad.data());
  auto theta = model.parameters();
  const double step = 1e-6;
  for (Index p = 0; p < theta.size(); ++p) {
    const double keep = theta[p];
    theta[p] = keep + step;
    const double up = model.loss_and_gradient(ds, {}, nullptr);
    theta[p] = keep - step;
    const double down = model.loss_and_gradient(ds, {}, nullptr);
    theta[p] = keep;
    INFO("parameter " << p);
    CHECK(grad[p] == Approx((up - down) / (2 * step)).epsilon(1e-6).margin(1e-9));
  }
}

// The exact population MSE of a leaky ReLU student (slope alpha) against 4e5 samples of the
// teacher: they must agree within 5 standard errors (a false alarm has probability about 6e-7).
inline void check_leaky_mse_against_monte_carlo(const DataGenerator& teacher, const RandomStudent& f, double alpha,
                                                std::uint64_t seed) {
  TwoLayerView student = f.view();
  student.activation = "leaky_relu";
  student.slope = alpha;
  const double exact = *capability<PopulationRisk>(teacher)->network_mse(student);
  Rng draw(seed);
  const auto mc = monte_carlo_mse(teacher.sample(400'000, draw), [&](const Vector& x) {
    const Vector z = f.W * x;
    return f.a.dot(z.unaryExpr([&](double v) { return v > 0 ? v : alpha * v; }));
  });
  INFO("exact " << exact << ", Monte Carlo " << mc.mean << " +- " << mc.standard_error);
  CHECK(std::abs(exact - mc.mean) < 5 * mc.standard_error);
}

inline std::unique_ptr<Loss> make_loss(const std::string& name) {
  return descriptor(PluginKind::Loss, name).make<Loss>(Params{}, BuildContext{});
}

// A two_layer model with the given activation (slope for leaky_relu), trained
// on `loss` (null: the squared error), at init scale 1.
inline std::unique_ptr<Model> make_network(Index d, Index width, bool bias, const std::string& activation,
                                           const Loss* loss, std::map<std::string, ParamValue> set = {}) {
  const auto& desc = descriptor(PluginKind::Model, "two_layer");
  BuildContext ctx;
  ctx.input_dim = d;
  ctx.loss = loss;
  set["width"] = std::int64_t(width);
  set["bias"] = bias;
  set["activation"] = activation;
  if (!set.count("init_scale")) set["init_scale"] = 1.0;
  return desc.make<Model>(defaults(desc.schema, set), ctx);
}

// A linear teacher of dimension d, made once per d: the data plugin a metric's Snapshot names (metrics
// that read only the training set given to them never draw from it).
inline const DataGenerator& linear_teacher_of_dim(Index d) {
  static std::map<Index, std::unique_ptr<DataGenerator>> made;
  auto& slot = made[d];
  if (!slot) {
    const auto& desc = descriptor(PluginKind::DataGenerator, "linear_teacher");
    slot = desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(d)}}), BuildContext{});
  }
  return *slot;
}

inline Dataset random_dataset(Index n, Index d, std::uint64_t seed) {
  Rng rng(seed);
  Dataset ds{RowMatrix(n, d), Vector(n)};
  for (Index k = 0; k < n; ++k) {
    for (Index i = 0; i < d; ++i) ds.X(k, i) = rng.normal();
    ds.y[k] = rng.normal();
  }
  return ds;
}

// Records every batch an optimizer asks for, and applies the real model's gradient.
class SpyObjective : public Objective {
 public:
  SpyObjective(Model& m, const Dataset& d) : model_(m), data_(d) {}
  Index num_samples() const override { return data_.size(); }
  Index num_parameters() const override { return model_.num_parameters(); }
  Eigen::Map<Vector> parameters() override { return model_.parameters(); }
  double loss_and_gradient(Rows rows, double* g) override {
    batches.emplace_back(rows.begin(), rows.end());
    return model_.loss_and_gradient(data_, rows, g);
  }
  std::vector<std::vector<Index>> batches;

 private:
  Model& model_;
  const Dataset& data_;
};

class NeverMonitor : public Monitor {
 public:
  explicit NeverMonitor(std::uint64_t end) : end_(end) {}
  std::uint64_t next_iteration() const override { return end_; }
  double next_time() const override { return 1e300; }
  Directive report(const Progress& p) override {
    reports.push_back(p);
    return Directive::Continue;
  }
  std::vector<Progress> reports;

 private:
  std::uint64_t end_;
};

inline std::unique_ptr<Optimizer> make_optimizer(const std::string& name, Index n,
                                                 const std::map<std::string, ParamValue>& set) {
  const auto& desc = descriptor(PluginKind::Optimizer, name);
  BuildContext ctx;
  ctx.num_samples = n;
  return desc.make<Optimizer>(defaults(desc.schema, set), ctx);
}

// A policy named in an optimizer's policies list, with its keys.
struct PolicySpec {
  std::string name;
  std::map<std::string, ParamValue> set;
};

// An optimizer wrapped in policies, built as the host builds them: policy i
// draws from its own stream (seed noise_seed + i), sees the model (for layer
// ranges) and the loss, and the optimizer gets them in the order given.
struct WrappedOptimizer {
  std::vector<std::unique_ptr<Policy>> policies;  // outlive the optimizer, which points to them
  std::unique_ptr<Optimizer> optimizer;
  Optimizer* operator->() const { return optimizer.get(); }
};

inline std::unique_ptr<Policy> make_policy(const PolicySpec& spec, BuildContext ctx = {}) {
  const auto& desc = descriptor(PluginKind::Policy, spec.name);
  return desc.make<Policy>(defaults(desc.schema, spec.set), ctx);
}

inline WrappedOptimizer make_wrapped(const std::string& name, Index n, const std::map<std::string, ParamValue>& set,
                                     const std::vector<PolicySpec>& specs, const Model* model = nullptr,
                                     const Loss* loss = nullptr, std::uint64_t noise_seed = 7) {
  WrappedOptimizer w;
  w.optimizer = make_optimizer(name, n, set);
  BuildContext ctx;
  ctx.num_samples = n;
  ctx.model = model;
  ctx.loss = loss;
  ctx.optimizer = w.optimizer.get();
  std::vector<Policy*> chain;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    ctx.noise_seed = noise_seed + i;
    w.policies.push_back(make_policy(specs[i], ctx));
    chain.push_back(w.policies.back().get());
  }
  w.optimizer->use_policies(chain);
  return w;
}

// f(theta) = sum_i c_i theta_i + 0.5 lambda_i theta_i^2, gradient c + lambda .* theta.
class SeparableObjective final : public Objective {
 public:
  SeparableObjective(Vector theta0, Vector linear, Vector curvature)
      : theta_(std::move(theta0)), c_(std::move(linear)), lambda_(std::move(curvature)) {}
  Index num_samples() const override { return 1; }
  Index num_parameters() const override { return theta_.size(); }
  Eigen::Map<Vector> parameters() override { return {theta_.data(), theta_.size()}; }
  double loss_and_gradient(Rows, double* g) override {
    if (g) Eigen::Map<Vector>(g, theta_.size()) = c_ + lambda_.cwiseProduct(theta_);
    return c_.dot(theta_) + 0.5 * theta_.dot(lambda_.cwiseProduct(theta_));
  }
  const Vector& theta() const { return theta_; }

 private:
  Vector theta_, c_, lambda_;
};

struct RunToEnd : Monitor {
  std::uint64_t end;
  explicit RunToEnd(std::uint64_t e) : end(e) {}
  std::uint64_t next_iteration() const override { return end; }
  double next_time() const override { return 1e300; }
  Directive report(const Progress&) override { return Directive::Continue; }
};

// `steps` full-batch steps of optimizer `name` on `objective`, wrapped in `policies`.
inline Vector run_full_batch(const std::string& name, Objective& objective, std::uint64_t steps,
                             std::map<std::string, ParamValue> set, const std::vector<PolicySpec>& policies = {}) {
  set["batch_size"] = std::int64_t(0);
  set["iterations"] = std::int64_t(steps);
  WrappedOptimizer opt = make_wrapped(name, objective.num_samples(), set, policies);
  RunToEnd monitor(steps);
  Rng rng(1);
  opt->run(objective, monitor, rng);
  return objective.parameters();
}

// On f = 0.5 lambda theta^2 one momentum step is linear in (theta, v):
//   heavy ball: v' = mu v + lambda theta,  theta' = theta - lr v'
//   Nesterov:   v' = mu v + lambda theta,  theta' = theta - lr (lambda theta + mu v')
// so T steps are the T-th power of a 2x2 matrix applied to (theta0, 0).
inline double momentum_closed_form(double theta0, double lambda, double lr, double mu, bool nesterov, int steps) {
  Eigen::Matrix2d step;
  if (nesterov) step << 1 - lr * lambda * (1 + mu), -lr * mu * mu, lambda, mu;
  else step << 1 - lr * lambda, -lr * mu, lambda, mu;
  Eigen::Matrix2d power = Eigen::Matrix2d::Identity();
  for (int t = 0; t < steps; ++t) power = step * power;
  return (power * Eigen::Vector2d(theta0, 0.0))[0];
}

inline Eigen::MatrixXd load_matrix(const fs::path& p) {
  const auto a = io::npy::decode(slurp(p));
  return Eigen::Map<const RowMatrix>(a.data.data(), static_cast<Index>(a.shape[0]),
                                     a.shape.size() > 1 ? static_cast<Index>(a.shape[1]) : 1);
}

// a_j^2 - |w_j|^2 for every neuron of a run directory's weights.
inline Vector balance(const fs::path& dir, const std::string& which) {
  const Eigen::MatrixXd W = load_matrix(dir / ("W_" + which + ".npy"));
  const Eigen::MatrixXd a = load_matrix(dir / ("a_" + which + ".npy"));
  return a.col(0).array().square() - W.rowwise().squaredNorm().array();
}

// d = 2, n samples, m neurons, with the given optimizer section.
inline std::string small_dynamics(const std::string& optimizer, double init_scale = 0.1, int n = 50, int m = 200) {
  return "[experiment]\nname = \"dyn\"\nseed = 3\n"
         "[data]\nplugin = \"linear_teacher\"\nn = " +
         std::to_string(n) +
         "\nd = 2\nnoise_std = 0.3\n"
         "[model]\nplugin = \"two_layer\"\nwidth = " +
         std::to_string(m) + "\ninit_scale = " + host::format_number(init_scale) + "\n[optimizer]\n" + optimizer +
         "[[metrics]]\nplugin = \"losses\"\nschedule = { points = [1.0] }\ntest_samples = 10\n";
}

}  // namespace relulab::test
