#!/usr/bin/env bash
# Prints the two_layer kernels this CPU runs, as RELULAB_KERNEL_ISAS takes them ("avx2;avx512", "avx2"
# or nothing: SSE2 is always built). Builds that only run here (the quickstart, the sanitizers) compile
# only these: each kernel takes about a minute of a core, and one the CPU cannot run is never chosen.
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
isas=""
if has avx2 fma; then isas="avx2"; fi
if has avx512f avx512dq avx512vl avx512bw; then isas="$isas;avx512"; fi
echo "${isas#;}"
