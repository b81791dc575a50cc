#include "run/run_directory.hpp"

#include <nlohmann/json.hpp>

namespace relulab::host {

RunDirectory::RunDirectory(const fs::path& dir, const Experiment& ex, bool fresh) : dir_(dir) {
  create_output_directory(dir_);
  lock_.emplace(dir_, ".lock", "this run");
  refuse_other_kind(dir_, FolderKind::Run, fresh);
  if (fresh) discard_results();
  if (fs::exists(dir_ / "summary.json")) {
    const auto summary = nlohmann::json::parse(read_file(dir_ / "summary.json"));
    refuse_if_other(summary.value("config_hash", ""), ex, "the results", "--fresh to overwrite it");
    found_ = Found::Finished;
  } else if (read_checkpoint(dir_, checkpoint_, checkpoint_note_)) {
    refuse_if_other(checkpoint_.text("config_hash"), ex, "a checkpoint", "--fresh to start over");
    found_ = Found::Resumable;
  }
}

void RunDirectory::discard_results() {
  for (const auto& f : {"metrics.csv", "summary.json", "checkpoint.bin", "checkpoint.prev.bin"}) fs::remove(dir_ / f);
}

void RunDirectory::refuse_if_other(const std::string& hash, const Experiment& ex, const std::string& what,
                                   const std::string& advice) const {
  if (hash == ex.hash) return;
  throw std::runtime_error(dir_.string() + " holds " + what + " of a different experiment; choose another --out, or " +
                           advice);
}

}  // namespace relulab::host
