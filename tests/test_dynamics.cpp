// Gradient flow, full-batch descent, schedules, warm starts, the ReLU teacher, Theorem 2's metric.
#include <catch2/catch.hpp>
#include <relulab/math/linalg.hpp>
#include <relulab/io/npy.hpp>


#include "output.hpp"
#include "support.hpp"

#include <relulab/lr_schedule.hpp>

#include <nlohmann/json.hpp>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

Eigen::MatrixXd load_matrix(const fs::path& p) {
  const auto a = io::npy::decode(slurp(p));
  return Eigen::Map<const RowMatrix>(a.data.data(), static_cast<Index>(a.shape[0]),
                                     a.shape.size() > 1 ? static_cast<Index>(a.shape[1]) : 1);
}

// a_j^2 - |w_j|^2 for every neuron of a run directory's weights.
Vector balance(const fs::path& dir, const std::string& which) {
  const Eigen::MatrixXd W = load_matrix(dir / ("W_" + which + ".npy"));
  const Eigen::MatrixXd a = load_matrix(dir / ("a_" + which + ".npy"));
  return a.col(0).array().square() - W.rowwise().squaredNorm().array();
}

// d = 2, n samples, m neurons, with the given optimizer section.
std::string small_dynamics(const std::string& optimizer, double init_scale = 0.1, int n = 50, int m = 200) {
  return "[experiment]\nname = \"dyn\"\nseed = 3\n"
         "[data]\nplugin = \"linear_teacher\"\nn = " + std::to_string(n) + "\nd = 2\nnoise_std = 0.3\n"
         "[model]\nplugin = \"two_layer_relu\"\nwidth = " + std::to_string(m) + "\ninit_scale = " +
         host::format_number(init_scale) + "\n[optimizer]\n" + optimizer +
         "[[metrics]]\nplugin = \"losses\"\nschedule = { points = [1.0] }\ntest_samples = 10\n";
}

}  // namespace

TEST_CASE("gradient flow conserves a_j^2 - |w_j|^2 and finite steps do not", "[dynamics][gf]") {
  const fs::path dir = temp_dir("gf");
  // Gradient flow to t = 2 at tight tolerances, and gradient descent with lr 0.01 to the same time.
  // n = 20 and width 20 keep the kinks few: every sign change of a pre-activation forces the
  // adaptive solver to tiny steps (at n = 50, width 200, rel_tol 1e-9 the run took over 5 minutes).
  const auto gf = experiment_from_text(small_dynamics(
      "plugin = \"gradient_flow\"\nend_time = 2.0\nabs_tol = 1e-9\nrel_tol = 1e-8\n", 0.5, 20, 20));
  REQUIRE(run_into(gf, dir / "gf").outcome == host::Outcome::Completed);
  const auto gd = experiment_from_text(
      small_dynamics("plugin = \"sgd\"\nbatch_size = 0\nlr = 0.01\niterations = 200\n", 0.5, 20, 20));
  REQUIRE(run_into(gd, dir / "gd").outcome == host::Outcome::Completed);

  const double gf_drift = (balance(dir / "gf", "final") - balance(dir / "gf", "init")).cwiseAbs().maxCoeff();
  const double gd_drift = (balance(dir / "gd", "final") - balance(dir / "gd", "init")).cwiseAbs().maxCoeff();
  const double scale = balance(dir / "gf", "init").cwiseAbs().maxCoeff();
  INFO("gradient flow drift " << gf_drift << ", gradient descent drift " << gd_drift << ", scale " << scale);
  // Along exact gradient flow the quantity is constant (kinks included: relu(z) = 1{z > 0} z);
  // Dormand-Prince at rel_tol 1e-8 keeps each step's error ~1e-8 relative and the errors mostly
  // cancel: measured drift 1.5e-10 of a scale of 2.4, so 1e-7 of the scale leaves a wide margin.
  CHECK(gf_drift < 1e-7 * scale);
  // A finite step changes it by lr^2 (g_a^2 - |g_w|^2) per step: O(lr * t) in all, far above.
  CHECK(gd_drift > 1e-4 * scale);
  // The weights did move: the conservation is not trivial.
  CHECK((load_matrix(dir / "gf" / "W_final.npy") - load_matrix(dir / "gf" / "W_init.npy")).norm() > 0.1);
  fs::remove_all(dir);
}

