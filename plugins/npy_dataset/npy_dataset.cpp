// A data set of your own: X (n x d) and y from .npy files (float64, float32,
// integer or bool; C or Fortran order), or from a CSV file with named
// columns; optional test files; the training rows subsampled to data.n with
// the data seed; optional standardisation. It has no teacher: metrics that
// need the population law (exact Gaussian risk, the drift) refuse, and the
// test loss comes from the test files (or is reported as none).
#include <relulab/relulab.hpp>

#include "table_file.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>

namespace {

using namespace relulab;
namespace fs = std::filesystem;

class NpyDataset final : public DataGenerator {
 public:
  NpyDataset(const Params& p, const BuildContext& ctx) {
    train_ = cached_load(p, ctx.experiment_dir, "");
    if (p.has("X_test") || p.has("y_test") || p.has("csv_test")) test_ = cached_load(p, ctx.experiment_dir, "_test");
    if (test_ && test_->X.cols() != train_->X.cols())
      throw ParameterError(p.has("csv_test") ? "csv_test" : "X_test",
                           "the test set has " + std::to_string(test_->X.cols()) + " input columns, the training set " +
                               std::to_string(train_->X.cols()));
    if (ctx.num_samples > train_->size())
      throw ParameterError("n", "data.n = " + std::to_string(ctx.num_samples) + " but " + source_ + " holds only " +
                                    std::to_string(train_->size()) + " rows");
    if (p.flag("standardize")) standardize();
  }

  Index dim() const override { return train_->X.cols(); }

  // All rows in file order when n is the file's length; otherwise n rows
  // without replacement, the first n of a permutation drawn from the data
  // stream (so a larger n extends a smaller one).
  Dataset sample(Index n, Rng& rng) const override {
    const Dataset& train = *train_;
    if (n > train.size())
      throw std::invalid_argument(source_ + " holds " + std::to_string(train.size()) + " rows, " + std::to_string(n) +
                                  " were asked for");
    if (n == train.size()) return train;
    std::vector<Index> order(static_cast<std::size_t>(train.size()));
    std::iota(order.begin(), order.end(), Index(0));
    Dataset d{RowMatrix(n, dim()), Vector(n)};
    for (Index k = 0; k < n; ++k) {
      const auto pick = k + static_cast<Index>(rng.below(static_cast<std::uint64_t>(train.size() - k)));
      std::swap(order[static_cast<std::size_t>(k)], order[static_cast<std::size_t>(pick)]);
      d.X.row(k) = train.X.row(order[static_cast<std::size_t>(k)]);
      d.y[k] = train.y[order[static_cast<std::size_t>(k)]];
    }
    return d;
  }

  const Dataset* test_set() const override { return test_.get(); }

 private:
  // The training set (suffix "") or the test set ("_test"), from X/y or csv.
  Dataset load(const Params& p, const fs::path& dir, const std::string& suffix) {
    const std::string x = "X" + suffix, y = "y" + suffix, csv = "csv" + suffix;
    const bool arrays = p.has(x) || p.has(y);
    if (arrays == p.has(csv))
      throw ParameterError(arrays ? csv : x, "give either " + x + " and " + y + " (.npy files) or " + csv +
                                                 " (a CSV file), not both and not neither");
    auto path = [&](const std::string& key) { return file_of(p, dir, key); };
    Dataset d;
    std::string key = csv, what;
    try {
      if (arrays) {
        if (!p.has(x) || !p.has(y)) throw ParameterError(p.has(x) ? y : x, "give both " + x + " and " + y);
        key = x;
        d.X = npy_dataset::read_matrix(path(x));
        npy_dataset::check_finite(d.X, path(x).string());  // at X's key, before y is read
        key = y;
        d.y = npy_dataset::read_labels(path(y));
        what = path(x).string() + " and " + path(y).string();
      } else {
        d = npy_dataset::split_columns(npy_dataset::read_csv(path(csv)), path(csv), p.text("label"),
                                       p.texts("features"));
        what = path(csv).string();
      }
      npy_dataset::check_dataset(d, what);
    } catch (const std::runtime_error& e) {
      if (dynamic_cast<const ParameterError*>(&e)) throw;
      throw ParameterError(key, e.what());
    }
    if (suffix.empty()) source_ = what;
    return d;
  }

