#!/usr/bin/env python3
"""The Figure 1 table over data seeds: final train and test MSE per n, mean and
sample standard deviation over the seeds present. Reads the cells collected by
scripts/collect_cells.py, so runs made separately (seed 0 of record, seeds 1 and
2 later, in other sessions) combine.

usage: seed_table.py CSV [CSV ...] [--name fig1_linear_threshold --name fig1_seeds] [--precision float64] [--out fig.png]
"""
import argparse
import statistics

import full_scale_cells


def finals(path, names, precision, optimizer):
    rows = {}
    for r in full_scale_cells.rows(path, names, precision, optimizer):
        rows.setdefault(int(r["n"]), {}).setdefault(int(r["data_seed"]), r)  # the first file wins
    return rows


def spread(values):
    if len(values) < 2:
        return f"{values[0]:.3g}"
    return f"{statistics.mean(values):.3g} ± {statistics.stdev(values):.2g}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="+", help="cell CSVs; for the same n and seed a later file does not replace an earlier one")
    ap.add_argument("--name", action="append")
    ap.add_argument("--precision", default="float64")
    ap.add_argument("--optimizer", default="sgd")
    ap.add_argument("--out", help="PNG: train and test MSE against n, mean and standard deviation over the seeds")
    args = ap.parse_args()
    rows = finals(args.csv, set(args.name or ["fig1_linear_threshold", "fig1_seeds"]), args.precision, args.optimizer)
    print("| n | seeds | train MSE | test MSE | OLS train | OLS test |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sorted(rows):
        cells = list(rows[n].values())
        column = {k: spread([float(c[k]) for c in cells]) for k in ("train_mse", "test_mse", "ols_train_mse", "ols_test_mse")}
        print(f"| {n:,} | {len(cells)} | {column['train_mse']} | {column['test_mse']} | {column['ols_train_mse']} |"
              f" {column['ols_test_mse']} |".replace(",", " "))
    if args.out:
        draw(rows, args.out)


def draw(rows, out):
    fig, ax = full_scale_cells.pyplot().subplots(figsize=(6.4, 4.4))
    ns = sorted(rows)
    for key, label, marker in (("train_mse", "train", "o"), ("test_mse", "test", "s"),
                               ("ols_train_mse", "OLS train", "."), ("ols_test_mse", "OLS test", ".")):
        values = [[float(c[key]) for c in rows[n].values()] for n in ns]
        means = [statistics.mean(v) for v in values]
        stds = [statistics.stdev(v) if len(v) > 1 else 0.0 for v in values]
        ax.errorbar(ns, means, yerr=stds, marker=marker, capsize=3, label=label)
        for n, v in zip(ns, values):  # every seed, faint
            ax.scatter([n] * len(v), v, s=8, color="grey", alpha=0.5)
    ax.axhline(0.09, color="k", lw=0.8, ls=":", label="σ² = 0.09")
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlabel("n"), ax.set_ylabel("MSE")
    ax.set_title("Figure 1, full scale: mean ± std over data seeds (grey: each seed)")
    ax.legend(fontsize=8)
    full_scale_cells.save(fig, out)


if __name__ == "__main__":
    main()
