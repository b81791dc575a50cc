#include "run/warm_start.hpp"

#include "io/output.hpp"

#include <relulab/io/npy.hpp>

#include <glob.h>

#include <algorithm>

namespace relulab::host {

namespace {

[[noreturn]] void fail(const Experiment& ex, const std::string& why) {
  throw ConfigError(located(ex.locate(ex.model, "warm_start"), "model", "warm_start", why));
}

// A pattern (runs/fig1-*/cells/7-*) names a run whose folder carries a hash
// the experiment file cannot know in advance; it must match exactly one.
fs::path resolve_source(const Experiment& ex) {
  if (ex.warm_start.find_first_of("*?[") == std::string::npos) return ex.warm_start;
  glob_t matches{};
  const int rc = ::glob(ex.warm_start.c_str(), 0, nullptr, &matches);
  std::vector<std::string> found(matches.gl_pathv, matches.gl_pathv + (rc == 0 ? matches.gl_pathc : 0));
  globfree(&matches);
  if (found.empty()) fail(ex, "no run matches " + ex.warm_start + " (run the experiment it names first)");
  if (found.size() > 1) {
    std::string list;
    for (const auto& f : found) list += "\n    " + f;
    fail(ex, ex.warm_start + " matches " + std::to_string(found.size()) + " runs; name one:" + list);
  }
  return found.front();
}

void check_same_data(const Experiment& ex, const fs::path& run_dir, const Dataset& train) {
  const fs::path x_file = run_dir / "X_train.npy", y_file = run_dir / "y_train.npy";
  if (!fs::exists(x_file) || !fs::exists(y_file))
    fail(ex, run_dir.string() +
                 " has no X_train.npy/y_train.npy to compare the training data with; set "
                 "model.warm_start_check_data = false to start anyway");
  const auto X = io::npy::decode(read_file(x_file)), y = io::npy::decode(read_file(y_file));
  const auto n = static_cast<std::size_t>(train.size()), d = static_cast<std::size_t>(train.dim());
  const bool same = X.shape == std::vector<std::size_t>{n, d} &&
                    std::equal(X.data.begin(), X.data.end(), train.X.data()) && y.data.size() == n &&
                    std::equal(y.data.begin(), y.data.end(), train.y.data());
  if (!same)
    fail(ex, "the run in " + run_dir.string() +
                 " was trained on other data (the [data] section and the seed must "
                 "match); set model.warm_start_check_data = false to start anyway");
}

void load_final_weights(const Experiment& ex, const fs::path& dir, Model& model) {
  const auto W = io::npy::decode(read_file(dir / "W_final.npy"));
  const auto a = io::npy::decode(read_file(dir / "a_final.npy"));
  Vector b(0);
  if (fs::exists(dir / "b_final.npy")) {
    const auto bb = io::npy::decode(read_file(dir / "b_final.npy"));
    b = Eigen::Map<const Vector>(bb.data.data(), static_cast<Index>(bb.data.size()));
  }
  if (W.shape.size() != 2) fail(ex, dir.string() + "/W_final.npy is not a matrix");
  const Eigen::MatrixXd Wm =
      Eigen::Map<const RowMatrix>(W.data.data(), static_cast<Index>(W.shape[0]), static_cast<Index>(W.shape[1]));
  model.assign(Wm, Eigen::Map<const Vector>(a.data.data(), static_cast<Index>(a.data.size())), b);
}

void load_checkpoint_weights(const Experiment& ex, const fs::path& source, Model& model) {
  State checkpoint;
  std::string note;
  const fs::path dir = fs::is_directory(source) ? source : source.parent_path();
  if (!read_checkpoint(dir, checkpoint, note))
    fail(ex, source.string() + " holds neither final weights (W_final.npy) nor a checkpoint");
  const auto size = static_cast<std::size_t>(model.num_parameters());
  if (checkpoint.count_doubles("model.theta") != size)
    fail(ex, "the checkpoint in " + source.string() + " holds " +
                 std::to_string(checkpoint.count_doubles("model.theta")) + " parameters; this model has " +
                 std::to_string(size));
  checkpoint.doubles("model.theta", model.parameters().data(), size);
}

}  // namespace

void apply_warm_start(const Experiment& ex, Model& model, const Dataset& train) {
  const fs::path source = resolve_source(ex);
  const fs::path run_dir = fs::is_directory(source) ? source : source.parent_path();
  if (!fs::exists(source)) fail(ex, "no such run directory or checkpoint: " + source.string());
  // Online and infinite data have no training set to compare.
  if (ex.warm_start_check_data && ex.training_set == TrainingSet::Finite) check_same_data(ex, run_dir, train);
  try {
    if (fs::is_directory(source) && fs::exists(source / "W_final.npy")) load_final_weights(ex, source, model);
    else load_checkpoint_weights(ex, source, model);
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {  // a damaged file, a shape the model refuses
    fail(ex, e.what());
  }
}

}  // namespace relulab::host
