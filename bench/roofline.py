#!/usr/bin/python3
"""How far the width-1000 SGD step and full-batch gradient are from the core's peak.

Each round runs the peak benchmarks (PeakMultiplyAdd in float64,
PeakMultiplyAddF32 in float32, both compiled for the CPU's widest instruction
set) and the kernels back to back, and takes the ratio peak / kernel of the
same precision within the round. On a shared virtual
machine both drift by tens of percent from minute to minute; a ratio taken
within one round cancels most of that, and the median over rounds the rest.

    bench/roofline.py [--bench build/bench/relulab_bench] [--rounds 9]
"""

import argparse
import json
import statistics
import subprocess

# kernel -> the peak of its precision
KERNELS = {"SgdStep/1000": "PeakMultiplyAdd", "FullBatchGradient/1000": "PeakMultiplyAdd",
           "SgdStepF32/1000": "PeakMultiplyAddF32"}
PEAKS = ("PeakMultiplyAdd", "PeakMultiplyAddF32")


def one_round(bench):
    pattern = "^(" + "|".join(k + "$" for k in tuple(KERNELS) + PEAKS) + ")"
    out = subprocess.run(
        [bench, "--benchmark_filter=" + pattern, "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    rates = {b["name"]: b["GFLOP/s"] for b in json.loads(out)["benchmarks"]}
    return {p: rates[p] for p in PEAKS}, {k: rates[k] for k in KERNELS}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="build/bench/relulab_bench")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    peaks, rates, ratios = {p: [] for p in PEAKS}, {k: [] for k in KERNELS}, {k: [] for k in KERNELS}
    for _ in range(args.rounds):
        peak, kernel_rates = one_round(args.bench)
        for p in PEAKS:
            peaks[p].append(peak[p])
        for k, r in kernel_rates.items():
            rates[k].append(r)
            ratios[k].append(peak[KERNELS[k]] / r)
    for p in PEAKS:
        print(f"{p:24s} median {statistics.median(peaks[p]):.1f} GFLOP/s "
              f"(range {min(peaks[p]):.1f}-{max(peaks[p]):.1f}) over {args.rounds} rounds")
    for k in KERNELS:
        print(f"{k:24s} median {statistics.median(rates[k]):5.1f} GFLOP/s "
              f"(range {min(rates[k]):.1f}-{max(rates[k]):.1f}); "
              f"peak / kernel: median {statistics.median(ratios[k]):.2f}x "
              f"(range {min(ratios[k]):.2f}-{max(ratios[k]):.2f})")


if __name__ == "__main__":
    main()
