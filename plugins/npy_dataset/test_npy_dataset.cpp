// Tests of the npy_dataset plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <relulab/math/linalg.hpp>  // ordinary least squares, the oracle here

#include <cstring>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

// A .npy file with the header dict `dict` (padded and ended as numpy.save does) and data `raw`.
std::string npy_with_dict(std::string dict, const std::string& raw) {
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict + raw;
}
// A .npy file as numpy.save writes it, for any descr and order; `raw` holds the element bytes.
std::string npy_bytes(const std::string& descr, bool fortran, const std::string& shape, const std::string& raw) {
  return npy_with_dict(
      "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }", raw);
}
template <class T>
std::string raw_of(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::unique_ptr<DataGenerator> dataset(const fs::path& dir, std::map<std::string, ParamValue> set, Index n = 3) {
  const auto& desc = descriptor(PluginKind::DataGenerator, "npy_dataset");
  BuildContext ctx;
  ctx.experiment_dir = dir;
  ctx.num_samples = n;
  return desc.make<DataGenerator>(defaults(desc.schema, set), ctx);
}

std::string error_of(const fs::path& dir, std::map<std::string, ParamValue> set, Index n = 3) {
  try {
    dataset(dir, std::move(set), n);
  } catch (const ParameterError& e) {
    return e.key() + ": " + e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("npy_dataset reads float64, float32, integer and Fortran-ordered arrays as the same X", "[data][npy]") {
  // X = [[1, 2], [3, 4], [5, 6]] in every encoding; y = [1, 0, -1].
  const fs::path dir = temp_dir("npy");
  write_text(dir / "f8.npy", npy_bytes("<f8", false, "(3, 2)", raw_of<double>({1, 2, 3, 4, 5, 6})));
  write_text(dir / "f4.npy", npy_bytes("<f4", false, "(3, 2)", raw_of<float>({1, 2, 3, 4, 5, 6})));
  write_text(dir / "i8.npy", npy_bytes("<i8", false, "(3, 2)", raw_of<std::int64_t>({1, 2, 3, 4, 5, 6})));
  write_text(dir / "u1.npy", npy_bytes("|u1", false, "(3, 2)", raw_of<std::uint8_t>({1, 2, 3, 4, 5, 6})));
  write_text(dir / "fortran.npy", npy_bytes("<f8", true, "(3, 2)", raw_of<double>({1, 3, 5, 2, 4, 6})));
  write_text(dir / "y.npy", npy_bytes("<i4", false, "(3,)", raw_of<std::int32_t>({1, 0, -1})));
  write_text(dir / "y_column.npy", npy_bytes("<f8", false, "(3, 1)", raw_of<double>({1, 0, -1})));
  RowMatrix expected(3, 2);
  expected << 1, 2, 3, 4, 5, 6;
  for (const char* x : {"f8.npy", "f4.npy", "i8.npy", "u1.npy", "fortran.npy"})
    for (const char* y : {"y.npy", "y_column.npy"}) {
      INFO(x << ", " << y);
      auto data = dataset(dir, {{"X", std::string(x)}, {"y", std::string(y)}});
      Rng rng(1);
      const Dataset d = data->sample(3, rng);  // n = the file's rows: every row, in file order
      CHECK(d.X == expected);  // small integers: exact in every dtype
      CHECK(d.y == Vector((Vector(3) << 1, 0, -1).finished()));
      CHECK(teacher_of(*data) == nullptr);
      CHECK(data->test_set() == nullptr);
    }
  fs::remove_all(dir);
}

TEST_CASE("npy_dataset reads CSV columns by name, subsamples with the data stream, standardizes", "[data][npy]") {
  const fs::path dir = temp_dir("csv");
  std::string csv = "a, b ,label,c\n";
  for (int k = 0; k < 10; ++k)
    csv += std::to_string(k) + "," + std::to_string(2 * k) + "," + std::to_string(k % 2) + ",7\n";
  write_text(dir / "data.csv", csv);
  auto data = dataset(dir,
                      {{"csv", std::string("data.csv")},
                       {"label", std::string("label")},
                       {"features", std::vector<std::string>{"b", "a"}}},
                      4);
  CHECK(data->dim() == 2);
  Rng r1(5), r2(5);
  const Dataset four = data->sample(4, r1), six = data->sample(6, r2);
  for (Index k = 0; k < 4; ++k) {
    const double a = four.X(k, 1);  // the row's index in the file
    CHECK(four.X(k, 0) == 2 * a);  // column b, then a, as asked
    CHECK(four.y[k] == std::fmod(a, 2.0));
    CHECK(six.X.row(k) == four.X.row(k));  // a larger n extends a smaller one
  }
  CHECK((six.X.col(1).array() != six.X(0, 1)).count() == 5);  // without replacement: six distinct rows
  // Standardized: each column has mean 0 and variance 1 over the file; the constant column c stays 0.
  auto standard =
      dataset(dir, {{"csv", std::string("data.csv")}, {"label", std::string("label")}, {"standardize", true}}, 10);
  Rng r3(1);
  const Dataset all = standard->sample(10, r3);
  REQUIRE(all.X.cols() == 3);
  // Sums of ten values of size 1: a few eps.
  CHECK(all.X.colwise().mean().cwiseAbs().maxCoeff() < 1e-15);
  CHECK(std::abs(all.X.col(0).squaredNorm() / 10 - 1.0) < 1e-14);
  CHECK(all.X.col(2).cwiseAbs().maxCoeff() == 0.0);
  fs::remove_all(dir);
}

TEST_CASE("npy_dataset: bad files are refused at their key, naming the file", "[data][npy]") {
  const fs::path dir = temp_dir("npybad");
  write_text(dir / "X.npy", npy_bytes("<f8", false, "(3, 2)", raw_of<double>({1, 2, 3, 4, 5, 6})));
  write_text(dir / "y.npy", npy_bytes("<f8", false, "(3,)", raw_of<double>({1, 2, 3})));
  write_text(dir / "flat.npy", npy_bytes("<f8", false, "(6,)", raw_of<double>({1, 2, 3, 4, 5, 6})));
  write_text(dir / "y2.npy", npy_bytes("<f8", false, "(3, 2)", raw_of<double>({1, 2, 3, 4, 5, 6})));
  write_text(dir / "y4.npy", npy_bytes("<f8", false, "(4,)", raw_of<double>({1, 2, 3, 4})));
  const double nan = std::nan("");
  write_text(dir / "Xnan.npy", npy_bytes("<f8", false, "(3, 2)", raw_of<double>({1, 2, nan, 4, 5, 1.0 / 0.0})));
  write_text(dir / "big.npy", npy_bytes(">f8", false, "(3, 2)", raw_of<double>({1, 2, 3, 4, 5, 6})));
  write_text(dir / "complex.npy", npy_bytes("<c16", false, "(3, 1)", std::string(48, '\0')));
  write_text(dir / "empty.npy", "");
  write_text(dir / "empty.csv", "");
  auto with = [&](const std::string& x, const std::string& y) { return error_of(dir, {{"X", x}, {"y", y}}); };
  const std::string d = dir.string() + "/";
  CHECK_THAT(with("nowhere.npy", "y.npy"), Contains("X: " + d + "nowhere.npy: no such file"));
  CHECK_THAT(with("flat.npy", "y.npy"), Contains("X: " + d + "flat.npy: X must be a 2-D array") && Contains("(6,)"));
  CHECK_THAT(with("X.npy", "y2.npy"), Contains("y: " + d + "y2.npy: y must be 1-D") && Contains("2 columns"));
  CHECK_THAT(with("X.npy", "y4.npy"), Contains("X has 3 rows but y has 4 values"));
  CHECK_THAT(with("Xnan.npy", "y.npy"),
             Contains("X: " + d + "Xnan.npy: 2 rows hold NaN or Inf, the first is row 1"));
  CHECK_THAT(with("big.npy", "y.npy"), Contains("big.npy: dtype '>f8' is not supported: big-endian byte order"));
  CHECK_THAT(with("complex.npy", "y.npy"), Contains("complex.npy: dtype '<c16' is not supported"));
  CHECK_THAT(with("empty.npy", "y.npy"), Contains("X: " + d + "empty.npy: the file is empty"));
  CHECK_THAT(error_of(dir, {{"csv", std::string("empty.csv")}}),
             Contains("csv: " + d + "empty.csv: the file is empty"));
  CHECK_THAT(error_of(dir, {{"X", std::string("X.npy")}}), Contains("y: give both X and y"));
  CHECK_THAT(error_of(dir, {}), Contains("give either X and y (.npy files) or csv"));
  CHECK_THAT(error_of(dir, {{"X", std::string("X.npy")}, {"y", std::string("y.npy")}}, 5),
             Contains("n: data.n = 5 but ") && Contains("holds only 3 rows"));
  fs::remove_all(dir);
}

TEST_CASE("npy_dataset end to end: OLS on the data, test loss from the test files or none", "[data][npy][run]") {
  const fs::path dir = temp_dir("npyrun");
  // y = x_1 - x_2 + noise, from the test's own stream; written with relulab's .npy encoder.
  Rng rng(12);
  auto make = [&](Index n, const std::string& stem) {
    Dataset d{RowMatrix(n, 3), Vector(n)};
    for (Index k = 0; k < n; ++k) {
      for (Index i = 0; i < 3; ++i) d.X(k, i) = rng.normal();
      d.y[k] = d.X(k, 0) - d.X(k, 1) + 0.1 * rng.normal();
    }
    write_text(dir / ("X" + stem + ".npy"), io::npy::encode(d.X.data(), {std::size_t(n), 3}));
    write_text(dir / ("y" + stem + ".npy"), io::npy::encode(d.y.data(), {std::size_t(n)}));
    return d;
  };
  const Dataset train = make(150, ""), test = make(80, "_test");
  const std::string data = "[data]\nplugin = \"npy_dataset\"\nn = 150\nX = \"" + (dir / "X.npy").string() +
                           "\"\ny = \"" + (dir / "y.npy").string() + "\"\n";
  const std::string rest =
      "[model]\nplugin = \"two_layer\"\nwidth = 10\n[optimizer]\nplugin = \"sgd\"\niterations = 50\n"
      "[[metrics]]\nplugin = \"losses\"\n";
  const std::string with_test =
      data + "X_test = \"" + (dir / "X_test.npy").string() + "\"\ny_test = \"" + (dir / "y_test.npy").string() + "\"\n";
  const auto result = run_into(experiment_from_text(with_test + rest), dir / "with");
  REQUIRE(result.outcome == host::Outcome::Completed);
  // OLS on the file's rows, and its test loss on the test files (same arithmetic: exact).
  const Vector beta = math::ordinary_least_squares(train.X, train.y);
  CHECK(result.final_values[2] == math::mean_squared_residual(train.X, train.y, beta));
  CHECK(result.final_values[3] == math::mean_squared_residual(test.X, test.y, beta));
  CHECK(std::isfinite(result.final_values[1]));
  CHECK_THAT(result.report, Contains("test loss: the data set's test files (80 rows)"));
  // Without test files the test columns are NaN and the report says none.
  const auto none = run_into(experiment_from_text(data + rest), dir / "none");
  REQUIRE(none.outcome == host::Outcome::Completed);
  CHECK(std::isnan(none.final_values[1]));
  CHECK(std::isnan(none.final_values[3]));
  CHECK_THAT(none.report, Contains("test loss: none (the data set has no test files"));
  // What needs the population law refuses before training.
  CHECK_THROWS_WITH(experiment_from_text(data + rest + "[[metrics]]\nplugin = \"drift_concentration\"\n"),
                    Contains("[metrics[1]] plugin: drift_concentration needs the population drift") &&
                        Contains("which the data plugin does not offer"));
  CHECK_THROWS_WITH(experiment_from_text(data + rest + "test = \"exact\"\n"),
                    Contains("[metrics[0]] test: test = \"exact\" needs the exact test loss in closed form"));
  fs::remove_all(dir);
}

TEST_CASE("npy headers are read strictly: overflowing shapes, fortran_order, duplicate keys, an unclosed dict",
          "[data][npy]") {
  const fs::path dir = temp_dir("npyheader");
  write_text(dir / "y.npy", npy_bytes("<f8", false, "(3,)", raw_of<double>({1, 2, 3})));
  const std::string six = raw_of<double>({1, 2, 3, 4, 5, 6});
  // Each header, and what the error must say after "X: <dir>/X.npy: not a readable .npy array: ".
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (50, 9223372036854775811), }",  // (50, 2^63 + 3)
       "header key 'shape': the dimensions' product does not fit in 64 bits"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",  // (2^32, 2^32)
       "header key 'shape': the dimensions' product does not fit in 64 bits"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (50, 2305843009213693955), }",  // (50, 2^61 + 3)
       "header key 'shape': the dimensions' product does not fit in 64 bits"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2305843009213693952), }",  // 8 (3 2^61) bytes overflow
       "header key 'shape': the data's size in bytes does not fit in 64 bits"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (123456789012345678901234567, 2), }",
       "header key 'shape': the dimension 123456789012345678901234567 does not fit in 64 bits"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775883, 2), }",  // (2^63 + 75, 2)
       "header key 'shape': the dimensions' product does not fit in 64 bits"},
      {"{'descr': '<f8', 'fortran_order': 1, 'shape': (3, 2), }", "header key 'fortran_order': must be True or False"},
      {"{'descr': '<f8', 'fortran_order': maybe, 'shape': (3, 2), }",
       "header key 'fortran_order': must be True or False"},
      {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", "header key 'descr': given twice"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), ", "the dict is not closed by '}'"},
      {"{'descr': '<f8', 'shape': (3, 2), }", "header key 'fortran_order': missing"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), 'extra': 1, }", "header key 'extra': unknown key"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, -2), }",
       "header key 'shape': a dimension must be a non-negative integer"},
  };
  for (const auto& [dict, message] : cases) {
    INFO(dict);
    write_text(dir / "X.npy", npy_with_dict(dict, six));
    CHECK_THAT(error_of(dir, {{"X", std::string("X.npy")}, {"y", std::string("y.npy")}}),
               Contains("X: " + dir.string() + "/X.npy: not a readable .npy array: " + message));
  }
  // The well-formed header of the same data still reads, in either quote style and key order.
  write_text(dir / "X.npy", npy_with_dict("{\"shape\": (3, 2), 'fortran_order': False, 'descr': '<f8'}", six));
  CHECK(error_of(dir, {{"X", std::string("X.npy")}, {"y", std::string("y.npy")}}).empty());
  fs::remove_all(dir);
}

