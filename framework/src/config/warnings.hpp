// Warnings a user should see once per process, however many cells of a sweep
// repeat the cause (an old spelling in the experiment file, ...).
#pragma once

#include <string>

namespace relulab::host {

// Prints "relulab: warning: <message>" to stderr the first time `topic` is
// warned about in this process; later calls with the same topic print nothing.
void warn_once(const std::string& topic, const std::string& message);

}  // namespace relulab::host