TEST_CASE("gradient flow matches gradient descent with a tiny step, with far fewer gradients", "[dynamics][gf]") {
  // n = 1000, m = 20: the gradient field is nearly smooth at the solver's tolerance (each kink carries
  // a jump of order 1/n), where an adaptive solver pays off. With few samples and many neurons the
  // kinks make it pay for every crossing instead (docs/science.md).
  const fs::path dir = temp_dir("gfgd");
  const auto gf = experiment_from_text(small_dynamics("plugin = \"gradient_flow\"\nend_time = 5.0\n", 0.1, 1000, 20));
  const auto gd = experiment_from_text(
      small_dynamics("plugin = \"sgd\"\nbatch_size = 0\nlr = 0.00025\niterations = 20000\n", 0.1, 1000, 20));
  REQUIRE(run_into(gf, dir / "gf").outcome == host::Outcome::Completed);
  REQUIRE(run_into(gd, dir / "gd").outcome == host::Outcome::Completed);
  const Eigen::MatrixXd wf = load_matrix(dir / "gf" / "W_final.npy"), wd = load_matrix(dir / "gd" / "W_final.npy");
  const Eigen::MatrixXd w0 = load_matrix(dir / "gf" / "W_init.npy");
  const double rel = (wf - wd).norm() / (wf - w0).norm();
  const auto s = nlohmann::json::parse(slurp(dir / "gf" / "summary.json"));
  const double evals = s["statistics"]["gradient_evaluations"];
  INFO("distance relative to the displacement " << rel << ", gradient-flow evaluations " << evals << " vs 20000");
  // Gradient descent is Euler's method: its endpoint differs from the flow's by O(lr) = 2.5e-4 times
  // the trajectory's curvature; 1e-2 of the displacement leaves room for that constant, and catches a
  // wrong time scale (a factor 2 in the loss moves the endpoint by O(1)).
  CHECK(rel < 1e-2);
  CHECK(evals < 20000 / 3.0);
  CHECK(s["statistics"]["accepted_steps"].get<double>() > 0);
  // The time axis of both is the flow's time: the last rows sit at t = 5.
  CHECK(s["time"].get<double>() == Approx(5.0));
  fs::remove_all(dir);
}

TEST_CASE("an interrupted gradient flow resumes bit for bit", "[dynamics][gf][resume]") {
  const fs::path dir = temp_dir("gfres");
  auto text = small_dynamics("plugin = \"gradient_flow\"\nend_time = 5.0\n", 0.1, 1000, 20);
  text.replace(text.find("{ points = [1.0] }"), 18, "{ geometric = 1.3, start = 0.01 }");
  const auto ex = experiment_from_text(text);
  run_into(ex, dir / "a");
  std::atomic<int> stop{2};
  REQUIRE(run_into(ex, dir / "b", &stop).outcome == host::Outcome::Interrupted);
  REQUIRE(run_into(ex, dir / "b").outcome == host::Outcome::Completed);
  for (const char* f : {"metrics.csv", "W_final.npy", "a_final.npy"}) {
    INFO(f);
    CHECK(slurp(dir / "a" / f) == slurp(dir / "b" / f));
  }
  fs::remove_all(dir);
}

TEST_CASE("gradient flow stops once the gradient is small", "[dynamics][gf]") {
  const fs::path dir = temp_dir("gftol");
  const auto ex = experiment_from_text(
      small_dynamics("plugin = \"gradient_flow\"\nend_time = 1e6\ngrad_tol = 1e-2\n", 1.0, 1000, 20));
  REQUIRE(run_into(ex, dir).outcome == host::Outcome::Completed);
  const auto s = nlohmann::json::parse(slurp(dir / "summary.json"));
  CHECK(s["statistics"]["converged"] == 1.0);
  CHECK(s["time"].get<double>() < 1e6);
  fs::remove_all(dir);
}

