#include "config/warnings.hpp"

#include <iostream>
#include <mutex>
#include <set>

namespace relulab::host {

void warn_once(const std::string& topic, const std::string& message) {
  static std::mutex mutex;  // sweeps validate cells on several threads
  static std::set<std::string> warned;
  const std::lock_guard<std::mutex> lock(mutex);
  if (!warned.insert(topic).second) return;
  std::cerr << "relulab: warning: " << message << "\n";
}

}  // namespace relulab::host
