// libFuzzer target over the .npy decoder (relulab/io/npy.hpp), which reads
// users' data files and the run folders' arrays. It may refuse an input only
// with a std::runtime_error (a message for the user); any other exception, a
// crash, an allocation beyond the input's own size or undefined behaviour is a bug.
//   build-asan/tests/fuzz/fuzz_npy_decoder -max_total_time=60 corpus/ tests/fuzz/npy_seeds/
#include <relulab/io/npy.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const relulab::io::npy::Array a = relulab::io::npy::decode(bytes);
    std::size_t count = 1;
    for (auto extent : a.shape) count *= extent;  // decode checked that this product does not overflow
    if (count != a.data.size()) __builtin_trap();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