TEST_CASE("npy_dataset: a directory or a device as a data file is named as such, not as a missing file",
          "[data][npy]") {
  const fs::path dir = temp_dir("npynotfile");
  fs::create_directories(dir / "X.npy");
  write_text(dir / "y.npy", npy_bytes("<f8", false, "(3,)", raw_of<double>({1, 2, 3})));
  CHECK_THAT(error_of(dir, {{"X", std::string("X.npy")}, {"y", std::string("y.npy")}}),
             Contains("X: " + dir.string() + "/X.npy: not a regular file"));
  CHECK_THAT(error_of(dir, {{"X", std::string("/dev/zero")}, {"y", std::string("y.npy")}}),
             Contains("/dev/zero: not a regular file"));
  fs::remove_all(dir);
}

TEST_CASE("npy_dataset: CSV features that include the label are used, with a warning", "[data][npy][cli]") {
  const fs::path dir = temp_dir("npylabel");
  write_text(dir / "d.csv", "x1,x2,y\n1,2,3\n4,5,6\n7,8,9\n");
  write_text(dir / "e.toml", replaced(small_experiment(100), "[data]\nplugin = \"linear_teacher\"\nn = 200\nd = 5\nnoise_std = 0.3\n",
                                      "[data]\nplugin = \"npy_dataset\"\ncsv = \"d.csv\"\nfeatures = [\"x1\", \"y\"]\nn = 3\n"));
  const auto r = run_command(relulab_exe() + " validate " + (dir / "e.toml").string());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("warning") && Contains("features include the label column 'y'"));
  fs::remove_all(dir);
}