TEST_CASE("learning-rate schedules", "[dynamics][lr]") {
  Schema schema = LearningRateSchedule::schema();
  auto make = [&](const std::map<std::string, ParamValue>& set) { return LearningRateSchedule(defaults(schema, set)); };
  const auto constant = make({});
  CHECK(constant.at(0, 100) == 0.01);
  CHECK(constant.at(99, 100) == 0.01);
  const auto step = make({{"lr_schedule", std::string("step")}, {"lr_decay", 0.1}, {"lr_decay_every", std::int64_t(10)}});
  CHECK(step.at(9, 100) == 0.01);
  CHECK(step.at(10, 100) == Approx(0.001).epsilon(1e-14));
  CHECK(step.at(25, 100) == Approx(0.0001).epsilon(1e-14));
  const auto expo = make({{"lr_schedule", std::string("exponential")}, {"lr_decay", 0.5}, {"lr_decay_every", std::int64_t(10)}});
  CHECK(expo.at(5, 100) == Approx(0.01 / std::sqrt(2.0)).epsilon(1e-14));
  const auto cosine = make({{"lr_schedule", std::string("cosine")}, {"lr_min", 0.001}});
  CHECK(cosine.at(0, 100) == Approx(0.01));
  CHECK(cosine.at(50, 100) == Approx(0.0055));
  CHECK(cosine.at(100, 100) == Approx(0.001));
  const auto floor = make({{"lr_schedule", std::string("step")}, {"lr_decay", 0.1}, {"lr_decay_every", std::int64_t(1)},
                           {"lr_min", 1e-6}});
  CHECK(floor.at(50, 100) == 1e-6);
}

TEST_CASE("a warm start continues from an earlier run's weights on the same data", "[dynamics][warm]") {
  const fs::path dir = temp_dir("warm");
  const auto first = experiment_from_text(small_experiment(500));
  REQUIRE(run_into(first, dir / "first").outcome == host::Outcome::Completed);
  const std::string from = "model.warm_start=\"" + (dir / "first").string() + "\"";
  const auto second = experiment_from_text(small_experiment(300), {from, "optimizer.lr_schedule=step"});
  REQUIRE(run_into(second, dir / "second").outcome == host::Outcome::Completed);
  // The second run starts exactly where the first ended.
  CHECK(slurp(dir / "first" / "W_final.npy").substr(128) == slurp(dir / "second" / "W_init.npy").substr(128));
  CHECK(slurp(dir / "first" / "a_final.npy") == slurp(dir / "second" / "a_init.npy"));
  // From a checkpoint file too.
  const auto third = experiment_from_text(
      small_experiment(10), {"model.warm_start=\"" + (dir / "first" / "checkpoint.bin").string() + "\""});
  REQUIRE(run_into(third, dir / "third").outcome == host::Outcome::Completed);
  CHECK(slurp(dir / "first" / "W_final.npy") == slurp(dir / "third" / "W_init.npy"));
  // Other data (another seed) is refused, at the key.
  const auto other = experiment_from_text(small_experiment(300), {from, "experiment.seed=99"});
  CHECK_THROWS_WITH(run_into(other, dir / "other"),
                    Contains("[model] warm_start: the run in") && Contains("was trained on other data"));
  // Another width does not fit.
  const auto wide = experiment_from_text(small_experiment(300), {from, "model.width=21"});
  CHECK_THROWS_WITH(run_into(wide, dir / "wide"), Contains("do not fit this model (width 21"));
  // A pattern names a run whose folder name is not known in advance; it must match exactly one.
  const auto pattern = experiment_from_text(small_experiment(10), {"model.warm_start=\"" + (dir / "fir*").string() + "\""});
  REQUIRE(run_into(pattern, dir / "pattern").outcome == host::Outcome::Completed);
  CHECK(slurp(dir / "first" / "a_final.npy") == slurp(dir / "pattern" / "a_init.npy"));
  const auto two = experiment_from_text(small_experiment(10), {"model.warm_start=\"" + (dir / "*").string() + "\""});
  CHECK_THROWS_WITH(run_into(two, dir / "two"), Contains("[model] warm_start:") && Contains("runs; name one:"));
  const auto none = experiment_from_text(small_experiment(10), {"model.warm_start=\"" + (dir / "nothing-*").string() + "\""});
  CHECK_THROWS_WITH(run_into(none, dir / "none"), Contains("no run matches"));
  fs::remove_all(dir);
}

