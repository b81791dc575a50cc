// n = "online" and n = "infinite" (docs/science.md §8, run/training_set.hpp):
// fresh batches from the data stream, the exact population loss, their
// refusals, resume and threads, and online SGD approaching the population flow.
#include <catch2/catch.hpp>

#include "run/training_set.hpp"
#include "support.hpp"

#include <relulab/math/population.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

std::string experiment(const std::string& n, const std::string& optimizer, const std::string& extra = "") {
  return "[experiment]\nname = \"n\"\nseed = 3\n"
         "[data]\nplugin = \"linear_teacher\"\nn = " + n + "\nd = 5\nnoise_std = 0.3\n"
         "[model]\nplugin = \"two_layer\"\nwidth = 20\ninit_scale = 0.1\n" + optimizer +
         "[[metrics]]\nplugin = \"losses\"\nschedule = { every = 100 }\n" + extra;
}

const std::string kOnlineSgd = "[optimizer]\nplugin = \"sgd\"\nlr = 0.02\nbatch_size = 16\niterations = 1500\n";
const std::string kPopulationGd = "[optimizer]\nplugin = \"sgd\"\nlr = 0.05\nbatch_size = 0\niterations = 600\n";

// Column `name` of a metrics.csv, by row.
std::vector<double> column(const fs::path& csv, const std::string& name) {
  std::ifstream in(csv);
  std::string line, cell;
  std::getline(in, line);
  std::stringstream header(line);
  int index = -1;
  for (int i = 0; std::getline(header, cell, ','); ++i)
    if (cell == name) index = i;
  REQUIRE(index >= 0);
  std::vector<double> values;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    for (int i = 0; std::getline(row, cell, ','); ++i)
      if (i == index) values.push_back(std::stod(cell));
  }
  return values;
}

}  // namespace

TEST_CASE("n = \"online\" and \"infinite\" are refused where they cannot run, at the key to change",
          "[training_set]") {
  const std::string online = experiment("\"online\"", kOnlineSgd), infinite = experiment("\"infinite\"", kPopulationGd);
  CHECK_THAT(error_of(online, {"data.n=onlne"}), Contains("[data] n") && Contains("did you mean 'online'"));
  CHECK_THAT(error_of(online, {"optimizer.batch_size=0"}),
             Contains("[optimizer] batch_size") && Contains("needs mini-batches"));
  CHECK_THAT(error_of(infinite, {"optimizer.batch_size=8"}),
             Contains("[optimizer] batch_size") && Contains("no samples to batch"));
  CHECK_THAT(error_of(infinite, {"model.activation=gelu"}), Contains("[model] activation") && Contains("gelu"));
  CHECK_THAT(error_of(infinite, {"model.bias=true"}), Contains("[model] bias"));
  CHECK_THAT(error_of(infinite, {"data.input=two_cones"}),
             Contains("[data] n") && Contains("closed form") && Contains("linear_teacher"));
  CHECK_THAT(error_of(experiment("\"online\"",
                                 "[optimizer]\nplugin = \"gradient_flow\"\nend_time = 1.0\n")),
             Contains("[optimizer] plugin") && Contains("has none"));
  CHECK_THAT(error_of(experiment("\"infinite\"", kPopulationGd,
                                 "[[metrics]]\nplugin = \"extremal_vectors\"\n")),
             Contains("[metrics[1]] plugin") && Contains("no finite training set"));
  CHECK_THAT(
      error_of(replaced(infinite, "iterations = 600\n", "iterations = 600\npolicies = [{ plugin = \"label_noise\" }]\n")),
      Contains("label_noise") && Contains("perturbs the labels"));
  // A data set read from files has nothing to draw from and no closed form.
  const fs::path dir = temp_dir("online_files");
  run_into(experiment_from_text(small_experiment(10)), dir / "source");
  const std::string files = "[data]\nplugin = \"npy_dataset\"\nX = \"" + (dir / "source" / "X_train.npy").string() +
                            "\"\ny = \"" + (dir / "source" / "y_train.npy").string() + "\"\nn = \"online\"\n";
  const std::string own = replaced(online, "[data]\nplugin = \"linear_teacher\"\nn = \"online\"\nd = 5\nnoise_std = 0.3\n",
                                   files);
  CHECK_THAT(error_of(own), Contains("[data] n") && Contains("fixed data set"));
  fs::remove_all(dir);
}