  // Each input column centred and scaled to unit variance with the training
  // file's statistics; the test set gets the same transform.
  // (New arrays: the loaded ones are shared with other builds of this process.)
  void standardize() {
    const Dataset& train = *train_;
    const Eigen::RowVectorXd mean = train.X.colwise().mean();
    Eigen::RowVectorXd sd = ((train.X.rowwise() - mean).colwise().squaredNorm() / double(train.size())).cwiseSqrt();
    for (Index i = 0; i < sd.size(); ++i)
      if (sd[i] == 0.0) sd[i] = 1.0;  // a constant column is only centred
    auto scaled = [&](const Dataset& d) {
      return std::make_shared<const Dataset>(
          Dataset{(d.X.rowwise() - mean).array().rowwise() / sd.array(), d.y});
    };
    train_ = scaled(train);
    if (test_) test_ = scaled(*test_);
  }

  // A file key's path, relative to the experiment file's folder unless absolute.
  static fs::path file_of(const Params& p, const fs::path& dir, const std::string& key) {
    const fs::path f = p.text(key);
    return f.is_absolute() ? f : dir / f;
  }

  // The CLI builds a run's plugins twice (to validate, then to run) and a sweep
  // builds each cell: the last files loaded are kept, shared and unchanged, so
  // that a file is read once while its size and time stay the same.
  std::shared_ptr<const Dataset> cached_load(const Params& p, const fs::path& dir, const std::string& suffix) {
    const std::string key = cache_key(p, dir, suffix);
    static std::mutex mutex;
    static std::map<std::string, std::pair<std::shared_ptr<const Dataset>, std::string>> cache;  // key: data, source
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(key); !key.empty() && it != cache.end()) {
      if (suffix.empty()) source_ = it->second.second;
      return it->second.first;
    }
    auto data = std::make_shared<const Dataset>(load(p, dir, suffix));
    if (cache.size() >= 2) cache.clear();  // a training and a test set: memory holds no older files
    if (!key.empty()) cache[key] = {data, suffix.empty() ? source_ : std::string()};
    return data;
  }

  // The files' paths, sizes and modification times, and the keys that choose
  // columns: "" when a file cannot be examined (no caching, load() reports it).
  static std::string cache_key(const Params& p, const fs::path& dir, const std::string& suffix) {
    std::string key = suffix;
    for (const std::string name : {"X", "y", "csv"}) {
      if (!p.has(name + suffix)) continue;
      const fs::path f = file_of(p, dir, name + suffix);
      std::error_code ec;
      const auto size = fs::file_size(f, ec);
      const auto time = fs::last_write_time(f, ec);
      if (ec) return "";
      key += "|" + f.string() + "|" + std::to_string(size) + "|" +
             std::to_string(time.time_since_epoch().count());
    }
    key += "|" + p.text("label");
    for (const auto& f : p.texts("features")) key += "|" + f;
    return key;
  }

  std::shared_ptr<const Dataset> train_;
  std::shared_ptr<const Dataset> test_;
  std::string source_;
};

PluginDescriptor describe() {
  Schema s;
  s.text("X", "training inputs: a .npy file, n x d (relative to the experiment file)").optional();
  s.text("y", "training labels: a .npy file of length n").optional();
  s.text("csv", "training set as a CSV file with a header of column names (instead of X and y)").optional();
  s.text("label", "CSV: the column holding y").def("y");
  s.texts("features", "CSV: the columns of X, in order (default: every column but the label)")
      .def(ParamValue(std::vector<std::string>{}));
  s.text("X_test", "test inputs (.npy); without a test set the test loss is reported as none").optional();
  s.text("y_test", "test labels (.npy)").optional();
  s.text("csv_test", "test set as a CSV file with the training file's columns").optional();
  s.flag("standardize", "centre and scale each input to unit variance (statistics of the training file)").def(false);
  return make_plugin<NpyDataset>("npy_dataset", "1.0.0",
                                 "your own data: X and y from .npy or CSV files, optional test files", s);
}

}  // namespace

RELULAB_PLUGIN(describe)