TEST_CASE("npy_dataset: a run reads its .npy files once, though its plugins are built twice", "[data][npy][cli]") {
  // `relulab run` builds the plugins to validate and again to run: the files
  // are shared between the two builds, not read twice (strace counts the opens).
  if (std::system("command -v strace > /dev/null 2>&1") != 0) FAIL("strace is missing: scripts/install-deps.sh installs it");
  const fs::path dir = temp_dir("npyonce");
  std::vector<double> x(200 * 5), y(200);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<double>(i));
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::cos(static_cast<double>(i));
  write_text(dir / "X.npy", npy_bytes("<f8", false, "(200, 5)", raw_of<double>(x)));
  write_text(dir / "y.npy", npy_bytes("<f8", false, "(200,)", raw_of<double>(y)));
  write_text(dir / "e.toml", replaced(small_experiment(100),
                                      "[data]\nplugin = \"linear_teacher\"\nn = 200\nd = 5\nnoise_std = 0.3\n",
                                      "[data]\nplugin = \"npy_dataset\"\nX = \"X.npy\"\ny = \"y.npy\"\nn = 200\n"));
  const auto r = run_command("strace -f -e trace=openat -o " + (dir / "trace").string() + " " + relulab_exe() +
                             " run " + (dir / "e.toml").string() + " --quiet --out " + (dir / "run").string());
  REQUIRE(r.exit_code == 0);
  const std::string trace = slurp(dir / "trace");
  std::size_t opens = 0;
  for (auto at = trace.find("/X.npy\", O_RDONLY"); at != std::string::npos; at = trace.find("/X.npy\", O_RDONLY", at + 1))
    ++opens;
  CHECK(opens == 1);
  fs::remove_all(dir);
}

