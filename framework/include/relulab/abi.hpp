// relulab plugin ABI: what a plugin and the host must agree on.
//
// A plugin is C++ code that exchanges std::string, std::vector and Eigen
// objects with the host, so both sides must come from the same compiler
// family, the same standard library ABI and the same Eigen configuration.
// Those facts are folded into the *name* of the one symbol a plugin exports,
// so the host can compare them with boost::dll::library_info before it loads
// (and so runs) any code from the library.
#pragma once

#include <Eigen/Core>
#include <boost/preprocessor/cat.hpp>
#include <cstddef>

// Bump when any SDK interface (a virtual function, a struct layout) changes.
#define RELULAB_ABI_VERSION 8

#ifdef RELULAB_TEST_ABI_OVERRIDE  // only the refusal tests build plugins with a foreign ABI
#undef RELULAB_ABI_VERSION
#define RELULAB_ABI_VERSION RELULAB_TEST_ABI_OVERRIDE
#endif

#if defined(__clang__)
#define RELULAB_CC_TAG BOOST_PP_CAT(clang, __clang_major__)
#elif defined(__GNUC__)
#define RELULAB_CC_TAG BOOST_PP_CAT(gnu, __GNUC__)
#else
#define RELULAB_CC_TAG othercc
#endif

#if defined(_LIBCPP_VERSION)
#define RELULAB_STL_TAG libcxx
#elif defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define RELULAB_STL_TAG stdcxx11
#else
#define RELULAB_STL_TAG stdcxxold
#endif

#define RELULAB_EIGEN_TAG                                                                                            \
  BOOST_PP_CAT(                                                                                                      \
      BOOST_PP_CAT(BOOST_PP_CAT(BOOST_PP_CAT(BOOST_PP_CAT(eigen, EIGEN_WORLD_VERSION), x), EIGEN_MAJOR_VERSION), x), \
      EIGEN_MINOR_VERSION)

// Eigen's heap allocator depends on its maximal alignment (16 for SSE, 32 for
// AVX, 64 for AVX-512): a matrix allocated by one side and freed by the other
// must agree on it, so -march=native plugins only mix with -march=native hosts.
#define RELULAB_ALIGN_TAG BOOST_PP_CAT(align, EIGEN_MAX_ALIGN_BYTES)

#ifdef RELULAB_TEST_TOOLCHAIN_OVERRIDE  // only the refusal tests fake a foreign toolchain
#define RELULAB_TOOLCHAIN_TAG RELULAB_TEST_TOOLCHAIN_OVERRIDE
#else
#define RELULAB_TOOLCHAIN_TAG                                                                                    \
  BOOST_PP_CAT(                                                                                                  \
      BOOST_PP_CAT(BOOST_PP_CAT(BOOST_PP_CAT(BOOST_PP_CAT(BOOST_PP_CAT(RELULAB_CC_TAG, _), RELULAB_STL_TAG), _), \
                                RELULAB_EIGEN_TAG),                                                              \
                   _),                                                                                           \
      RELULAB_ALIGN_TAG)
#endif

// The exported symbol: relulab_plugin_abi<N>_<toolchain tag>, e.g.
// relulab_plugin_abi2_gnu12_stdcxx11_eigen3x4x0_align16.
#define RELULAB_ENTRY_SYMBOL \
  BOOST_PP_CAT(BOOST_PP_CAT(BOOST_PP_CAT(relulab_plugin_abi, RELULAB_ABI_VERSION), _), RELULAB_TOOLCHAIN_TAG)

// The ELF section that holds the entry (at most 8 bytes, a Boost.DLL rule).
#define RELULAB_SECTION relulab

#define RELULAB_STRINGIZE_IMPL(x) #x
#define RELULAB_STRINGIZE(x) RELULAB_STRINGIZE_IMPL(x)

namespace relulab {

inline constexpr int kAbiVersion = RELULAB_ABI_VERSION;
inline constexpr const char* kEntrySymbol = RELULAB_STRINGIZE(RELULAB_ENTRY_SYMBOL);
inline constexpr const char* kToolchainTag = RELULAB_STRINGIZE(RELULAB_TOOLCHAIN_TAG);
inline constexpr const char* kSectionName = RELULAB_STRINGIZE(RELULAB_SECTION);

}  // namespace relulab
