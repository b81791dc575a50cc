#include "table_file.hpp"

#include <relulab/io/npy.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace relulab::npy_dataset {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& file, const std::string& why) {
  throw std::runtime_error(file.string() + ": " + why);
}

std::string contents(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) fail(file, "no such file");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in && !in.eof()) fail(file, "cannot be read");
  std::string bytes = out.str();
  if (bytes.empty()) fail(file, "the file is empty");
  return bytes;
}

io::npy::Array npy_array(const fs::path& file) {
  try {
    return io::npy::decode(contents(file));
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    if (what.rfind(file.string(), 0) == 0) throw;
    fail(file, what);
  }
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// Splits one CSV line on commas (no quoting: numeric tables), trimming spaces.
std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) {
    const auto b = f.find_first_not_of(" \t\r"), e = f.find_last_not_of(" \t\r");
    out.push_back(b == std::string::npos ? "" : f.substr(b, e - b + 1));
  }
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

}  // namespace

RowMatrix read_matrix(const fs::path& file) {
  const auto a = npy_array(file);
  if (a.shape.size() != 2)
    fail(file, "X must be a 2-D array (n samples x d inputs), this one has shape " + shape_text(a.shape) +
                   (a.shape.size() == 1 ? "; for d = 1 save X.reshape(-1, 1)" : ""));
  if (a.shape[0] == 0 || a.shape[1] == 0) fail(file, "X has shape " + shape_text(a.shape) + ": no data");
  RowMatrix X(static_cast<Index>(a.shape[0]), static_cast<Index>(a.shape[1]));
  std::copy(a.data.begin(), a.data.end(), X.data());
  return X;
}

Vector read_labels(const fs::path& file) {
  const auto a = npy_array(file);
  const bool column = a.shape.size() == 2 && a.shape[1] == 1;
  if (a.shape.size() != 1 && !column)
    fail(file, "y must be 1-D (or one column), this one has shape " + shape_text(a.shape) +
                   (a.shape.size() == 2 ? ": " + std::to_string(a.shape[1]) + " columns" : ""));
  if (a.data.empty()) fail(file, "y is empty");
  return Eigen::Map<const Vector>(a.data.data(), static_cast<Index>(a.data.size()));
}

CsvTable read_csv(const fs::path& file) {
  std::istringstream in(contents(file));
  std::string line;
  std::getline(in, line);
  CsvTable t;
  t.names = fields(line);
  if (t.names.empty() || std::any_of(t.names.begin(), t.names.end(), [](auto& n) { return n.empty(); }))
    fail(file, "line 1 must name every column (a header such as x1,x2,y)");
  std::vector<double> values;
  Index rows = 0;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto row = fields(line);
    if (row.size() != t.names.size())
      fail(file, "line " + std::to_string(number) + " has " + std::to_string(row.size()) + " fields, the header " +
                     std::to_string(t.names.size()));
    for (std::size_t c = 0; c < row.size(); ++c) {
      char* end = nullptr;
      const double v = std::strtod(row[c].c_str(), &end);
      if (row[c].empty() || *end != '\0')
        fail(file,
             "line " + std::to_string(number) + ", column '" + t.names[c] + "': '" + row[c] + "' is not a number");
      values.push_back(v);
    }
    ++rows;
  }
  if (rows == 0) fail(file, "no data rows below the header");
  t.values = Eigen::Map<const RowMatrix>(values.data(), rows, static_cast<Index>(t.names.size()));
  return t;
}

Dataset split_columns(const CsvTable& t, const fs::path& file, const std::string& label,
                      const std::vector<std::string>& features) {
  auto column = [&](const std::string& name) {
    const auto it = std::find(t.names.begin(), t.names.end(), name);
    if (it == t.names.end()) {
      std::string known;
      for (const auto& n : t.names) known += (known.empty() ? "" : ", ") + n;
      fail(file, "no column named '" + name + "' (columns: " + known + ")");
    }
    return static_cast<Index>(it - t.names.begin());
  };
  const Index y_column = column(label);
  std::vector<Index> x_columns;
  if (features.empty()) {
    for (Index c = 0; c < static_cast<Index>(t.names.size()); ++c)
      if (c != y_column) x_columns.push_back(c);
  } else {
    for (const auto& f : features) x_columns.push_back(column(f));
  }
  if (x_columns.empty()) fail(file, "no input columns besides the label '" + label + "'");
  Dataset d{RowMatrix(t.values.rows(), static_cast<Index>(x_columns.size())), t.values.col(y_column)};
  for (std::size_t i = 0; i < x_columns.size(); ++i) d.X.col(static_cast<Index>(i)) = t.values.col(x_columns[i]);
  return d;
}

void check_dataset(const Dataset& data, const std::string& what) {
  if (data.X.rows() != data.y.size())
    throw std::runtime_error(what + ": X has " + std::to_string(data.X.rows()) + " rows but y has " +
                             std::to_string(data.y.size()) + " values");
  Index bad = 0, first = -1;
  for (Index k = 0; k < data.X.rows(); ++k)
    if (!data.X.row(k).allFinite() || !std::isfinite(data.y[k])) {
      if (first < 0) first = k;
      ++bad;
    }
  if (bad > 0)
    throw std::runtime_error(what + ": " + std::to_string(bad) + " rows hold NaN or Inf, the first is row " +
                             std::to_string(first) + " (counting from 0)");
}

}  // namespace relulab::npy_dataset
