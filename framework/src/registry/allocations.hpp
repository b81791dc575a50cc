// Every heap allocation of the process, counted, so that checks can assert
// that a hot path allocates nothing: the contract checks (`relulab
// check-plugin`), the test suite and the benchmarks. Plugins' allocations
// resolve to the host's counting malloc, so they are counted too.
#pragma once

#include <atomic>

// AddressSanitizer owns the allocation functions: nothing is counted there.
#if defined(__SANITIZE_ADDRESS__)
#define RELULAB_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RELULAB_UNDER_ASAN 1
#endif
#endif
#ifndef RELULAB_UNDER_ASAN
#define RELULAB_UNDER_ASAN 0
#endif

namespace relulab::host {

#if defined(__GLIBC__)
inline constexpr bool kCountsAllocations = !RELULAB_UNDER_ASAN;
#else
inline constexpr bool kCountsAllocations = false;
#endif

// Calls of malloc, calloc and realloc so far, by anyone in the process
// (operator new and Eigen included); 0 forever where kCountsAllocations is false.
long heap_allocations();

}  // namespace relulab::host
