// Tests of the gradient_flow plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("gradient flow conserves a_j^2 - |w_j|^2 and finite steps do not", "[dynamics][gf]") {
  const fs::path dir = temp_dir("gf");
  // Gradient flow to t = 2 at tight tolerances, and gradient descent with lr 0.01 to the same time.
  // n = 20 and width 20 keep the kinks few: every sign change of a pre-activation forces the
  // adaptive solver to tiny steps (at n = 50, width 200, rel_tol 1e-9 the run took over 5 minutes).
  const auto gf = experiment_from_text(
      small_dynamics("plugin = \"gradient_flow\"\nend_time = 2.0\nabs_tol = 1e-9\nrel_tol = 1e-8\n", 0.5, 20, 20));
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
