// A run directory before training starts: locked for this process, emptied of
// results by --fresh, and found finished (its summary), resumable (its
// checkpoint) or new. A directory holding another experiment is refused.
#pragma once

#include "config/config.hpp"
#include "io/output.hpp"

#include <relulab/state.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace relulab::host {

class RunDirectory {
 public:
  enum class Found { New, Finished, Resumable };

  RunDirectory(const std::filesystem::path& dir, const Experiment& ex, bool fresh);

  const std::filesystem::path& path() const { return dir_; }
  Found found() const { return found_; }
  const State& checkpoint() const { return checkpoint_; }
  // Says which checkpoint was read when it fell back to the previous one.
  const std::string& checkpoint_note() const { return checkpoint_note_; }

 private:
  void discard_results();
  void refuse_if_other(const std::string& hash, const Experiment& ex, const std::string& what,
                       const std::string& advice) const;

  std::filesystem::path dir_;
  // One process at a time in a run directory (a second one would interleave
  // its rows and checkpoints with the first's).
  std::optional<DirectoryLock> lock_;
  Found found_ = Found::New;
  State checkpoint_;
  std::string checkpoint_note_;
};

}  // namespace relulab::host
