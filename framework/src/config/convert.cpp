// Experiment files, the values: TOML nodes converted to the parameters'
// types and back, their locations in messages, and the hash that names a run.
#include "config/toml_values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

namespace relulab::host {

std::string Location::text() const {
  if (!origin.empty()) return "command line (" + origin + ")";
  std::string s = file;
  if (line) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  return s;
}

std::string located(const Location& where, const std::string& table, const std::string& key,
                    const std::string& message) {
  std::string s = where.text() + ": ";
  if (!table.empty()) s += "[" + table + "] ";
  if (!key.empty()) s += key + ": ";
  return s + message;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

const char* node_kind(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    default: return "date/time";
  }
}

std::string render(const toml::node& n) {
  std::ostringstream out;
  n.visit([&](const auto& v) {
    if constexpr (toml::is_table<decltype(v)>) out << "{...}";
    else out << toml::toml_formatter(v);
  });
  std::string s = out.str();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

Location location_of(const RawExperiment& raw, const std::string& dotted, const toml::source_region& src) {
  Location l;
  l.file = src.path ? *src.path : raw.file.string();  // a key from a base file names that file
  if (auto it = raw.override_origin.find(dotted); it != raw.override_origin.end()) {
    l.origin = it->second;
    return l;
  }
  l.line = src.begin.line;
  l.column = src.begin.column;
  return l;
}

namespace {

bool integral_double(double v) { return std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.2e18; }

// Converting one TOML value to a parameter's type: each converter returns
// nothing and sets `error` when the value does not fit.
struct Converter {
  const toml::node& node;
  const ParamSpec& spec;
  std::string& error;

  std::optional<ParamValue> wrong_type() const {
    error = std::string("expected ") + type_name(spec.type) + ", found " + node_kind(node) + " " + render(node);
    return std::nullopt;
  }

  static std::optional<double> number(const toml::node& n, bool want_int) {
    if (auto i = n.as_integer()) return static_cast<double>(i->get());
    if (auto f = n.as_floating_point()) {
      if (want_int && !integral_double(f->get())) return std::nullopt;
      return f->get();
    }
    return std::nullopt;
  }

  std::optional<ParamValue> checked(double v, ParamValue value) const {
    error = spec.check_number(v);
    return error.empty() ? std::optional<ParamValue>(std::move(value)) : std::nullopt;
  }

  std::optional<ParamValue> to_integer() const {
    if (auto i = node.as_integer()) return checked(static_cast<double>(i->get()), ParamValue(i->get()));
    if (auto f = number(node, true)) return checked(*f, ParamValue(static_cast<std::int64_t>(*f)));
    return wrong_type();
  }

  std::optional<ParamValue> to_real() const {
    if (auto v = number(node, false)) return checked(*v, ParamValue(*v));
    return wrong_type();
  }

  std::optional<ParamValue> to_text() const {
    auto s = node.as_string();
    if (!s) return wrong_type();
    error = spec.check_choice(s->get());
    if (!error.empty())
      if (auto guess = did_you_mean(s->get(), spec.choices); !guess.empty())
        error += " (did you mean '" + guess + "'?)";
    return error.empty() ? std::optional<ParamValue>(ParamValue(s->get())) : std::nullopt;
  }

  // Each element through `element`, which returns its value or sets `why`.
  template <class T, class Element>
  std::optional<ParamValue> to_list(Element element) const {
    auto arr = node.as_array();
    if (!arr) return wrong_type();
    std::vector<T> out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      std::string why;
      auto v = element(*arr->get(i), why);
      if (!v) {
        error = "element " + std::to_string(i) + ": " + why;
        return std::nullopt;
      }
      out.push_back(std::move(*v));
    }
    return ParamValue(std::move(out));
  }

  std::optional<ParamValue> to_reals() const {
    return to_list<double>([&](const toml::node& e, std::string& why) -> std::optional<double> {
      auto v = number(e, false);
      if (!v) why = std::string("expected a number, found ") + node_kind(e);
      else why = spec.check_number(*v);
      return why.empty() ? v : std::nullopt;
    });
  }

  std::optional<ParamValue> to_texts() const {
    return to_list<std::string>([&](const toml::node& e, std::string& why) -> std::optional<std::string> {
      auto s = e.as_string();
      if (!s) why = std::string("expected a string, found ") + node_kind(e);
      else why = spec.check_choice(s->get());
      return why.empty() ? std::optional<std::string>(s->get()) : std::nullopt;
    });
  }

  std::optional<ParamValue> convert() const {
    switch (spec.type) {
      case ParamType::Bool:
        if (auto b = node.as_boolean()) return ParamValue(b->get());
        return wrong_type();
      case ParamType::Int: return to_integer();
      case ParamType::Float: return to_real();
      case ParamType::String: return to_text();
      case ParamType::FloatList: return to_reals();
      case ParamType::StringList: return to_texts();
    }
    return std::nullopt;
  }
};

}  // namespace

std::optional<ParamValue> convert(const toml::node& node, const ParamSpec& spec, std::string& error) {
  return Converter{node, spec, error}.convert();
}

void insert_value(toml::table& t, const std::string& key, const ParamValue& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<std::string>>) {
          toml::array arr;
          for (const auto& e : x) arr.push_back(e);
          t.insert_or_assign(key, std::move(arr));
        } else {
          t.insert_or_assign(key, x);
        }
      },
      v);
}

std::string short_hash(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string(buf, 10);
}

toml::table to_toml(const Params& params) {
  toml::table t;
  for (const auto& [k, v] : params.values()) insert_value(t, k, v);
  return t;
}

std::string format_toml(const toml::table& t) {
  std::ostringstream out;
  out << toml::toml_formatter(t, toml::toml_formatter::default_flags & ~toml::format_flags::indentation);
  return out.str();
}

}  // namespace relulab::host
