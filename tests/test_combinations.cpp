// Every optimizer with every activation and loss: runs end to end, lowers the
// training loss, and the losses metric reports the chosen loss.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <fstream>

using namespace relulab;
using namespace relulab::test;

namespace {

// The optimizer's horizon and step size from its own schema: 300 steps at ten
// times its default rate (at most 0.05) times `rate_factor`, or gradient flow to t = 5.
std::string optimizer_keys(const std::string& optimizer, double rate_factor) {
  const Schema& schema = descriptor(PluginKind::Optimizer, optimizer).schema;
  std::string keys;
  if (schema.find("end_time")) keys += "end_time = 5.0\n";
  if (const ParamSpec* lr = schema.find("lr"))
    keys += "lr = " + format_double(rate_factor * std::min(0.05, 10 * std::get<double>(*lr->default_value))) + "\n";
  if (schema.find("batch_size")) keys += "batch_size = 16\n";
  if (schema.find("iterations")) keys += "iterations = 300\n";
  return keys;
}

std::string combination(const std::string& optimizer, const std::string& activation, const std::string& loss) {
  const auto made = make_loss(loss);
  const std::string data = made->needs_sign_labels() ? "linear_classifier" : "linear_teacher";
  // The log of the mean loss moves theta by a fixed share of its norm per unit of rate, at any loss
  // (docs/science.md §7): momentum at 0.05 (x10 by its accumulation) then moves theta by about its
  // own size a step and diverges. A fifth of the rate is what the plain loss's rate is worth here.
  const std::string steps = optimizer_keys(optimizer, capability<LogMeanObjective>(*made) ? 0.2 : 1.0);
  return "[experiment]\nname = \"combination\"\nseed = 3\n"
         "[data]\nplugin = \"" +
         data +
         "\"\nn = 120\nd = 4\n"
         "[model]\nplugin = \"two_layer\"\nwidth = 16\ninit_scale = 0.3\nactivation = \"" +
         activation +
         "\"\n"
         "[loss]\nplugin = \"" +
         loss +
         "\"\n"
         "[optimizer]\nplugin = \"" +
         optimizer + "\"\n" + steps +
         "[[metrics]]\nplugin = \"losses\"\nschedule = { every = 50 }\ntest_samples = 300\n";
}

// The first recorded training loss (iteration 0) from metrics.csv.
double initial_train_loss(const fs::path& dir) {
  std::ifstream in(dir / "metrics.csv");
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  const auto a = first.find(','), b = first.find(',', a + 1);
  return std::stod(first.substr(b + 1));
}

}  // namespace

TEST_CASE("every optimizer trains every activation on every loss", "[combinations]") {
  // Every registered optimizer and loss, every activation the model declares.
  const auto activations = descriptor(PluginKind::Model, "two_layer").schema.find("activation")->choices;
  REQUIRE(activations.size() >= 3);
  for (const std::string& optimizer : registry().names(PluginKind::Optimizer))
    for (const std::string& activation : activations)
      for (const std::string& loss : registry().names(PluginKind::Loss))
        DYNAMIC_SECTION(optimizer << ", " << activation << ", " << loss) {
          const auto ex = experiment_from_text(combination(optimizer, activation, loss));
          const fs::path dir = temp_dir("combination");
          const auto result = run_into(ex, dir);
          REQUIRE(result.outcome == host::Outcome::Completed);
          const std::string train_column = loss == "mse" ? "train_mse" : "train_" + loss;
          REQUIRE(result.columns[0] == train_column);
          // Every rule descends the loss it is given: from a scale-0.3 start
          // the loss falls by a visible fraction in these few steps. A loss
          // trained as the log of its mean records log L: L falls by that fraction.
          const bool logged = capability<LogMeanObjective>(*make_loss(loss)) != nullptr;
          const double initial = initial_train_loss(dir), final = result.final_values[0];
          INFO("train loss " << initial << " -> " << final << (logged ? " (log L)" : ""));
          CHECK((logged ? std::exp(final) < 0.95 * std::exp(initial) : final < 0.95 * initial));
          if (loss != "mse") {
            REQUIRE(result.columns[2] == "train_error");
            CHECK(result.final_values[2] >= 0.0);
            CHECK(result.final_values[2] <= 1.0);
          }
          fs::remove_all(dir);
        }
}
