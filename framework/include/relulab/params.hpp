// Parameter schemas: how a plugin declares the keys it accepts, and the
// validated values it receives. The host checks every key of an experiment
// file against the schema (type, range, choices, required) before it calls a
// factory, so a factory can read its parameters without re-checking them.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace relulab {

enum class ParamType { Bool, Int, Float, String, FloatList, StringList };

using ParamValue = std::variant<bool, std::int64_t, double, std::string, std::vector<double>, std::vector<std::string>>;

inline const char* type_name(ParamType t) {
  switch (t) {
    case ParamType::Bool: return "boolean";
    case ParamType::Int: return "integer";
    case ParamType::Float: return "float";
    case ParamType::String: return "string";
    case ParamType::FloatList: return "array of floats";
    case ParamType::StringList: return "array of strings";
  }
  return "?";
}

// Shortest text that reads back to the same double.
inline std::string format_double(double x) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

// Renders a value the way it would be written in TOML.
inline std::string format_value(const ParamValue& v) {
  std::ostringstream out;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) out << (x ? "true" : "false");
        else if constexpr (std::is_same_v<T, std::int64_t>) out << x;
        else if constexpr (std::is_same_v<T, double>) out << format_double(x);
        else if constexpr (std::is_same_v<T, std::string>) out << '"' << x << '"';
        else {
          out << '[';
          for (std::size_t i = 0; i < x.size(); ++i) {
            if (i) out << ", ";
            if constexpr (std::is_same_v<T, std::vector<std::string>>) out << '"' << x[i] << '"';
            else out << format_double(x[i]);
          }
          out << ']';
        }
      },
      v);
  return out.str();
}

// One accepted key. Built fluently: schema.real("lr", "step size").def(0.01).above(0).
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Float;
  std::string doc;
  std::optional<ParamValue> default_value;  // absent and !may_be_absent: the key is required
  bool may_be_absent = false;  // absent is allowed and means "plugin decides"
  std::optional<double> lower, upper;  // numeric range (for lists: every element)
  bool lower_open = false, upper_open = false;
  std::vector<std::string> choices;  // allowed strings, if any
  bool changes_results = true;  // false: left out of the run's hash (threads, ...)
  // An old spelling: the value now lives in key `moved_key` of the policy
  // `moved_policy`, and the host reads it there (config: moved keys).
  std::string moved_policy, moved_key;

  ParamSpec& def(ParamValue v) {
    if (type == ParamType::Float && std::holds_alternative<std::int64_t>(v))
      v = static_cast<double>(std::get<std::int64_t>(v));
    default_value = std::move(v);
    return *this;
  }
  // One overload per literal type, so def(0.3) never goes through int.
  ParamSpec& def(bool v) { return def(ParamValue(v)); }
  ParamSpec& def(int v) { return def(ParamValue(static_cast<std::int64_t>(v))); }
  ParamSpec& def(long v) { return def(ParamValue(static_cast<std::int64_t>(v))); }
  ParamSpec& def(long long v) { return def(ParamValue(static_cast<std::int64_t>(v))); }
  ParamSpec& def(double v) { return def(ParamValue(v)); }
  ParamSpec& def(const char* v) { return def(ParamValue(std::string(v))); }
  ParamSpec& def(std::string v) { return def(ParamValue(std::move(v))); }
  ParamSpec& optional() {
    may_be_absent = true;
    return *this;
  }
  ParamSpec& at_least(double v) {
    lower = v;
    lower_open = false;
    return *this;
  }
  ParamSpec& above(double v) {
    lower = v;
    lower_open = true;
    return *this;
  }
  ParamSpec& at_most(double v) {
    upper = v;
    upper_open = false;
    return *this;
  }
  ParamSpec& below(double v) {
    upper = v;
    upper_open = true;
    return *this;
  }
  ParamSpec& one_of(std::vector<std::string> c) {
    choices = std::move(c);
    return *this;
  }
  // The key cannot change a run's bytes (a thread count): it stays out of the
  // hash that names the run directory, so a run resumes whatever its value.
  ParamSpec& same_results() {
    changes_results = false;
    return *this;
  }
  // The key moved to the policy `policy` as its key `key`. Files that still
  // write it keep working, with a warning; `plugins describe` no longer lists
  // it; and its default keeps the run folders of older files (config.cpp).
  ParamSpec& moved_to(std::string policy, std::string key) {
    moved_policy = std::move(policy);
    moved_key = std::move(key);
    return *this;
  }
  bool moved() const { return !moved_policy.empty(); }

  bool required() const { return !default_value && !may_be_absent; }

  std::string range_text() const {
    if (!choices.empty()) {
      std::string s;
      for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? " | " : "") + choices[i];
      return s;
    }
    if (!lower && !upper) return "";
    std::ostringstream out;
    out << (lower && !lower_open ? '[' : '(');
    out << (lower ? format_double(*lower) : "-inf") << ", " << (upper ? format_double(*upper) : "inf");
    out << (upper && !upper_open ? ']' : ')');
    return out.str();
  }

  // Empty if `x` lies in the declared range, else why not.
  std::string check_number(double x) const {
    if (!std::isfinite(x)) return "must be a finite number";
    bool ok = true;
    if (lower) ok = ok && (lower_open ? x > *lower : x >= *lower);
    if (upper) ok = ok && (upper_open ? x < *upper : x <= *upper);
    if (ok) return "";
    return "value " + format_double(x) + " is out of range " + range_text();
  }
  std::string check_choice(const std::string& s) const {
    if (choices.empty()) return "";
    for (const auto& c : choices)
      if (c == s) return "";
    return "\"" + s + "\" is not one of " + range_text();
  }
};

