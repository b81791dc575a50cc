// Experiment files: every bad input names file, line, column and key; overrides; resolution.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

// Line numbers refer to small_experiment(): [experiment] is line 1, [optimizer] line 13, lr line 15.
TEST_CASE("a TOML syntax error names its line", "[config]") {
  const auto msg = error_of(replaced(small_experiment(), "[model]", "[model"));
  CHECK_THAT(msg, Contains("exp.toml:9:") && Contains("TOML syntax error"));
}

TEST_CASE("an unknown plugin lists the known ones", "[config]") {
  const auto msg = error_of(replaced(small_experiment(), "plugin = \"sgd\"", "plugin = \"sgdd\""));
  CHECK_THAT(msg, Contains("exp.toml:14:1: [optimizer] plugin: unknown optimizer plugin 'sgdd'") &&
                      Contains("did you mean 'sgd'?") &&
                      Contains("known optimizer plugins: adam, gradient_flow, momentum, sgd"));
}

TEST_CASE("a plugin of another kind is named as such", "[config]") {
  const auto msg = error_of(replaced(small_experiment(), "plugin = \"sgd\"", "plugin = \"losses\""));
  CHECK_THAT(msg, Contains("[optimizer] plugin: 'losses' is a metric plugin, not a optimizer plugin"));
}

TEST_CASE("an unknown key suggests the closest one", "[config]") {
  const auto msg = error_of(replaced(small_experiment(), "lr = 0.05", "lrr = 0.05"));
  CHECK_THAT(msg, Contains("exp.toml:15:1: [optimizer] lrr: unknown key for plugin 'sgd' (did you mean 'lr'?)"));
}

TEST_CASE("an unknown section suggests the closest one", "[config]") {
  const auto msg = error_of(small_experiment() + "[optimiser]\nlr = 1\n");
  CHECK_THAT(msg, Contains("optimiser: unknown top-level key (did you mean 'optimizer'?)"));
}

TEST_CASE("a value of the wrong type", "[config]") {
  CHECK_THAT(error_of(replaced(small_experiment(), "lr = 0.05", "lr = \"fast\"")),
             Contains("exp.toml:15:1: [optimizer] lr: expected float, found string 'fast'"));
  CHECK_THAT(error_of(replaced(small_experiment(), "batch_size = 16", "batch_size = 1.5")),
             Contains("exp.toml:16:1: [optimizer] batch_size: expected integer, found float 1.5"));
  // A float that is a whole number is a fine integer (iterations = 8e6).
  CHECK(error_of(replaced(small_experiment(), "batch_size = 16", "batch_size = 16e0")).empty());
}

TEST_CASE("a value out of range", "[config]") {
  CHECK_THAT(error_of(replaced(small_experiment(), "lr = 0.05", "lr = -1")),
             Contains("exp.toml:15:1: [optimizer] lr: value -1 is out of range (0, inf)"));
  CHECK_THAT(error_of(replaced(small_experiment(), "n = 200", "n = 0")),
             Contains("exp.toml:6:1: [data] n: value 0 is out of range [1, "));
  CHECK_THAT(error_of(replaced(small_experiment(), "width = 20", "init = \"uniform\"")),
             Contains("[model] init: \"uniform\" is not one of gaussian | balanced | dominated"));
}

TEST_CASE("a missing required key or section", "[config]") {
  CHECK_THAT(error_of(replaced(small_experiment(), "n = 200\n", "")),
             Contains("exp.toml:4:1: [data] missing required key 'n'"));
  CHECK_THAT(error_of(replaced(small_experiment(), "plugin = \"two_layer\"\n", "")),
             Contains("exp.toml:9:1: [model] missing required key 'plugin' (one of: two_layer"));
  CHECK_THAT(
      error_of(replaced(small_experiment(), "[model]\nplugin = \"two_layer\"\nwidth = 20\ninit_scale = 0.01\n", "")),
      Contains("exp.toml: missing section [model]"));
}

