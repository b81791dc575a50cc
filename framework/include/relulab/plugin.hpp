// The plugin descriptor and the export macro.
//
// A plugin is one shared library with one entry: a function returning its
// PluginDescriptor, exported with RELULAB_PLUGIN(function). Example:
//
//   relulab::PluginDescriptor describe() {
//     relulab::Schema s;
//     s.real("noise_std", "label noise").def(0.3).at_least(0);
//     return relulab::make_data_generator_plugin<MyTeacher>("my_teacher", "1.0.0", "what it is", s);
//   }
//   RELULAB_PLUGIN(describe)
#pragma once

#include <relulab/abi.hpp>
#include <relulab/data_generator.hpp>
#include <relulab/metric.hpp>
#include <relulab/model.hpp>
#include <relulab/optimizer.hpp>
#include <relulab/params.hpp>

#include <boost/dll/alias.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace relulab {

enum class PluginKind { DataGenerator, Model, Optimizer, Metric };

inline const char* kind_name(PluginKind k) {
  switch (k) {
    case PluginKind::DataGenerator: return "data";
    case PluginKind::Model: return "model";
    case PluginKind::Optimizer: return "optimizer";
    case PluginKind::Metric: return "metric";
  }
  return "?";
}

// What the host knows when it builds a plugin object.
struct BuildContext {
  Index input_dim = 0;                   // d of the data generator (0 while building it)
  Index num_samples = 0;                 // n of the training set
  std::filesystem::path experiment_dir;  // folder of the experiment file, for relative paths
};

struct PluginDescriptor {
  PluginKind kind = PluginKind::DataGenerator;
  std::string name;
  std::string version;
  std::string summary;  // one line for `relulab plugins`
  int abi_version = kAbiVersion;
  std::string toolchain = kToolchainTag;
  Schema schema;
  // Exactly one factory is set, the one of `kind`.
  std::function<std::unique_ptr<DataGenerator>(const Params&, const BuildContext&)> make_data_generator;
  std::function<std::unique_ptr<Model>(const Params&, const BuildContext&)> make_model;
  std::function<std::unique_ptr<Optimizer>(const Params&, const BuildContext&)> make_optimizer;
  std::function<std::unique_ptr<Metric>(const Params&, const BuildContext&)> make_metric;
};

namespace detail {
inline PluginDescriptor base_descriptor(PluginKind kind, std::string name, std::string version, std::string summary,
                                        Schema schema) {
  PluginDescriptor d;
  d.kind = kind;
  d.name = std::move(name);
  d.version = std::move(version);
  d.summary = std::move(summary);
  d.schema = std::move(schema);
  return d;
}
}  // namespace detail

// T is constructed as T(const Params&, const BuildContext&).
template <class T>
PluginDescriptor make_data_generator_plugin(std::string name, std::string version, std::string summary,
                                            Schema schema) {
  auto d = detail::base_descriptor(PluginKind::DataGenerator, std::move(name), std::move(version),
                                   std::move(summary), std::move(schema));
  d.make_data_generator = [](const Params& p, const BuildContext& c) { return std::make_unique<T>(p, c); };
  return d;
}
template <class T>
PluginDescriptor make_model_plugin(std::string name, std::string version, std::string summary, Schema schema) {
  auto d = detail::base_descriptor(PluginKind::Model, std::move(name), std::move(version), std::move(summary),
                                   std::move(schema));
  d.make_model = [](const Params& p, const BuildContext& c) { return std::make_unique<T>(p, c); };
  return d;
}
template <class T>
PluginDescriptor make_optimizer_plugin(std::string name, std::string version, std::string summary,
                                       Schema schema) {
  auto d = detail::base_descriptor(PluginKind::Optimizer, std::move(name), std::move(version),
                                   std::move(summary), std::move(schema));
  d.make_optimizer = [](const Params& p, const BuildContext& c) { return std::make_unique<T>(p, c); };
  return d;
}
template <class T>
PluginDescriptor make_metric_plugin(std::string name, std::string version, std::string summary, Schema schema) {
  auto d = detail::base_descriptor(PluginKind::Metric, std::move(name), std::move(version), std::move(summary),
                                   std::move(schema));
  d.make_metric = [](const Params& p, const BuildContext& c) { return std::make_unique<T>(p, c); };
  return d;
}

using DescribeFunction = PluginDescriptor();

}  // namespace relulab

// Exports `describe_function` (a PluginDescriptor() function at namespace
// scope) under the ABI-tagged entry name, in relulab's own section.
#define RELULAB_PLUGIN(describe_function) \
  BOOST_DLL_ALIAS_SECTIONED(describe_function, RELULAB_ENTRY_SYMBOL, RELULAB_SECTION)
