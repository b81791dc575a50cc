// Capabilities (capability.hpp): offered by name, declined by parameters,
// required with a message that names what is missing; and the bundled
// teachers offer exactly the closed forms they know.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

struct Doubling {
  static constexpr const char* kCapability = "test.doubling";
  static constexpr const char* kDescription = "doubling of numbers";
  virtual ~Doubling() = default;
  virtual double twice(double x) const = 0;
};
struct Halving {
  static constexpr const char* kCapability = "test.halving";
  static constexpr const char* kDescription = "halving of numbers";
  virtual ~Halving() = default;
  virtual double half(double x) const = 0;
};
struct Unused {
  static constexpr const char* kCapability = "test.unused";
  static constexpr const char* kDescription = "something nobody offers";
};

// Offers Doubling always and Halving only when asked to: a capability its parameters rule out is declined.
class Arithmetic : public PluginObject, public Doubling, public Halving {
 public:
  explicit Arithmetic(bool halves) : halves_(halves) {}
  void* find_capability(std::string_view name) override {
    if (!halves_) return offer<Doubling>(this, name);
    return offer<Doubling, Halving>(this, name);
  }
  double twice(double x) const override { return 2 * x; }
  double half(double x) const override { return x / 2; }

 private:
  bool halves_;
};

}  // namespace

TEST_CASE("a capability is found by its name, declined by the object's parameters, and null when not offered",
          "[capabilities]") {
  Arithmetic both(true), doubling_only(false);
  const PluginObject& object = both;
  // The pointers lead to the right sub-objects (multiple inheritance moves them).
  REQUIRE(capability<Doubling>(object) != nullptr);
  CHECK(capability<Doubling>(object)->twice(3) == 6);
  REQUIRE(capability<Halving>(object) != nullptr);
  CHECK(capability<Halving>(object)->half(3) == 1.5);
  CHECK(static_cast<const void*>(capability<Halving>(object)) == static_cast<const Halving*>(&both));
  CHECK(capability<Halving>(doubling_only) == nullptr);
  CHECK(capability<Unused>(object) == nullptr);
  CHECK(capability<Doubling>(static_cast<const PluginObject*>(nullptr)) == nullptr);
}

TEST_CASE("a required capability that is missing is a ParameterError at the plugin key naming what is missing",
          "[capabilities]") {
  Arithmetic doubling_only(false);
  CHECK(require_capability<Doubling>(doubling_only, "a metric").twice(1) == 2);
  try {
    require_capability<Halving>(doubling_only, "the halving metric", "the data plugin");
    FAIL("no exception");
  } catch (const ParameterError& e) {
    CHECK(e.key() == "plugin");
    CHECK_THAT(e.what(), Contains("the halving metric needs halving of numbers") && Contains("'test.halving'") &&
                             Contains("the data plugin does not offer"));
  }
}

TEST_CASE("the bundled teachers offer exactly the closed forms they know", "[capabilities][teacher]") {
  auto make = [](const std::string& name, std::map<std::string, ParamValue> set) {
    const auto& desc = descriptor(PluginKind::DataGenerator, name);
    return desc.make<DataGenerator>(defaults(desc.schema, std::move(set)), BuildContext{});
  };
  struct Offers {
    bool teacher, risk, drift, linear;
  };
  auto offers = [](const DataGenerator& g) {
    return Offers{teacher_of(g) != nullptr, capability<PopulationRisk>(g) != nullptr,
                  capability<PopulationDrift>(g) != nullptr, capability<LinearTarget>(g) != nullptr};
  };
  const auto gaussian = offers(*make("linear_teacher", {}));
  CHECK((gaussian.teacher && gaussian.risk && gaussian.drift && gaussian.linear));
  // Two cones: no Gaussian closed form, but beta* is still known (Theorem 2 needs only that).
  const auto cones = offers(*make("linear_teacher", {{"input", "two_cones"}}));
  CHECK((cones.teacher && !cones.risk && !cones.drift && cones.linear));
  const auto relu = offers(*make("relu_teacher", {}));
  CHECK((relu.teacher && relu.risk && !relu.drift && !relu.linear));
  const auto classifier = offers(*make("linear_classifier", {}));
  CHECK((classifier.teacher && !classifier.risk && !classifier.drift && classifier.linear));
}

TEST_CASE("a metric that needs a closed form the data lacks is refused at its plugin line", "[capabilities][config]") {
  const std::string text = small_experiment() + "[[metrics]]\nplugin = \"drift_concentration\"\n";
  // Validation builds the plugins once, so the refusal comes before any run.
  CHECK_THROWS_WITH(host::build(experiment_from_text(text, {"data.input=two_cones"})),
                    Contains("exp.toml:23:1: [metrics[1]] plugin: drift_concentration needs the population drift") &&
                        Contains("the data plugin does not offer"));
}
