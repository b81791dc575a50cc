#include "table_file.hpp"

#include <relulab/io/npy.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
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
  if (!fs::exists(file, ec)) fail(file, "no such file");
  if (!fs::is_regular_file(file, ec)) fail(file, "not a regular file (a directory, a FIFO or a device)");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in && !in.eof()) fail(file, "cannot be read");
  std::string bytes = out.str();
  if (bytes.empty()) fail(file, "the file is empty");
  return bytes;
}

// Bytes of memory this process may still take: the machine's available
// memory (/proc/meminfo) and the address-space limit (ulimit -v), whichever is
// smaller; 0 when neither can be read (no check then).
std::uintmax_t memory_available() {
  std::uintmax_t available = 0;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    std::uintmax_t kib = 0;
    meminfo >> kib;
    if (key == "MemAvailable:") available = kib * 1024;
    meminfo.ignore(64, '\n');
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      (available == 0 || limit.rlim_cur < available))
    available = limit.rlim_cur;
  return available;
}

std::string gigabytes(std::uintmax_t bytes) {
  std::ostringstream out;
  out.precision(3);
  out << static_cast<double>(bytes) / 1e9 << " GB";
  return out.str();
}

// A .npy file mapped read-only: the header is parsed from its first bytes and
// checked against the file's size before any data is touched; the data is
// then read once, converted straight into the caller's matrix.
class MappedNpy {
 public:
  explicit MappedNpy(const fs::path& file) : file_(file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) fail(file, "no such file");
    if (!fs::is_regular_file(file, ec)) fail(file, "not a regular file (a directory, a FIFO or a device)");
    fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) fail(file, std::string("cannot be read: ") + std::strerror(errno));
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ == 0) fail(file, "the file is empty");
    std::string prefix(std::min<std::size_t>(size_, 12), '\0');
    read_at(prefix, 0);
    const std::size_t needed = io::npy::header_bytes_needed(prefix);
    if (needed > size_ || needed > (std::size_t{1} << 24)) fail(file, "not a readable .npy array: truncated header");
    std::string head(needed == 0 ? prefix.size() : needed, '\0');
    read_at(head, 0);
    header_ = io::npy::read_header(head);
    const std::size_t held = size_ - header_.data_offset;
    if (held != header_.data_bytes)
      fail(file, "not a readable .npy array: the header's shape needs " + std::to_string(header_.count) +
                     " values, the file holds " + std::to_string(held / header_.element_size));
  }
  MappedNpy(const MappedNpy&) = delete;
  MappedNpy& operator=(const MappedNpy&) = delete;
  ~MappedNpy() {
    if (map_ != MAP_FAILED) ::munmap(map_, size_);
    if (fd_ >= 0) ::close(fd_);
  }

  const io::npy::Header& header() const { return header_; }

  // Converts the data into `out` (header().count doubles, C order), after
  // checking that the result fits in memory.
  void convert_into(double* out) {
    map_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (map_ == MAP_FAILED)
      fail(file_, "cannot be mapped into memory (" + std::string(std::strerror(errno)) + ", " + gigabytes(size_) +
                      "; under `ulimit -v` the limit must hold the file and its values as float64)");
    ::madvise(map_, size_, MADV_SEQUENTIAL);
    const char* data = static_cast<const char*>(map_) + header_.data_offset;
    if (header_.fortran_order && header_.shape.size() >= 2) return io::npy::convert(header_, data, out);
    // C order: in blocks, each released from this process's memory once converted, so
    // that the peak is the result alone, not the result and the whole mapped file.
    const std::size_t block = (std::size_t{64} << 20) / header_.element_size;  // values in 64 MiB
    const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    for (std::size_t first = 0; first < header_.count; first += block) {
      const std::size_t end = std::min(header_.count, first + block);
      if (header_.plain_double) std::memcpy(out + first, data + first * 8, (end - first) * 8);
      else
        for (std::size_t i = first; i < end; ++i) out[i] = header_.read(data + i * header_.element_size);
      const auto from = reinterpret_cast<std::uintptr_t>(data + first * header_.element_size) / page * page;
      const auto to = reinterpret_cast<std::uintptr_t>(data + end * header_.element_size) / page * page;
      if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
    }
  }

  // Refuses, before any allocation, a result larger than the memory left.
  void check_memory(const std::string& what) const {
    std::size_t bytes = 0;
    const std::uintmax_t available = memory_available();
    if (__builtin_mul_overflow(header_.count, sizeof(double), &bytes) || (available > 0 && bytes > available))
      fail(file_, what + " needs " + gigabytes(bytes) + " as float64, more than the " + gigabytes(available) +
                      " of memory this process may still take (available memory, or ulimit -v)");
  }

 private:
  void read_at(std::string& into, off_t offset) const {
    if (::pread(fd_, into.data(), into.size(), offset) != static_cast<ssize_t>(into.size()))
      fail(file_, "cannot be read");
  }

  fs::path file_;
  int fd_ = -1;
  std::size_t size_ = 0;
  void* map_ = MAP_FAILED;
  io::npy::Header header_;
};

