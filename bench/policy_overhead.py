#!/usr/bin/python3
"""The cost of each optimizer policy on the width-1000 SGD step: the
SgdStepPolicy benchmarks (the bare step and the step wrapped in one policy
each) run in rounds; within a round every benchmark runs once, in a shuffled
order, and each policy's time is divided by the bare step's of the same round
(these virtual machines drift by tens of percent from minute to minute; a
ratio within one round cancels most of it). Prints the median over rounds.

    bench/policy_overhead.py [--bench build/bench/relulab_bench] [--rounds 7]
"""

import argparse
import json
import statistics
import subprocess


def one_round(bench):
    out = subprocess.run([bench, "--benchmark_filter=^SgdStepPolicy/", "--benchmark_format=json",
                          "--benchmark_enable_random_interleaving=true",
                          "--benchmark_min_time=0.5"],
                         check=True, capture_output=True, text=True).stdout
    times = {}
    for b in json.loads(out)["benchmarks"]:
        name = b["name"].split("/")[1]
        times[name] = 1e6 / b["steps/s"]  # microseconds per step
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", default="build/bench/relulab_bench")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    rounds = [one_round(args.bench) for _ in range(args.rounds)]
    names = list(rounds[0])
    print(f"SGD step, d = 5, batch 32, width 1000, float64; median of {args.rounds} rounds")
    print(f"{'policy':24s} {'us/step':>8s} {'cost':>8s}")
    for name in names:
        micro = statistics.median(r[name] for r in rounds)
        cost = statistics.median(r[name] / r["none"] - 1 for r in rounds)
        print(f"{name:24s} {micro:8.2f} {100 * cost:+7.1f}%")


if __name__ == "__main__":
    main()
