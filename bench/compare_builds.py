#!/usr/bin/python3
"""Two builds of relulab's benchmarks side by side: the same benchmarks, the
builds alternating round by round, and the median of each benchmark's ratio
within a round (these virtual machines drift by tens of percent from minute to
minute; a ratio taken within one round cancels most of it).

    bench/compare_builds.py build/bench/relulab_bench build-native/bench/relulab_bench \\
        [--filter '^(SgdStep|SgdStepF32)/'] [--rounds 5]
"""

import argparse
import json
import statistics
import subprocess


def rates(bench, pattern, counter):
    out = subprocess.run([bench, "--benchmark_filter=" + pattern, "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    return {b["name"]: b[counter] for b in json.loads(out)["benchmarks"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--filter", default="^(SgdStep|SgdStepF32)/")
    ap.add_argument("--counter", default="steps/s")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    firsts, seconds = {}, {}
    for _ in range(args.rounds):
        a, b = rates(args.first, args.filter, args.counter), rates(args.second, args.filter, args.counter)
        for name in a:
            firsts.setdefault(name, []).append(a[name])
            seconds.setdefault(name, []).append(b.get(name, float("nan")))
    print(f"{args.counter}, median of {args.rounds} rounds; ratio = first / second within a round")
    print(f"{'benchmark':28s} {'first':>12s} {'second':>12s} {'ratio':>7s}")
    for name in firsts:
        ratio = statistics.median(x / y for x, y in zip(firsts[name], seconds[name]))
        print(f"{name:28s} {statistics.median(firsts[name]):12.0f} {statistics.median(seconds[name]):12.0f} "
              f"{ratio:7.2f}")


if __name__ == "__main__":
    main()