class Schema {
 public:
  ParamSpec& flag(std::string name, std::string doc) { return add(std::move(name), ParamType::Bool, std::move(doc)); }
  ParamSpec& integer(std::string name, std::string doc) { return add(std::move(name), ParamType::Int, std::move(doc)); }
  ParamSpec& real(std::string name, std::string doc) { return add(std::move(name), ParamType::Float, std::move(doc)); }
  ParamSpec& text(std::string name, std::string doc) { return add(std::move(name), ParamType::String, std::move(doc)); }
  ParamSpec& reals(std::string name, std::string doc) {
    return add(std::move(name), ParamType::FloatList, std::move(doc));
  }
  ParamSpec& texts(std::string name, std::string doc) {
    return add(std::move(name), ParamType::StringList, std::move(doc));
  }

  const ParamSpec* find(const std::string& name) const {
    for (const auto& s : specs_)
      if (s.name == name) return &s;
    return nullptr;
  }
  const std::vector<ParamSpec>& specs() const { return specs_; }

  // A declared key, to change what a shared fragment declared (say, a smaller
  // default learning rate for Adam): schema.key("lr").def(1e-3).
  ParamSpec& key(const std::string& name) {
    for (auto& s : specs_)
      if (s.name == name) return s;
    throw std::logic_error("schema has no key '" + name + "'");
  }

  // Appends another schema's keys (shared fragments such as learning-rate schedules).
  void merge(const Schema& other) {
    for (const auto& s : other.specs_) specs_.push_back(s);
  }

 private:
  ParamSpec& add(std::string name, ParamType type, std::string doc) {
    if (find(name)) throw std::logic_error("schema declares key '" + name + "' twice");
    ParamSpec s;
    s.name = std::move(name);
    s.type = type;
    s.doc = std::move(doc);
    specs_.push_back(std::move(s));
    return specs_.back();
  }
  std::vector<ParamSpec> specs_;
};

// A plugin rejects a combination of valid values (say, a beta_star whose length
// differs from d) by throwing this; the host reports it at the key's location.
class ParameterError : public std::runtime_error {
 public:
  ParameterError(std::string key, const std::string& message) : std::runtime_error(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Validated values: every key of the schema with a value or a default.
class Params {
 public:
  void set(const std::string& name, ParamValue v) { values_[name] = std::move(v); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, ParamValue>& values() const { return values_; }

  bool flag(const std::string& name) const { return get<bool>(name); }
  std::int64_t integer(const std::string& name) const { return get<std::int64_t>(name); }
  double real(const std::string& name) const {
    const auto& v = at(name);
    if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    return get<double>(name);
  }
  const std::string& text(const std::string& name) const { return get<std::string>(name); }
  const std::vector<double>& reals(const std::string& name) const { return get<std::vector<double>>(name); }
  const std::vector<std::string>& texts(const std::string& name) const { return get<std::vector<std::string>>(name); }

 private:
  const ParamValue& at(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw std::logic_error("parameter '" + name + "' was read but has no value");
    return it->second;
  }
  template <class T>
  const T& get(const std::string& name) const {
    const auto& v = at(name);
    if (auto* p = std::get_if<T>(&v)) return *p;
    throw std::logic_error("parameter '" + name + "' was read with the wrong type");
  }
  std::map<std::string, ParamValue> values_;
};

}  // namespace relulab
