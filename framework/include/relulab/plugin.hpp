// The plugin descriptor and the export macro.
//
// A plugin is one shared library with one entry: a function returning its
// PluginDescriptor, exported with RELULAB_PLUGIN(function). Example:
//
//   relulab::PluginDescriptor describe() {
//     relulab::Schema s;
//     s.real("noise_std", "label noise").def(0.3).at_least(0);
//     return relulab::make_plugin<MyTeacher>("my_teacher", "1.0.0", "what it is", s);
//   }
//   RELULAB_PLUGIN(describe)
//
// make_plugin works out the kind from the interface MyTeacher derives from.
#pragma once

#include <relulab/abi.hpp>
#include <relulab/data_generator.hpp>
#include <relulab/loss.hpp>
#include <relulab/metric.hpp>
#include <relulab/model.hpp>
#include <relulab/optimizer.hpp>
#include <relulab/params.hpp>
#include <relulab/policy.hpp>
#include <relulab/stop.hpp>

#include <boost/dll/alias.hpp>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace relulab {

// The plugin kinds, in one list: each is its interface and its name as
// experiment files and `relulab plugins` write it. A new kind is its interface
// header, one line here, and one line in the host's table of where experiment
// files write it (framework/src/config/sections.cpp). The enum, the tuple of
// interfaces and the names below are generated from this list, so they cannot
// fall out of step.
#define RELULAB_PLUGIN_KINDS(KIND) \
  KIND(DataGenerator, "data")      \
  KIND(Model, "model")             \
  KIND(Optimizer, "optimizer")     \
  KIND(Metric, "metric")           \
  KIND(Loss, "loss")               \
  KIND(Policy, "policy")

#define RELULAB_KIND_ENUM(interface, name) interface,
#define RELULAB_KIND_NAME(interface, name) name,
#define RELULAB_KIND_VALUE(interface, name) PluginKind::interface,
#define RELULAB_KIND_TYPE(interface, name) , interface

enum class PluginKind { RELULAB_PLUGIN_KINDS(RELULAB_KIND_ENUM) };
namespace detail {
template <class Unused, class... Interfaces>
using DropFirst = std::tuple<Interfaces...>;
}  // namespace detail
using PluginInterfaces = detail::DropFirst<void RELULAB_PLUGIN_KINDS(RELULAB_KIND_TYPE)>;
inline constexpr const char* kKindNames[] = {RELULAB_PLUGIN_KINDS(RELULAB_KIND_NAME)};
inline constexpr PluginKind kAllKinds[] = {RELULAB_PLUGIN_KINDS(RELULAB_KIND_VALUE)};
static_assert(std::size(kKindNames) == std::tuple_size_v<PluginInterfaces>);

#undef RELULAB_KIND_ENUM
#undef RELULAB_KIND_NAME
#undef RELULAB_KIND_VALUE
#undef RELULAB_KIND_TYPE

inline const char* kind_name(PluginKind k) { return kKindNames[static_cast<int>(k)]; }

namespace detail {
template <class T, std::size_t I = 0>
constexpr PluginKind kind_of() {
  static_assert(I < std::tuple_size_v<PluginInterfaces>, "a plugin class must derive from one plugin interface");
  if constexpr (std::is_base_of_v<std::tuple_element_t<I, PluginInterfaces>, T>) return static_cast<PluginKind>(I);
  else return kind_of<T, I + 1>();
}
}  // namespace detail

// The kind of a plugin class or interface: the first interface it derives from.
template <class T>
inline constexpr PluginKind kind_of = detail::kind_of<T>();

// What the optimizer trains on ([data] n, docs/science.md §8): a finite
// training set of n samples, fresh samples at every step (n = "online"), or
// the exact population loss (n = "infinite").
enum class TrainingSet { Finite, Online, Infinite };

// What the host knows when it builds a plugin object.
struct BuildContext {
  Index input_dim = 0;  // d of the data generator (0 while building it)
  Index num_samples = 0;  // n of the training set (0 unless it is finite)
  TrainingSet training_set = TrainingSet::Finite;
  std::filesystem::path experiment_dir;  // folder of the experiment file, for relative paths
  const Loss* loss = nullptr;  // the experiment's loss (built before the model; outlives it)
  const Model* model = nullptr;  // the model, once built (optimizers and metrics may check it)
  const DataGenerator* data = nullptr;  // the data generator, once built (metrics may check for a teacher)
  const Optimizer* optimizer = nullptr;  // the optimizer, once built (policies may check it)
  std::uint64_t noise_seed = 0;  // seed of the noise stream of the policy being built (its own)
  StopToken stop;  // the host's stop request, for computations that take seconds by themselves (stop.hpp)
};

