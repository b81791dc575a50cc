// The .npy format: encode() writes version 1.0, float64 little-endian, C order
// (what numpy.load reads directly); decode() reads what numpy.save writes for
// the numeric dtypes. Encoding and decoding only; the caller does I/O.
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
  std::vector<double> data;  // C order, whatever the file's order
};

namespace detail {

// The value of `key` in the header dict ('descr': '<f8', 'fortran_order': False, ...), as written.
inline std::string header_field(const std::string& header, const std::string& key) {
  const auto at = header.find("'" + key + "':");
  if (at == std::string::npos) return "";
  auto pos = header.find_first_not_of(' ', at + key.size() + 3);
  if (pos == std::string::npos) return "";
  if (header[pos] == '\'') return header.substr(pos + 1, header.find('\'', pos + 1) - pos - 1);
  if (header[pos] == '(') return header.substr(pos + 1, header.find(')', pos) - pos - 1);
  return header.substr(pos, header.find_first_of(",}", pos) - pos);
}

template <class T>
double element(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}

// A reader for one little-endian (or byte-sized) dtype, and its size.
using Reader = double (*)(const char*);
inline std::size_t reader_for(const std::string& descr, Reader& read) {
  static const struct {
    const char* code;
    std::size_t size;
    Reader read;
  } kinds[] = {{"f8", 8, element<double>},        {"f4", 4, element<float>},         {"i1", 1, element<std::int8_t>},
               {"i2", 2, element<std::int16_t>},  {"i4", 4, element<std::int32_t>},  {"i8", 8, element<std::int64_t>},
               {"u1", 1, element<std::uint8_t>},  {"u2", 2, element<std::uint16_t>}, {"u4", 4, element<std::uint32_t>},
               {"u8", 8, element<std::uint64_t>}, {"b1", 1, element<std::uint8_t>}};
  const auto fail = [&](const std::string& why) -> std::size_t {
    throw std::runtime_error("dtype '" + descr + "' is not supported: " + why +
                             "; supported: float64, float32, (unsigned) integers and bool, little-endian");
  };
  if (descr.size() != 3) return fail("not a plain numeric dtype");
  if (descr[0] == '>') return fail("big-endian byte order");
  if (descr[0] != '<' && descr[0] != '|' && descr[0] != '=') return fail("unknown byte order");
  for (const auto& k : kinds)
    if (descr.compare(1, 2, k.code) == 0) {
      if (k.size > 1 && descr[0] == '|') return fail("no byte order given");
      read = k.read;
      return k.size;
    }
  return fail("not float, integer or bool");
}

inline std::vector<std::size_t> parse_shape(const std::string& dims) {
  std::vector<std::size_t> shape;
  std::size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    std::size_t end = pos;
    while (end < dims.size() && dims[end] >= '0' && dims[end] <= '9') ++end;
    if (end == pos) throw std::runtime_error("not a readable .npy array: bad shape '" + dims + "'");
    shape.push_back(std::stoull(dims.substr(pos, end - pos)));
    pos = end;
  }
  return shape;
}

}  // namespace detail

// Reads numpy.save's format, versions 1 to 3: float64, float32, integer and
// bool dtypes (converted to double), little-endian, C or Fortran order.
inline Array decode(const std::string& bytes) {
  auto fail = [](const std::string& why) { throw std::runtime_error("not a readable .npy array: " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail("missing the NUMPY magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, offset = 10;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("truncated header");
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    fail("unknown version " + std::to_string(major));
  }
  if (bytes.size() < offset + header_len) fail("truncated header");
  const std::string header = bytes.substr(offset, header_len);
  detail::Reader read = nullptr;
  const std::size_t size = detail::reader_for(detail::header_field(header, "descr"), read);
  const bool fortran = detail::header_field(header, "fortran_order") == "True";
  if (header.find("'shape':") == std::string::npos) fail("no shape");
  Array a;
  a.shape = detail::parse_shape(detail::header_field(header, "shape"));
  std::size_t count = 1;
  for (auto extent : a.shape) count *= extent;
  const std::size_t start = offset + header_len;
  if (bytes.size() != start + count * size)
    fail("expected " + std::to_string(count) + " values, the file holds " +
         std::to_string((bytes.size() - start) / size));
  a.data.resize(count);
  const char* p = bytes.data() + start;
  if (!fortran || a.shape.size() < 2) {
    for (std::size_t i = 0; i < count; ++i) a.data[i] = read(p + i * size);
  } else if (a.shape.size() == 2) {  // column-major rows x cols: element (r, c) at c * rows + r
    const std::size_t rows = a.shape[0], cols = a.shape[1];
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) a.data[r * cols + c] = read(p + (c * rows + r) * size);
  } else {
    fail("Fortran order is read for 1-D and 2-D arrays only");
  }
  return a;
}

}  // namespace relulab::io::npy
