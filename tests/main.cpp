#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "support.hpp"

// Heap allocations are counted by the host library (framework/src/registry/allocations.cpp),
// which replaces operator new for the whole process, plugins included.
int main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
