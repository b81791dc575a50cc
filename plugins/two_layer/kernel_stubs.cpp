// On a CPU other than x86-64 only the portable kernel is compiled.
#include "kernel.hpp"

namespace relulab::two_layer {

Kernel kernel_avx2() { return {"avx2", nullptr}; }
Kernel kernel_avx512() { return {"avx512", nullptr}; }

}  // namespace relulab::two_layer
