// The .npy format: encode() writes version 1.0, float64 little-endian, C order
// (what numpy.load reads directly); decode() reads what numpy.save writes for
// the numeric dtypes. Encoding and decoding only; the caller does I/O.
#pragma once

#include <bit>
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

// numpy.save's header dict, read strictly: exactly the keys 'descr' (a
// string), 'fortran_order' (True or False) and 'shape' (a tuple of
// non-negative integers), each once, in any order, then '}' and padding.
// Every error names the key it is at.
struct HeaderDict {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

class HeaderParser {
  static constexpr const char* kKeys[3] = {"descr", "fortran_order", "shape"};

 public:
  explicit HeaderParser(const std::string& text) : text_(text) {}

  HeaderDict parse() {
    expect('{', "the header must be a dict, starting with '{'");
    bool seen[3] = {false, false, false};
    for (skip_spaces(); peek() != '}'; skip_spaces()) {
      key_.clear();
      if (at_ >= text_.size() || peek() == '\n') fail("the dict is not closed by '}'");
      key_ = quoted("a key");
      expect(':', "':' after the key");
      int index = -1;
      for (int i = 0; i < 3; ++i)
        if (key_ == kKeys[i]) index = i;
      if (index < 0) fail("unknown key (a .npy header holds exactly 'descr', 'fortran_order' and 'shape')");
      if (seen[index]) fail("given twice");
      seen[index] = true;
      value(index);
      skip_spaces();
      if (peek() == ',') ++at_;
      else if (peek() != '}') fail("',' or '}' after the value");
    }
    key_.clear();
    ++at_;
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n')) ++at_;
    if (at_ != text_.size()) fail("text after the dict's closing '}'");
    for (int i = 0; i < 3; ++i)
      if (!seen[i]) {
        key_ = kKeys[i];
        fail("missing");
      }
    return dict_;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("not a readable .npy array: " + (key_.empty() ? "" : "header key '" + key_ + "': ") + why);
  }
  bool skip_spaces() {
    while (at_ < text_.size() && text_[at_] == ' ') ++at_;
    return true;  // for use in loop conditions
  }
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  void expect(char c, const char* what) {
    skip_spaces();
    if (peek() != c) fail(what);
    ++at_;
  }
  std::string quoted(const char* what) {
    skip_spaces();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail(std::string("expected ") + what + " in quotes");
    const auto end = text_.find(quote, at_ + 1);
    if (end == std::string::npos) fail(std::string(what) + " without its closing quote");
    std::string out = text_.substr(at_ + 1, end - at_ - 1);
    at_ = end + 1;
    return out;
  }
  void value(int index) {
    skip_spaces();
    if (index == 0) {
      if (peek() != '\'' && peek() != '"') fail("a plain dtype string such as '<f8' (structured dtypes are not read)");
      dict_.descr = quoted("the dtype");
    } else if (index == 1) {
      if (text_.compare(at_, 4, "True") == 0) dict_.fortran_order = true, at_ += 4;
      else if (text_.compare(at_, 5, "False") == 0) dict_.fortran_order = false, at_ += 5;
      else fail("must be True or False");
    } else {
      shape();
    }
  }
  void shape() {
    expect('(', "a tuple of dimensions such as (100, 5)");
    while (skip_spaces() && peek() != ')') {
      dict_.shape.push_back(dimension());
      skip_spaces();
      if (peek() == ',') ++at_;
      else if (peek() != ')') fail("',' or ')' after a dimension");
    }
    ++at_;
  }
  // A dimension, refused when it does not fit in 64 bits.
  std::size_t dimension() {
    if (peek() < '0' || peek() > '9') fail("a dimension must be a non-negative integer");
    std::size_t v = 0;
    const std::size_t start = at_;
    for (; peek() >= '0' && peek() <= '9'; ++at_)
      if (__builtin_mul_overflow(v, std::size_t{10}, &v) || __builtin_add_overflow(v, std::size_t(peek() - '0'), &v))
        fail("the dimension " + text_.substr(start, text_.find_first_not_of("0123456789", start) - start) +
             " does not fit in 64 bits");
    return v;
  }

