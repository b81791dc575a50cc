// Capabilities: what a plugin object can do beyond its kind's interface.
//
// A kind's interface (DataGenerator, Model, ...) says what every plugin of the
// kind does. Everything optional (a teacher's closed forms, a population
// gradient, Hessian-vector products, fresh samples on demand) is a
// capability: a small interface of its own, with a unique name, that an
// object offers or not. A consumer asks for one by type and gets it or null:
//
//   if (const auto* risk = capability<PopulationRisk>(data)) ... risk->network_mse(view) ...
//
// or requires it, and the experiment is refused with a message that names
// what is missing:
//
//   const auto& drift = require_capability<PopulationDrift>(data, "drift_concentration");
//
// A plugin offers capabilities by deriving from them and listing them:
//
//   class MyTeacher : public TeacherGenerator, public PopulationRisk {
//     void* find_capability(std::string_view name) override {
//       return offer<PopulationRisk>(this, name, TeacherGenerator::find_capability(name));
//     }
//   };
//
// A new capability is a new interface with a name (a kCapability member) and
// a one-line description (kDescription); no existing interface changes, so no
// plugin has to be rebuilt for it. The lookup is by name, not by RTTI, so it
// works across shared libraries and lets an object decline a capability its
// parameters rule out (answering null for it). After COM's QueryInterface.
#pragma once

#include <relulab/params.hpp>

#include <string>
#include <string_view>

namespace relulab {

// The base of every object that may offer capabilities: plugin objects
// (plugin_object.hpp) and the objective an optimizer trains (optimizer.hpp).
class CapabilityProvider {
 public:
  virtual ~CapabilityProvider() = default;
  // The capability called `name` (a Capability::kCapability) if this object
  // offers it, else null. The pointer points into this object.
  virtual void* find_capability(std::string_view /*name*/) { return nullptr; }
};

// For find_capability overrides: `self` as the first of `Capabilities` whose
// name is `name`, else `otherwise` (what a base class offers, or null).
template <class... Capabilities, class Self>
void* offer(Self* self, std::string_view name, void* otherwise = nullptr) {
  void* found = nullptr;
  // The fold stops at the first match; its value is not needed (void: clang's -Wunused-value).
  (void)((name == Capabilities::kCapability ? (found = static_cast<Capabilities*>(self), true) : false) || ...);
  return found ? found : otherwise;
}

// The capability `Capability` of `provider`, or null.
template <class Capability>
Capability* capability(CapabilityProvider& provider) {
  return static_cast<Capability*>(provider.find_capability(Capability::kCapability));
}
// Capabilities are asked for on const objects too (metrics see the data
// generator as const); find_capability changes nothing, so the cast is sound.
template <class Capability>
const Capability* capability(const CapabilityProvider& provider) {
  return capability<Capability>(const_cast<CapabilityProvider&>(provider));
}
template <class Capability>
const Capability* capability(const CapabilityProvider* provider) {
  return provider ? capability<Capability>(*provider) : nullptr;
}

// A capability a plugin needed and the experiment does not offer. It is a
// ParameterError at the needing plugin's `plugin` key, so the host reports it
// at that line of the experiment file.
class MissingCapability : public ParameterError {
 public:
  MissingCapability(const std::string& who, const std::string& whose, std::string capability,
                    const std::string& description)
      : ParameterError("plugin", who + " needs " + description + " (capability '" + capability + "'), which " + whose +
                                     " does not offer"),
        capability_(std::move(capability)) {}
  const std::string& capability() const { return capability_; }

 private:
  std::string capability_;
};

// The capability, or a MissingCapability saying that `who` needed it and what
// it is; `whose` names the provider in the message ("the data plugin").
template <class Capability>
const Capability& require_capability(const CapabilityProvider* provider, const std::string& who,
                                     const std::string& whose = "the experiment's plugin") {
  if (const Capability* c = capability<Capability>(provider)) return *c;
  throw MissingCapability(who, whose, Capability::kCapability, Capability::kDescription);
}
template <class Capability>
const Capability& require_capability(const CapabilityProvider& provider, const std::string& who,
                                     const std::string& whose = "the experiment's plugin") {
  return require_capability<Capability>(&provider, who, whose);
}

}  // namespace relulab
