// The common base of every plugin object: the host owns one through this
// type until it hands it over as its kind's interface (plugin.hpp).
#pragma once

namespace relulab {

class PluginObject {
 public:
  virtual ~PluginObject() = default;
};

}  // namespace relulab