TEST_CASE("npy_dataset: a valid file larger than ulimit -v allows is refused with the memory it needs",
          "[data][npy][cli]") {
  // A 40 GB X.npy, sparse on disk: a true header, then 5 * 10^9 float64 zeros the
  // file system does not store. Under `ulimit -v` of 2 GB the data cannot be held;
  // the message says so (it once said "the file holds 268435440 values").
#if defined(__SANITIZE_ADDRESS__) || defined(__has_feature) && __has_feature(address_sanitizer)  // GCC, clang
  // AddressSanitizer reserves terabytes of address space for its shadow: an
  // instrumented relulab cannot start under `ulimit -v` at all.
  WARN("not checked under AddressSanitizer");
  return;
#endif
  const fs::path dir = temp_dir("npyulimit");
  const std::string header = npy_bytes("<f8", false, "(1000000000, 5)", "");
  {
    std::ofstream out(dir / "X.npy", std::ios::binary);
    out << header;
  }
  fs::resize_file(dir / "X.npy", header.size() + std::uintmax_t{40'000'000'000});
  write_text(dir / "y.npy", npy_bytes("<f8", false, "(3,)", raw_of<double>({1, 2, 3})));
  write_text(dir / "e.toml", replaced(small_experiment(100),
                                      "[data]\nplugin = \"linear_teacher\"\nn = 200\nd = 5\nnoise_std = 0.3\n",
                                      "[data]\nplugin = \"npy_dataset\"\nX = \"X.npy\"\ny = \"y.npy\"\nn = 3\n"));
  const auto r = run_command("bash -c 'ulimit -v 2000000 && exec " + relulab_exe() + " validate " +
                             (dir / "e.toml").string() + "'");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Contains("X.npy: X needs 40 GB as float64, more than the") && Contains("ulimit -v"));
  fs::remove_all(dir);
}
