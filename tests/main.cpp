#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "support.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

// Counting every heap allocation of the process (plugins included: their
// operator new resolves to this one) lets tests assert that hot paths allocate nothing.
namespace relulab::test {
std::atomic<long> g_allocations{0};
}

// GCC 12 pairs inlined malloc/free through these replacements and warns
// falsely about a mismatch; both sides here are malloc and free.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Not under AddressSanitizer: it replaces the allocation functions itself and
// checks that each block is freed by the matching one, which a partial
// replacement here (aligned and nothrow forms left to the runtime) would break.
// The allocation tests say they are skipped there (kCountsAllocations).
#if !RELULAB_TEST_UNDER_ASAN
void* operator new(std::size_t n) {
  relulab::test::g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

int main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
