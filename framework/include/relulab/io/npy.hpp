// The .npy format (version 1.0), float64 little-endian, C order: what
// numpy.load reads directly. Encoding and decoding only; the caller does I/O.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace relulab::io::npy {

inline std::string encode(const double* data, const std::vector<std::size_t>& shape) {
  static_assert(sizeof(double) == 8);
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
  std::size_t count = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) dict += ",";
    if (i + 1 < shape.size()) dict += " ";
    count *= shape[i];
  }
  dict += "), }";
  // magic (6) + version (2) + header length (2) + dict, padded with spaces and
  // ended by a newline so the data starts on a 64-byte boundary.
  std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  const auto header_len = static_cast<std::uint16_t>(dict.size());
  out += static_cast<char>(header_len & 0xff);
  out += static_cast<char>(header_len >> 8);
  out += dict;
  out.append(reinterpret_cast<const char*>(data), count * sizeof(double));
  return out;
}

struct Array {
  std::vector<std::size_t> shape;
  std::vector<double> data;
};

// Reads what encode() writes (and what numpy.save writes for C-ordered float64).
inline Array decode(const std::string& bytes) {
  auto fail = [](const std::string& why) { throw std::runtime_error("not a readable .npy array: " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail("missing the NUMPY magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    fail("unknown version " + std::to_string(major));
    return {};
  }
  if (bytes.size() < offset + header_len) fail("truncated header");
  const std::string header = bytes.substr(offset, header_len);
  if (header.find("'<f8'") == std::string::npos) fail("only float64 ('<f8') arrays are supported");
  if (header.find("'fortran_order': False") == std::string::npos) fail("only C-ordered arrays are supported");
  const auto open = header.find("'shape': (");
  if (open == std::string::npos) fail("no shape");
  const auto close = header.find(')', open);
  Array a;
  std::string dims = header.substr(open + 10, close - open - 10);
  std::size_t count = 1, pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    std::size_t end = pos;
    while (end < dims.size() && dims[end] >= '0' && dims[end] <= '9') ++end;
    if (end == pos) fail("bad shape '" + dims + "'");
    a.shape.push_back(std::stoull(dims.substr(pos, end - pos)));
    count *= a.shape.back();
    pos = end;
  }
  const std::size_t start = offset + header_len;
  if (bytes.size() != start + count * sizeof(double))
    fail("expected " + std::to_string(count) + " values, the file holds " +
         std::to_string((bytes.size() - start) / sizeof(double)));
  a.data.resize(count);
  std::memcpy(a.data.data(), bytes.data() + start, count * sizeof(double));
  return a;
}

}  // namespace relulab::io::npy
