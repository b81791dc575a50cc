#!/usr/bin/env python3
"""float32 against float64 on the same Figure 1 cells (same data, initial weights
and batches: only the precision of the training steps differs), set against the
seed-to-seed spread (issue 21's check before float32 is used widely).

For each n: the float64 mean and standard deviation over the data seeds, the
float32 mean, and the paired differences f32 - f64 seed by seed. The verdict
per metric: the mean paired difference against the float64 seed spread
(|mean difference| / seed std), and against the standard error of the paired
differences (a t statistic with seeds - 1 degrees of freedom).

usage: precision_check.py CSV [CSV ...] [--f32 fig1_float32_check] [--f64 fig1_linear_threshold --f64 fig1_seeds] [--out fig.png]
"""
import argparse
import math
import statistics

import full_scale_cells


def cells(path, names, precision):
    out = {}
    for r in full_scale_cells.rows(path, names, precision):
        out.setdefault((int(r["n"]), int(r["data_seed"])), r)  # the first file wins
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="+", help="cell CSVs; for the same n and seed a later file does not replace an earlier one")
    ap.add_argument("--f32", action="append")
    ap.add_argument("--f64", action="append")
    ap.add_argument("--out", help="PNG: every seed's train and test MSE in both precisions against n")
    args = ap.parse_args()
    single = cells(args.csv, set(args.f32 or ["fig1_float32_check"]), "float32")
    double = cells(args.csv, set(args.f64 or ["fig1_linear_threshold", "fig1_seeds"]), "float64")
    print("| n | metric | seeds | float64 mean ± std | float32 mean ± std | mean f32 − f64 | |Δ| / seed std | t |")
    print("|---:|:---|---:|---:|---:|---:|---:|---:|")
    for n in sorted({n for n, _ in single}):
        seeds = sorted(s for m, s in single if m == n and (n, s) in double)
        if not seeds:
            continue
        for metric in ("train_mse", "test_mse"):
            f64 = [float(double[(n, s)][metric]) for s in seeds]
            f32 = [float(single[(n, s)][metric]) for s in seeds]
            diff = [a - b for a, b in zip(f32, f64)]
            sd64 = statistics.stdev(f64) if len(seeds) > 1 else math.nan
            sd32 = statistics.stdev(f32) if len(seeds) > 1 else math.nan
            se = statistics.stdev(diff) / math.sqrt(len(diff)) if len(diff) > 1 else math.nan
            mean_diff = statistics.mean(diff)
            t = mean_diff / se if se and se > 0 else math.nan
            print(f"| {n:,} | {metric} | {len(seeds)} | {statistics.mean(f64):.4g} ± {sd64:.2g} |"
                  f" {statistics.mean(f32):.4g} ± {sd32:.2g} | {mean_diff:+.3g} | {abs(mean_diff) / sd64:.2f} |"
                  f" {t:+.2f} |".replace(",", " "))
    if args.out:
        draw(single, double, args.out)


def draw(single, double, out):
    fig, axes = full_scale_cells.pyplot().subplots(1, 2, figsize=(10, 4))
    ns = sorted({n for n, _ in single})
    for ax, metric in zip(axes, ("train_mse", "test_mse")):
        for cells, label, marker, shift in ((double, "float64", "o", 0.97), (single, "float32", "^", 1.03)):
            points = [(n * shift, float(r[metric])) for (n, _), r in cells.items() if n in ns]
            ax.scatter([p[0] for p in points], [p[1] for p in points], marker=marker, label=label)
        ax.set_xscale("log"), ax.set_yscale("log")
        ax.set_xlabel("n"), ax.set_title(metric + " of each data seed")
        ax.legend(fontsize=8)
    full_scale_cells.save(fig, out)


if __name__ == "__main__":
    main()
