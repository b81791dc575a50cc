#!/usr/bin/python3
"""Two builds of one plugin, compared under one benchmark binary in A B B A rounds.

On a shared virtual machine the speed drifts by tens of percent from minute to
minute, so two builds timed minutes apart cannot be compared. Here each round
runs build A, B, B, A back to back (the plugin file swapped between runs, the
benchmark binary the same); each run keeps each benchmark's fastest of three
short repetitions. Per benchmark it prints the median of the per-round ratios
B / A with their range, and the ratio of the fastest runs overall (neighbours
can only slow a run down). The plugin file in place at the start is put back.

    bench/ab_plugins.py --filter 'SgdStep(F32)?/1000$' --rounds 6 old/libtwo_layer.so new/libtwo_layer.so

Times are per SGD step in microseconds where the benchmark reports steps/s,
else the benchmark's own time unit.
"""

import argparse
import collections
import json
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path


def fastest_times(bench, pattern):
    """One run of the benchmark binary: each benchmark's fastest repetition."""
    out = subprocess.run([bench, "--benchmark_filter=" + pattern, "--benchmark_format=json",
                          "--benchmark_repetitions=3", "--benchmark_min_time=0.1"],
                         check=True, capture_output=True, text=True).stdout
    best = collections.defaultdict(lambda: float("inf"))
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        time = 1e6 / b["steps/s"] if "steps/s" in b else b["real_time"]
        best[b["run_name"]] = min(best[b["run_name"]], time)
    return best


def put(source, target):
    """Copies source over target by a rename, never by writing into target's file: a process that
    has target loaded (a run in the background) keeps its own copy mapped, where writing in place
    would change the code under it (a background search died of this, 2026-12-08)."""
    staged = target.with_name(target.name + ".ab-staged")
    shutil.copy2(source, staged)
    staged.replace(target)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="build A of the plugin (the reference)")
    parser.add_argument("b", help="build B of the plugin")
    parser.add_argument("--filter", required=True, help="benchmark filter (a regular expression)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bench", default="build/bench/relulab_bench")
    parser.add_argument("--installed", default="build/plugins/libtwo_layer.so",
                        help="the plugin file the benchmark loads, swapped between runs")
    args = parser.parse_args()
    installed = Path(args.installed)
    ratios, times = collections.defaultdict(list), {"A": collections.defaultdict(list),
                                                     "B": collections.defaultdict(list)}
    with tempfile.TemporaryDirectory() as keep:
        original = Path(keep) / installed.name
        shutil.copy2(installed, original)
        try:
            for _ in range(args.rounds):
                runs = []
                for label, build in (("A", args.a), ("B", args.b), ("B", args.b), ("A", args.a)):
                    put(build, installed)
                    runs.append((label, fastest_times(args.bench, args.filter)))
                for name in runs[0][1]:
                    a = runs[0][1][name] + runs[3][1][name]
                    b = runs[1][1][name] + runs[2][1][name]
                    ratios[name].append(b / a)
                    for label, run in runs:
                        times[label][name].append(run[name])
        finally:
            put(original, installed)
    for name, r in ratios.items():
        a, b = times["A"][name], times["B"][name]
        print(f"{name:30s} A {statistics.median(a):9.2f}  B {statistics.median(b):9.2f}  "
              f"B/A median {statistics.median(r):.3f} (range {min(r):.3f}-{max(r):.3f})  "
              f"fastest runs {min(b) / min(a):.3f}")


if __name__ == "__main__":
    main()
