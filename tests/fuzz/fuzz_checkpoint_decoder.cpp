// libFuzzer target over the checkpoint decoder (io/output.hpp), which reads
// checkpoint.bin on every resume. The input is a checkpoint without its
// trailing CRC-32: the harness appends the matching one, so the fuzzer
// explores the entry parser instead of the checksum. A decoded checkpoint's
// entries are then read as the host reads them. Refusal is `false` or a
// std::runtime_error; any other exception, a crash or undefined behaviour is a bug.
//   build-asan/tests/fuzz/fuzz_checkpoint_decoder -max_total_time=60 corpus/ tests/fuzz/checkpoint_seeds/
#include "io/output.hpp"

#include <boost/crc.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  const std::uint32_t checksum = crc.checksum();
  bytes.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
  relulab::State state;
  if (!relulab::host::decode_checkpoint(bytes, state)) return 0;
  try {
    (void)state.u64("csv.bytes");
    (void)state.f64("wall_seconds");
    std::vector<double> theta(state.count_doubles("model.theta"));
    state.doubles("model.theta", theta.data(), theta.size());
    std::vector<std::uint64_t> order(state.count_u64s("optimizer.order"));
    state.u64s("optimizer.order", order.data(), order.size());
  } catch (const std::runtime_error&) {
  }
  return 0;
}