TEST_CASE("a plugin's own check is reported at its key", "[config]") {
  const auto msg = error_of(replaced(small_experiment(), "d = 5", "d = 5\nbeta_star = [1.0, 2.0]"));
  CHECK_THAT(msg, Contains("exp.toml:8:1: [data] beta_star: beta_star has 2 entries but d = 5"));
}

TEST_CASE("a bad metric schedule", "[config]") {
  CHECK_THAT(error_of(replaced(small_experiment(), "{ every = 100 }", "{ evry = 100 }")),
             Contains("[metrics[0]] schedule: unknown schedule key 'evry' (did you mean 'every'?)"));
  CHECK_THAT(error_of(replaced(small_experiment(), "{ every = 100 }", "{ geometric = 0.5 }")),
             Contains("'geometric' must be a ratio greater than 1"));
}

TEST_CASE("command-line overrides", "[config]") {
  auto ex = experiment_from_text(small_experiment(), {"optimizer.lr=0.005", "model.init=balanced",
                                                      "metrics.0.test_samples=100", "experiment.seed=3"});
  CHECK(ex.optimizer.params.real("lr") == 0.005);
  CHECK(ex.model.params.text("init") == "balanced");  // a bare word is a string
  CHECK(ex.metrics[0].params.integer("test_samples") == 100);
  CHECK(ex.seed == 3);
  // A bad override is reported as coming from the command line.
  CHECK_THAT(error_of(small_experiment(), {"optimizer.lr=-1"}),
             Contains("command line (--set optimizer.lr=-1): [optimizer] lr: value -1 is out of range"));
  CHECK_THAT(error_of(small_experiment(), {"optimizer.lrr=1"}), Contains("did you mean 'lr'?"));
  CHECK_THAT(error_of(small_experiment(), {"lr"}), Contains("expected KEY=VALUE"));
  CHECK_THAT(error_of(small_experiment(), {"metrics.3.test_samples=1"}), Contains("[[metrics]] has 1 entries"));
}

TEST_CASE("the resolved configuration fills every default and reads back the same", "[config]") {
  auto ex = experiment_from_text(small_experiment());
  CHECK(ex.resolved["optimizer"]["sampling"].value<std::string>() == "reshuffle");
  CHECK(ex.resolved["model"]["init"].value<std::string>() == "gaussian");
  CHECK(ex.resolved["experiment"]["checkpoint_seconds"].value<double>() == 60.0);
  // Validating the resolved file again gives the same configuration (and so the same run directory).
  auto again = experiment_from_text(host::format_toml(ex.resolved));
  CHECK(again.hash == ex.hash);
  // Any change of value changes the hash.
  CHECK(experiment_from_text(small_experiment(), {"optimizer.lr=0.04"}).hash != ex.hash);
}

TEST_CASE("did-you-mean keeps to close words", "[config]") {
  CHECK(host::did_you_mean("widht", {"width", "bias"}) == "width");
  CHECK(host::did_you_mean("zzzzzz", {"width", "bias"}).empty());
}

TEST_CASE("a key declared same_results() stays out of the run's hash, others change it", "[config]") {
  // model.threads cannot change a run's bytes (its reduction order is fixed),
  // so a run resumes in the same folder on any thread count; precision can.
  const auto base = experiment_from_text(small_experiment(100));
  const auto threads = experiment_from_text(small_experiment(100), {"model.threads=2"});
  const auto precision = experiment_from_text(small_experiment(100), {"model.precision=float32"});
  CHECK(threads.hash == base.hash);
  CHECK(precision.hash != base.hash);
  // The resolved configuration still records the thread count that ran.
  CHECK(host::format_toml(threads.resolved).find("threads = 2") != std::string::npos);
}

