// Picks the kernel for the CPU the plugin runs on, once, at first use.
#include "kernel.hpp"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace relulab::two_layer {

namespace {

bool cpu_runs(const char* isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (std::strcmp(isa, "avx512") == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
  if (std::strcmp(isa, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return true;  // SSE2 is part of x86-64
#else
  return std::strcmp(isa, "sse2") == 0;  // only the portable kernel is compiled
#endif
}

}  // namespace

std::size_t supported_kernels(Kernel* out, std::size_t capacity) {
  std::size_t count = 0;
  for (Kernel k : {kernel_sse2(), kernel_avx2(), kernel_avx512()})
    if (k.loss_and_gradient && cpu_runs(k.isa) && count < capacity) out[count++] = k;
  return count;
}

Kernel select_kernel() {
  Kernel all[3];
  const std::size_t count = supported_kernels(all, 3);
  if (const char* wanted = std::getenv("RELULAB_ISA"))
    for (std::size_t i = 0; i < count; ++i)
      if (std::strcmp(all[i].isa, wanted) == 0) return all[i];
  return all[count - 1];  // the widest
}

}  // namespace relulab::two_layer
