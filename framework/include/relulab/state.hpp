// Named binary values an optimizer or the host saves in a checkpoint.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>

namespace relulab {

class State {
 public:
  void put_text(const std::string& key, std::string value) { entries_[key] = std::move(value); }
  void put_u64(const std::string& key, std::uint64_t v) { put_raw(key, &v, sizeof v); }
  void put_f64(const std::string& key, double v) { put_raw(key, &v, sizeof v); }
  void put_doubles(const std::string& key, const double* p, std::size_t n) { put_raw(key, p, n * sizeof(double)); }
  void put_u64s(const std::string& key, const std::uint64_t* p, std::size_t n) {
    put_raw(key, p, n * sizeof(std::uint64_t));
  }

  bool has(const std::string& key) const { return entries_.count(key) != 0; }
  const std::string& text(const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) throw std::runtime_error("checkpoint has no entry '" + key + "'");
    return it->second;
  }
  std::uint64_t u64(const std::string& key) const {
    std::uint64_t v;
    get_raw(key, &v, sizeof v);
    return v;
  }
  double f64(const std::string& key) const {
    double v;
    get_raw(key, &v, sizeof v);
    return v;
  }
  std::size_t count_doubles(const std::string& key) const { return text(key).size() / sizeof(double); }
  void doubles(const std::string& key, double* p, std::size_t n) const { get_raw(key, p, n * sizeof(double)); }
  std::size_t count_u64s(const std::string& key) const { return text(key).size() / sizeof(std::uint64_t); }
  void u64s(const std::string& key, std::uint64_t* p, std::size_t n) const {
    get_raw(key, p, n * sizeof(std::uint64_t));
  }

  const std::map<std::string, std::string>& entries() const { return entries_; }
  std::map<std::string, std::string>& entries() { return entries_; }

 private:
  void put_raw(const std::string& key, const void* p, std::size_t bytes) {
    if (bytes == 0) entries_[key].clear();  // p may be null for an empty buffer
    else entries_[key].assign(static_cast<const char*>(p), bytes);
  }
  void get_raw(const std::string& key, void* p, std::size_t bytes) const {
    const std::string& s = text(key);
    if (s.size() != bytes)
      throw std::runtime_error("checkpoint entry '" + key + "' has " + std::to_string(s.size()) + " bytes, expected " +
                               std::to_string(bytes));
    // An empty entry (an empty buffer, whose data() may be null) copies
    // nothing; memcpy from or to null is undefined even for 0 bytes (UBSan).
    if (bytes > 0) std::memcpy(p, s.data(), bytes);
  }
  std::map<std::string, std::string> entries_;
};

}  // namespace relulab
