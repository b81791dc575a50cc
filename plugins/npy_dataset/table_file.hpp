// Reading a data set's arrays: .npy files (numpy.save's numeric dtypes, C or
// Fortran order) and CSV files with a header of column names. Every error is
// a std::runtime_error whose message starts with the file's path.
#pragma once

#include <relulab/dataset.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace relulab::npy_dataset {

// X from a .npy file: a 2-D array, n x d.
RowMatrix read_matrix(const std::filesystem::path& file);
// y from a .npy file: 1-D, or 2-D with one column.
Vector read_labels(const std::filesystem::path& file);

// A CSV file: its header's column names and its rows.
struct CsvTable {
  std::vector<std::string> names;
  RowMatrix values;  // rows x names.size()
};
CsvTable read_csv(const std::filesystem::path& file);

// X and y from a CSV table: `label` is y; `features` the columns of X (empty: every other column).
Dataset split_columns(const CsvTable& table, const std::filesystem::path& file, const std::string& label,
                      const std::vector<std::string>& features);

// Throws when a row of X holds NaN or Inf (with the count and the first row).
void check_finite(const RowMatrix& X, const std::string& what);
// Throws when X and y disagree in rows, are empty, or hold NaN or Inf (with the count and the first row).
void check_dataset(const Dataset& data, const std::string& what);

}  // namespace relulab::npy_dataset
