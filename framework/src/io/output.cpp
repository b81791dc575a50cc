#include "io/output.hpp"

#include <relulab/io/npy.hpp>

#include <boost/crc.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace relulab::host {

namespace {
constexpr char kCheckpointMagic[] = "RELULAB-CHECKPOINT-1\n";

void put_u64(std::string& out, std::uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
bool get_u64(const std::string& in, std::size_t& pos, std::uint64_t& v) {
  if (pos + sizeof v > in.size()) return false;
  std::memcpy(&v, in.data() + pos, sizeof v);
  pos += sizeof v;
  return true;
}
std::uint32_t crc32(const char* p, std::size_t n) {
  boost::crc_32_type crc;
  crc.process_bytes(p, n);
  return crc.checksum();
}

}  // namespace

bool decode_checkpoint(const std::string& bytes, State& state) {
  const std::size_t magic_len = sizeof kCheckpointMagic - 1;
  if (bytes.size() < magic_len + 12 || bytes.compare(0, magic_len, kCheckpointMagic) != 0) return false;
  std::uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
  if (crc32(bytes.data(), bytes.size() - 4) != stored) return false;
  const std::string body = bytes.substr(0, bytes.size() - 4);
  std::size_t pos = magic_len;
  std::uint64_t count;
  if (!get_u64(body, pos, count)) return false;
  State s;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t klen, vlen;
    // Compared as remaining bytes: pos + length could wrap around for a crafted length.
    if (!get_u64(body, pos, klen) || klen > body.size() - pos) return false;
    std::string key = body.substr(pos, klen);
    pos += klen;
    if (!get_u64(body, pos, vlen) || vlen > body.size() - pos) return false;
    s.entries()[key] = body.substr(pos, vlen);
    pos += vlen;
  }
  if (pos != body.size()) return false;
  state = std::move(s);
  return true;
}

std::string shared_tmp_suffix() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return ".tmp." + std::string(host) + "." + std::to_string(::getpid());
}

void write_file_atomic(const fs::path& path, const std::string& bytes, const std::string& tmp_suffix) {
  const fs::path tmp = path.string() + tmp_suffix;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw OutputError("cannot write " + tmp.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw OutputError("cannot write " + tmp.string() + ": " + why);
    }
    done += static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw OutputError("cannot write " + tmp.string() + ": " + why);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    throw OutputError("cannot rename " + tmp.string() + " to " + path.string() + ": " + std::strerror(errno));
  sync_directory(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

void refuse_other_kind(const fs::path& dir, FolderKind kind, bool fresh) {
  static const char* const kNames[] = {"a run", "a sweep", "a search"};
  static const char* const kMarks[] = {"config.toml", "sweep.json", "search.csv"};
  const int mine = static_cast<int>(kind);
  for (int other = 0; other < 3; ++other)
    if (other != mine && fs::exists(dir / kMarks[other]))
      throw OutputError(dir.string() + " holds " + kNames[other] + " (its " + kMarks[other] + "), and this is " +
                        kNames[mine] + ": each would overwrite the other's files; choose another --out");
  if (kind == FolderKind::Run && !fresh && !fs::exists(dir / "config.toml"))
    for (const char* file : {"metrics.csv", "summary.json"})
      if (fs::exists(dir / file))
        throw OutputError(dir.string() + " holds a " + file +
                          " that no relulab run wrote (no config.toml beside it); choose another --out, or --fresh "
                          "to overwrite it");
}

void sync_file(const fs::path& path) {
  // fsync acts on the file, not the descriptor: a descriptor of our own
  // makes durable what another stream (an ofstream) has written.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw OutputError("cannot open " + path.string() + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const std::string why = rc != 0 ? std::strerror(errno) : "";
  ::close(fd);
  if (rc != 0) throw OutputError("cannot sync " + path.string() + ": " + why);
}

void sync_directory(const fs::path& dir) {
  // The rename lives in the folder's own blocks: until they reach the disk a
  // power cut can bring back the old file, or none (SQLite syncs the folder too).
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw OutputError("cannot open the folder " + dir.string() + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const std::string why = rc != 0 ? std::strerror(errno) : "";
  ::close(fd);
  if (rc != 0) throw OutputError("cannot sync the folder " + dir.string() + ": " + why);
}

void create_output_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    // Name the part of the path that is in the way, if one is.
    std::string detail;
    for (fs::path p = dir; !p.empty() && p != p.parent_path(); p = p.parent_path())
      if (fs::exists(p) && !fs::is_directory(p)) detail = " (" + p.string() + " is a file, not a folder)";
    throw OutputError("cannot create the output folder " + dir.string() + ": " + ec.message() + detail);
  }
}

DirectoryLock::DirectoryLock(const fs::path& dir, const std::string& name, const std::string& what) {
  const fs::path path = dir / name;
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw OutputError("cannot create the lock file " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    const ssize_t got = ::pread(fd_, buf, sizeof buf - 1, 0);
    const std::string holder = got > 0 ? std::string(buf, static_cast<std::size_t>(got)) : "?";
    ::close(fd_);
    fd_ = -1;
    throw OutputError("another relulab process (pid " + holder + ") is running " + what + " in " + dir.string() +
                      "; two at once would corrupt it. Wait for it to finish, or stop it (Ctrl-C checkpoints) and "
                      "run again to resume");
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message above; the lock itself holds.
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  char buf[32];
  // Whole seconds as 64-bit integers: an int overflowed past 68 years ("left -596523h").
  const auto whole = static_cast<long long>(std::min(s, 1e15));
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%lldm%02llds", whole / 60, whole % 60);
  else if (s < 86400) std::snprintf(buf, sizeof buf, "%lldh%02lldm", whole / 3600, (whole % 3600) / 60);
  else if (s < 1e9) std::snprintf(buf, sizeof buf, "%lldd%02lldh", whole / 86400, (whole % 86400) / 3600);
  else std::snprintf(buf, sizeof buf, "%.2g years", s / (365.25 * 86400));
  return buf;
}

void write_npy(const fs::path& path, const double* data, const std::vector<std::size_t>& shape) {
  write_file_atomic(path, io::npy::encode(data, shape));
}

void write_checkpoint(const fs::path& dir, const State& state) {
  std::string out(kCheckpointMagic);
  put_u64(out, state.entries().size());
  for (const auto& [k, v] : state.entries()) {
    put_u64(out, k.size());
    out += k;
    put_u64(out, v.size());
    out += v;
  }
  const std::uint32_t c = crc32(out.data(), out.size());
  out.append(reinterpret_cast<const char*>(&c), 4);
  const fs::path current = dir / "checkpoint.bin", previous = dir / "checkpoint.prev.bin";
  std::error_code ec;
  if (fs::exists(current, ec)) fs::rename(current, previous, ec);
  write_file_atomic(current, out);
}

bool read_checkpoint(const fs::path& dir, State& state, std::string& note) {
  const fs::path current = dir / "checkpoint.bin", previous = dir / "checkpoint.prev.bin";
  const bool have_current = fs::exists(current), have_previous = fs::exists(previous);
  if (!have_current && !have_previous) return false;
  if (have_current && decode_checkpoint(read_file(current), state)) return true;
  if (have_previous && decode_checkpoint(read_file(previous), state)) {
    note = have_current
               ? current.string() + " is damaged (checksum mismatch or truncated); resumed from the previous checkpoint"
               : "resumed from the previous checkpoint (the newest was not written completely)";
    return true;
  }
  throw std::runtime_error("refusing to resume: the checkpoints in " + dir.string() +
                           " are damaged (checksum mismatch or truncated); rerun with --fresh to start over");
}

}  // namespace relulab::host
