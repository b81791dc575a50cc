#include "registry/allocations.hpp"

#include <cstddef>

namespace {
std::atomic<long> g_count{0};
}

namespace relulab::host {
long heap_allocations() { return g_count.load(std::memory_order_relaxed); }
}  // namespace relulab::host

// Counting at malloc, not at operator new: Eigen's dynamic matrices call
// malloc directly, and a temporary Eigen vector in a plugin's hot path is the
// allocation most worth catching. Symbols of the executable come first in
// the dynamic linker's search, so the C++ library, Eigen code in plugins and
// the plugins' own calls all land here; each forwards to glibc's allocator,
// so memory from here and from glibc's free/realloc mix freely. Aligned
// allocations (aligned_alloc, posix_memalign) are not counted.
//
// Not under AddressSanitizer, which intercepts the allocation functions itself.
#if !RELULAB_UNDER_ASAN && defined(__GLIBC__)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);

void* malloc(std::size_t n) {
  g_count.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t size) {
  g_count.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t n) {
  g_count.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
}
#endif