TEST_CASE("activations and losses: located errors with a did-you-mean", "[config][activation]") {
  const std::string model = "plugin = \"two_layer\"\n";
  CHECK_THAT(error_of(replaced(small_experiment(), model, model + "activation = \"gelo\"\n")),
             Contains("exp.toml:11:1: [model] activation: \"gelo\" is not one of relu | leaky_relu | gelu (did you "
                      "mean 'gelu'?)"));
  CHECK_THAT(error_of(replaced(small_experiment(), model, model + "activation = \"leaky_relu\"\nslope = 1.5\n")),
             Contains("exp.toml:12:1: [model] slope: value 1.5 is out of range [0, 1]"));
  CHECK_THAT(error_of(small_experiment() + "[loss]\nplugin = \"logistc\"\n"),
             Contains("[loss] plugin: unknown loss plugin 'logistc' (did you mean 'logistic'?)"));
  CHECK_THAT(error_of(small_experiment(), {"loss=exponental"}),
             Contains("command line (--set loss=exponental): [loss] plugin: unknown loss plugin 'exponental' (did you "
                      "mean 'exponential'?)"));
  CHECK_THAT(error_of("loss = 3\n" + small_experiment()),
             Contains("exp.toml:1:8: loss: expected a table [loss] or a loss plugin's name, found integer"));
  // A metric whose mathematics is the first paper's refuses another activation, at its plugin key.
  CHECK_THAT(error_of(replaced(small_experiment(), model, model + "activation = \"gelu\"\n") +
                      "[[metrics]]\nplugin = \"theorem2\"\n"),
             Contains("[metrics[1]] plugin: theorem2 assumes a ReLU network trained on the squared error"));
  CHECK_THAT(error_of(small_experiment() + "[[metrics]]\nplugin = \"extremal_vectors\"\n", {"loss=logistic"}),
             Contains("extremal_vectors assumes a ReLU network trained on the squared error") &&
                 Contains("activation relu and loss logistic"));
}

TEST_CASE("a classification loss on labels other than +-1 is refused before training, naming the data plugin",
          "[config][activation]") {
  const auto ex = experiment_from_text(small_experiment() + "[loss]\nplugin = \"logistic\"\n");
  const fs::path dir = temp_dir("labels");
  try {
    run_into(ex, dir);
    FAIL("a logistic loss on regression labels ran");
  } catch (const host::ConfigError& e) {
    CHECK_THAT(std::string(e.what()), Contains("exp.toml:") && Contains("[loss] plugin: the logistic loss takes labels "
                                                                        "-1 and +1, but data plugin "
                                                                        "'linear_teacher' gave 200 of 200 labels"));
  }
  CHECK_FALSE(fs::exists(dir / "metrics.csv"));  // nothing trained
  fs::remove_all(dir);
}

