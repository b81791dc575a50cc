// Files of a run directory: atomic writes, CSV numbers, checkpoints.
#pragma once

#include <relulab/state.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace relulab::host {

namespace fs = std::filesystem;

// Writing results failed (disk full, file-size limit, read-only or missing
// folder): the host's fault, not a plugin's; the message names the file and
// the system's reason.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Creates `dir` (and its parents) or throws an OutputError that says why,
// e.g. when a file stands where a folder should be.
void create_output_directory(const fs::path& dir);

// An exclusive lock on `dir`, held while one relulab process writes there
// (flock on dir/<name>: released by the kernel when the process dies, even by
// kill -9, so a lock never outlives its holder). Throws an OutputError naming
// the holder's pid when another process has it.
class DirectoryLock {
 public:
  DirectoryLock(const fs::path& dir, const std::string& name, const std::string& what);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

// Writes `bytes` to `path` through a temporary file, an fsync, a rename and
// an fsync of the folder, so a reader (or a crash, or a power cut) sees the old
// file or the new one, never half of one. Throws OutputError.
void write_file_atomic(const fs::path& path, const std::string& bytes, const std::string& tmp_suffix = ".tmp");
// A temporary-file suffix of this process alone (".tmp.<host>.<pid>"), for files that several processes
// write at once: the shards of a sweep each write its sweep.json and table.csv, and one process's
// rename must not take another's half-written temporary file.
std::string shared_tmp_suffix();
// The kinds of result folder, told apart by the file each writes first:
// a run's config.toml, a sweep's sweep.json, a search's search.csv.
enum class FolderKind { Run, Sweep, Search };
// Throws OutputError when `dir` holds another kind's results (each kind
// would overwrite the others' summary.json and mix their files), or, for a
// run, a metrics.csv or summary.json beside no config.toml (files no run
// wrote there: the user's own) unless `fresh`.
void refuse_other_kind(const fs::path& dir, FolderKind kind, bool fresh);
// fsync of a file written through another stream: makes its bytes durable.
void sync_file(const fs::path& path);
// fsync of a folder: makes the renames and creations in it durable.
void sync_directory(const fs::path& dir);
std::string read_file(const fs::path& path);

// Shortest text that reads back to the same double ("nan", "inf" for those).
std::string format_number(double v);

// "42s", "3m07s", "2h05m"
std::string format_duration(double seconds);

void write_npy(const fs::path& path, const double* data, const std::vector<std::size_t>& shape);

// Checkpoints: a State with a magic header and a CRC-32, written atomically;
// the previous one is kept as a fallback.
void write_checkpoint(const fs::path& dir, const State& state);
// A checkpoint's bytes to a State: false for a wrong magic, a CRC that does
// not match, or entries that do not fill the body exactly.
bool decode_checkpoint(const std::string& bytes, State& state);
// Reads the newest intact checkpoint of `dir`; `note` says if it fell back to
// the previous one. Throws if checkpoints exist but none is intact.
bool read_checkpoint(const fs::path& dir, State& state, std::string& note);

}  // namespace relulab::host