// For a plugin that reads a finite training set (the OLS fit on it, its
// drift D_n): refuses online and infinite data at its `plugin` key, saying
// what `who` computes and why there is nothing to compute it on.
inline void require_finite_training_set(const BuildContext& ctx, const std::string& who, const std::string& what) {
  if (ctx.training_set == TrainingSet::Finite) return;
  throw ParameterError("plugin", who + " computes " + what + " of the training set; with n = \"" +
                                     (ctx.training_set == TrainingSet::Online ? "online" : "infinite") +
                                     "\" there is no finite training set. Leave this metric out, or give n a number");
}

// How a plugin's own code was compiled. A plugin built without optimisation
// (CMake with no build type gives -O0) runs many times slower than a bundled
// one, so the host reports it and warns. make_plugin fills it in from the
// plugin's own compilation: __OPTIMIZE__ is GCC's and Clang's mark of -O1 and
// above, NDEBUG that assertions (Eigen's bounds checks among them) are off.
enum class CodeOptimization { Unknown, Optimized, Unoptimized };

#ifdef __OPTIMIZE__
#define RELULAB_THIS_CODE_OPTIMIZATION ::relulab::CodeOptimization::Optimized
#else
#define RELULAB_THIS_CODE_OPTIMIZATION ::relulab::CodeOptimization::Unoptimized
#endif
#ifdef NDEBUG
#define RELULAB_THIS_CODE_ASSERTIONS false
#else
#define RELULAB_THIS_CODE_ASSERTIONS true
#endif

struct PluginDescriptor {
  PluginKind kind = PluginKind::DataGenerator;
  std::string name;
  std::string version;
  std::string summary;  // one line for `relulab plugins`
  // Other names experiment files may use for this plugin (a renamed plugin's old name).
  std::vector<std::string> aliases;
  int abi_version = kAbiVersion;
  std::string toolchain = kToolchainTag;
  Schema schema;
  // Facts about this build of the plugin worth recording with every run (the
  // instruction set a kernel dispatched to, ...): shown by `relulab plugins
  // describe`, written to each run's provenance. Optional.
  std::string details;
  // A metric's columns as a reader should see them on a figure's axis or
  // legend ("train_mse" -> "train MSE"); columns without one show their name.
  std::map<std::string, std::string> column_labels;
  // Filled in by make_plugin; a descriptor built by hand says Unknown.
  CodeOptimization optimization = CodeOptimization::Unknown;
  bool assertions = false;  // compiled without NDEBUG
  // Builds an object of the plugin's class from validated parameters.
  std::function<std::unique_ptr<PluginObject>(const Params&, const BuildContext&)> factory;

  // The object as its kind's interface; throws if `Interface` is another kind.
  template <class Interface>
  std::unique_ptr<Interface> make(const Params& params, const BuildContext& context) const {
    if (kind != kind_of<Interface>)
      throw std::logic_error("plugin '" + name + "' is a " + kind_name(kind) + " plugin, not a " +
                             kind_name(kind_of<Interface>) + " plugin");
    // The factory made an object of this kind, so the downcast is exact.
    return std::unique_ptr<Interface>(static_cast<Interface*>(factory(params, context).release()));
  }
};

// T is constructed as T(const Params&, const BuildContext&).
template <class T>
PluginDescriptor make_plugin(std::string name, std::string version, std::string summary, Schema schema) {
  using Interface = std::tuple_element_t<static_cast<std::size_t>(kind_of<T>), PluginInterfaces>;
  PluginDescriptor d;
  d.kind = kind_of<T>;
  d.name = std::move(name);
  d.version = std::move(version);
  d.summary = std::move(summary);
  d.schema = std::move(schema);
  // Expanded here, in the plugin's own translation unit (make_plugin<T> is
  // instantiated there), so the flags are the plugin's, not the host's.
  d.optimization = RELULAB_THIS_CODE_OPTIMIZATION;
  d.assertions = RELULAB_THIS_CODE_ASSERTIONS;
  d.factory = [](const Params& p, const BuildContext& c) -> std::unique_ptr<PluginObject> {
    return std::unique_ptr<Interface>(std::make_unique<T>(p, c));
  };
  return d;
}

using DescribeFunction = PluginDescriptor();

}  // namespace relulab

// Exports `describe_function` (a PluginDescriptor() function at namespace
// scope) under the ABI-tagged entry name, in relulab's own section.
#define RELULAB_PLUGIN(describe_function) \
  BOOST_DLL_ALIAS_SECTIONED(describe_function, RELULAB_ENTRY_SYMBOL, RELULAB_SECTION)
