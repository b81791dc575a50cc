// The common base of every plugin object: the host owns one through this
// type until it hands it over as its kind's interface (plugin.hpp). Every
// plugin object may offer capabilities beyond its kind (capability.hpp).
#pragma once

#include <relulab/capability.hpp>

namespace relulab {

class PluginObject : public CapabilityProvider {};

}  // namespace relulab