// Runs a reader, giving its errors the file's path.
template <class F>
auto with_file(const fs::path& file, F&& read) {
  try {
    return read();
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
  return with_file(file, [&] {
    MappedNpy npy(file);
    const auto& shape = npy.header().shape;
    if (shape.size() != 2)
      fail(file, "X must be a 2-D array (n samples x d inputs), this one has shape " + shape_text(shape) +
                     (shape.size() == 1 ? "; for d = 1 save X.reshape(-1, 1)" : ""));
    if (shape[0] == 0 || shape[1] == 0) fail(file, "X has shape " + shape_text(shape) + ": no data");
    if (shape[0] > static_cast<std::size_t>(PTRDIFF_MAX / 8) || shape[1] > static_cast<std::size_t>(PTRDIFF_MAX / 8))
      fail(file, "X has shape " + shape_text(shape) + ": too large to index");
    npy.check_memory("X");
    RowMatrix X(static_cast<Index>(shape[0]), static_cast<Index>(shape[1]));
    npy.convert_into(X.data());
    return X;
  });
}

Vector read_labels(const fs::path& file) {
  return with_file(file, [&] {
    MappedNpy npy(file);
    const auto& shape = npy.header().shape;
    const bool column = shape.size() == 2 && shape[1] == 1;
    if (shape.size() != 1 && !column)
      fail(file, "y must be 1-D (or one column), this one has shape " + shape_text(shape) +
                     (shape.size() == 2 ? ": " + std::to_string(shape[1]) + " columns" : ""));
    if (npy.header().count == 0) fail(file, "y is empty");
    if (shape[0] > static_cast<std::size_t>(PTRDIFF_MAX / 8)) fail(file, "y is too large to index");
    npy.check_memory("y");
    Vector y(static_cast<Index>(npy.header().count));
    npy.convert_into(y.data());
    return y;
  });
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
    // Allowed (a deliberate leak, say, to check a pipeline) but almost always a slip: said on stderr.
    if (std::find(features.begin(), features.end(), label) != features.end())
      std::cerr << "relulab: warning: " << file.string() << ": features include the label column '" << label
                << "': the network is given its own target as an input\n";
  }
  if (x_columns.empty()) fail(file, "no input columns besides the label '" + label + "'");
  Dataset d{RowMatrix(t.values.rows(), static_cast<Index>(x_columns.size())), t.values.col(y_column)};
  for (std::size_t i = 0; i < x_columns.size(); ++i) d.X.col(static_cast<Index>(i)) = t.values.col(x_columns[i]);
  return d;
}

namespace {

// Throws when bad(k) holds for some row k: how many, and the first.
template <class Bad>
void refuse_bad_rows(Index rows, Bad bad, const std::string& what) {
  Index count = 0, first = -1;
  for (Index k = 0; k < rows; ++k)
    if (bad(k)) {
      if (first < 0) first = k;
      ++count;
    }
  if (count > 0)
    throw std::runtime_error(what + ": " + std::to_string(count) + " rows hold NaN or Inf, the first is row " +
                             std::to_string(first) + " (counting from 0)");
}

}  // namespace

void check_finite(const RowMatrix& X, const std::string& what) {
  refuse_bad_rows(X.rows(), [&](Index k) { return !X.row(k).allFinite(); }, what);
}

void check_dataset(const Dataset& data, const std::string& what) {
  if (data.X.rows() != data.y.size())
    throw std::runtime_error(what + ": X has " + std::to_string(data.X.rows()) + " rows but y has " +
                             std::to_string(data.y.size()) + " values");
  refuse_bad_rows(
      data.X.rows(), [&](Index k) { return !data.X.row(k).allFinite() || !std::isfinite(data.y[k]); }, what);
}

}  // namespace relulab::npy_dataset
