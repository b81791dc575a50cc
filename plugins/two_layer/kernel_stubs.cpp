// The entry points of the kernels this build left out (a CPU other than x86-64,
// or RELULAB_KERNEL_ISAS): no function, so kernel_select.cpp never offers them.
#include "kernel.hpp"

namespace relulab::two_layer {

#ifdef RELULAB_WITHOUT_KERNEL_avx2
Kernel kernel_avx2() { return {"avx2", nullptr, nullptr, nullptr, nullptr}; }
#endif
#ifdef RELULAB_WITHOUT_KERNEL_avx512
Kernel kernel_avx512() { return {"avx512", nullptr, nullptr, nullptr, nullptr}; }
#endif

}  // namespace relulab::two_layer
