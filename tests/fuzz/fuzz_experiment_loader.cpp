// libFuzzer target over the experiment loader (see loader_harness.hpp).
// Built by -DRELULAB_FUZZ=ON with clang; seeded with experiments/:
//   build-asan/tests/fuzz/fuzz_experiment_loader -max_total_time=60 corpus/ experiments/ experiments/paper/
#include "loader_harness.hpp"

#include <cstddef>
#include <cstdint>

namespace {
relulab::host::Registry& registry() {
  static relulab::host::Registry* r = [] {
    auto* reg = new relulab::host::Registry;
    reg->add_search_dir(RELULAB_FUZZ_PLUGIN_DIR, "build tree");
    reg->scan();
    return reg;
  }();
  return *r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  relulab::fuzz::load_experiment_text(std::string_view(reinterpret_cast<const char*>(data), size), registry());
  return 0;
}
