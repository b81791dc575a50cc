// Random streams. One experiment seed; every consumer (data, initialisation,
// batches, test samples) draws from its own stream whose seed is derived from
// the experiment seed and the stream's name, so adding draws to one consumer
// never shifts another's numbers. Boost.Random's engines and distributions are
// specified exactly (unlike std::normal_distribution), so the same seed gives
// the same numbers with every compiler and standard library.
#pragma once

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

namespace relulab {

// splitmix64's finaliser: a bijection that scrambles nearby seeds apart.
inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Seed of the stream called `name` under experiment seed `root`.
inline std::uint64_t derive_seed(std::uint64_t root, std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a of the name
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
  return mix64(mix64(root) ^ h);
}

class Rng {
 public:
  using Engine = boost::random::mt19937_64;

  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

  double normal() { return boost::random::normal_distribution<double>(0.0, 1.0)(engine_); }
  double uniform() { return boost::random::uniform_01<double>()(engine_); }
  // Uniform on {0, ..., n-1}; n > 0.
  std::uint64_t below(std::uint64_t n) {
    return boost::random::uniform_int_distribution<std::uint64_t>(0, n - 1)(engine_);
  }
  bool coin() { return below(2) == 1; }
  Engine& engine() { return engine_; }

  // The full engine state as text, for checkpoints.
  std::string save() const {
    std::ostringstream out;
    out << engine_;
    return out.str();
  }
  void restore(const std::string& state) {
    std::istringstream in(state);
    in >> engine_;
  }

 private:
  Engine engine_;
};

}  // namespace relulab