  const std::string& text_;
  std::size_t at_ = 0;
  std::string key_;
  HeaderDict dict_;
};

}  // namespace detail

// What a .npy file's header says: the array's shape and layout, the element
// type and where the data starts. read_header needs only the file's first
// bytes (header_bytes_needed), so a caller can check a large file's size
// before reading its data.
struct Header {
  std::vector<std::size_t> shape;
  bool fortran_order = false;
  std::size_t element_size = 0;
  detail::Reader read = nullptr;
  std::size_t data_offset = 0;  // bytes before the data
  std::size_t count = 0;  // the product of the shape, checked against overflow
  std::size_t data_bytes = 0;  // count * element_size, checked too
  bool plain_double = false;  // little-endian float64: the bytes are the values (copied, not converted)
};

// Bytes of the file that hold its header (0 when `prefix`, the file's first
// bytes, is too short to tell: 12 bytes always suffice).
inline std::size_t header_bytes_needed(const std::string& prefix) {
  if (prefix.size() < 10) return 0;
  const int major = static_cast<unsigned char>(prefix[6]);
  if (major != 1 && prefix.size() < 12) return 0;
  if (major == 1) return 10 + (static_cast<unsigned char>(prefix[8]) | (static_cast<unsigned char>(prefix[9]) << 8));
  std::size_t length = 0;
  for (int i = 0; i < 4; ++i) length |= static_cast<std::size_t>(static_cast<unsigned char>(prefix[8 + i])) << (8 * i);
  return 12 + length;
}

// Reads numpy.save's header, versions 1 to 3, strictly (detail::HeaderParser).
inline Header read_header(const std::string& bytes) {
  auto fail = [](const std::string& why) { throw std::runtime_error("not a readable .npy array: " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail("missing the NUMPY magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  if (major < 1 || major > 3) fail("unknown version " + std::to_string(major));
  const std::size_t offset = major == 1 ? 10 : 12, end = header_bytes_needed(bytes);
  if (end == 0 || bytes.size() < end) fail("truncated header");
  const detail::HeaderDict dict = detail::HeaderParser(bytes.substr(offset, end - offset)).parse();
  Header h;
  h.shape = dict.shape;
  h.fortran_order = dict.fortran_order;
  h.element_size = detail::reader_for(dict.descr, h.read);
  h.plain_double = (dict.descr == "<f8" || dict.descr == "=f8") && std::endian::native == std::endian::little;
  h.data_offset = end;
  h.count = 1;
  for (auto extent : h.shape)
    if (__builtin_mul_overflow(h.count, extent, &h.count))
      fail("header key 'shape': the dimensions' product does not fit in 64 bits");
  if (__builtin_mul_overflow(h.count, h.element_size, &h.data_bytes))
    fail("header key 'shape': the data's size in bytes does not fit in 64 bits");
  return h;
}

// Converts the data (`header.data_bytes` bytes at `data`) to double in C order.
inline void convert(const Header& header, const char* data, double* out) {
  const std::size_t size = header.element_size;
  if (!header.fortran_order || header.shape.size() < 2) {
    for (std::size_t i = 0; i < header.count; ++i) out[i] = header.read(data + i * size);
  } else if (header.shape.size() == 2) {  // column-major rows x cols: element (r, c) at c * rows + r
    const std::size_t rows = header.shape[0], cols = header.shape[1];
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) out[r * cols + c] = header.read(data + (c * rows + r) * size);
  } else {
    throw std::runtime_error("not a readable .npy array: Fortran order is read for 1-D and 2-D arrays only");
  }
}

// Reads numpy.save's format, versions 1 to 3: float64, float32, integer and
// bool dtypes (converted to double), little-endian, C or Fortran order.
inline Array decode(const std::string& bytes) {
  const Header h = read_header(bytes);
  const std::size_t held = bytes.size() - h.data_offset;
  if (held != h.data_bytes)
    throw std::runtime_error("not a readable .npy array: expected " + std::to_string(h.count) +
                             " values, the file holds " + std::to_string(held / h.element_size));
  Array a;
  a.shape = h.shape;
  a.data.resize(h.count);
  convert(h, bytes.data() + h.data_offset, a.data.data());
  return a;
}

}  // namespace relulab::io::npy