TEST_CASE("the ReLU teacher's exact test MSE agrees with Monte Carlo", "[dynamics][relu_teacher]") {
  const auto& desc = descriptor(PluginKind::DataGenerator, "relu_teacher");
  BuildContext ctx;
  auto teacher = desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(4)}, {"teacher_seed", std::int64_t(5)}}), ctx);
  const RandomStudent f(5, 4, 21);
  const double exact = *teacher->teacher()->population_mse(f.view());
  const Vector beta = Vector::LinSpaced(4, -1, 1);
  const double exact_linear = *teacher->teacher()->population_mse_linear(beta);
  Rng draw(8);
  const Dataset test = teacher->sample(400'000, draw);
  const auto student = monte_carlo_mse(test, f);
  const auto linear = monte_carlo_mse(test, [&](const Vector& x) { return beta.dot(x); });
  INFO("student: exact " << exact << " MC " << student.mean << " +- " << student.standard_error << "; linear: exact "
                         << exact_linear << " MC " << linear.mean << " +- " << linear.standard_error);
  // Five standard errors each: a false alarm has probability about 1e-6.
  CHECK(std::abs(exact - student.mean) < 5 * student.standard_error);
  CHECK(std::abs(exact_linear - linear.mean) < 5 * linear.standard_error);
  // The same teacher_seed gives the same teacher whatever the experiment seed: same labels for the same inputs.
  auto again = desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(4)}, {"teacher_seed", std::int64_t(5)}}), ctx);
  CHECK(again->teacher()->target(test.X.row(0).data()) == teacher->teacher()->target(test.X.row(0).data()));
}

TEST_CASE("the theorem2 metric on hand-built networks", "[dynamics][theorem2]") {
  // Two-cone data, d = 2, beta* = (1, 0.5); a network whose positive part sums to beta_+ exactly and
  // whose negative part is zero has gap_plus = 0 and gap_minus = 1 (|0 - beta_-| / |beta_-|).
  const auto& tdesc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  BuildContext ctx;
  auto data = tdesc.make<DataGenerator>(defaults(tdesc.schema, {{"d", std::int64_t(2)},
                                                                {"input", std::string("two_cones")},
                                                                {"beta_star", std::vector<double>{1.0, 0.5}}}),
                                        ctx);
  Rng rng(1);
  const Dataset train = data->sample(400, rng);
  ctx.input_dim = 2;
  const auto& mdesc = descriptor(PluginKind::Metric, "theorem2");
  auto metric = mdesc.make<Metric>(defaults(mdesc.schema, {}), ctx);
  metric->prepare(train, *data, rng);
  const auto& model_desc = descriptor(PluginKind::Model, "two_layer_relu");
  auto model = model_desc.make<Model>(defaults(model_desc.schema, {{"width", std::int64_t(3)}}), ctx);
  // beta_+ from the metric's own definition, recomputed here: OLS on the rows with <x, beta*> > 0.
  std::vector<Index> plus;
  for (Index k = 0; k < train.size(); ++k)
    if (train.X(k, 0) * 1.0 + train.X(k, 1) * 0.5 > 0) plus.push_back(k);
  RowMatrix Xp(static_cast<Index>(plus.size()), 2);
  Vector yp(static_cast<Index>(plus.size()));
  for (std::size_t r = 0; r < plus.size(); ++r) Xp.row(r) = train.X.row(plus[r]), yp[r] = train.y[plus[r]];
  const Vector beta_plus = math::ordinary_least_squares(Xp, yp);
  // Neurons: 2 * (beta_+/2) with a = 2, the other two with a = 0 (they count in neither sum).
  Eigen::MatrixXd W(3, 2);
  W << beta_plus.transpose() / 2, 1, 1, -1, 1;
  Vector a(3);
  a << 2, 0, 0;
  model->assign(W, a, Vector(0));
  struct NullSink : ArraySink {
    void write(const std::string&, const double*, const std::vector<std::size_t>&) override {}
  } sink;
  std::vector<double> v(2);
  metric->evaluate(Snapshot{*model, train, *data, 0, 0.0, sink}, v);
  CHECK(v[0] == Approx(0.0).margin(1e-12));
  CHECK(v[1] == Approx(1.0).epsilon(1e-12));
}