TEST_CASE("online data: each step's batch is the next samples of the data stream, and nothing is stored",
          "[training_set]") {
  // k online evaluations of b samples see, in order, the rows of one draw of k b samples from the same stream.
  const auto& desc = descriptor(PluginKind::DataGenerator, "linear_teacher");
  BuildContext ctx;
  auto teacher = desc.make<DataGenerator>(defaults(desc.schema, {{"d", std::int64_t(4)}}), ctx);
  ctx.input_dim = 4;
  const auto& model_desc = descriptor(PluginKind::Model, "two_layer");
  auto model = model_desc.make<Model>(defaults(model_desc.schema, {{"width", std::int64_t(6)}}), ctx);
  Rng init(1);
  model->initialize(init);
  const Index b = 8, k = 5;
  Rng stream(11), reference(11);
  host::OnlineObjective online(*model, *capability<FreshSamples>(*teacher), stream, b, 4);
  const Dataset all = teacher->sample(b * k, reference);
  ModelObjective finite(*model, all);
  std::vector<Index> rows(static_cast<std::size_t>(b)), local(static_cast<std::size_t>(b));
  for (Index r = 0; r < b; ++r) local[static_cast<std::size_t>(r)] = r;
  Vector g_online(model->num_parameters()), g_finite(model->num_parameters());
  const long before = allocations_so_far();
  for (Index step = 0; step < k; ++step) {
    for (Index r = 0; r < b; ++r) rows[static_cast<std::size_t>(r)] = step * b + r;
    const double l_online = online.loss_and_gradient({local.data(), local.size()}, g_online.data());
    const double l_finite = finite.loss_and_gradient({rows.data(), rows.size()}, g_finite.data());
    CHECK(l_online == l_finite);  // the same samples in the same order: the same bytes
    CHECK(g_online == g_finite);
  }
  CHECK(allocations_so_far() == before);  // drawing a batch in place allocates nothing
}

TEST_CASE("online SGD resumes byte for byte, its stream in the checkpoint, and writes no training set",
          "[training_set][resume]") {
  const fs::path dir = temp_dir("online_resume");
  const auto ex = experiment_from_text(experiment("\"online\"", kOnlineSgd));
  run_into(ex, dir / "straight");
  std::atomic<int> stop{2};
  REQUIRE(run_into(ex, dir / "split", &stop).outcome == host::Outcome::Interrupted);
  REQUIRE(run_into(ex, dir / "split").outcome == host::Outcome::Completed);
  for (const char* f : {"metrics.csv", "W_final.npy", "a_final.npy"}) {
    INFO(f);
    CHECK(slurp(dir / "straight" / f) == slurp(dir / "split" / f));
  }
  CHECK(!fs::exists(dir / "straight" / "X_train.npy"));
  // train_mse is defined as the population loss without a finite training set: the test column.
  CHECK(column(dir / "straight" / "metrics.csv", "train_mse") == column(dir / "straight" / "metrics.csv", "test_mse"));
  fs::remove_all(dir);
}

TEST_CASE("online data works with every first-order rule and policy, and resumes byte for byte with them",
          "[training_set][resume][policies]") {
  // Label noise perturbs the held batch's labels (TrainingLabels of the online objective), clipping and
  // decay act on the step: each run is checked against its own uninterrupted twin.
  const std::vector<std::string> optimizers{
      "[optimizer]\nplugin = \"adam\"\nlr = 0.01\nbatch_size = 8\niterations = 400\n"
      "policies = [{ plugin = \"label_noise\" }, { plugin = \"clip_gradient\", max = 1.0 }]\n",
      "[optimizer]\nplugin = \"momentum\"\nlr = 0.01\nbatch_size = 8\niterations = 400\n"
      "policies = [{ plugin = \"weight_decay\", rate = 0.01 }]\n"};
  for (std::size_t i = 0; i < optimizers.size(); ++i) {
    const fs::path dir = temp_dir("online_rules");
    const auto ex = experiment_from_text(experiment("\"online\"", optimizers[i]));
    REQUIRE(run_into(ex, dir / "straight").outcome == host::Outcome::Completed);
    std::atomic<int> stop{2};
    REQUIRE(run_into(ex, dir / "split", &stop).outcome == host::Outcome::Interrupted);
    REQUIRE(run_into(ex, dir / "split").outcome == host::Outcome::Completed);
    INFO(optimizers[i]);
    CHECK(slurp(dir / "straight" / "metrics.csv") == slurp(dir / "split" / "metrics.csv"));
    CHECK(slurp(dir / "straight" / "W_final.npy") == slurp(dir / "split" / "W_final.npy"));
    fs::remove_all(dir);
  }
}