namespace {
// Writes files into one temp folder and returns it.
fs::path folder_with(const std::map<std::string, std::string>& files) {
  const fs::path dir = temp_dir("compose");
  for (const auto& [name, text] : files) write_text(dir / name, text);
  return dir;
}
host::Experiment validated(const fs::path& file, const std::vector<std::string>& sets = {}) {
  auto raw = host::parse_experiment_file(file);
  for (const auto& s : sets) host::apply_override(raw, s);
  return host::validate_experiment(raw, registry());
}
std::string compose_error(const fs::path& file) {
  try {
    validated(file);
  } catch (const host::ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("composed files: a chain of bases merges table by table, the file wins, --set wins over both",
          "[config][compose]") {
  const fs::path dir = folder_with({
      {"full.toml", small_experiment(5000)},
      {"middle.toml", "base = \"full.toml\"\n[model]\nwidth = 8\n[optimizer]\nlr = 0.02\n"},
      {"quick.toml",
       "# an overlay of an overlay\nbase = \"middle.toml\"\n[optimizer]\niterations = 300\n"
       "[[metrics]]\nplugin = \"losses\"\nschedule = { every = 30 }\n"},
  });
  const auto ex = validated(dir / "quick.toml", {"optimizer.lr=0.03"});
  CHECK(ex.model.params.integer("width") == 8);  // from middle.toml
  CHECK(ex.model.params.real("init_scale") == 0.01);  // from full.toml
  CHECK(ex.optimizer.params.integer("iterations") == 300);  // quick.toml over full.toml's 5000
  CHECK(ex.optimizer.params.real("lr") == 0.03);  // --set over middle.toml's 0.02
  CHECK(ex.optimizer.params.integer("batch_size") == 16);  // full.toml
  // An array of tables is one value: quick.toml's [[metrics]] replaces full.toml's.
  REQUIRE(ex.metrics.size() == 1);
  CHECK(ex.metrics[0].schedule.every == 30);
  CHECK(ex.metrics[0].params.integer("test_samples") == 10'000);  // the default, not full.toml's 500
  // The same resolved configuration as the file written out whole.
  const fs::path whole = dir / "whole.toml";
  write_text(whole,
             replaced(replaced(replaced(small_experiment(300), "width = 20", "width = 8"), "lr = 0.05", "lr = 0.03"),
                      "schedule = { every = 100 }\ntest_samples = 500\n", "schedule = { every = 30 }\n"));
  CHECK(validated(whole).hash == ex.hash);
  fs::remove_all(dir);
}

TEST_CASE("composed files: a [[metrics]] list that adds one metric and drops another warns, naming both",
          "[config][compose]") {
  const fs::path dir = folder_with({
      {"full.toml", small_experiment(300)},  // [[metrics]] losses
      {"drops.toml", "base = \"full.toml\"\n\n[[metrics]]\nplugin = \"neuron_snapshots\"\n"},
      {"keeps.toml", "base = \"full.toml\"\n[[metrics]]\nplugin = \"losses\"\n[[metrics]]\nplugin = "
                     "\"neuron_snapshots\"\n"},
      {"narrows.toml", "base = \"keeps.toml\"\n[[metrics]]\nplugin = \"losses\"\n"},  // fewer, on purpose
  });
  const auto drops = run_command(relulab_exe() + " run " + (dir / "drops.toml").string() + " --dry-run");
  INFO(drops.err);
  REQUIRE(drops.exit_code == 0);
  CHECK_THAT(drops.err, Contains("drops.toml:3:1: [[metrics]] replaces the base's list, it does not add to it: "
                                 "neuron_snapshots comes in and losses goes; list losses again in this file to keep it"));
  const auto keeps = run_command(relulab_exe() + " run " + (dir / "keeps.toml").string() + " --dry-run");
  CHECK(keeps.exit_code == 0);
  CHECK(keeps.err.find("warning") == std::string::npos);
  const auto narrows = run_command(relulab_exe() + " run " + (dir / "narrows.toml").string() + " --dry-run");
  CHECK(narrows.exit_code == 0);
  CHECK(narrows.err.find("warning") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("composed files: errors point at the file and line where the key was written", "[config][compose]") {
  const fs::path dir = folder_with({
      {"full.toml", replaced(small_experiment(), "width = 20", "width = 0")},
      {"quick.toml", "base = \"full.toml\"\n[optimizer]\nlr = 0.1\n"},
      {"missing.toml", "\nbase = \"nowhere.toml\"\n"},
      {"a.toml", "base = \"b.toml\"\n"},
      {"b.toml", "base = \"a.toml\"\n"},
      {"broken_base.toml", "base = \"broken.toml\"\n"},
      {"broken.toml", "[model\n"},
  });
  // width = 0 is written in full.toml, line 11: the error names full.toml, not quick.toml.
  CHECK_THAT(compose_error(dir / "quick.toml"), Contains("full.toml:11:1: [model] width: value 0 is out of range"));
  CHECK_THAT(compose_error(dir / "missing.toml"),
             Contains("missing.toml:2:8: base: no such file 'nowhere.toml' (looked for "));
  CHECK_THAT(compose_error(dir / "a.toml"), Contains("base: the bases form a cycle: a.toml -> b.toml -> a.toml"));
  CHECK_THAT(compose_error(dir / "broken_base.toml"),
             Contains("broken_base.toml:1:8: base: the base has a TOML syntax error: ") && Contains("broken.toml:1:"));
  fs::remove_all(dir);
}

TEST_CASE("optimizer policies: located errors naming the policy and its key", "[config][policies]") {
  // Line 18 is the first line after [optimizer]'s keys in small_experiment().
  auto with = [](const std::string& policies) { return error_of(small_experiment(2000, policies)); };
  CHECK_THAT(with("policies = [{ plugin = \"weight_decay\", rate = -1 }]\n"),
             Contains("exp.toml:18:") && Contains("[optimizer.policies[0]] rate: value -1 is out of range [0, inf)"));
  CHECK_THAT(with("policies = [{ plugin = \"warmup\" }, { plugin = \"gradient_noise\", scale = -0.1 }]\n"),
             Contains("[optimizer.policies[1]] scale: value -0.1 is out of range [0, inf)"));
  CHECK_THAT(with("policies = [{ plugin = \"weight_decy\" }]\n"),
             Contains("[optimizer.policies[0]] plugin: unknown policy plugin 'weight_decy' (did you mean "
                      "'weight_decay'?)"));
  CHECK_THAT(with("policies = [{ plugin = \"adam\" }]\n"),
             Contains("'adam' is a optimizer plugin, not a policy plugin"));
  CHECK_THAT(with("policies = 3\n"), Contains("exp.toml:18:12: [optimizer] policies: expected an array of tables"));
  CHECK_THAT(with("policies = [{ plugin = \"clip_gradient\", by = \"nrom\" }]\n"),
             Contains("[optimizer.policies[0]] by: \"nrom\" is not one of norm | value (did you mean 'norm'?)"));
  // A policy with no meaning for the rule: gradient flow has no steps to wrap.
  const std::string sgd = "plugin = \"sgd\"\nlr = 0.05\nbatch_size = 16\niterations = 2000\n";
  CHECK_THAT(
      error_of(replaced(small_experiment(), sgd,
                        "plugin = \"gradient_flow\"\nend_time = 1.0\npolicies = [{ plugin = \"clip_gradient\" }]\n")),
      Contains("exp.toml:16:") &&
          Contains("[optimizer.policies[0]] plugin: policy 'clip_gradient' cannot wrap optimizer "
                   "'gradient_flow': it takes no policies"));
  // Label noise perturbs real-valued labels: not with a classification loss.
  CHECK_THAT(error_of(small_experiment(2000, "policies = [{ plugin = \"label_noise\" }]\n"), {"loss=logistic"}),
             Contains("[optimizer.policies[0]] plugin: label noise adds Gaussian noise to real-valued labels"));
}

TEST_CASE("optimizer policies: both TOML spellings, defaults resolved, overrides, and their own hash",
          "[config][policies]") {
  const auto inline_form = experiment_from_text(small_experiment(
      2000, "policies = [{ plugin = \"weight_decay\", mode = \"decoupled\" }, { plugin = \"warmup\", steps = 50 }]\n"));
  const auto table_form =
      experiment_from_text(small_experiment() +
                           "[[optimizer.policies]]\nplugin = \"weight_decay\"\nmode = \"decoupled\"\n"
                           "[[optimizer.policies]]\nplugin = \"warmup\"\nsteps = 50\n");
  CHECK(inline_form.hash == table_form.hash);
  REQUIRE(inline_form.policies.size() == 2);
  CHECK(inline_form.policies[0].params.real("rate") == 0.01);  // the default, spelled out
  const toml::array* resolved = inline_form.resolved["optimizer"]["policies"].as_array();
  REQUIRE(resolved);
  CHECK(resolved->get(1)->as_table()->get("steps")->value<std::int64_t>() == 50);
  // No policies: no policies key, so experiments written before policies keep their hash.
  const auto bare = experiment_from_text(small_experiment());
  CHECK(!bare.resolved["optimizer"]["policies"]);
  CHECK(bare.hash != inline_form.hash);
  // --set reaches into the list; the order written is part of the experiment.
  const auto overridden = experiment_from_text(
      small_experiment(2000,
                       "policies = [{ plugin = \"weight_decay\", mode = \"decoupled\" }, { plugin = \"warmup\", "
                       "steps = 50 }]\n"),
      {"optimizer.policies.0.rate=0.5"});
  CHECK(overridden.policies[0].params.real("rate") == 0.5);
  const auto swapped = experiment_from_text(small_experiment(
      2000, "policies = [{ plugin = \"warmup\", steps = 50 }, { plugin = \"weight_decay\", mode = \"decoupled\" }]\n"));
  CHECK(swapped.hash != inline_form.hash);
}

TEST_CASE("each old spelling still works and warns once per process, at its line, with the new form",
          "[config][aliases]") {
  // A sweep of three cells validates the file three times: still one warning per old spelling.
  const std::string old_spellings =
      replaced(replaced(small_experiment(), "plugin = \"two_layer\"", "plugin = \"two_layer_relu\""),
               "iterations = 2000\n", "iterations = 2000\nlr_schedule = \"step\"\nlr_decay = 0.1\n") +
      "[sweep]\n\"optimizer.lr\" = [0.01, 0.02, 0.03]\n";
  const fs::path dir = temp_dir("aliases");
  write_text(dir / "old.toml", "loss = \"mse\"\n" + old_spellings);
  const auto r = run_command(relulab_exe() + " run " + (dir / "old.toml").string() + " --dry-run");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto count = [&](const std::string& text) {
    std::size_t n = 0;
    for (auto at = r.err.find(text); at != std::string::npos; at = r.err.find(text, at + 1)) ++n;
    return n;
  };
  CHECK(count("warning") == 3);
  CHECK(count("old.toml:11:1: [model] plugin: 'two_layer_relu' is an old name of the model plugin 'two_layer'; write "
              "plugin = \"two_layer\"") == 1);
  CHECK(count("old.toml:19:1: [optimizer] lr_schedule, lr_decay: an old spelling; write policies = [{ plugin = "
              "\"lr_schedule\", schedule = \"step\", decay = 0.1 }], first in the list") == 1);
  CHECK(count("old.toml:1:1: loss: loss = \"mse\" is an old spelling; write [loss] plugin = \"mse\"") == 1);
  // The new spellings: no warning at all.
  write_text(dir / "new.toml",
             replaced(old_spellings, "lr_schedule = \"step\"\nlr_decay = 0.1\n",
                      "policies = [{ plugin = \"lr_schedule\", schedule = \"step\", decay = 0.1 }]\n"));
  const auto clean = run_command(relulab_exe() + " run " + (dir / "new.toml").string() +
                                 " --dry-run --set model.plugin=two_layer --set loss.plugin=mse");
  CHECK(clean.exit_code == 0);
  CHECK(clean.err.find("warning") == std::string::npos);
  // `loss` alone as an override (or a sweep axis) is the old spelling of loss.plugin.
  const auto set = run_command(relulab_exe() + " run " + (dir / "new.toml").string() + " --dry-run --set loss=mse");
  CHECK(set.exit_code == 0);
  CHECK_THAT(set.err, Contains("relulab: warning: --set loss=mse: 'loss' is the old spelling of 'loss.plugin'"));
  fs::remove_all(dir);
}

TEST_CASE("messages: an override's own mistakes are located at the --set, and files that are not files say so",
          "[config][errors]") {
  const fs::path dir = temp_dir("messages");
  write_text(dir / "e.toml", small_experiment(100));
  auto raw = host::parse_experiment_file(dir / "e.toml");
  // A section neither the file nor relulab has: the --set's mistake, not the file's.
  CHECK_THROWS_WITH(host::apply_override(raw, "a.b.c=1"), Contains("--set a.b.c=1: 'a.b.c': no section [a]"));
  CHECK_THROWS_WITH(host::apply_override(raw, "optimzer.lr=1"), Contains("(did you mean 'optimizer'?)"));
  // A line break followed by more TOML would drop the rest silently.
  CHECK_THROWS_WITH(host::apply_override(raw, "optimizer.lr=0.1\nfoo = 2"),
                    Contains("line break followed by more TOML"));
  // A directory where a file should be: not "no such file".
  fs::create_directories(dir / "folder.toml");
  CHECK_THROWS_WITH(host::parse_experiment_file(dir / "folder.toml"), Contains("not a regular file"));
  write_text(dir / "child.toml", "base = \"folder.toml\"\n" + small_experiment(100));
  CHECK_THROWS_WITH(host::parse_experiment_file(dir / "child.toml"), Contains("is not a regular file"));
  fs::remove_all(dir);
}