TEST_CASE("the population objective: gradient descent approaches sigma^2, and threads do not change a byte",
          "[training_set]") {
  const fs::path dir = temp_dir("population");
  const std::string text = experiment("\"infinite\"", kPopulationGd);
  run_into(experiment_from_text(text), dir / "one");
  run_into(experiment_from_text(text, {"model.threads=3"}), dir / "three");
  for (const char* f : {"metrics.csv", "W_final.npy", "a_final.npy"}) {
    INFO(f);
    CHECK(slurp(dir / "one" / f) == slurp(dir / "three" / f));
  }
  // A width-20 ReLU network represents <beta*, x> = relu(<beta*, x>) - relu(-<beta*, x>) exactly, so the
  // population loss falls towards sigma^2 = 0.09 from |beta*|^2 + sigma^2 = 1.09 at a small start. Gradient
  // descent at lr 0.05, far below 2 / (the loss's curvature, ~|beta*|^2 here), decreases it at every record;
  // the approach is slow (a power law, not geometric: 4.5e-4 above sigma^2 at step 600, 2.5e-5 at 6000), so
  // the test asks for the excess to fall below a thousandth of its start and never below the noise.
  const auto test = column(dir / "one" / "metrics.csv", "test_mse");
  for (std::size_t i = 1; i < test.size(); ++i) CHECK(test[i] <= test[i - 1]);
  CHECK(test.back() - 0.09 < 1e-3 * (test.front() - 0.09));
  CHECK(test.back() >= 0.09 - 1e-12);  // the closed form's rounding at most
  CHECK(column(dir / "one" / "metrics.csv", "ols_test_mse").back() == Approx(0.09).epsilon(1e-14));
  fs::remove_all(dir);
}

TEST_CASE("online SGD approaches the population gradient flow as the learning rate shrinks, at equal t = sum lr",
          "[training_set]") {
  // The population flow is gradient_flow on n = "infinite"; online SGD at learning rate lr follows it
  // with an error of order sqrt(lr / batch) (the noise of fresh batches) plus O(lr) (the discretisation),
  // so dividing lr by 4 should about halve the distance. Averaged over 3 seeds, the test asks for a
  // clear decrease at each halving of sqrt(lr): less than 0.8 of the previous distance.
  const fs::path dir = temp_dir("online_flow");
  const std::vector<double> times{1, 2, 4, 8};  // whole numbers of steps at every lr below
  auto with_points = [&](double scale) {
    std::string points;
    for (double t : times) points += (points.empty() ? "" : ", ") + std::to_string(t * scale);
    return "schedule = { points = [" + points + "] }\n";
  };
  auto curve_of = [&](const std::string& text, const std::string& name) {
    run_into(experiment_from_text(text), dir / name);
    return column(dir / name / "metrics.csv", "test_mse");
  };
  std::string flow = experiment("\"infinite\"", "[optimizer]\nplugin = \"gradient_flow\"\nend_time = 8.0\n");
  flow = replaced(flow, "schedule = { every = 100 }\n", with_points(1.0));
  const auto reference = curve_of(flow, "flow");
  std::vector<double> distances;
  for (double lr : {0.04, 0.01, 0.0025}) {
    double total = 0.0;
    for (int seed : {1, 2, 3}) {
      std::string sgd = experiment("\"online\"", "[optimizer]\nplugin = \"sgd\"\nlr = " + std::to_string(lr) +
                                                     "\nbatch_size = 8\niterations = " +
                                                     std::to_string(static_cast<int>(std::lround(8.0 / lr))) + "\n");
      sgd = replaced(sgd, "schedule = { every = 100 }\n", with_points(1.0 / lr));
      const auto curve = curve_of(replaced(sgd, "seed = 3\n", "seed = 3\ndata_seed = " + std::to_string(seed) + "\n"),
                                  "sgd" + std::to_string(seed) + "_" + std::to_string(lr));
      REQUIRE(curve.size() == reference.size());
      double worst = 0.0;
      for (std::size_t i = 1; i < curve.size(); ++i) worst = std::max(worst, std::abs(curve[i] - reference[i]));
      total += worst / 3;
    }
    INFO("lr " << lr << ": mean largest |L_sgd(t) - L_flow(t)| = " << total);
    distances.push_back(total);
  }
  CHECK(distances[1] < 0.8 * distances[0]);
  CHECK(distances[2] < 0.8 * distances[1]);
  fs::remove_all(dir);
}
